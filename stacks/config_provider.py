"""The config's ``provider`` section: everything ``ProviderStack`` builds."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, StrictBool, StrictInt, model_validator

from privatelink_constructs import rules
from privatelink_constructs.rules import Problem
from privatelink_constructs.target_updater import FollowMode

from .choices import REMOVAL_POLICIES
from .config_errors import raise_problems
from .config_types import (
    Cidrs,
    DnsName,
    Model,
    Retention,
    RuleQuota,
    SourceIdentifiers,
    Tags,
    Text,
    Texts,
    TopicArn,
    choice,
    rule,
)
from .config_vpc import EnvConfig, VpcConfig, zone_problems

__all__ = ["DatabaseConfig", "HealthCheckConfig", "HostedZoneConfig", "NotificationsConfig", "ProviderConfig"]


class HealthCheckConfig(Model):
    """The target groups' health check; each key left out keeps the construct's default."""

    protocol: Annotated[Text, choice(rules.HEALTH_CHECK_PROTOCOLS)] | None = None
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
        Annotated[StrictInt, rule(lambda v: rules.check_schedule(v * 60, argument="", shown=f"{v} minutes"))]
        | None
    ) = None
    max_removals_per_run: (
        Annotated[StrictInt, rule(lambda v: rules.check_max_removals(v, argument=""))] | None
    ) = None
    failover_wait_seconds: (
        Annotated[StrictInt, rule(lambda v: rules.check_failover_wait(v, argument="", shown=f"{v} seconds"))]
        | None
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
        Annotated[
            StrictInt, rule(lambda v: rules.check_reserved_concurrency(v, argument="", unset="leave it out"))
        ]
        | None
    ) = None
    """Reserved concurrency for the function (runs never overlap without it: off by default)."""

    @model_validator(mode="after")
    def _updater_rules(self) -> Self:
        problems = rules.check_database_hostname(self.hostname)
        if not problems and self.mode not in (None, "auto"):
            problems += rules.check_follow_mode(self.mode, self.hostname, self.identifier)
        problems += rules.check_elb_endpoint_placement(
            self.create_elb_endpoint, self.in_vpc, remedy="set in_vpc: true"
        )
        raise_problems(problems, paths={"database_identifier": "identifier"})
        return self


class ProviderConfig(Model):
    """Everything ``ProviderStack`` builds. Keys left out take ``ProviderEndpointService``'s defaults."""

    stack_name: Text = "ProviderStack"
    env: EnvConfig = EnvConfig()
    vpc: VpcConfig = VpcConfig()
    tags: Tags = Field(default_factory=dict)
    ports: Annotated[tuple[StrictInt, ...], rule(lambda v: rules.check_ports(v, argument=""))] = (5432,)
    target_type: Annotated[Text, choice(rules.TARGET_TYPES)] | None = None
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
        Annotated[StrictInt, rule(lambda v: rules.check_deregistration_delay(v, argument=""))] | None
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
            # the updater registers addresses from these networks: ELB's rules for them
            *(rules.check_registrable_cidrs(self.target_cidrs) if self.database is not None else []),
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
            *zone_problems(self.env, self.vpc),
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
