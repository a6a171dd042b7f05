"""The app's config: frozen pydantic models, read from cdk.json or a JSON/YAML file.

The config lives in cdk.json under the context key ``privatelink``; ``cdk synth -c config=FILE``
replaces it with a JSON or YAML file. Unknown keys and wrong types are refused; every value is
checked by the library's own rules (``privatelink_constructs.rules``); all problems are
reported at once, each with its path in the config, before any construct is built::

    provider.ports[1]: 70000 is not a TCP port (1-65535)
    provider.prots: unknown key; did you mean 'ports'? (allowed: ...)

A value left out means the construct's own default: the models declare no default of their
own for anything a construct decides (``None`` = "the construct's default").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, StrictBool, StrictInt, ValidationError, model_validator

from privatelink_constructs import rules
from privatelink_constructs.rules import Problem
from privatelink_constructs.target_updater import FollowMode

from . import handoff, link
from .choices import HEALTH_CHECK_PROTOCOLS, REMOVAL_POLICIES, TARGET_TYPES
from .config_errors import ConfigError, describe, problems_of, raise_problems
from .config_files import read_config_file
from .config_types import (
    Account,
    Cidr,
    Cidrs,
    ConsumerName,
    DnsName,
    Model,
    PrefixListId,
    Region,
    Retention,
    RuleQuota,
    SecurityGroupId,
    SourceIdentifiers,
    Tags,
    Text,
    Texts,
    TopicArn,
    VpcCidr,
    ZoneIds,
    choice,
    rule,
)

__all__ = [
    "CONTEXT_KEY",
    "AppConfig",
    "ConfigError",
    "ConsumerConfig",
    "DatabaseConfig",
    "EnvConfig",
    "HealthCheckConfig",
    "HostedZoneConfig",
    "NotificationsConfig",
    "PeerConfig",
    "PrivateZoneConfig",
    "ProviderConfig",
    "VpcConfig",
    "load_config",
    "parse_config",
]

CONTEXT_KEY = "privatelink"
"""The cdk.json context key that holds the config."""


class EnvConfig(Model):
    """Where a stack deploys. Both empty means environment-agnostic (synthesizes offline)."""

    account: Account | None = None
    region: Region | None = None


class VpcConfig(Model):
    """A new VPC (the default), or an existing one imported by attributes when ``vpc_id`` is set.

    Its zones are named by ID (``availability_zone_ids``, the same zones in every account:
    what PrivateLink partners exchange) or by name (``availability_zones``), not both.
    """

    cidr: VpcCidr = "10.40.0.0/16"
    """The new VPC's CIDR; for an existing VPC, its CIDR (the NLB's egress rules use it)."""
    max_azs: Annotated[StrictInt, rule(lambda v: rules.check_range(v, argument="", low=1, high=6))] | None = (
        None
    )
    """How many AZs a new VPC spans when no zones are listed: two unless given."""
    ipv6: StrictBool = False
    """Give a new VPC an Amazon-provided IPv6 block (needed for a dualstack NLB or endpoint)."""
    vpc_id: Text | None = None
    """An existing VPC's ID: import it instead of creating one."""
    availability_zones: Texts = ()
    """Zone names: of ``subnet_ids`` (existing VPC), or of a new VPC in a stack with a region."""
    availability_zone_ids: ZoneIds = ()
    """Zone IDs (``use1-az1``): of ``subnet_ids`` (existing VPC), or where a new VPC's subnets go."""
    subnet_ids: Texts = ()
    """An existing VPC's private subnets, one per listed zone."""

    @property
    def existing(self) -> bool:
        """Whether the VPC is imported rather than created."""
        return self.vpc_id is not None

    @property
    def zones(self) -> tuple[str, ...]:
        """The zones as listed: IDs or names (what aws-cdk-lib gets as the VPC's zone labels)."""
        return self.availability_zone_ids or self.availability_zones

    @model_validator(mode="after")
    def _zones_and_subnets(self) -> Self:
        problems = []
        if self.availability_zones and self.availability_zone_ids:
            problems.append(
                Problem("availability_zone_ids", "give zone IDs or availability_zones (names), not both")
            )
        if self.max_azs is not None and self.zones:
            problems.append(Problem("max_azs", "the listed zones decide how many there are; drop max_azs"))
        if self.existing and not self.subnet_ids:
            problems.append(Problem("subnet_ids", "an existing VPC needs its private subnet IDs, got none"))
        if self.existing and len(self.subnet_ids) != len(self.zones):
            key = "availability_zone_ids" if self.availability_zone_ids else "availability_zones"
            problems.append(
                Problem(
                    key,
                    f"list the zone of each subnet in subnet_ids ({len(self.subnet_ids)} subnets, "
                    f"{len(self.zones)} zones)",
                )
            )
        if self.existing and self.ipv6:
            problems.append(Problem("ipv6", "applies to a new VPC only; an existing VPC keeps its blocks"))
        raise_problems(problems)
        return self


class ConsumerVpcConfig(VpcConfig):
    """A consumer's VPC: as ``VpcConfig``, with its own default CIDR."""

    cidr: VpcCidr = "10.60.0.0/16"


class HealthCheckConfig(Model):
    """The target groups' health check; each key left out keeps the construct's default."""

    protocol: Annotated[Text, choice(HEALTH_CHECK_PROTOCOLS)] | None = None
    port: StrictInt | None = None
    """Defaults to the traffic port."""
    path: Text | None = None
    """For http/https only."""
    interval_seconds: StrictInt | None = None
    healthy_threshold: StrictInt | None = None
    unhealthy_threshold: StrictInt | None = None

    @model_validator(mode="after")
    def _elb_limits(self) -> Self:
        raise_problems(rules.check_health_check(argument="", **self.model_dump()))
        return self


class HostedZoneConfig(Model):
    """A public hosted zone, imported by ID and name."""

    zone_id: Text
    zone_name: DnsName


class NotificationsConfig(Model):
    """Connection notifications: to a new encrypted topic, or to ``topic_arn``."""

    enabled: StrictBool = True
    """The section's presence turns notifications on; ``enabled: false`` turns them off again."""
    topic_arn: TopicArn | None = None
    events: (
        Annotated[Texts, rule(lambda v: rules.check_choices(v, argument="", allowed=rules.CONNECTION_EVENTS))]
        | None
    ) = None
    """Which events to send; left out, every event."""


class DatabaseConfig(Model):
    """The database behind the provider's IP target groups, followed by the target updater."""

    hostname: DnsName
    source_identifiers: SourceIdentifiers = ()
    """DB instance, cluster or proxy identifiers whose RDS events trigger an update (lower case)."""
    schedule_minutes: (
        Annotated[StrictInt, rule(lambda v: rules.check_range(v, argument="", low=1))] | None
    ) = None
    max_removals_per_run: (
        Annotated[StrictInt, rule(lambda v: rules.check_range(v, argument="", low=1))] | None
    ) = None
    failover_wait_seconds: (
        Annotated[StrictInt, rule(lambda v: rules.check_range(v, argument="", low=0, high=300))] | None
    ) = None
    in_vpc: StrictBool = False
    """Run the updater in the provider VPC's subnets (an RDS Proxy resolves only there)."""
    create_elb_endpoint: StrictBool = False
    """Add interface endpoints for the APIs the updater calls (needs in_vpc; a VPC without NAT)."""
    mode: Annotated[Text, choice(["auto", *(mode.value for mode in FollowMode)])] | None = None
    """How the updater learns the addresses: auto (from the hostname, the default),
    rds-cluster-writer, rds-cluster-readers, rds-instance or dns."""
    identifier: Text | None = None
    """The RDS cluster or instance identifier, when the hostname does not show it."""
    reserved_concurrency: (
        Annotated[StrictInt, rule(lambda v: rules.check_range(v, argument="", low=1))] | None
    ) = None
    """Reserved concurrency for the function (runs never overlap without it: off by default)."""

    @model_validator(mode="after")
    def _endpoint_needs_vpc(self) -> Self:
        if self.create_elb_endpoint and not self.in_vpc:
            raise_problems(
                [
                    Problem(
                        "create_elb_endpoint", "the endpoint is for an updater in the VPC; set in_vpc: true"
                    )
                ]
            )
        return self


class ProviderConfig(Model):
    """Everything ``ProviderStack`` builds. Keys left out take ``ProviderEndpointService``'s defaults."""

    stack_name: Text = "ProviderStack"
    env: EnvConfig = EnvConfig()
    vpc: VpcConfig = VpcConfig()
    tags: Tags = Field(default_factory=dict)
    ports: Annotated[tuple[StrictInt, ...], rule(lambda v: rules.check_ports(v, argument=""))] = (5432,)
    target_type: Annotated[Text, choice(TARGET_TYPES)] | None = None
    allowed_principals: Annotated[Texts, rule(lambda v: rules.check_principals(v, argument=""))] = ()
    allow_all_principals: StrictBool | None = None
    acceptance_required: StrictBool | None = None
    allow_all_principals_without_acceptance: StrictBool | None = None
    """Needed as well for ``'*'`` with ``acceptance_required: false`` (every account, unreviewed)."""
    auto_accept_principals: Annotated[
        Texts, rule(lambda v: rules.check_principals(v, argument="", allow_arns=False))
    ] = ()
    auto_accept_linked_consumers: StrictBool = True
    """Accept this app's own linked consumers automatically (their account is this stack's)."""
    allowed_regions: Annotated[Texts, rule(lambda v: rules.check_regions(v, argument=""))] = ()
    supported_ip_address_types: Texts | None = None
    dualstack: StrictBool = False
    """A dualstack NLB (needs ``vpc.ipv6``), which IPv6 consumers need."""
    cross_zone: StrictBool | None = None
    deletion_protection: StrictBool | None = None
    deregistration_delay_seconds: (
        Annotated[StrictInt, rule(lambda v: rules.check_range(v, argument="", low=0, high=3600))] | None
    ) = None
    connection_termination: StrictBool | None = None
    proxy_protocol_v2: StrictBool | None = None
    """Proxy protocol v2 headers on every target group (databases do not speak it: off)."""
    preserve_client_ip: StrictBool | None = None
    """Client IP preservation (off for IP targets, as database vendors require)."""
    enforce_security_group_inbound_rules_on_private_link_traffic: StrictBool | None = None
    target_cidrs: Cidrs = ()
    """Networks outside the VPC where targets live (a peered VPC): the NLB may reach them."""
    allow_broad_cidrs: StrictBool | None = None
    """Accept ``target_cidrs`` shorter than /8 (IPv4) or /16 (IPv6)."""
    security_group_rule_quota: RuleQuota | None = None
    """The account's quota of rules per security group, when AWS raised it from 60."""
    contributor_insights: StrictBool | None = None
    health_check: HealthCheckConfig | None = None
    private_dns_name: DnsName | None = None
    public_hosted_zone: HostedZoneConfig | None = None
    notifications: NotificationsConfig | None = None
    log_retention_days: Retention | None = None
    removal_policy: Annotated[Text, choice(REMOVAL_POLICIES)] | None = None
    alarm_topic_arn: TopicArn | None = None
    """Where the updater's and the auto-acceptor's alarms go. Defaults to no alarm actions."""
    database: DatabaseConfig | None = None
    """When set, an RdsTargetGroupUpdater keeps every port's target group in step with it."""

    @model_validator(mode="after")
    def _provider_rules(self) -> Self:
        problems = [
            *rules.check_open_to_all(
                self.allowed_principals,
                allow_all=bool(self.allow_all_principals),
                acceptance_required=self.acceptance_required is not False,
                allow_all_without_acceptance=bool(self.allow_all_principals_without_acceptance),
            ),
            *rules.check_principal_partitions(
                self.allowed_principals, partition=rules.partition_of(self.env.region)
            ),
            *rules.check_region_partitions(
                self.allowed_regions,
                partition=rules.partition_of(self.env.region),
                argument="allowed_regions",
            ),
            *rules.check_cidrs(
                self.target_cidrs, argument="target_cidrs", allow_broad=bool(self.allow_broad_cidrs)
            ),
            *rules.check_egress_rules(
                self.ports,
                self.target_cidrs,
                health_check_ports=[self.health_check.port]
                if self.health_check and self.health_check.port
                else [],
                quota=self.security_group_rule_quota or rules.SECURITY_GROUP_RULES_QUOTA,
            ),
            *self._topic_problems(),
            *(
                rules.check_ip_address_types(self.supported_ip_address_types, dualstack=self.dualstack)
                if self.supported_ip_address_types is not None
                else []
            ),
            *rules.check_private_dns(
                self.private_dns_name, self.public_hosted_zone.zone_name if self.public_hosted_zone else None
            ),
            *_az_problems(self.env, self.vpc),
        ]
        if self.dualstack and not self.vpc.existing and not self.vpc.ipv6:
            problems.append(Problem("dualstack", "a dualstack NLB needs IPv6 subnets; set vpc.ipv6: true"))
        if self.database is not None and self.target_type not in (None, "ip"):
            problems.append(
                Problem(
                    "database",
                    f"the updater registers IP targets; set target_type: ip (got {self.target_type})",
                )
            )
        raise_problems(
            problems,
            paths={"public_hosted_zone": "public_hosted_zone.zone_name", "ip_address_type": "dualstack"},
            fixes={"ip_address_type": "dualstack: true"},
        )
        return self

    def _topic_problems(self) -> list[Problem]:
        """Topics in this stack's partition; the one the auto-acceptor subscribes to, in its account."""
        partition = rules.partition_of(self.env.region)
        problems = []
        if self.notifications is not None and self.notifications.topic_arn is not None:
            problems += rules.check_topic_arn(
                self.notifications.topic_arn,
                argument="notifications.topic_arn",
                partition=partition,
                account=self.env.account if self.auto_accept_principals else None,
            )
        if self.alarm_topic_arn is not None:
            problems += rules.check_topic_arn(
                self.alarm_topic_arn, argument="alarm_topic_arn", partition=partition
            )
        return problems


def _az_problems(env: EnvConfig, vpc: VpcConfig) -> list[Problem]:
    if env.region is not None and vpc.availability_zone_ids:
        return rules.check_zone_ids(
            vpc.availability_zone_ids, argument="vpc.availability_zone_ids", region=env.region
        )
    if vpc.availability_zones and not vpc.existing and env.region is None:
        return [
            Problem(
                "vpc.availability_zones",
                "naming AZs for a new VPC needs env.region; or list zone IDs in vpc.availability_zone_ids",
            )
        ]
    if env.region is not None and not vpc.existing and not vpc.zones:
        return [
            Problem(
                "vpc.availability_zone_ids",
                "a stack with env.region needs the new VPC's zones listed, by ID (or by name in "
                "vpc.availability_zones); CDK would otherwise look them up with AWS credentials",
            )
        ]
    return []


class PeerConfig(Model):
    """One allowed peer of a consumer endpoint: exactly one of the three fields."""

    cidr: Cidr | None = None
    security_group_id: SecurityGroupId | None = None
    prefix_list_id: PrefixListId | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [
            value for value in (self.cidr, self.security_group_id, self.prefix_list_id) if value is not None
        ]
        if len(given) != 1:
            raise_problems(
                [
                    Problem(
                        "", f"give exactly one of cidr, security_group_id, prefix_list_id (got {len(given)})"
                    )
                ],
                field=True,
            )
        return self


class PrivateZoneConfig(Model):
    """A private hosted zone in the consumer VPC, with alias records to the endpoint."""

    name: Text
    records: Texts = ()

    @model_validator(mode="after")
    def _records_in_zone(self) -> Self:
        raise_problems(
            rules.check_private_zone(self.name, self.records),
            paths={"private_hosted_zone_name": "name", "record_names": "records"},
        )
        return self


class ConsumerConfig(Model):
    """Everything one ``ConsumerStack`` builds. Keys left out: ``ConsumerInterfaceEndpoint``'s defaults."""

    stack_name: Text | None = None
    """Defaults to ``ConsumerStack``, or ``ConsumerStack-<name>`` when there are several consumers."""
    name: ConsumerName | None = None
    env: EnvConfig = EnvConfig()
    vpc: ConsumerVpcConfig = ConsumerVpcConfig()
    tags: Tags = Field(default_factory=dict)
    from_handoff: Annotated[Text, rule(handoff.file_problems)] | None = None
    """A provider's handoff file (``privatelink-cdk handoff``), relative to the current directory:
    the values left out here are taken from it (``stacks/handoff.py``)."""
    service_name: Annotated[Text, rule(lambda v: rules.check_service_name(v, argument=""))] | None = None
    """The provider's service name; None (and no ``from_handoff``) links to this app's own provider."""
    service_region: Region | None = None
    service_availability_zone_ids: ZoneIds = ()
    """The zone IDs the provider's service is in (the provider publishes them): the endpoint goes
    only into shared zones. A linked consumer gets its provider's."""
    ports: Annotated[
        tuple[StrictInt, ...], rule(lambda v: rules.check_ports(v, argument="", maximum=None) if v else [])
    ] = ()
    """The provider's ports; empty means the ports of this app's provider (when linked)."""
    allowed_peers: tuple[PeerConfig, ...] = ()
    allow_broad_cidrs: StrictBool | None = None
    """Accept peer CIDRs shorter than /8 (IPv4) or /16 (IPv6)."""
    security_group_rule_quota: RuleQuota | None = None
    """The account's quota of rules per security group, when AWS raised it from 60."""
    private_dns_enabled: StrictBool | None = None
    private_hosted_zone: PrivateZoneConfig | None = None
    ip_address_type: Annotated[Text, choice(rules.ENDPOINT_IP_ADDRESS_TYPES)] | None = None
    dns_record_ip_type: Annotated[Text, choice(rules.ENDPOINT_DNS_RECORD_IP_TYPES)] | None = None
    probe: StrictBool | None = None
    """Deploy an endpoint probe beside the endpoint for ``privatelink-cdk doctor --probe``."""
    log_retention_days: Retention | None = None
    removal_policy: Annotated[Text, choice(REMOVAL_POLICIES)] | None = None

    @property
    def linked(self) -> bool:
        """Whether the consumer connects to this app's own provider stack."""
        return self.service_name is None and self.from_handoff is None

    @model_validator(mode="before")
    @classmethod
    def _fill_from_handoff(cls, data: object) -> object:
        return handoff.filled(data)

    @model_validator(mode="after")
    def _consumer_rules(self) -> Self:
        problems = rules.check_endpoint_ip_types(self.ip_address_type, self.dns_record_ip_type)
        problems += handoff.problems(self)
        if self.service_name is not None and self.service_region is not None and self.from_handoff is None:
            problems += rules.check_service_region(self.service_name, self.service_region)
        if self.service_region is None:
            problems += rules.check_zone_overlap(
                self.vpc.availability_zone_ids,
                self.service_availability_zone_ids,
                argument="vpc.availability_zone_ids",
                service_argument="service_availability_zone_ids",
            )
        if self.linked and self.service_availability_zone_ids:
            problems.append(
                Problem(
                    "service_availability_zone_ids",
                    "a linked consumer takes its provider's zones (provider.vpc.availability_zone_ids)",
                )
            )
        if self.service_region is not None:
            problems += rules.check_region_partitions(
                [self.service_region],
                partition=rules.partition_of(self.env.region),
                argument="service_region",
                listed=False,
            )
        if not self.ports and self.service_name is not None:
            problems.append(
                Problem("ports", "the provider's TCP ports are required with a service_name, got none")
            )
        if self.ip_address_type in ("dualstack", "ipv6") and not self.vpc.existing and not self.vpc.ipv6:
            problems.append(
                Problem("ip_address_type", f"{self.ip_address_type!r} needs IPv6 subnets; set vpc.ipv6: true")
            )
        for index, peer in enumerate(self.allowed_peers):
            problems += [
                replace(problem, argument=f"allowed_peers[{index}].cidr", index=None)
                for problem in rules.check_cidrs(
                    [peer.cidr] if peer.cidr else [], argument="", allow_broad=bool(self.allow_broad_cidrs)
                )
            ]
        raise_problems([*problems, *_az_problems(self.env, self.vpc)])
        return self

    def inbound_rule_problems(self, ports: tuple[int, ...]) -> list[Problem]:
        """The endpoint's inbound rules, every peer on every port (``ports``), within the quota."""
        sources = dict.fromkeys(
            peer.cidr or peer.security_group_id or peer.prefix_list_id or "" for peer in self.allowed_peers
        )
        return rules.check_security_group_rules(
            [rules.rule_families(source) for source in sources],
            ports=len(set(ports)),
            direction="inbound",
            argument="allowed_peers",
            group="the endpoint's security group",
            noun="peers",
            quota=self.security_group_rule_quota or rules.SECURITY_GROUP_RULES_QUOTA,
        )


class AppConfig(Model):
    """The whole app's config: a provider, consumers, or both."""

    provider: ProviderConfig | None = None
    consumers: tuple[ConsumerConfig, ...] = ()

    @model_validator(mode="after")
    def _app_rules(self) -> Self:
        if self.provider is None and not self.consumers:
            raise_problems(
                [Problem("", "nothing to build; give a provider section, a consumers list, or both")]
            )
        problems = link.problems(self)
        if self.provider is not None:
            problems += [
                replace(problem, argument=f"provider.{problem.argument}")
                for problem in rules.check_auto_accept_allowed(
                    self.provider.auto_accept_principals, link.allowed_principals(self)
                )
            ]
        for index, consumer in enumerate(self.consumers):
            ports = consumer.ports or (self.provider.ports if consumer.linked and self.provider else ())
            problems += [
                replace(problem, argument=f"consumers[{index}].{problem.argument}")
                for problem in consumer.inbound_rule_problems(ports)
            ]
        raise_problems(problems)
        return self


def parse_config(data: object) -> AppConfig:
    """Validate a config mapping (as found in cdk.json or a file) into an ``AppConfig``.

    Linked consumers come back resolved: their stack names and ports filled in (``link.resolve``).
    """
    if not isinstance(data, Mapping):
        raise ConfigError([f": expected a mapping, got {describe(data)}"])
    try:
        config = AppConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(problems_of(error, AppConfig)) from None
    return link.resolve(config)


def load_config(context: Callable[[str], object], *, cdk_json: Path = Path("cdk.json")) -> AppConfig:
    """The app's config: the file named by context ``config``, else context ``privatelink``.

    ``context`` is ``app.node.try_get_context``. The CDK CLI reads ``cdk_json`` (the project's
    cdk.json) keeping the last of two equal keys, so when the config comes from there, the file
    itself is read again, strictly, to refuse a key written twice.
    """
    file_name = context("config")
    if file_name is None:
        if cdk_json.is_file():
            _read(cdk_json, where=str(cdk_json))
        return parse_config(context(CONTEXT_KEY) or {})
    path = Path(str(file_name))
    if not path.is_file():
        raise ConfigError([f"config: file {str(path)!r} does not exist"])
    return parse_config(_read(path, where=f"config: {path} is not valid JSON/YAML"))


def _read(path: Path, *, where: str) -> object:
    try:
        return read_config_file(path)
    except ValueError as error:
        raise ConfigError([f"{where}: {error}"]) from None
