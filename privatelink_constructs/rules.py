"""The rules every argument of the library follows, each stated once.

A rule is a small function over plain values (strings, numbers, sequences) that returns the
``Problem`` s it finds, each naming the argument (and list index) it is about. The constructs
call the rules with their arguments and raise one ``ValueError`` naming the construct path; the
app's config calls the same rules with its values and renders each problem at its config path.
Values that are unresolved CDK tokens are accepted: they can only be judged at deploy time.

Every pattern is matched against the whole string (``re.fullmatch``): ``$`` would also match
before a trailing newline.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from aws_cdk import Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk.region_info import RegionInfo
from constructs import Construct

from . import _patterns
from .zones import is_zone_id, region_of_zone_id, zone_id_prefix

__all__ = [
    "CONNECTION_EVENTS",
    "ENDPOINT_DNS_RECORD_IP_TYPES",
    "ENDPOINT_IP_ADDRESS_TYPES",
    "MAX_NLB_LISTENERS",
    "PARTITIONS",
    "SERVICE_IP_ADDRESS_TYPES",
    "SERVICE_NAME_PREFIXES",
    "Fix",
    "Problem",
    "check_choice",
    "check_choices",
    "check_cidrs",
    "check_dns_name",
    "check_endpoint_ip_types",
    "check_health_check",
    "check_ip_address_types",
    "check_open_to_all",
    "check_ports",
    "check_principals",
    "check_private_dns",
    "check_private_zone",
    "check_range",
    "check_region",
    "check_regions",
    "check_service_name",
    "check_service_region",
    "check_zone_holds",
    "check_zone_ids",
    "check_zone_overlap",
    "domain_contains",
    "endpoint_enum",
    "is_account_id",
    "raise_if_problems",
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
PARTITIONS: tuple[str, ...] = tuple(sorted({r.partition for r in RegionInfo.regions if r.partition}))
"""Every AWS partition aws-cdk-lib knows (``aws``, ``aws-cn``, ``aws-us-gov``, ...)."""

_PARTITION = "|".join(re.escape(partition) for partition in PARTITIONS)
_IAM_PRINCIPAL_ARN = re.compile(
    rf"arn:({_PARTITION}):iam::(\d{{12}}):(?:root|role/[\w+=,.@/-]{{1,512}}|user/[\w+=,.@/-]{{1,512}})"
)
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


def _unresolved(value: object) -> bool:
    return Token.is_unresolved(value)


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
        if _unresolved(port):
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
        if _unresolved(principal):
            continue
        message = _principal_message(principal, allowed=allowed, allow_arns=allow_arns)
        if message is not None:
            problems.append(Problem(argument, message, index))
        if principal in seen:
            problems.append(Problem(argument, f"{principal!r} is listed more than once", index))
        seen.add(principal)
    return problems


def check_open_to_all(principals: Sequence[str], *, allow_all: bool) -> list[Problem]:
    """``*`` among the allowed principals only when ``allow_all_principals`` says so."""
    return [
        Problem(
            "allowed_principals",
            "'*' would let every AWS account connect",
            index,
            Fix("allow_all_principals", value=True, purpose="to mean it"),
        )
        for index, principal in enumerate(principals)
        if principal == "*" and not allow_all
    ]


def _principal_message(principal: object, *, allowed: str, allow_arns: bool) -> str | None:
    if not isinstance(principal, str) or principal.strip() == "":
        return f"{principal!r} is empty; expected {allowed}"
    if is_account_id(principal) or (allow_arns and principal == "*"):
        return None
    if allow_arns and _IAM_PRINCIPAL_ARN.fullmatch(principal):
        return None
    if allow_arns and principal.startswith("arn:"):
        return (
            f"{principal!r} is not an IAM principal ARN; expected "
            "arn:<partition>:iam::<12-digit account>:root, :role/<name> or :user/<name>"
        )
    return f"{principal!r} is not {allowed}"


def to_principal_arn(principal: str, partition: str) -> str:
    """Turn a 12-digit account ID into its root ARN; anything else passes through unchanged."""
    if not _unresolved(principal) and is_account_id(principal):
        return f"arn:{partition}:iam::{principal}:root"
    return principal


def check_region(region: str, *, argument: str, index: int | None = None) -> list[Problem]:
    """An AWS region name such as ``eu-west-1``, ``us-gov-west-1`` or ``cn-north-1``."""
    if _unresolved(region) or (isinstance(region, str) and _REGION_NAME.fullmatch(region)):
        return []
    return [Problem(argument, f"{region!r} is not an AWS region name (like 'eu-west-1')", index)]


def check_regions(regions: Sequence[str], *, argument: str) -> list[Problem]:
    """Each of a list of region names."""
    return [
        p
        for index, region in enumerate(regions)
        for p in check_region(region, argument=argument, index=index)
    ]


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
    if _unresolved(name):
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
    if _unresolved(zone_name):
        return []
    problems = []
    for index, name in enumerate(names):
        if (
            _unresolved(name)
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


def check_service_name(name: str, *, argument: str = "service_name") -> list[Problem]:
    """An endpoint service name, ``<prefix>.<region>.vpce-svc-<17 hex>`` in any partition."""
    if _unresolved(name) or (isinstance(name, str) and _SERVICE_NAME.fullmatch(name)):
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
    if problems or _unresolved(service_name) or _unresolved(region):
        return problems
    match = _SERVICE_NAME.fullmatch(service_name) if isinstance(service_name, str) else None
    if match is not None and match.group(2) != region:
        problems.append(
            Problem(argument, f"{region!r} does not match the region in service_name ({match.group(2)!r})")
        )
    return problems


def check_cidrs(cidrs: Sequence[str], *, argument: str) -> list[Problem]:
    """CIDR blocks of clients or targets: valid, and not the whole address space."""
    problems = []
    for index, cidr in enumerate(cidrs):
        if _unresolved(cidr):
            continue
        try:
            network = ipaddress.ip_network(cidr, strict=False)
        except (TypeError, ValueError):
            problems.append(Problem(argument, f"{cidr!r} is not a CIDR block (like '10.60.0.0/16')", index))
            continue
        if network.prefixlen == 0:
            problems.append(
                Problem(argument, f"{cidr!r} would allow every address; name the networks you mean", index)
            )
    return problems


def check_range(
    value: float | None, *, argument: str, low: float, high: float | None = None
) -> list[Problem]:
    """A number between ``low`` and ``high`` (no upper bound when None); None means the default."""
    if value is None or _unresolved(value) or (low <= value and (high is None or value <= high)):
        return []
    allowed = f"{low}-{high}" if high is not None else f"{low} or more"
    return [Problem(argument, f"{value} is out of range ({allowed})")]


_HEALTH_CHECK_PROTOCOLS = ("tcp", "http", "https")


def check_health_check(
    *,
    argument: str,
    protocol: str | None = None,
    port: int | None = None,
    path: str | None = None,
    interval_seconds: float | None = None,
    healthy_threshold: int | None = None,
    unhealthy_threshold: int | None = None,
) -> list[Problem]:
    """An NLB target group's health check, within ELB's limits (``None`` = the default)."""

    def at(field: str) -> str:
        return f"{argument}.{field}" if argument else field

    problems: list[Problem] = []
    if protocol is not None and protocol not in _HEALTH_CHECK_PROTOCOLS:
        problems.append(
            Problem(at("protocol"), f"{protocol!r} is not one of {list(_HEALTH_CHECK_PROTOCOLS)}")
        )
    if path is not None and protocol not in ("http", "https"):
        got = protocol or "the default, tcp"
        problems.append(Problem(at("path"), f"a path needs protocol http or https (got {got})"))
    for field, value, low, high in (
        ("port", port, 1, 65535),
        ("interval_seconds", interval_seconds, 5, 300),
        ("healthy_threshold", healthy_threshold, 2, 10),
        ("unhealthy_threshold", unhealthy_threshold, 2, 10),
    ):
        problems += check_range(value, argument=at(field), low=low, high=high)
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
    problems = check_dns_name(name, argument="private_dns_name")
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
    problems = check_dns_name(zone_name, argument="private_hosted_zone_name")
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
