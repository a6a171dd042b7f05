"""The rules every argument of the library follows, each stated once.

A rule is a small function over plain values (strings, numbers, sequences) that returns the
``Problem`` s it finds, each naming the argument (and list index) it is about. The constructs
call the rules with their arguments and raise one ``ValueError`` naming the construct path; the
app's config calls the same rules with its values and renders each problem at its config path.
Values that are unresolved CDK tokens are accepted: they can only be judged at deploy time. The
exceptions are the counts the target updater bakes into its function's settings
(``check_max_removals``, ``check_reserved_concurrency``): they must be plain whole numbers.

Every pattern is matched against the whole string (``re.fullmatch``): ``$`` would also match
before a trailing newline. Every pattern is ASCII-only (``re.ASCII``): otherwise the digit and
word classes would also match other scripts' digits and letters, which no AWS identifier has.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import TypeVar

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk.region_info import RegionInfo
from constructs import Construct

from . import _patterns
from ._tokens import is_unresolved
from .target_updater._hostname import ip_literal, parse_rds_hostname
from .zones import is_zone_id, region_of_zone_id, zone_id_prefix

__all__ = [
    "AWS_DOMAINS",
    "BROAD_PREFIXES",
    "CONNECTION_EVENTS",
    "ENDPOINT_DNS_RECORD_IP_TYPES",
    "ENDPOINT_IP_ADDRESS_TYPES",
    "HEALTH_CHECK_PROTOCOLS",
    "MAX_NLB_LISTENERS",
    "MAX_TEMPLATE_BYTES",
    "PARTITIONS",
    "RDS_MODE_OF_KIND",
    "SECURITY_GROUP_RULES_QUOTA",
    "SERVICE_IP_ADDRESS_TYPES",
    "SERVICE_NAME_PREFIXES",
    "TARGET_TYPES",
    "Fix",
    "Problem",
    "check_auto_accept_allowed",
    "check_choice",
    "check_choices",
    "check_cidrs",
    "check_database_hostname",
    "check_deregistration_delay",
    "check_dns_name",
    "check_egress_rules",
    "check_elb_endpoint_placement",
    "check_endpoint_ip_types",
    "check_failover_wait",
    "check_follow_mode",
    "check_health_check",
    "check_ip_address_types",
    "check_max_removals",
    "check_open_to_all",
    "check_owned_domain",
    "check_peers",
    "check_ports",
    "check_principal_partitions",
    "check_principals",
    "check_private_dns",
    "check_private_dns_offered",
    "check_private_zone",
    "check_range",
    "check_region",
    "check_region_partitions",
    "check_regions",
    "check_registrable_cidrs",
    "check_reserved_concurrency",
    "check_rule_quota",
    "check_schedule",
    "check_security_group_rules",
    "check_service_name",
    "check_service_ports",
    "check_service_region",
    "check_source_identifiers",
    "check_template_size",
    "check_topic_arn",
    "check_zone_holds",
    "check_zone_ids",
    "check_zone_overlap",
    "domain_contains",
    "endpoint_enum",
    "is_account_id",
    "is_open_to_all",
    "partition_of",
    "peer_families",
    "raise_if_problems",
    "rule_families",
    "shown",
    "to_principal_arn",
]

CONNECTION_EVENTS = ("Accept", "Connect", "Delete", "Reject")
"""Every endpoint connection event a notification can report."""

SERVICE_IP_ADDRESS_TYPES = ("ipv4", "ipv6")
"""The IP address types an endpoint service can support."""

ENDPOINT_IP_ADDRESS_TYPES = {
    "ipv4": ec2.VpcEndpointIpAddressType.IPV4,
    "dualstack": ec2.VpcEndpointIpAddressType.DUALSTACK,
    "ipv6": ec2.VpcEndpointIpAddressType.IPV6,
}
"""An interface endpoint's IP address types, by the name a config uses."""

ENDPOINT_DNS_RECORD_IP_TYPES = {
    "ipv4": ec2.VpcEndpointDnsRecordIpType.IPV4,
    "dualstack": ec2.VpcEndpointDnsRecordIpType.DUALSTACK,
    "ipv6": ec2.VpcEndpointDnsRecordIpType.IPV6,
    "service-defined": ec2.VpcEndpointDnsRecordIpType.SERVICE_DEFINED,
}
"""An interface endpoint's DNS record IP types, by the name a config uses."""

_WITH_IPV6_RECORDS = (ec2.VpcEndpointDnsRecordIpType.DUALSTACK, ec2.VpcEndpointDnsRecordIpType.IPV6)
_WITH_IPV6_ADDRESSES = (ec2.VpcEndpointIpAddressType.DUALSTACK, ec2.VpcEndpointIpAddressType.IPV6)
_E = TypeVar("_E")

MAX_NLB_LISTENERS = 50
"""PrivateLink limit: an endpoint service's NLB may have at most 50 listeners."""

SERVICE_NAME_PREFIXES: tuple[str, ...] = _patterns.SERVICE_NAME_PREFIXES
"""Endpoint service name prefixes of every partition aws-cdk-lib knows (``cn.com...`` in China)."""

_ACCOUNT_ID = _patterns.ACCOUNT_ID
PARTITIONS: tuple[str, ...] = _patterns.PARTITIONS
"""Every AWS partition aws-cdk-lib knows (``aws``, ``aws-cn``, ``aws-us-gov``, ...)."""

_PARTITION = "|".join(re.escape(partition) for partition in PARTITIONS)
_IAM_PRINCIPAL_ARN = re.compile(
    rf"arn:({_PARTITION}):iam::(\d{{12}}):(?:root|role/[\w+=,.@-]{{1,64}}|user/[\w+=,.@-]{{1,64}})",
    re.ASCII,
)
_IAM_PATH_ARN = re.compile(
    rf"arn:(?:{_PARTITION}):iam::\d{{12}}:(?:role|user)(/[\w+=,.@/-]+/)[\w+=,.@-]{{1,64}}", re.ASCII
)
_ROOT_ARN = re.compile(r"arn:[^:]+:iam::(\d{12}):root", re.ASCII)
_REGION_NAME = _patterns.REGION_NAME
_SERVICE_NAME = _patterns.SERVICE_NAME
_PRINCIPAL_ALLOWED = "a 12-digit account ID or an IAM ARN of an account root, role or user"
_ACCOUNT_ALLOWED = "a 12-digit account ID"


@dataclass(frozen=True)
class Fix:
    """Another argument whose value would solve a problem, as the message suggests."""

    argument: str
    value: object
    purpose: str = ""
    """What setting it means, appended after the suggestion (``"to mean it"``)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one argument (or one item of a list argument)."""

    argument: str
    """The construct argument it is about (``ports``); nested fields are dotted (``zone.name``)."""
    message: str
    """What is wrong and what is allowed, without the argument's name."""
    index: int | None = None
    """The item of a list argument, when it is about one item."""
    fix: Fix | None = None
    """A setting that solves it, rendered in the caller's own spelling."""

    def where(self) -> str:
        """``ports[1]`` or ``ports``."""
        return self.argument if self.index is None else f"{self.argument}[{self.index}]"

    def render(self) -> str:
        """The problem as a construct reports it: ``ports[1]: 70000 is not a TCP port (1-65535)``."""
        text = f"{self.where()}: {self.message}"
        if self.fix is not None:
            text += f"; set {self.fix.argument}={shown(self.fix.value)}"
            text += f" {self.fix.purpose}" if self.fix.purpose else ""
        return text


def shown(value: object) -> str:
    """A value as a message shows it: enum members by name (``TargetType.IP``), the rest by repr."""
    if isinstance(value, Enum):
        return f"{type(value).__name__}.{value.name}"
    return repr(value)


def is_account_id(value: object) -> bool:
    """Whether ``value`` is a 12-digit AWS account ID."""
    return isinstance(value, str) and _ACCOUNT_ID.fullmatch(value) is not None


def check_ports(
    ports: Sequence[object], *, argument: str = "ports", maximum: int | None = MAX_NLB_LISTENERS
) -> list[Problem]:
    """TCP ports: at least one, each 1-65535, no duplicates, at most ``maximum``."""
    problems: list[Problem] = []
    if len(ports) == 0:
        problems.append(Problem(argument, "at least one TCP port is required, got none"))
    if maximum is not None and len(ports) > maximum:
        problems.append(
            Problem(
                argument,
                f"at most {maximum} ports are allowed (one NLB listener each, the PrivateLink limit), "
                f"got {len(ports)}",
            )
        )
    seen: set[object] = set()
    for index, port in enumerate(ports):
        if is_unresolved(port):
            continue
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            problems.append(Problem(argument, f"{port!r} is not a TCP port (1-65535)", index))
        elif port in seen:
            problems.append(Problem(argument, f"port {port} is listed more than once", index))
        seen.add(port)
    return problems


def check_principals(principals: Sequence[str], *, argument: str, allow_arns: bool = True) -> list[Problem]:
    """Account IDs and, with ``allow_arns``, IAM principal ARNs (root, role, user) and ``*``.

    Whether ``*`` may stand in the list is ``check_open_to_all``'s question.
    """
    problems: list[Problem] = []
    allowed = _PRINCIPAL_ALLOWED if allow_arns else _ACCOUNT_ALLOWED
    seen: set[str] = set()
    for index, principal in enumerate(principals):
        if is_unresolved(principal):
            continue
        message = _principal_message(principal, allowed=allowed, allow_arns=allow_arns)
        if message is not None:
            problems.append(Problem(argument, message, index))
        if principal in seen:
            problems.append(Problem(argument, f"{principal!r} is listed more than once", index))
        seen.add(principal)
    return problems


def check_open_to_all(
    principals: Sequence[str],
    *,
    allow_all: bool,
    acceptance_required: bool = True,
    allow_all_without_acceptance: bool = False,
) -> list[Problem]:
    """``*`` among the allowed principals only when ``allow_all_principals`` says so.

    With acceptance off as well, every AWS account could connect with no decision at all: that
    takes a second flag, ``allow_all_principals_without_acceptance``.
    """
    problems = [
        Problem(
            "allowed_principals",
            "'*' would let every AWS account connect",
            index,
            Fix("allow_all_principals", value=True, purpose="to mean it"),
        )
        for index, principal in enumerate(principals)
        if principal == "*" and not allow_all
    ]
    if is_open_to_all(principals, acceptance_required=acceptance_required) and not (
        allow_all_without_acceptance
    ):
        problems.append(
            Problem(
                "acceptance_required",
                "turned off with '*' in allowed_principals would let every AWS account connect "
                "with no decision",
                fix=Fix("allow_all_principals_without_acceptance", value=True, purpose="to mean it"),
            )
        )
    return problems


def is_open_to_all(principals: Sequence[str], *, acceptance_required: bool) -> bool:
    """Whether every AWS account may connect and is accepted without review."""
    return "*" in principals and not acceptance_required


def partition_of(region: str | None) -> str | None:
    """The partition of a concrete, known region (``aws-cn`` for ``cn-north-1``), else None.

    An environment-agnostic stack's ``Aws.PARTITION`` is a token, so its partition is unknown.
    """
    if region is None or is_unresolved(region):
        return None
    return _known_partition(region)


@functools.cache
def _known_partition(region: str) -> str | None:
    return RegionInfo.get(region).partition


def check_principal_partitions(
    principals: Sequence[str], *, partition: str | None, argument: str = "allowed_principals"
) -> list[Problem]:
    """Principal ARNs are in the stack's partition; without one, all in the same partition.

    An endpoint service lives in one partition. When the stack's partition is unknown (an
    environment-agnostic stack), the first ARN's partition stands for it.
    """
    problems = []
    expected, where = partition, "this stack deploys to"
    for index, principal in enumerate(principals):
        match = None if is_unresolved(principal) else _IAM_PRINCIPAL_ARN.fullmatch(principal)
        if match is None:
            continue
        if expected is None:
            expected, where = match.group(1), f"{argument}[{index}] is in"
        elif match.group(1) != expected:
            problems.append(
                Problem(
                    argument,
                    f"{principal!r} is in partition {match.group(1)!r}, but {where} {expected!r}: "
                    "an endpoint service and its consumers share one partition",
                    index,
                )
            )
    return problems


def check_auto_accept_allowed(
    accounts: Sequence[str], allowed: Sequence[str], *, argument: str = "auto_accept_principals"
) -> list[Problem]:
    """Every account to auto-accept is allowed to connect: ``*``, the account ID or its root ARN.

    An IAM role or user ARN allows that role or user, not the whole account. A root ARN whose
    partition is a token (``arn:${Token[AWS.Partition]}:iam::111122223333:root``) still names
    its account; other unresolved principals allow nothing that can be judged here.
    """
    if "*" in allowed:
        return []
    covered = {principal for principal in allowed if is_account_id(principal)}
    covered |= {match.group(1) for principal in allowed if (match := _ROOT_ARN.fullmatch(principal))}
    return [
        Problem(
            argument,
            f"{account!r} is not allowed to connect (allowed_principals has neither the account ID, "
            "its root ARN nor '*'), so it could never be accepted; allow the account or remove it here",
            index,
        )
        for index, account in enumerate(accounts)
        if is_account_id(account) and account not in covered
    ]


def _principal_message(principal: object, *, allowed: str, allow_arns: bool) -> str | None:
    if not isinstance(principal, str) or principal.strip() == "":
        return f"{principal!r} is empty; expected {allowed}"
    if is_account_id(principal) or (allow_arns and principal == "*"):
        return None
    if allow_arns and _IAM_PRINCIPAL_ARN.fullmatch(principal):
        return None
    path = _IAM_PATH_ARN.fullmatch(principal) if allow_arns else None
    if path is not None:
        return (
            f"{principal!r} has a path ({path.group(1)!r}), and endpoint service permissions take no "
            "principal ARNs with paths; allow the account, or a role or user without a path"
        )
    if allow_arns and principal.startswith("arn:"):
        return (
            f"{principal!r} is not an IAM principal ARN; expected "
            "arn:<partition>:iam::<12-digit account>:root, :role/<name> or :user/<name>"
        )
    return f"{principal!r} is not {allowed}"


def to_principal_arn(principal: str, partition: str) -> str:
    """Turn a 12-digit account ID into its root ARN; anything else passes through unchanged."""
    if not is_unresolved(principal) and is_account_id(principal):
        return f"arn:{partition}:iam::{principal}:root"
    return principal


def check_region(region: str, *, argument: str, index: int | None = None) -> list[Problem]:
    """An AWS region name such as ``eu-west-1``, ``us-gov-west-1`` or ``cn-north-1``."""
    if is_unresolved(region) or (isinstance(region, str) and _REGION_NAME.fullmatch(region)):
        return []
    return [Problem(argument, f"{region!r} is not an AWS region name (like 'eu-west-1')", index)]


def check_regions(regions: Sequence[str], *, argument: str) -> list[Problem]:
    """Each of a list of region names."""
    return [
        p
        for index, region in enumerate(regions)
        for p in check_region(region, argument=argument, index=index)
    ]


def check_region_partitions(
    regions: Sequence[str], *, partition: str | None, argument: str, listed: bool = True
) -> list[Problem]:
    """Other regions of a link are in the stack's partition (without one, all in one partition).

    Cross-region PrivateLink never crosses a partition. Regions aws-cdk-lib does not know pass.
    ``listed`` says whether ``argument`` is a list.
    """
    problems = []
    expected, where = partition, "this stack deploys to"
    for index, region in enumerate(regions):
        found = partition_of(region)
        if found is None:
            continue
        if expected is None:
            expected, where = found, f"{argument}[{index}] is in"
        elif found != expected:
            problems.append(
                Problem(
                    argument,
                    f"{region!r} is in partition {found!r}, but {where} {expected!r}: "
                    "cross-region PrivateLink stays within one partition",
                    index if listed else None,
                )
            )
    return problems


def check_choice(
    value: object, *, argument: str, allowed: Sequence[object], index: int | None = None
) -> list[Problem]:
    """One value out of ``allowed`` (strings or enum members)."""
    if value in allowed:
        return []
    expected = ", ".join(shown(choice) for choice in allowed)
    return [Problem(argument, f"{shown(value)} is not allowed; expected one of {expected}", index)]


def check_choices(
    values: Sequence[object], *, argument: str, allowed: Sequence[object], required: bool = False
) -> list[Problem]:
    """Each value is one of ``allowed``; with ``required``, at least one is given."""
    problems = [
        p
        for index, value in enumerate(values)
        for p in check_choice(value, argument=argument, allowed=allowed, index=index)
    ]
    if required and not values:
        expected = ", ".join(shown(choice) for choice in allowed)
        problems.append(Problem(argument, f"at least one of {expected} is required, got none"))
    return problems


def check_dns_name(name: str, *, argument: str, index: int | None = None) -> list[Problem]:
    """A fully qualified DNS name: lower-case LDH labels, at least two, 253 characters at most."""
    if is_unresolved(name):
        return []
    allowed = "lower-case letters, digits and hyphens in dot-separated labels, like 'db.example.com'"
    if _patterns.is_dns_name(name):
        return []
    return [Problem(argument, f"{name!r} is not a DNS name; expected {allowed}", index)]


def domain_contains(zone_name: str, dns_name: str) -> bool:
    """Whether ``dns_name`` is ``zone_name`` or a name below it (trailing dots ignored)."""
    zone = zone_name.removesuffix(".").lower()
    name = dns_name.removesuffix(".").lower()
    return name == zone or name.endswith("." + zone)


def check_zone_holds(
    zone_name: str,
    names: Sequence[str],
    *,
    zone_argument: str,
    names_argument: str,
    listed: bool = True,
) -> list[Problem]:
    """Every name lies in the zone. ``listed`` says whether ``names_argument`` is a list."""
    if is_unresolved(zone_name):
        return []
    problems = []
    for index, name in enumerate(names):
        if (
            is_unresolved(name)
            or check_dns_name(name, argument=names_argument)
            or domain_contains(zone_name, name)
        ):
            continue
        if listed:
            problems.append(Problem(names_argument, f"{name!r} is not in the zone {zone_name!r}", index))
        else:
            problems.append(
                Problem(
                    zone_argument,
                    f"zone {zone_name!r} does not contain {names_argument} {name!r}; "
                    "use the zone of that name or a parent",
                )
            )
    return problems


AWS_DOMAINS: tuple[str, ...] = tuple(sorted(set(_patterns.DOMAIN_SUFFIX_BY_PARTITION.values())))
"""The service domains AWS owns in every partition aws-cdk-lib knows (``amazonaws.com``, ...)."""


def check_owned_domain(name: str, *, argument: str, index: int | None = None) -> list[Problem]:
    """A name for DNS you control: not an IP address, and not under a domain AWS owns."""
    if is_unresolved(name) or not isinstance(name, str):
        return []
    bare = name.removesuffix(".").lower()
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        pass
    else:
        return [
            Problem(argument, f"{name!r} is an IP address; expected a DNS name in a domain you own", index)
        ]
    owner = next((domain for domain in AWS_DOMAINS if domain_contains(domain, bare)), None)
    if owner is not None:
        return [
            Problem(argument, f"{name!r} is under {owner!r}, which AWS owns; use a domain you own", index)
        ]
    return []


def check_service_name(name: str, *, argument: str = "service_name") -> list[Problem]:
    """An endpoint service name, ``<prefix>.<region>.vpce-svc-<17 hex>`` in any partition."""
    if is_unresolved(name) or (isinstance(name, str) and _SERVICE_NAME.fullmatch(name)):
        return []
    return [
        Problem(
            argument,
            f"{name!r} is not an endpoint service name; expected "
            "com.amazonaws.vpce.<region>.vpce-svc-<17 hex digits> (cn.com.amazonaws.vpce... in China)",
        )
    ]


def check_service_region(
    service_name: str, region: str, *, argument: str = "service_region"
) -> list[Problem]:
    """A cross-region endpoint's region is a region name and the one its service name says."""
    problems = check_region(region, argument=argument)
    if problems or is_unresolved(service_name) or is_unresolved(region):
        return problems
    match = _SERVICE_NAME.fullmatch(service_name) if isinstance(service_name, str) else None
    if match is not None and match.group(2) != region:
        problems.append(
            Problem(argument, f"{region!r} does not match the region in service_name ({match.group(2)!r})")
        )
    return problems


def check_cidrs(cidrs: Sequence[str], *, argument: str, allow_broad: bool = False) -> list[Problem]:
    """CIDR blocks of clients or targets: valid, canonical, and not (nearly) every address.

    Parsed with ``ipaddress``: a block with host bits set (``10.1.2.3/8``) or written another way
    than its canonical form (``0.0.0.0/00``, ``0::/0``, an address without a prefix) is refused,
    naming the canonical form. ``/0`` is always refused; a prefix shorter than ``/8`` (IPv4) or
    ``/16`` (IPv6) is refused as nearly every address unless ``allow_broad`` says it is meant.
    """
    problems = []
    for index, cidr in enumerate(cidrs):
        if is_unresolved(cidr):
            continue
        message, fix = _cidr_message(cidr, allow_broad=allow_broad)
        if message is not None:
            problems.append(Problem(argument, message, index, fix))
    return problems


BROAD_PREFIXES = {4: 8, 6: 16}
"""Prefixes shorter than these (per IP version) are "nearly every address" (``allow_broad_cidrs``)."""


def _cidr_message(cidr: str, *, allow_broad: bool) -> tuple[str | None, Fix | None]:
    try:
        network = ipaddress.ip_network(cidr, strict=False)
        address = ipaddress.ip_interface(cidr).ip
    except (TypeError, ValueError):
        return f"{cidr!r} is not a CIDR block (like '10.60.0.0/16')", None
    canonical = str(network)
    clauses = []
    if network.network_address != address:
        clauses.append(f"has host bits set (its network is {canonical!r})")
    elif canonical != cidr:
        clauses.append(f"is not canonical (write {canonical!r})")
    fix = None
    shortest = BROAD_PREFIXES[network.version]
    if network.prefixlen == 0:
        clauses.append("would allow every address; name the networks you mean")
    elif network.prefixlen < shortest and not allow_broad:
        clauses.append(
            f"is a /{network.prefixlen}, nearly every address (shorter than /{shortest}); "
            "name smaller networks"
        )
        fix = Fix("allow_broad_cidrs", value=True, purpose="to mean it")
    if not clauses:
        return None, None
    return f"{cidr!r} " + " and ".join(clauses), fix


def check_peers(peers: Sequence[ec2.IPeer], *, argument: str, allow_broad: bool = False) -> list[Problem]:
    """Security-group peers: each CIDR peer (judged by its ``unique_id``) as ``check_cidrs`` says.

    Security groups and prefix lists name their members themselves and pass.
    """
    problems = []
    for index, peer in enumerate(peers):
        if _peer_cidr(peer) is not None:
            problems += [
                replace(problem, index=index)
                for problem in check_cidrs([peer.unique_id], argument=argument, allow_broad=allow_broad)
            ]
    return problems


def _peer_cidr(peer: ec2.IPeer) -> str | None:
    """The CIDR block of a CIDR peer; None for security groups and prefix lists."""
    config = peer.to_ingress_rule_config()
    return config.cidr_ip or config.cidr_ipv6


def peer_families(peer: ec2.IPeer) -> tuple[str, ...]:
    """The IP versions a rule for this peer counts against (``rule_families``)."""
    return rule_families(_peer_cidr(peer) or peer.unique_id)


SECURITY_GROUP_RULES_QUOTA = 60
"""VPC's default quota of inbound (and of outbound) rules per security group, per IP version."""


def rule_families(source: str) -> tuple[str, ...]:
    """The IP versions a security-group rule with this source counts against.

    A CIDR counts against its own version; a security group or prefix list against both (a
    customer-managed prefix list counts as its maximum size, which only AWS knows: here, one).
    """
    if "/" in source and not is_unresolved(source):
        return ("IPv6",) if ":" in source else ("IPv4",)
    return ("IPv4", "IPv6")


def check_security_group_rules(  # noqa: PLR0913 - keyword-only: the quota and the words of the message
    sources: Sequence[Sequence[str]],
    *,
    ports: int,
    direction: str,
    argument: str,
    group: str = "the security group",
    noun: str = "sources",
    quota: int = SECURITY_GROUP_RULES_QUOTA,
) -> list[Problem]:
    """One security group's rules (each source on each port) fit the VPC quota, per IP version.

    ``sources`` holds the families (``rule_families``) of each distinct source; ``group`` and
    ``noun`` name the group and its sources in the message.
    """
    problems = []
    default = " (the VPC default)" if quota == SECURITY_GROUP_RULES_QUOTA else ""
    for family in ("IPv4", "IPv6"):
        count = sum(family in families for families in sources)
        if count * ports > quota:
            problems.append(
                Problem(
                    argument,
                    f"{group} would need {count * ports} {direction} {family} rules ({count} {noun} x "
                    f"{ports} port{'s' * (ports != 1)}), over the quota of {quota} per direction and IP "
                    f"version{default}; "
                    "name fewer, wider networks (or a security group), or set security_group_rule_quota "
                    "to your account's raised quota",
                )
            )
    return problems


def check_egress_rules(
    ports: Sequence[int],
    target_cidrs: Sequence[str],
    *,
    health_check_ports: Sequence[int] = (),
    quota: int = SECURITY_GROUP_RULES_QUOTA,
) -> list[Problem]:
    """The provider NLB's egress rules fit the quota, one per network and port.

    The networks are the VPC's CIDR (IPv4) and each target network; the ports every service and
    health-check port. Too many are ``target_cidrs``' problem: the VPC alone fits 50 ports.
    """
    egress_ports = {*ports, *health_check_ports}
    networks = [("IPv4",), *(rule_families(cidr) for cidr in dict.fromkeys(target_cidrs))]
    return check_security_group_rules(
        networks,
        ports=len(egress_ports),
        direction="outbound",
        argument="target_cidrs",
        group="the NLB's security group",
        noun="networks",
        quota=quota,
    )


MAX_TEMPLATE_BYTES = 1_000_000
"""CloudFormation's largest template, uploaded through S3 as the CDK CLI does (aws-cdk-lib's limit)."""


def check_template_size(size: int, *, argument: str = "template") -> list[Problem]:
    """A synthesized template CloudFormation accepts: at most ``MAX_TEMPLATE_BYTES`` bytes."""
    if size <= MAX_TEMPLATE_BYTES:
        return []
    return [
        Problem(
            argument,
            f"{size:,} bytes, over CloudFormation's limit of {MAX_TEMPLATE_BYTES:,} bytes "
            "(a template uploaded through S3, as the CDK CLI does); allow fewer principals "
            "or split the stack",
        )
    ]


def check_range(
    value: float | None, *, argument: str, low: float, high: float | None = None, whole: bool = False
) -> list[Problem]:
    """A number between ``low`` and ``high`` (no upper bound when None); None means the default.

    Booleans are refused (``True`` would count as 1); with ``whole``, so are fractions.
    """
    if value is None or is_unresolved(value):
        return []
    allowed = f"{low}-{high}" if high is not None else f"{low} or more"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [Problem(argument, f"{value!r} is not a number; expected {allowed}")]
    if whole and not float(value).is_integer():
        return [Problem(argument, f"{value!r} is not a whole number; expected {allowed}")]
    if low <= value and (high is None or value <= high):
        return []
    return [Problem(argument, f"{value} is out of range ({allowed})")]


_Shown = str | Callable[[], str] | None
"""How a rule shows a value in its message: as written where it came from (``30 seconds``), or a
function that says so, called only for a message (``duration.to_human_string``)."""


def _shown(shown: _Shown, seconds: float) -> str:
    if callable(shown):
        return shown()
    return shown or f"{seconds:g} seconds"


def check_schedule(seconds: float | None, *, argument: str, shown: _Shown = None) -> list[Problem]:
    """A schedule's rate: at least EventBridge's minimum of one minute. None means the default."""
    if seconds is None or is_unresolved(seconds) or seconds >= 60:
        return []
    return [Problem(argument, f"{_shown(shown, seconds)} is below EventBridge's 1 minute minimum")]


def check_failover_wait(
    seconds: float | None, *, argument: str = "failover_wait", shown: _Shown = None
) -> list[Problem]:
    """How long the target updater waits out a failover before it reads the addresses: 0 to 5 minutes."""
    if seconds is None or is_unresolved(seconds) or 0 <= seconds <= 300:
        return []
    written = _shown(shown, seconds)
    if seconds < 0:
        return [Problem(argument, f"{written} is negative; expected 0 to 5 minutes")]
    return [Problem(argument, f"{written} is over the 5 minute maximum")]


def check_max_removals(value: object, *, argument: str = "max_removals_per_run") -> list[Problem]:
    """How many targets the updater may deregister in one run: a whole number, at least 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        return [Problem(argument, f"{value!r} is not a whole number; expected 1 or more")]
    if value < 1:
        return [Problem(argument, f"{value} would stop every removal; expected 1 or more")]
    return []


def check_reserved_concurrency(
    value: object, *, argument: str = "reserved_concurrent_executions", unset: str = "None"
) -> list[Problem]:
    """A function's reserved concurrency: None (the default) or a whole number, at least 1.

    ``unset`` is how the caller's user leaves it unset (``None``; a config: ``leave it out``).
    """
    if value is None or (not isinstance(value, bool) and isinstance(value, int) and value >= 1):
        return []
    return [
        Problem(
            argument,
            f"{value!r} would stop every run; expected 1 or more, or {unset} (the default: runs never "
            "overlap without it)",
        )
    ]


def check_elb_endpoint_placement(
    create_elb_endpoint: bool, in_vpc: bool, *, remedy: str = "pass vpc_subnets"
) -> list[Problem]:
    """The updater's own API endpoints only serve an updater that runs in the VPC (``remedy``: how)."""
    if create_elb_endpoint and not in_vpc:
        return [Problem("create_elb_endpoint", f"the endpoints are for an updater in the VPC; {remedy}")]
    return []


def check_deregistration_delay(
    seconds: float | None, *, argument: str = "deregistration_delay"
) -> list[Problem]:
    """ELB's deregistration delay of a target group, in seconds: 0 to 3600. None means the default."""
    return check_range(seconds, argument=argument, low=0, high=3600)


def check_rule_quota(quota: float | None, *, argument: str = "security_group_rule_quota") -> list[Problem]:
    """An account's VPC quota of rules per security group: a whole number, at least 1."""
    return check_range(quota, argument=argument, low=1, whole=True)


HEALTH_CHECK_PROTOCOLS: Mapping[str, elbv2.Protocol] = {
    "tcp": elbv2.Protocol.TCP,
    "http": elbv2.Protocol.HTTP,
    "https": elbv2.Protocol.HTTPS,
}
"""The health-check protocols an NLB target group takes, by the name a config gives them."""

TARGET_TYPES: Mapping[str, elbv2.TargetType] = {
    "ip": elbv2.TargetType.IP,
    "instance": elbv2.TargetType.INSTANCE,
    "alb": elbv2.TargetType.ALB,
}
"""The target types an NLB target group takes, by the name a config gives them."""


def check_health_check(  # noqa: PLR0913 - keyword-only: one per field of a health check
    *,
    argument: str,
    protocol: str | None = None,
    port: int | None = None,
    path: str | None = None,
    interval_seconds: float | None = None,
    healthy_threshold: float | None = None,
    unhealthy_threshold: float | None = None,
) -> list[Problem]:
    """An NLB target group's health check, within ELB's limits (``None`` = the default)."""

    def at(field: str) -> str:
        return f"{argument}.{field}" if argument else field

    problems: list[Problem] = []
    if protocol is not None and protocol not in HEALTH_CHECK_PROTOCOLS:
        problems.append(Problem(at("protocol"), f"{protocol!r} is not one of {list(HEALTH_CHECK_PROTOCOLS)}"))
    if path is not None and protocol not in ("http", "https"):
        got = protocol or "the default, tcp"
        problems.append(Problem(at("path"), f"a path needs protocol http or https (got {got})"))
    for field, value, low, high in (
        ("port", port, 1, 65535),
        ("interval_seconds", interval_seconds, 5, 300),
        ("healthy_threshold", healthy_threshold, 2, 10),
        ("unhealthy_threshold", unhealthy_threshold, 2, 10),
    ):
        problems += check_range(value, argument=at(field), low=low, high=high, whole=True)
    return problems


def check_zone_ids(zone_ids: Sequence[str], *, argument: str, region: str | None = None) -> list[Problem]:
    """Availability Zone IDs: the format (``use1-az1``), once each, one region, ``region``'s if known."""
    problems = []
    for index, zone_id in enumerate(zone_ids):
        if not is_zone_id(zone_id):
            problems.append(
                Problem(argument, f"{zone_id!r} is not an Availability Zone ID (like 'use1-az1')", index)
            )
        elif zone_ids.index(zone_id) != index:
            problems.append(Problem(argument, f"{zone_id!r} is listed more than once", index))
    if problems:
        return problems
    regions = sorted({region_of_zone_id(zone_id) for zone_id in zone_ids})
    if len(regions) > 1:
        problems.append(Problem(argument, f"zones of one region only; got zones of {regions}"))
    expected = zone_id_prefix(region) if region is not None else None
    if expected is not None and regions and regions != [expected]:
        problems.append(
            Problem(
                argument,
                f"{list(zone_ids)} are not zones of {region} (its zone IDs start with '{expected}-')",
            )
        )
    return problems


def check_service_ports(
    ports: Sequence[int], service_ports: Sequence[int], *, service: str, argument: str = "ports"
) -> list[Problem]:
    """A consumer's ports are ports of its service (``service`` names it); fewer are fine."""
    unknown = sorted(set(ports) - set(service_ports))
    if not unknown:
        return []
    return [Problem(argument, f"{unknown} are not ports of {service} ({list(service_ports)})")]


def check_private_dns_offered(  # noqa: PLR0913 - keyword-only: the name, its state, the message's words
    enabled: bool | None,
    *,
    service: str,
    name: str | None,
    usable: bool,
    remedy: str,
    state: str | None = None,
    argument: str = "private_dns_enabled",
) -> list[Problem]:
    """A consumer may turn private DNS on only when its service has a private DNS name to use.

    ``usable``: the name is there and verified (as far as the caller can know); ``state`` is the
    name's verification state when it is not; ``remedy`` says what to do instead.
    """
    if not enabled or usable:
        return []
    if name is None:
        why = "has no private DNS name"
    else:
        why = f"has the private DNS name {name!r}, {state or 'not verified'}, not verified"
    return [Problem(argument, f"true, but {service} {why}: CloudFormation would fail the endpoint; {remedy}")]


def check_zone_overlap(
    own: Sequence[str], service: Sequence[str], *, argument: str, service_argument: str
) -> list[Problem]:
    """An endpoint's zones share at least one zone with the service's (same region only)."""
    if (
        not own
        or not service
        or {region_of_zone_id(z) for z in own} != {region_of_zone_id(z) for z in service}
    ):
        return []
    if set(own) & set(service):
        return []
    return [
        Problem(
            argument,
            f"{list(own)} share no zone with the service's {service_argument} {list(service)}: "
            "PrivateLink connects only in zones both sides are in",
        )
    ]


def raise_if_problems(scope: Construct, problems: Iterable[Problem]) -> None:
    """Raise one ``ValueError`` naming the construct path and every problem, if there are any."""
    found = [problem.render() for problem in problems]
    if not found:
        return
    if len(found) == 1:
        raise ValueError(f"{scope.node.path}: {found[0]}")
    listing = "\n".join(f"  - {problem}" for problem in found)
    raise ValueError(f"{scope.node.path}: {len(found)} invalid arguments:\n{listing}")


def check_ip_address_types(types: Sequence[str], *, dualstack: bool) -> list[Problem]:
    """Supported IP address types: known, at least one, and ``ipv6`` only on a dualstack NLB."""
    problems = check_choices(
        types, argument="supported_ip_address_types", allowed=SERVICE_IP_ADDRESS_TYPES, required=True
    )
    if "ipv6" in types and not dualstack:
        problems.append(
            Problem(
                "supported_ip_address_types",
                "'ipv6' needs a dualstack NLB",
                fix=Fix("ip_address_type", elbv2.IpAddressType.DUAL_STACK),
            )
        )
    return problems


def check_private_dns(name: str | None, zone_name: str | None) -> list[Problem]:
    """The private DNS name is a DNS name, and lies in the public hosted zone given with it."""
    if name is None:
        if zone_name is not None:
            return [Problem("public_hosted_zone", "given without private_dns_name; set both or neither")]
        return []
    problems = check_dns_name(name, argument="private_dns_name") or check_owned_domain(
        name, argument="private_dns_name"
    )
    if zone_name is not None and not problems:
        problems = check_zone_holds(
            zone_name,
            [name],
            zone_argument="public_hosted_zone",
            names_argument="private_dns_name",
            listed=False,
        )
    return problems


def check_endpoint_ip_types(
    ip_address_type: ec2.VpcEndpointIpAddressType | str | None,
    dns_record_ip_type: ec2.VpcEndpointDnsRecordIpType | str | None,
) -> list[Problem]:
    """Known IP address and DNS record types; IPv6 records only on an endpoint with IPv6 addresses."""
    problems = []
    address_types = [*ENDPOINT_IP_ADDRESS_TYPES, *ENDPOINT_IP_ADDRESS_TYPES.values()]
    record_types = [*ENDPOINT_DNS_RECORD_IP_TYPES, *ENDPOINT_DNS_RECORD_IP_TYPES.values()]
    if ip_address_type is not None:
        problems += check_choice(ip_address_type, argument="ip_address_type", allowed=address_types)
    if dns_record_ip_type is not None:
        problems += check_choice(dns_record_ip_type, argument="dns_record_ip_type", allowed=record_types)
    record = endpoint_enum(dns_record_ip_type, ENDPOINT_DNS_RECORD_IP_TYPES)
    if (
        record in _WITH_IPV6_RECORDS
        and endpoint_enum(ip_address_type, ENDPOINT_IP_ADDRESS_TYPES) not in _WITH_IPV6_ADDRESSES
    ):
        got = "the IPv4 default" if ip_address_type is None else shown(ip_address_type)
        problems.append(
            Problem(
                "dns_record_ip_type",
                f"{shown(dns_record_ip_type)} records need an endpoint with IPv6 addresses; "
                f"set ip_address_type to 'dualstack' or 'ipv6' (got {got})",
            )
        )
    return problems


def endpoint_enum(value: _E | str | None, table: Mapping[str, _E]) -> _E | None:
    """An enum member given as itself or by its name in ``table`` (None when unknown)."""
    return table.get(value) if isinstance(value, str) else value


def check_private_zone(zone_name: str | None, record_names: Sequence[str]) -> list[Problem]:
    """A private hosted zone's name, and at least one record name, each inside it."""
    if zone_name is None:
        if record_names:
            return [Problem("record_names", "given without private_hosted_zone_name; set both or neither")]
        return []
    problems = check_dns_name(zone_name, argument="private_hosted_zone_name") or check_owned_domain(
        zone_name, argument="private_hosted_zone_name"
    )
    if not record_names:
        problems.append(
            Problem(
                "record_names", f"a private hosted zone needs at least one record name, like 'db.{zone_name}'"
            )
        )
    for index, name in enumerate(record_names):
        problems += check_dns_name(name, argument="record_names", index=index)
    if not problems:
        problems += check_zone_holds(
            zone_name, record_names, zone_argument="private_hosted_zone_name", names_argument="record_names"
        )
    duplicates = sorted({name for name in record_names if record_names.count(name) > 1})
    if duplicates:
        problems.append(Problem("record_names", f"{duplicates} are listed more than once"))
    return problems


_ARN = re.compile(r"arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)", re.ASCII | re.DOTALL)
_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,251}\.fifo|[A-Za-z0-9_-]{1,256}", re.ASCII)
_TOPIC_ARN_FORM = "arn:<partition>:sns:<region>:<12-digit account>:<topic name>"


def check_topic_arn(
    arn: str, *, argument: str, partition: str | None = None, account: str | None = None
) -> list[Problem]:
    """An SNS topic ARN; in ``partition`` and owned by ``account`` when they are given.

    Give ``account`` for a topic this stack subscribes to: a topic of another account would be
    subscribed to silently (or fail at deploy, depending on that topic's policy).
    """
    if is_unresolved(arn):
        return []
    match = _ARN.fullmatch(arn) if isinstance(arn, str) else None
    if match is None:
        return [Problem(argument, f"{arn!r} is not an SNS topic ARN; expected {_TOPIC_ARN_FORM}")]
    arn_partition, service, region, owner, name = match.groups()
    if service != "sns":
        return [
            Problem(
                argument,
                f"{arn!r} is an ARN of service {service!r}, not an SNS topic; expected {_TOPIC_ARN_FORM}",
            )
        ]
    if not (
        arn_partition in PARTITIONS
        and _REGION_NAME.fullmatch(region)
        and is_account_id(owner)
        and _TOPIC_NAME.fullmatch(name)
    ):
        return [Problem(argument, f"{arn!r} is not an SNS topic ARN; expected {_TOPIC_ARN_FORM}")]
    problems = []
    if partition is not None and arn_partition != partition:
        problems.append(
            Problem(
                argument,
                f"{arn!r} is in partition {arn_partition!r}, but this stack deploys to {partition!r}",
            )
        )
    if account is not None and not is_unresolved(account) and owner != account:
        problems.append(
            Problem(
                argument,
                f"{arn!r} belongs to account {owner!r}, not this stack's account {account!r}; "
                "the auto-acceptor subscribes to it, so use a topic of this account",
            )
        )
    return problems


_RDS_IDENTIFIER = re.compile(r"[a-z](?:[a-z0-9]|-(?!-)){0,62}(?<!-)", re.ASCII)
_RDS_IDENTIFIER_FORM = (
    "1-63 lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen"
)


def check_source_identifiers(
    identifiers: Sequence[str], *, argument: str = "source_identifiers"
) -> list[Problem]:
    """RDS instance, cluster or proxy identifiers for an event filter, as RDS reports them.

    The event rule matches each one literally (``*`` is no wildcard there), and RDS reports
    identifiers in lower case: a value that can never match means no event ever fires.
    """
    problems = []
    seen: set[str] = set()
    for index, identifier in enumerate(identifiers):
        if is_unresolved(identifier):
            continue
        message = _source_identifier_message(identifier)
        if message is None and identifier in seen:
            message = f"{identifier!r} is listed more than once"
        if message is not None:
            problems.append(Problem(argument, message, index))
        seen.add(identifier)
    return problems


def _source_identifier_message(identifier: object) -> str | None:
    if isinstance(identifier, str) and _RDS_IDENTIFIER.fullmatch(identifier):
        return None
    if identifier == "*":
        return (
            "'*' is no wildcard here: the RDS event rule would match it literally and never fire; "
            "list the DB instance, cluster or proxy identifiers"
        )
    if identifier == "":
        return f"'' is empty: the RDS event rule would never fire; expected {_RDS_IDENTIFIER_FORM}"
    if isinstance(identifier, str) and _RDS_IDENTIFIER.fullmatch(identifier.lower()):
        return (
            f"{identifier!r} has upper-case letters, but RDS reports identifiers in lower case; "
            f"write {identifier.lower()!r}"
        )
    return f"{identifier!r} is not an RDS identifier; expected {_RDS_IDENTIFIER_FORM}"


# ---- the target updater's database ------------------------------------------------------------

RDS_MODE_OF_KIND = {
    "cluster": "rds-cluster-writer",
    "cluster-ro": "rds-cluster-readers",
    "instance": "rds-instance",
}
"""The updater's follow mode (``FollowMode`` value) for each kind of RDS endpoint it reads from RDS."""

_ELB_OUTSIDE_RANGES = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
"""The IPv4 ranges ELB registers IP targets from outside the VPC (RFC 1918 and RFC 6598)."""


def check_database_hostname(hostname: str, *, argument: str = "hostname") -> list[Problem]:
    """A database's DNS name: not an IP address (an address never follows a failover), a real name."""
    if is_unresolved(hostname):
        return []
    if ip_literal(hostname):
        return [
            Problem(
                argument,
                f"{hostname!r} is an IP address; give the database's DNS name "
                "(an address never follows a failover)",
            )
        ]
    problems = check_dns_name(hostname, argument=argument)
    if not problems and hostname.rstrip(".").rsplit(".", 1)[-1].isdigit():
        problems.append(Problem(argument, f"{hostname!r} is not a DNS name (its last label is a number)"))
    return problems


def _is_rds_identifier(identifier: str) -> bool:
    return (
        1 <= len(identifier) <= 63
        and identifier[0].isalpha()
        and all(c.isalnum() or c == "-" for c in identifier)
        and "--" not in identifier
        and not identifier.endswith("-")
    )


def check_follow_mode(  # noqa: PLR0913 - keyword-only: how the caller names its arguments
    mode: str,
    hostname: str,
    identifier: str | None,
    *,
    shown: Callable[[str], str] = str,
    mode_argument: str = "mode",
    identifier_argument: str = "database_identifier",
) -> list[Problem]:
    """An RDS follow mode (a ``FollowMode`` value) against the hostname and identifier it reads.

    ``identifier`` left out is the hostname's first label; ``shown`` names a mode in messages.
    """
    if mode == "dns":
        return []
    parsed = None if is_unresolved(hostname) else parse_rds_hostname(hostname)
    identifier = identifier or (parsed.identifier if parsed else None)
    problems = []
    if identifier is None:
        problems.append(
            Problem(
                identifier_argument,
                f"required with mode {shown(mode)}: the hostname shows no RDS cluster or instance identifier",
            )
        )
    elif not is_unresolved(identifier) and not _is_rds_identifier(identifier):
        problems.append(
            Problem(
                identifier_argument,
                f"{identifier!r} is not an RDS identifier; expected 1-63 letters, digits or hyphens, "
                "starting with a letter",
            )
        )
    expected = RDS_MODE_OF_KIND.get(parsed.kind) if parsed else None
    if parsed is not None and expected != mode:
        problems.append(
            Problem(
                mode_argument,
                f"{shown(mode)} does not follow hostname {parsed.kind} endpoint {parsed.identifier!r}; "
                f"use {shown(expected or 'dns')} or another hostname",
            )
        )
    return problems


def check_registrable_cidrs(cidrs: Sequence[str], *, argument: str = "target_cidrs") -> list[Problem]:
    """Networks outside the VPC that ELB registers IP targets from; blocks ``check_cidrs`` refuses are its."""
    flagged = {problem.index for problem in check_cidrs(cidrs, argument=argument, allow_broad=True)}
    problems = []
    for index, cidr in enumerate(cidrs):
        if index in flagged or is_unresolved(cidr):
            continue
        network = ipaddress.ip_network(cidr, strict=False)
        if network.version == 4 and not any(network.subnet_of(r) for r in _ELB_OUTSIDE_RANGES):  # type: ignore[arg-type]
            problems.append(
                Problem(
                    argument,
                    f"{cidr!r} is not inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10; "
                    "ELB registers no other address outside the VPC",
                    index,
                )
            )
        elif network.is_link_local or network.is_loopback or network.is_multicast:
            problems.append(
                Problem(
                    argument, f"{cidr!r} is link-local, loopback or multicast; ELB never targets it", index
                )
            )
    return problems
