"""The app's typed config: frozen dataclasses, read from cdk.json or a JSON/YAML file.

The config lives in cdk.json under the context key ``privatelink``; ``cdk synth -c config=FILE``
replaces it with a JSON or YAML file. Every problem is collected, with its path in the config,
and reported at once in one ``ConfigError`` before any construct is built::

    provider.ports[1]: 70000 is not a TCP port (1-65535)
    provider.vpc.cidr: '10.0.0.0/33' is not an IPv4 CIDR block
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import yaml

from privatelink_constructs._validation import (
    account_or_principal_problems,
    dns_name_problem,
    domain_contains,
    port_problems,
    region_problem,
    service_name_problem,
    target_cidr_problem,
)
from privatelink_constructs.provider import CONNECTION_EVENTS

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

LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653)
"""Log retentions (days) the config accepts."""

_T = TypeVar("_T")
_MISSING = object()
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}$")
_STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")


class ConfigError(ValueError):
    """The config has problems; ``problems`` lists each one with its path."""

    def __init__(self, problems: Sequence[str]) -> None:
        """Report every problem at once."""
        self.problems = list(problems)
        listing = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid privatelink config ({len(self.problems)} problems):\n{listing}")


@dataclass(frozen=True)
class EnvConfig:
    """Where a stack deploys. Both empty means environment-agnostic (synthesizes offline)."""

    account: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class VpcConfig:
    """A new VPC (the default), or an existing one imported by attributes when ``vpc_id`` is set."""

    cidr: str = "10.40.0.0/16"
    """The new VPC's CIDR; for an existing VPC, its CIDR (the NLB's egress rules use it)."""
    max_azs: int = 2
    """How many AZs a new VPC spans."""
    ipv6: bool = False
    """Give a new VPC an Amazon-provided IPv6 block (needed for a dualstack NLB)."""
    vpc_id: str | None = None
    """An existing VPC's ID: import it instead of creating one."""
    availability_zones: tuple[str, ...] = ()
    """The AZs of ``subnet_ids`` (existing VPC), or the AZs of a new VPC in a stack with a region."""
    subnet_ids: tuple[str, ...] = ()
    """An existing VPC's private subnets, one per entry of ``availability_zones``."""

    @property
    def existing(self) -> bool:
        """Whether the VPC is imported rather than created."""
        return self.vpc_id is not None


@dataclass(frozen=True)
class HealthCheckConfig:
    """The target groups' health check."""

    protocol: str = "tcp"
    port: int | None = None
    """Defaults to the traffic port."""
    path: str | None = None
    """For http/https only."""
    interval_seconds: int = 10
    healthy_threshold: int = 2
    unhealthy_threshold: int = 2


@dataclass(frozen=True)
class HostedZoneConfig:
    """A public hosted zone, imported by ID and name."""

    zone_id: str
    zone_name: str


@dataclass(frozen=True)
class NotificationsConfig:
    """Connection notifications: to a new encrypted topic, or to ``topic_arn``."""

    enabled: bool = False
    topic_arn: str | None = None
    events: tuple[str, ...] = CONNECTION_EVENTS


@dataclass(frozen=True)
class DatabaseConfig:
    """The database behind the provider's IP target groups, followed by the target updater."""

    hostname: str
    source_identifiers: tuple[str, ...] = ()
    """DB instance, cluster or proxy identifiers whose RDS events trigger an update."""
    schedule_minutes: int = 1
    max_removals_per_run: int = 5
    failover_wait_seconds: int = 30
    in_vpc: bool = False
    """Run the updater in the provider VPC's subnets (an RDS Proxy resolves only there)."""
    create_elb_endpoint: bool = False
    """Add an elasticloadbalancing interface endpoint for the updater (needs in_vpc)."""
    alarm_topic_arn: str | None = None


@dataclass(frozen=True)
class ProviderConfig:
    """Everything ``ProviderStack`` builds."""

    stack_name: str = "ProviderStack"
    env: EnvConfig = EnvConfig()
    vpc: VpcConfig = VpcConfig()
    ports: tuple[int, ...] = (5432,)
    target_type: str = "ip"
    allowed_principals: tuple[str, ...] = ()
    allow_all_principals: bool = False
    acceptance_required: bool = True
    auto_accept_principals: tuple[str, ...] = ()
    allowed_regions: tuple[str, ...] = ()
    supported_ip_address_types: tuple[str, ...] = ("ipv4",)
    dualstack: bool = False
    cross_zone: bool = True
    deletion_protection: bool = False
    deregistration_delay_seconds: int | None = None
    connection_termination: bool = False
    enforce_security_group_inbound_rules_on_private_link_traffic: bool = False
    target_cidrs: tuple[str, ...] = ()
    """Networks outside the VPC where targets live (a peered VPC): the NLB may reach them."""
    contributor_insights: bool = False
    health_check: HealthCheckConfig = HealthCheckConfig()
    private_dns_name: str | None = None
    public_hosted_zone: HostedZoneConfig | None = None
    notifications: NotificationsConfig = NotificationsConfig()
    log_retention_days: int = 90
    database: DatabaseConfig | None = None
    """When set, an RdsTargetGroupUpdater keeps every port's target group in step with it."""


@dataclass(frozen=True)
class PeerConfig:
    """One allowed peer of a consumer endpoint: exactly one of the three fields."""

    cidr: str | None = None
    security_group_id: str | None = None
    prefix_list_id: str | None = None


@dataclass(frozen=True)
class PrivateZoneConfig:
    """A private hosted zone in the consumer VPC, with alias records to the endpoint."""

    name: str
    records: tuple[str, ...]


@dataclass(frozen=True)
class ConsumerConfig:
    """Everything one ``ConsumerStack`` builds."""

    stack_name: str = "ConsumerStack"
    name: str | None = None
    env: EnvConfig = EnvConfig()
    vpc: VpcConfig = VpcConfig(cidr="10.60.0.0/16")
    service_name: str | None = None
    """The provider's service name; None links to this app's own provider stack."""
    service_region: str | None = None
    ports: tuple[int, ...] = ()
    """The provider's ports; empty means the ports of this app's provider (when linked)."""
    allowed_peers: tuple[PeerConfig, ...] = ()
    private_dns_enabled: bool = False
    private_hosted_zone: PrivateZoneConfig | None = None
    ip_address_type: str | None = None
    dns_record_ip_type: str | None = None
    log_retention_days: int = 90

    @property
    def linked(self) -> bool:
        """Whether the consumer connects to this app's own provider stack."""
        return self.service_name is None


@dataclass(frozen=True)
class AppConfig:
    """The whole app's config: a provider, consumers, or both."""

    provider: ProviderConfig | None = None
    consumers: tuple[ConsumerConfig, ...] = ()


class _Section:
    """Typed reads from one mapping of the config, collecting problems with their paths."""

    def __init__(self, data: object, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        self._used: set[str] = set()
        if isinstance(data, Mapping):
            self._data: Mapping[str, object] = data
        else:
            problems.append(f"{path}: expected a mapping, got {_describe(data)}")
            self._data = {}

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str) -> object:
        self._used.add(key)
        return self._data.get(key, _MISSING)

    def _typed(self, key: str, kind: type[_T], what: str, default: _T) -> _T:
        value = self.raw(key)
        if value is _MISSING:
            return default
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.problems.append(f"{self.at(key)}: expected {what}, got {_describe(value)}")
            return default
        return value

    def string(self, key: str, default: str) -> str:
        return self._typed(key, str, "a string", default)

    def optional_string(self, key: str) -> str | None:
        value = self.raw(key)
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, str) or value == "":
            self.problems.append(f"{self.at(key)}: expected a non-empty string, got {_describe(value)}")
            return None
        return value

    def boolean(self, key: str, default: bool) -> bool:
        return self._typed(key, bool, "true or false", default)

    def integer(self, key: str, default: int, minimum: int, maximum: int) -> int:
        value = self._typed(key, int, "an integer", default)
        if not minimum <= value <= maximum:
            self.problems.append(f"{self.at(key)}: {value} is out of range ({minimum}-{maximum})")
            return default
        return value

    def optional_integer(self, key: str, minimum: int, maximum: int) -> int | None:
        if self.raw(key) in (_MISSING, None):
            return None
        return self.integer(key, minimum, minimum, maximum)

    def choice(self, key: str, choices: Sequence[str], default: str) -> str:
        value = self.string(key, default)
        if value not in choices:
            self.problems.append(f"{self.at(key)}: {value!r} is not one of {list(choices)}")
            return default
        return value

    def strings(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        return tuple(self._list(key, str, "a string", default))

    def integers(self, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(self._list(key, int, "an integer", default))

    def _list(self, key: str, kind: type[_T], what: str, default: tuple[_T, ...]) -> list[_T]:
        value = self.raw(key)
        if value is _MISSING:
            return list(default)
        if not isinstance(value, list):
            self.problems.append(f"{self.at(key)}: expected a list, got {_describe(value)}")
            return list(default)
        items: list[_T] = []
        for index, item in enumerate(value):
            if isinstance(item, kind) and not (kind is int and isinstance(item, bool)):
                items.append(item)
            else:
                self.problems.append(f"{self.at(key)}[{index}]: expected {what}, got {_describe(item)}")
        return items

    def each(self, key: str, reader: Callable[[_Section], _T]) -> list[_T]:
        """Read a list of mappings, each with ``reader``; a missing or null list is empty."""
        value = self.raw(key)
        if value is _MISSING or value is None:
            return []
        if not isinstance(value, list):
            self.problems.append(f"{self.at(key)}: expected a list, got {_describe(value)}")
            return []
        return [reader(_Section(item, f"{self.at(key)}[{i}]", self.problems)) for i, item in enumerate(value)]

    def section(self, key: str) -> _Section | None:
        value = self.raw(key)
        if value is _MISSING or value is None:
            return None
        return _Section(value, self.at(key), self.problems)

    def read(self, key: str, reader: Callable[[_Section], _T], default: _T) -> _T:
        section = self.section(key)
        return default if section is None else reader(section)

    def add(self, problem: str | None) -> None:
        if problem:
            self.problems.append(problem)

    def finish(self) -> None:
        """Report keys nobody read: typos must not be silently ignored."""
        for key in self._data:
            if key not in self._used:
                allowed = ", ".join(sorted(self._used))
                self.problems.append(f"{self.at(str(key))}: unknown key (allowed: {allowed})")


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (int, float, str)):
        return f"{value!r} (a {type(value).__name__})"
    return f"a {type(value).__name__}"


def _env(s: _Section) -> EnvConfig:
    account = s.optional_string("account")
    region = s.optional_string("region")
    s.finish()
    if account is not None:
        for problem in account_or_principal_problems(
            s.at("account"), [account], allow_all=False, allow_arns=False
        ):
            s.add(problem.replace("[0]", ""))
    if region is not None:
        s.add(region_problem(s.at("region"), region))
    return EnvConfig(account=account, region=region)


def _vpc(s: _Section, default: VpcConfig) -> VpcConfig:
    config = VpcConfig(
        cidr=s.string("cidr", default.cidr),
        max_azs=s.integer("max_azs", default.max_azs, 1, 6),
        ipv6=s.boolean("ipv6", default.ipv6),
        vpc_id=s.optional_string("vpc_id"),
        availability_zones=s.strings("availability_zones"),
        subnet_ids=s.strings("subnet_ids"),
    )
    s.finish()
    try:
        network = ipaddress.IPv4Network(config.cidr)
        if not 16 <= network.prefixlen <= 28:
            s.add(f"{s.at('cidr')}: {config.cidr!r} must have a prefix between /16 and /28 (VPC limits)")
    except ValueError:
        s.add(f"{s.at('cidr')}: {config.cidr!r} is not an IPv4 CIDR block (like '10.40.0.0/16')")
    if config.existing:
        if not config.subnet_ids:
            s.add(f"{s.at('subnet_ids')}: an existing VPC needs its private subnet IDs, got none")
        if len(config.subnet_ids) != len(config.availability_zones):
            s.add(
                f"{s.at('availability_zones')}: list the AZ of each subnet in subnet_ids "
                f"({len(config.subnet_ids)} subnets, {len(config.availability_zones)} AZs)"
            )
        if config.ipv6:
            s.add(f"{s.at('ipv6')}: applies to a new VPC only; an existing VPC keeps its blocks")
    return config


def _health_check(s: _Section) -> HealthCheckConfig:
    default = HealthCheckConfig()
    config = HealthCheckConfig(
        protocol=s.choice("protocol", ("tcp", "http", "https"), default.protocol),
        port=s.optional_integer("port", 1, 65535),
        path=s.optional_string("path"),
        interval_seconds=s.integer("interval_seconds", default.interval_seconds, 5, 300),
        healthy_threshold=s.integer("healthy_threshold", default.healthy_threshold, 2, 10),
        unhealthy_threshold=s.integer("unhealthy_threshold", default.unhealthy_threshold, 2, 10),
    )
    s.finish()
    if config.path is not None and config.protocol == "tcp":
        s.add(f"{s.at('path')}: a path needs protocol http or https, got tcp")
    return config


def _hosted_zone(s: _Section) -> HostedZoneConfig:
    zone = HostedZoneConfig(zone_id=s.string("zone_id", ""), zone_name=s.string("zone_name", ""))
    s.finish()
    if not zone.zone_id:
        s.add(f"{s.at('zone_id')}: required (like 'Z0123456789ABCDEFGHIJ')")
    s.add(dns_name_problem(s.at("zone_name"), zone.zone_name))
    return zone


def _notifications(s: _Section) -> NotificationsConfig:
    config = NotificationsConfig(
        enabled=s.boolean("enabled", True),
        topic_arn=s.optional_string("topic_arn"),
        events=s.strings("events", CONNECTION_EVENTS),
    )
    s.finish()
    if config.topic_arn is not None and not config.topic_arn.startswith("arn:"):
        s.add(f"{s.at('topic_arn')}: {config.topic_arn!r} is not an SNS topic ARN")
    for index, event in enumerate(config.events):
        if event not in CONNECTION_EVENTS:
            s.add(f"{s.at('events')}[{index}]: {event!r} is not one of {list(CONNECTION_EVENTS)}")
    return config


def _database(s: _Section) -> DatabaseConfig:
    d = DatabaseConfig(hostname="")
    config = DatabaseConfig(
        hostname=s.string("hostname", ""),
        source_identifiers=s.strings("source_identifiers"),
        schedule_minutes=s.integer("schedule_minutes", d.schedule_minutes, 1, 60),
        max_removals_per_run=s.integer("max_removals_per_run", d.max_removals_per_run, 1, 100),
        failover_wait_seconds=s.integer("failover_wait_seconds", d.failover_wait_seconds, 0, 300),
        in_vpc=s.boolean("in_vpc", d.in_vpc),
        create_elb_endpoint=s.boolean("create_elb_endpoint", d.create_elb_endpoint),
        alarm_topic_arn=s.optional_string("alarm_topic_arn"),
    )
    s.finish()
    s.add(dns_name_problem(s.at("hostname"), config.hostname))
    if config.create_elb_endpoint and not config.in_vpc:
        s.add(f"{s.at('create_elb_endpoint')}: the endpoint is for an updater in the VPC; set in_vpc: true")
    if config.alarm_topic_arn is not None and not config.alarm_topic_arn.startswith("arn:"):
        s.add(f"{s.at('alarm_topic_arn')}: {config.alarm_topic_arn!r} is not an SNS topic ARN")
    return config


def _provider(s: _Section) -> ProviderConfig:
    d = ProviderConfig()
    config = ProviderConfig(
        stack_name=s.string("stack_name", d.stack_name),
        env=s.read("env", _env, d.env),
        vpc=s.read("vpc", lambda v: _vpc(v, d.vpc), d.vpc),
        ports=s.integers("ports", d.ports),
        target_type=s.choice("target_type", ("ip", "instance", "alb"), d.target_type),
        allowed_principals=s.strings("allowed_principals"),
        allow_all_principals=s.boolean("allow_all_principals", d.allow_all_principals),
        acceptance_required=s.boolean("acceptance_required", d.acceptance_required),
        auto_accept_principals=s.strings("auto_accept_principals"),
        allowed_regions=s.strings("allowed_regions"),
        supported_ip_address_types=s.strings("supported_ip_address_types", d.supported_ip_address_types),
        dualstack=s.boolean("dualstack", d.dualstack),
        cross_zone=s.boolean("cross_zone", d.cross_zone),
        deletion_protection=s.boolean("deletion_protection", d.deletion_protection),
        deregistration_delay_seconds=s.optional_integer("deregistration_delay_seconds", 0, 3600),
        connection_termination=s.boolean("connection_termination", d.connection_termination),
        enforce_security_group_inbound_rules_on_private_link_traffic=s.boolean(
            "enforce_security_group_inbound_rules_on_private_link_traffic",
            d.enforce_security_group_inbound_rules_on_private_link_traffic,
        ),
        target_cidrs=s.strings("target_cidrs"),
        contributor_insights=s.boolean("contributor_insights", d.contributor_insights),
        health_check=s.read("health_check", _health_check, d.health_check),
        private_dns_name=s.optional_string("private_dns_name"),
        public_hosted_zone=s.read("public_hosted_zone", _hosted_zone, None),
        notifications=s.read("notifications", _notifications, d.notifications),
        log_retention_days=s.integer("log_retention_days", d.log_retention_days, 1, 3653),
        database=s.read("database", _database, None),
    )
    s.finish()
    if config.database is not None and config.target_type != "ip":
        s.add(
            f"{s.at('database')}: the updater registers IP targets; "
            f"set target_type: ip (got {config.target_type})"
        )
    for problem in port_problems(s.at("ports"), config.ports):
        s.add(problem)
    for index, cidr in enumerate(config.target_cidrs):
        s.add(target_cidr_problem(f"{s.at('target_cidrs')}[{index}]", cidr))
    _retention_problem(s, config.log_retention_days)
    _az_problems(s, config.env, config.vpc)
    for key, principals, allow_all, arns in (
        ("allowed_principals", config.allowed_principals, config.allow_all_principals, True),
        ("auto_accept_principals", config.auto_accept_principals, False, False),
    ):
        for problem in account_or_principal_problems(
            s.at(key), principals, allow_all=allow_all, allow_arns=arns
        ):
            s.add(problem.replace("allow_all_principals=True", "allow_all_principals: true"))
    for index, region in enumerate(config.allowed_regions):
        s.add(region_problem(f"{s.at('allowed_regions')}[{index}]", region))
    for index, ip_type in enumerate(config.supported_ip_address_types):
        if ip_type not in ("ipv4", "ipv6"):
            s.add(
                f"{s.at('supported_ip_address_types')}[{index}]: {ip_type!r} is not one of ['ipv4', 'ipv6']"
            )
    if "ipv6" in config.supported_ip_address_types and not config.dualstack:
        s.add(f"{s.at('supported_ip_address_types')}: 'ipv6' needs a dualstack NLB; set dualstack: true")
    if config.dualstack and not config.vpc.existing and not config.vpc.ipv6:
        s.add(f"{s.at('dualstack')}: a dualstack NLB needs IPv6 subnets; set vpc.ipv6: true")
    if config.private_dns_name is not None:
        s.add(dns_name_problem(s.at("private_dns_name"), config.private_dns_name))
        zone = config.public_hosted_zone
        if (
            zone is not None
            and zone.zone_name
            and not domain_contains(zone.zone_name, config.private_dns_name)
        ):
            s.add(
                f"{s.at('public_hosted_zone.zone_name')}: {zone.zone_name!r} does not contain "
                f"private_dns_name {config.private_dns_name!r}"
            )
    elif config.public_hosted_zone is not None:
        s.add(f"{s.at('public_hosted_zone')}: given without private_dns_name; set both or neither")
    return config


def _retention_problem(s: _Section, days: int) -> None:
    if days not in LOG_RETENTION_DAYS:
        s.add(
            f"{s.at('log_retention_days')}: {days} is not a CloudWatch Logs retention; "
            f"expected one of {list(LOG_RETENTION_DAYS)}"
        )


def _az_problems(s: _Section, env: EnvConfig, vpc: VpcConfig) -> None:
    if vpc.availability_zones and not vpc.existing and env.region is None:
        s.add(f"{s.at('vpc.availability_zones')}: naming AZs for a new VPC needs env.region")
    if env.region is not None and not vpc.existing and not vpc.availability_zones:
        s.add(
            f"{s.at('vpc.availability_zones')}: a stack with env.region needs the new VPC's AZs listed "
            "(CDK would otherwise look them up with AWS credentials)"
        )


def _peer(s: _Section) -> PeerConfig:
    peer = PeerConfig(
        cidr=s.optional_string("cidr"),
        security_group_id=s.optional_string("security_group_id"),
        prefix_list_id=s.optional_string("prefix_list_id"),
    )
    s.finish()
    given = [value for value in (peer.cidr, peer.security_group_id, peer.prefix_list_id) if value is not None]
    if len(given) != 1:
        s.add(f"{s.path}: give exactly one of cidr, security_group_id, prefix_list_id (got {len(given)})")
    if peer.cidr is not None:
        s.add(target_cidr_problem(s.at("cidr"), peer.cidr))
    if peer.security_group_id is not None and not re.match(r"^sg-[0-9a-f]{8,17}$", peer.security_group_id):
        s.add(f"{s.at('security_group_id')}: {peer.security_group_id!r} is not a security group ID")
    if peer.prefix_list_id is not None and not re.match(r"^pl-[0-9a-f]{8,17}$", peer.prefix_list_id):
        s.add(f"{s.at('prefix_list_id')}: {peer.prefix_list_id!r} is not a prefix list ID")
    return peer


def _private_zone(s: _Section) -> PrivateZoneConfig:
    zone = PrivateZoneConfig(name=s.string("name", ""), records=s.strings("records"))
    s.finish()
    s.add(dns_name_problem(s.at("name"), zone.name))
    if not zone.records:
        s.add(f"{s.at('records')}: at least one record name is required, like 'db.{zone.name}'")
    for index, record in enumerate(zone.records):
        problem = dns_name_problem(f"{s.at('records')}[{index}]", record)
        s.add(problem)
        if problem is None and zone.name and not domain_contains(zone.name, record):
            s.add(f"{s.at('records')}[{index}]: {record!r} is not in the zone {zone.name!r}")
    return zone


def _consumer(s: _Section) -> ConsumerConfig:
    d = ConsumerConfig()
    config = ConsumerConfig(
        stack_name=s.string("stack_name", ""),
        name=s.optional_string("name"),
        env=s.read("env", _env, d.env),
        vpc=s.read("vpc", lambda v: _vpc(v, d.vpc), d.vpc),
        service_name=s.optional_string("service_name"),
        service_region=s.optional_string("service_region"),
        ports=s.integers("ports", ()),
        allowed_peers=tuple(s.each("allowed_peers", _peer)),
        private_dns_enabled=s.boolean("private_dns_enabled", d.private_dns_enabled),
        private_hosted_zone=s.read("private_hosted_zone", _private_zone, None),
        ip_address_type=_optional_choice(s, "ip_address_type", ("ipv4", "dualstack", "ipv6")),
        dns_record_ip_type=_optional_choice(
            s, "dns_record_ip_type", ("ipv4", "dualstack", "ipv6", "service-defined")
        ),
        log_retention_days=s.integer("log_retention_days", d.log_retention_days, 1, 3653),
    )
    s.finish()
    if config.name is not None and not _NAME.match(config.name):
        s.add(f"{s.at('name')}: {config.name!r} must be letters, digits and hyphens, starting with a letter")
    if config.service_name is not None:
        s.add(service_name_problem(s.at("service_name"), config.service_name))
    if config.service_region is not None:
        s.add(region_problem(s.at("service_region"), config.service_region))
    if config.ports:
        for problem in port_problems(s.at("ports"), config.ports, maximum=None):
            s.add(problem)
    elif not config.linked:
        s.add(f"{s.at('ports')}: the provider's TCP ports are required with a service_name, got none")
    if config.dns_record_ip_type in ("ipv6", "dualstack") and config.ip_address_type in (None, "ipv4"):
        s.add(
            f"{s.at('dns_record_ip_type')}: {config.dns_record_ip_type!r} records need an endpoint with "
            "IPv6 addresses; set ip_address_type: dualstack or ipv6"
        )
    if config.ip_address_type in ("dualstack", "ipv6") and not config.vpc.existing and not config.vpc.ipv6:
        s.add(f"{s.at('ip_address_type')}: {config.ip_address_type!r} needs IPv6 subnets; set vpc.ipv6: true")
    _retention_problem(s, config.log_retention_days)
    _az_problems(s, config.env, config.vpc)
    return config


def _optional_choice(s: _Section, key: str, choices: Sequence[str]) -> str | None:
    value = s.optional_string(key)
    if value is not None and value not in choices:
        s.add(f"{s.at(key)}: {value!r} is not one of {list(choices)}")
        return None
    return value


def _consumers(root: _Section, provider: ProviderConfig | None) -> tuple[ConsumerConfig, ...]:
    consumers = root.each("consumers", _consumer)
    named: list[ConsumerConfig] = []
    for index, consumer in enumerate(consumers):
        where = f"consumers[{index}]"
        if len(consumers) > 1 and consumer.name is None and not consumer.stack_name:
            root.add(f"{where}.name: required when there are several consumers (it names the stack)")
        stack_name = consumer.stack_name or (
            "ConsumerStack" if len(consumers) == 1 else f"ConsumerStack-{consumer.name or index}"
        )
        if consumer.linked:
            if provider is None:
                root.add(f"{where}.service_name: required, since this app has no provider section")
            elif consumer.env != provider.env:
                root.add(
                    f"{where}.service_name: required when the consumer's env differs from the "
                    "provider's (a cross-stack reference works within one account and region)"
                )
        if consumer.linked and provider is not None:
            unknown = sorted(set(consumer.ports) - set(provider.ports))
            if unknown:
                root.add(
                    f"{where}.ports: {unknown} are not ports of this app's provider {list(provider.ports)}"
                )
            if consumer.private_dns_enabled and provider.private_dns_name is None:
                root.add(
                    f"{where}.private_dns_enabled: this app's provider has no private_dns_name, so "
                    "CloudFormation would fail the endpoint; set provider.private_dns_name or use "
                    "private_hosted_zone"
                )
        ports = consumer.ports or (provider.ports if provider is not None and consumer.linked else ())
        named.append(replace(consumer, stack_name=stack_name, ports=ports))
    return tuple(named)


def parse_config(data: object) -> AppConfig:
    """Validate a config mapping (as found in cdk.json or a file) into an ``AppConfig``."""
    problems: list[str] = []
    root = _Section(data, "", problems)
    provider = root.read("provider", _provider, None)
    consumers = _consumers(root, provider)
    root.finish()
    names = [provider.stack_name] if provider is not None else []
    names += [consumer.stack_name for consumer in consumers]
    for name in names:
        if not _STACK_NAME.match(name):
            problems.append(f"stack name {name!r}: use letters, digits and hyphens, starting with a letter")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        problems.append(f"stack names must be unique, got {duplicates} more than once")
    if provider is None and not consumers:
        problems.append(": nothing to build; give a provider section, a consumers list, or both")
    if problems:
        raise ConfigError(problems)
    return AppConfig(provider=provider, consumers=consumers)


def read_config_file(path: Path) -> object:
    """Read a JSON (``.json``) or YAML (anything else) config file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.safe_load(text)


def load_config(context: Callable[[str], object]) -> AppConfig:
    """The app's config: the file named by context ``config``, else context ``privatelink``.

    ``context`` is ``app.node.try_get_context``.
    """
    file_name = context("config")
    if file_name is not None:
        path = Path(str(file_name))
        if not path.is_file():
            raise ConfigError([f"config: file {str(path)!r} does not exist"])
        try:
            data = read_config_file(path)
        except (ValueError, yaml.YAMLError) as error:
            raise ConfigError([f"config: {path} is not valid JSON/YAML: {error}"]) from error
    else:
        data = context(CONTEXT_KEY)
        if data is None:
            data = {}
    return parse_config(data)
