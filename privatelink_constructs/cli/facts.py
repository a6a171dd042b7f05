"""The facts the doctor judges, as plain frozen data gathered by the AWS adapter (``aws.py``).

Every check is a pure function of these. A fact that could not be read (an API refused with
AccessDenied, a resource gone) is an ``Unknown`` with the reason, so a check can say what it could
not judge instead of guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

__all__ = [
    "AclEntry",
    "Connection",
    "ConsumerFacts",
    "DatabaseAddresses",
    "DnsEntry",
    "Endpoint",
    "FunctionHealth",
    "HostedZone",
    "Listener",
    "LoadBalancer",
    "NetworkAcl",
    "ProviderFacts",
    "Record",
    "SecurityGroup",
    "SecurityGroupRule",
    "ServiceConfig",
    "ServiceView",
    "Subnet",
    "Target",
    "TargetGroup",
    "TxtLookup",
    "Unknown",
    "Vpc",
    "known",
]

_T = TypeVar("_T")


@dataclass(frozen=True)
class Unknown:
    """A fact that could not be read, and why (``ec2:DescribeNetworkAcls: UnauthorizedOperation``)."""

    reason: str


def known(value: _T | Unknown) -> _T | None:
    """The value, or None when it is ``Unknown``."""
    return None if isinstance(value, Unknown) else value


@dataclass(frozen=True)
class SecurityGroupRule:
    """One ingress or egress permission of a security group."""

    protocol: str
    """``tcp``, ``udp``, ``icmp``, ``-1`` (all) or a protocol number."""
    from_port: int | None
    to_port: int | None
    cidrs: tuple[str, ...] = ()
    """IPv4 and IPv6 CIDR blocks."""
    group_ids: tuple[str, ...] = ()
    prefix_list_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SecurityGroup:
    """A security group and its rules."""

    group_id: str
    ingress: tuple[SecurityGroupRule, ...] = ()
    egress: tuple[SecurityGroupRule, ...] = ()


@dataclass(frozen=True)
class AclEntry:
    """One network ACL rule."""

    rule_number: int
    egress: bool
    protocol: str
    """``-1`` for all, ``6`` for TCP, or another protocol number."""
    allow: bool
    cidr: str
    port_from: int | None = None
    port_to: int | None = None


@dataclass(frozen=True)
class NetworkAcl:
    """A network ACL and the subnets it is associated with."""

    acl_id: str
    subnet_ids: tuple[str, ...]
    entries: tuple[AclEntry, ...]


@dataclass(frozen=True)
class Subnet:
    """A subnet with its zone name (account-specific) and zone ID (the same in every account)."""

    subnet_id: str
    vpc_id: str
    availability_zone: str
    availability_zone_id: str | None
    cidr: str


@dataclass(frozen=True)
class Vpc:
    """A VPC's CIDR blocks and DNS attributes."""

    vpc_id: str
    cidrs: tuple[str, ...]
    dns_support: bool | None
    dns_hostnames: bool | None


# ---- provider ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceConfig:
    """The endpoint service as its owner sees it (DescribeVpcEndpointServiceConfigurations)."""

    service_id: str
    service_name: str
    state: str
    types: tuple[str, ...]
    acceptance_required: bool
    availability_zones: tuple[str, ...]
    availability_zone_ids: tuple[str, ...]
    """Zone IDs as the API reports them; empty when it reports names only."""
    network_load_balancer_arns: tuple[str, ...]
    gateway_load_balancer_arns: tuple[str, ...] = ()
    supported_regions: Mapping[str, str] = field(default_factory=dict)
    """Region -> that region's service state, for cross-region consumers."""
    private_dns_name: str | None = None
    private_dns_state: str | None = None
    """``verified``, ``pendingVerification`` or ``failed``."""
    private_dns_record_name: str | None = None
    private_dns_record_value: str | None = None
    supported_ip_address_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """A registered target and its health."""

    target_id: str
    port: int | None
    availability_zone: str | None
    state: str
    reason: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class TargetGroup:
    """A target group behind a listener."""

    arn: str
    name: str
    port: int | None
    protocol: str | None
    target_type: str | None
    cross_zone: str | None
    """``true``, ``false``, ``use_load_balancer_configuration`` or None when unknown."""
    targets: tuple[Target, ...] | Unknown


@dataclass(frozen=True)
class Listener:
    """An NLB listener and the target groups its default action forwards to."""

    port: int
    protocol: str
    target_group_arns: tuple[str, ...]


@dataclass(frozen=True)
class LoadBalancer:
    """The endpoint service's Network Load Balancer."""

    arn: str
    name: str
    lb_type: str
    scheme: str
    state: str
    state_reason: str | None
    vpc_id: str
    availability_zones: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    enforce_inbound_on_privatelink: str | None
    """``on``/``off`` as ELB reports it; None when the NLB has no security group."""
    cross_zone: bool | None
    listeners: tuple[Listener, ...]
    target_groups: tuple[TargetGroup, ...]
    security_groups: tuple[SecurityGroup, ...] | Unknown = ()
    subnets: tuple[Subnet, ...] | Unknown = ()
    """The VPC's subnets, read when a target's zone must be found from its address."""
    instance_zones: Mapping[str, str] = field(default_factory=dict)
    """Instance ID -> zone name, for instance targets."""


@dataclass(frozen=True)
class Connection:
    """An endpoint connection as the service owner sees it (DescribeVpcEndpointConnections)."""

    endpoint_id: str
    owner: str
    state: str
    created: datetime | None
    region: str | None = None


@dataclass(frozen=True)
class TxtLookup:
    """Where the domain-verification TXT record was looked for, and whether it was found."""

    found: bool | None
    """True/False when a public hosted zone of the domain was read; None when none was found."""
    where: str
    """The record name(s) looked at, or why it could not be looked at."""


@dataclass(frozen=True)
class FunctionHealth:
    """One of the provider's Lambdas (target updater, connection acceptor) and its recent record."""

    role: str
    """``target updater`` or ``connection acceptor``."""
    name: str
    state: str | None
    state_reason: str | None
    errors: int | None
    invocations: int | None
    window_minutes: int
    log_group: str | None = None
    arn: str | None = None


@dataclass(frozen=True)
class DatabaseAddresses:
    """The database hostname the targets should follow, and what it resolves to from here."""

    hostname: str
    addresses: tuple[str, ...] | None
    error: str | None = None


@dataclass(frozen=True)
class ProviderFacts:
    """Everything read on the provider side."""

    region: str
    account: str | None
    service_id: str
    service: ServiceConfig | Unknown | None
    """None when the service does not exist."""
    allowed_principals: tuple[str, ...] | Unknown = ()
    connections: tuple[Connection, ...] | Unknown = ()
    load_balancers: tuple[LoadBalancer, ...] | Unknown = ()
    zone_ids: Mapping[str, str] | Unknown = field(default_factory=dict)
    """Zone name -> zone ID in the provider's account."""
    txt_record: TxtLookup | None = None
    functions: tuple[FunctionHealth, ...] = ()
    database: DatabaseAddresses | None = None
    auto_accept_accounts: tuple[str, ...] = ()
    declared_ports: tuple[int, ...] | None = None
    """The stack's ``Ports`` output, when it has one."""
    declared_zone_ids: tuple[str, ...] | None = None
    """The stack's ``AvailabilityZoneIds`` output, when it has one."""
    profile: str | None = None
    """The named profile used for this side, for the commands in fixes."""


# ---- consumer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DnsEntry:
    """One DNS name of an interface endpoint."""

    dns_name: str
    hosted_zone_id: str | None


@dataclass(frozen=True)
class Endpoint:
    """The consumer's interface endpoint (DescribeVpcEndpoints)."""

    endpoint_id: str
    endpoint_type: str
    state: str
    created: datetime | None
    service_name: str
    vpc_id: str
    owner: str | None
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    private_dns_enabled: bool
    dns_entries: tuple[DnsEntry, ...]
    network_interface_ids: tuple[str, ...]
    service_region: str | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class ServiceView:
    """The provider's service as the consumer's account sees it (DescribeVpcEndpointServices)."""

    service_name: str
    availability_zones: tuple[str, ...]
    availability_zone_ids: tuple[str, ...]
    private_dns_name: str | None
    private_dns_state: str | None
    acceptance_required: bool | None
    owner: str | None
    service_region: str | None = None


@dataclass(frozen=True)
class Record:
    """A record of a private hosted zone."""

    name: str
    record_type: str
    alias_dns_name: str | None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class HostedZone:
    """The consumer's private hosted zone and its A/AAAA/CNAME records."""

    zone_id: str
    name: str
    private: bool
    vpc_ids: tuple[str, ...]
    records: tuple[Record, ...]


@dataclass(frozen=True)
class ConsumerFacts:
    """Everything read on the consumer side."""

    region: str
    account: str | None
    endpoint_id: str
    endpoint: Endpoint | Unknown | None
    """None when the endpoint does not exist."""
    subnets: tuple[Subnet, ...] | Unknown = ()
    zone_ids: Mapping[str, str] | Unknown = field(default_factory=dict)
    """Zone name -> zone ID in the consumer's account."""
    network_acls: tuple[NetworkAcl, ...] | Unknown = ()
    security_groups: tuple[SecurityGroup, ...] | Unknown = ()
    vpc: Vpc | Unknown | None = None
    service_view: ServiceView | Unknown | None = None
    hosted_zone: HostedZone | Unknown | None = None
    interface_addresses: tuple[str, ...] | Unknown = ()
    """The endpoint's network interfaces' private addresses."""
    declared_ports: tuple[int, ...] | None = None
    """The stack's ``Ports`` output, when it has one."""
    client_hostname: str | None = None
    """The stack's ``ClientHostname`` output: the name clients connect to."""
    peers: tuple[str, ...] = ()
    """Client CIDRs or security group IDs named with ``--peer``."""
    profile: str | None = None
    """The named profile used for this side, for the commands in fixes."""
