"""How AWS evaluates security groups and network ACLs, as pure functions over ``facts``.

Security groups are allow-lists: traffic passes when any rule admits it. Network ACLs are
ordered: the lowest-numbered rule that matches decides, and the last rule (``*``, number 32767)
denies everything. Sources are CIDR blocks; a rule admits a block only when it covers all of it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from enum import StrEnum

from .facts import AclEntry, NetworkAcl, SecurityGroup, SecurityGroupRule

__all__ = [
    "EPHEMERAL_PORTS",
    "LINUX_EPHEMERAL_PORTS",
    "AclVerdict",
    "acl_verdict",
    "cidr_covers",
    "cidr_overlaps",
    "rule_ports",
    "security_groups_admit",
    "tcp_ports_opened",
]

EPHEMERAL_PORTS = (1024, 65535)
"""The client port range AWS recommends network ACLs allow for return traffic."""
LINUX_EPHEMERAL_PORTS = (32768, 60999)
"""The range Linux clients use by default (``net.ipv4.ip_local_port_range``)."""

_TCP = ("tcp", "6")
_ALL = ("-1", "all")


def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None


def cidr_covers(outer: str, inner: str) -> bool:
    """Whether the block ``outer`` contains all of ``inner`` (an address or a block)."""
    a, b = _network(outer), _network(inner)
    if a is None or b is None or a.version != b.version:
        return False
    return b.subnet_of(a)  # type: ignore[arg-type]


def cidr_overlaps(first: str, second: str) -> bool:
    """Whether two blocks share any address."""
    a, b = _network(first), _network(second)
    if a is None or b is None or a.version != b.version:
        return False
    return a.overlaps(b)


def rule_ports(rule: SecurityGroupRule) -> tuple[int, int] | None:
    """The TCP port range a security group rule admits, or None when it admits no TCP."""
    if rule.protocol in _ALL:
        return (0, 65535)
    if rule.protocol not in _TCP:
        return None
    if rule.from_port is None or rule.to_port is None or rule.from_port < 0:
        return (0, 65535)
    return (rule.from_port, rule.to_port)


def _admits_port(rule: SecurityGroupRule, port: int) -> bool:
    ports = rule_ports(rule)
    return ports is not None and ports[0] <= port <= ports[1]


def security_groups_admit(groups: Iterable[SecurityGroup], source: str, port: int) -> bool:
    """Whether any ingress rule admits TCP ``port`` from ``source``.

    ``source`` is a CIDR block (all of it must be covered by one rule), a security group ID
    (``sg-...``) or a prefix list ID (``pl-...``), which must be named by a rule.
    """
    for group in groups:
        for rule in group.ingress:
            if not _admits_port(rule, port):
                continue
            if source.startswith("sg-") and source in rule.group_ids:
                return True
            if source.startswith("pl-") and source in rule.prefix_list_ids:
                return True
            if any(cidr_covers(cidr, source) for cidr in rule.cidrs):
                return True
    return False


def tcp_ports_opened(groups: Iterable[SecurityGroup], ports: Sequence[int]) -> dict[int, list[str]]:
    """For each port, the sources (CIDRs, group and prefix-list IDs) that ingress rules admit."""
    opened: dict[int, list[str]] = {port: [] for port in ports}
    for group in groups:
        for rule in group.ingress:
            for port in ports:
                if _admits_port(rule, port):
                    opened[port].extend([*rule.cidrs, *rule.group_ids, *rule.prefix_list_ids])
    return opened


class AclVerdict(StrEnum):
    """What a network ACL does with a flow."""

    ALLOWED = "allowed"
    DENIED = "denied"
    PARTIAL = "partial"
    """Part of the addresses or ports is allowed, part denied."""


def _entry_ports(entry: AclEntry) -> tuple[int, int] | None:
    if entry.protocol in _ALL:
        return (0, 65535)
    if entry.protocol not in _TCP:
        return None
    if entry.port_from is None or entry.port_to is None:
        return (0, 65535)
    return (entry.port_from, entry.port_to)


_Box = tuple[int, int, int, int]
"""Addresses low..high (as integers) by ports low..high, all inclusive."""


def _box(cidr: str, ports: tuple[int, int]) -> _Box | None:
    network = _network(cidr)
    if network is None:
        return None
    return (int(network.network_address), int(network.broadcast_address), ports[0], ports[1])


def _overlap(a: _Box, b: _Box) -> bool:
    return a[0] <= b[1] and b[0] <= a[1] and a[2] <= b[3] and b[2] <= a[3]


def _subtract(box: _Box, cut: _Box) -> list[_Box]:
    """What of ``box`` lies outside ``cut``, as up to four boxes."""
    if not _overlap(box, cut):
        return [box]
    a_low, a_high, p_low, p_high = box
    pieces = []
    if a_low < cut[0]:
        pieces.append((a_low, cut[0] - 1, p_low, p_high))
    if a_high > cut[1]:
        pieces.append((cut[1] + 1, a_high, p_low, p_high))
    middle = (max(a_low, cut[0]), min(a_high, cut[1]))
    if p_low < cut[2]:
        pieces.append((*middle, p_low, cut[2] - 1))
    if p_high > cut[3]:
        pieces.append((*middle, cut[3] + 1, p_high))
    return pieces


def acl_verdict(acl: NetworkAcl, *, egress: bool, cidr: str, ports: tuple[int, int]) -> AclVerdict:
    """How ``acl`` treats TCP traffic to/from ``cidr`` on ``ports`` (inclusive), in one direction.

    Exact: the rules are read in number order, each deciding the part of the flow (addresses by
    ports) that no earlier rule decided. ``partial`` means some of the flow is allowed and some
    denied. What no rule decides is denied (the ``*`` rule).
    """
    flow = _box(cidr, ports)
    if flow is None:
        return AclVerdict.DENIED
    family = _network(cidr)
    undecided = [flow]
    outcomes: set[bool] = set()
    for entry in sorted(acl.entries, key=lambda item: item.rule_number):
        entry_ports = _entry_ports(entry)
        entry_network = _network(entry.cidr)
        if entry.egress != egress or entry_ports is None or entry_network is None:
            continue
        if family is None or entry_network.version != family.version:
            continue
        cut = _box(entry.cidr, entry_ports)
        assert cut is not None
        if any(_overlap(box, cut) for box in undecided):
            outcomes.add(entry.allow)
            undecided = [piece for box in undecided for piece in _subtract(box, cut)]
        if not undecided:
            break
    if undecided:
        outcomes.add(False)
    if outcomes == {True}:
        return AclVerdict.ALLOWED
    return AclVerdict.DENIED if outcomes == {False} else AclVerdict.PARTIAL
