"""Security group and network ACL evaluation, against a brute-force model of AWS's rules."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from privatelink_constructs.cli.facts import AclEntry, NetworkAcl, SecurityGroup, SecurityGroupRule
from privatelink_constructs.cli.netrules import (
    AclVerdict,
    acl_verdict,
    cidr_covers,
    security_groups_admit,
    tcp_ports_opened,
)


def test_cidr_covers_needs_the_whole_block() -> None:
    assert cidr_covers("10.0.0.0/16", "10.0.3.0/24")
    assert cidr_covers("10.0.0.0/16", "10.0.3.7")
    assert not cidr_covers("10.0.0.0/24", "10.0.0.0/16")
    assert not cidr_covers("::/0", "10.0.0.1")
    assert not cidr_covers("not-a-cidr", "10.0.0.1")


def test_security_groups_admit_by_cidr_group_and_prefix_list() -> None:
    groups = [
        SecurityGroup(
            "sg-1",
            ingress=(
                SecurityGroupRule("tcp", 5432, 5433, cidrs=("10.0.0.0/16",)),
                SecurityGroupRule("6", 6432, 6432, group_ids=("sg-clients",)),
                SecurityGroupRule("-1", None, None, prefix_list_ids=("pl-1",)),
                SecurityGroupRule("udp", 5432, 5432, cidrs=("0.0.0.0/0",)),
            ),
        )
    ]
    assert security_groups_admit(groups, "10.0.1.0/24", 5433)
    assert not security_groups_admit(groups, "10.0.1.0/24", 6432)
    assert security_groups_admit(groups, "sg-clients", 6432)
    assert security_groups_admit(groups, "pl-1", 9999)
    assert not security_groups_admit(groups, "192.168.0.0/24", 5432)  # the UDP rule does not count
    assert tcp_ports_opened(groups, [5432, 7000]) == {5432: ["10.0.0.0/16", "pl-1"], 7000: ["pl-1"]}


BLOCK = ipaddress.ip_network("10.0.0.0/28")
PORTS = range(1, 9)


def _brute_force(acl: NetworkAcl, egress: bool, cidr: str, low: int, high: int) -> AclVerdict:
    """AWS's rule, one address and one port at a time: the lowest matching rule decides."""
    outcomes = set()
    for address in ipaddress.ip_network(cidr):
        for port in range(low, high + 1):
            allowed = False
            for entry in sorted(acl.entries, key=lambda e: e.rule_number):
                if entry.egress != egress or address not in ipaddress.ip_network(entry.cidr):
                    continue
                if entry.protocol == "6" and not (entry.port_from or 0) <= port <= (entry.port_to or 65535):
                    continue
                allowed = entry.allow
                break
            outcomes.add(allowed)
    if outcomes == {True}:
        return AclVerdict.ALLOWED
    if outcomes == {False}:
        return AclVerdict.DENIED
    return AclVerdict.PARTIAL


cidrs = st.sampled_from(
    ["10.0.0.0/28", "10.0.0.0/29", "10.0.0.8/29", "10.0.0.4/30", "10.0.0.5/32", "0.0.0.0/0"]
)
entries = st.builds(
    lambda number, protocol, allow, cidr, low, span: AclEntry(
        number,
        False,
        protocol,
        allow,
        cidr,
        low if protocol == "6" else None,
        low + span if protocol == "6" else None,
    ),
    st.integers(1, 200),
    st.sampled_from(["6", "-1"]),
    st.booleans(),
    cidrs,
    st.integers(1, 8),
    st.integers(0, 4),
)


@settings(max_examples=400)
@given(
    st.lists(entries, max_size=6, unique_by=lambda e: e.rule_number),
    cidrs.filter(lambda c: c != "0.0.0.0/0"),
    st.integers(1, 8),
    st.integers(0, 3),
)
def test_acl_verdict_matches_aws_rule_by_rule(
    entries: list[AclEntry], cidr: str, low: int, span: int
) -> None:
    acl = NetworkAcl("acl-1", ("subnet-1",), tuple(entries))
    high = min(8, low + span)
    assert acl_verdict(acl, egress=False, cidr=cidr, ports=(low, high)) == _brute_force(
        acl, False, cidr, low, high
    )


def test_acl_directions_are_separate() -> None:
    acl = NetworkAcl("acl-1", (), (AclEntry(100, True, "-1", True, "0.0.0.0/0"),))
    assert acl_verdict(acl, egress=True, cidr="10.0.0.0/16", ports=(1024, 65535)) is AclVerdict.ALLOWED
    assert acl_verdict(acl, egress=False, cidr="10.0.0.0/16", ports=(5432, 5432)) is AclVerdict.DENIED


def test_a_rule_shadowed_by_an_earlier_one_decides_nothing() -> None:
    acl = NetworkAcl(
        "acl-1",
        (),
        (
            AclEntry(10, False, "-1", True, "10.0.0.0/29"),
            AclEntry(20, False, "-1", False, "10.0.0.4/30"),  # inside rule 10: never reached
            AclEntry(30, False, "-1", True, "0.0.0.0/0"),
        ),
    )
    assert acl_verdict(acl, egress=False, cidr="10.0.0.0/28", ports=(5432, 5432)) is AclVerdict.ALLOWED
