"""The updater's decisions as plain Python: table tests, then properties over random inputs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from privatelink_constructs.target_updater.runtime.plan import (
    Member,
    Plan,
    RegisteredTarget,
    Target,
    followed_members,
    place,
    plan,
    settled,
)

VPC = ("10.40.0.0/16", "10.41.0.0/16", "2a05:d018:1:ab00::/56")
PEERED = ("192.168.0.0/16",)


def healthy(ip: str, port: int = 5432, az: str | None = None) -> RegisteredTarget:
    return RegisteredTarget(ip=ip, port=port, state="healthy", availability_zone=az)


def in_vpc(*ips: str) -> dict[str, str | None]:
    return dict.fromkeys(ips)


def decide(
    current: list[RegisteredTarget],
    wanted: dict[str, str | None],
    max_removals: int = 5,
    settled: bool = True,
) -> Plan:
    return plan(current, wanted, port=5432, max_removals=max_removals, removals_allowed=settled)


@pytest.mark.parametrize(
    ("current", "wanted", "register", "deregister"),
    [
        pytest.param([], in_vpc("10.40.1.10"), [Target("10.40.1.10", 5432)], [], id="first-run"),
        pytest.param([healthy("10.40.1.10")], in_vpc("10.40.1.10"), [], [], id="unchanged"),
        pytest.param(
            [healthy("10.40.1.10")],
            in_vpc("10.40.2.20"),
            [Target("10.40.2.20", 5432)],
            [Target("10.40.1.10", 5432)],
            id="failover",
        ),
        pytest.param(
            [healthy("10.40.1.10")],
            in_vpc("10.40.1.10", "10.40.2.20"),
            [Target("10.40.2.20", 5432)],
            [],
            id="reader-added",
        ),
        pytest.param(
            [healthy("10.40.1.10", port=3306)],
            in_vpc("10.40.1.10"),
            [Target("10.40.1.10", 5432)],
            [Target("10.40.1.10", 3306)],
            id="port-changed-deregisters-with-old-port",
        ),
        pytest.param(
            [RegisteredTarget("10.40.1.10", 5432, "draining")],
            in_vpc("10.40.1.10"),
            [Target("10.40.1.10", 5432)],
            [],
            id="draining-address-comes-back",
        ),
        pytest.param([healthy("10.40.1.10")], {}, [], [], id="empty-answer-changes-nothing"),
        pytest.param(
            [],
            {"192.168.5.5": "all"},
            [Target("192.168.5.5", 5432, "all")],
            [],
            id="outside-the-vpc-keeps-its-zone",
        ),
    ],
)
def test_plan(
    current: list[RegisteredTarget],
    wanted: dict[str, str | None],
    register: list[Target],
    deregister: list[Target],
) -> None:
    decided = decide(current, wanted)
    assert list(decided.register) == register
    assert list(decided.deregister) == deregister
    assert [t.availability_zone for t in decided.register] == [t.availability_zone for t in register]


def test_removal_cap_defers_the_rest() -> None:
    current = [healthy(f"10.40.1.{i}") for i in range(1, 9)]
    decided = decide(current, in_vpc("10.40.9.9"), max_removals=3)
    assert len(decided.deregister) == 3
    assert len(decided.deferred) == 5
    assert decided.register == (Target("10.40.9.9", 5432),)


def test_an_unsettled_answer_registers_but_holds_every_removal() -> None:
    decided = decide([healthy("10.40.1.10")], in_vpc("10.40.2.20"), settled=False)
    assert decided.register == (Target("10.40.2.20", 5432),)
    assert decided.deregister == ()
    assert decided.held == (Target("10.40.1.10", 5432),)


def test_deregistration_keeps_the_registered_zone() -> None:
    decided = decide([healthy("192.168.5.5", az="all")], in_vpc("10.40.1.10"))
    assert decided.deregister[0].availability_zone == "all"


@pytest.mark.parametrize(
    ("address", "zone"),
    [
        pytest.param("10.40.3.3", None, id="primary-block"),
        pytest.param("10.41.3.3", None, id="secondary-block"),
        pytest.param("2a05:d018:1:ab00::10", None, id="ipv6-block"),
        pytest.param("192.168.7.7", "all", id="target-cidrs"),
    ],
)
def test_place_puts_vpc_addresses_in_no_zone_and_target_cidrs_in_all(address: str, zone: str | None) -> None:
    placement = place([address], vpc_cidrs=VPC, target_cidrs=PEERED)
    assert placement.zones == {address: zone}
    assert placement.refused == ()


@pytest.mark.parametrize(
    "address",
    ["10.99.9.9", "172.16.0.5", "8.8.8.8", "169.254.169.254", "100.64.0.1", "2001:db8::1", "fe80::1"],
)
def test_place_refuses_every_other_address(address: str) -> None:
    placement = place(["10.40.1.1", address], vpc_cidrs=VPC, target_cidrs=PEERED)
    assert placement.refused == (address,)
    assert address not in placement.zones


@pytest.mark.parametrize(
    ("members", "readers", "followed"),
    [
        pytest.param([Member("a", True), Member("b", False), Member("c", False)], False, ("a",), id="writer"),
        pytest.param(
            [Member("a", True), Member("b", False), Member("c", False)], True, ("b", "c"), id="readers"
        ),
        pytest.param([Member("a", True)], True, ("a",), id="no-readers-means-the-writer"),
        pytest.param([Member("b", False)], False, (), id="no-writer"),
    ],
)
def test_followed_members(members: list[Member], readers: bool, followed: tuple[str, ...]) -> None:
    assert followed_members(members, readers=readers) == followed


def test_settled_needs_two_equal_non_empty_samples() -> None:
    assert settled(frozenset({"a"}), frozenset({"a"}))
    assert not settled(None, frozenset({"a"}))
    assert not settled(frozenset({"a"}), frozenset({"a", "b"}))
    assert not settled(frozenset(), frozenset())


ips = st.sampled_from([f"10.40.0.{i}" for i in range(1, 12)] + ["192.168.0.7"])
wanted_maps = st.lists(ips, max_size=8).map(
    lambda xs: {x: ("all" if x.startswith("192.") else None) for x in xs}
)
states = st.sampled_from(["healthy", "unhealthy", "initial", "draining", "unused"])
current_targets = st.lists(
    st.builds(
        RegisteredTarget,
        ip=st.sampled_from([f"10.40.0.{i}" for i in range(1, 12)]),
        port=st.sampled_from([5432, 3306]),
        state=states,
    ),
    max_size=10,
    unique_by=lambda t: (t.ip, t.port),
)
caps = st.integers(min_value=0, max_value=6)


def apply(current: list[RegisteredTarget], decided: Plan) -> list[RegisteredTarget]:
    """What the target group holds after the plan (register first, then deregister)."""
    removed = {(t.ip, t.port) for t in decided.deregister}
    kept = [t for t in current if (t.ip, t.port) not in removed]
    added = [RegisteredTarget(t.ip, t.port, "initial") for t in decided.register]
    return [t for t in kept if (t.ip, t.port) not in {(a.ip, a.port) for a in added}] + added


@given(current_targets, wanted_maps, caps, st.booleans())
def test_never_empties_the_target_group(
    current: list[RegisteredTarget], wanted: dict[str, str | None], cap: int, answer_settled: bool
) -> None:
    decided = decide(current, wanted, max_removals=cap, settled=answer_settled)
    after = {(t.ip, t.port) for t in apply(current, decided) if t.state != "draining"}
    if wanted:
        assert {(ip, 5432) for ip in wanted} <= after
    else:
        assert decided.deregister == ()
        assert decided.register == ()


@given(current_targets, wanted_maps, caps)
def test_is_idempotent(current: list[RegisteredTarget], wanted: dict[str, str | None], cap: int) -> None:
    decided = decide(current, wanted, max_removals=cap)
    after = apply(current, decided)
    again = decide(after, wanted, max_removals=cap)
    assert again.register == ()
    # Only what the cap held back may still be removed.
    assert {(t.ip, t.port) for t in again.deregister} <= {(t.ip, t.port) for t in decided.deferred}


@given(current_targets, wanted_maps, caps)
def test_respects_the_removal_cap(
    current: list[RegisteredTarget], wanted: dict[str, str | None], cap: int
) -> None:
    assert len(decide(current, wanted, max_removals=cap).deregister) <= cap


@given(current_targets, wanted_maps, caps)
def test_an_unsettled_answer_never_removes(
    current: list[RegisteredTarget], wanted: dict[str, str | None], cap: int
) -> None:
    assert decide(current, wanted, max_removals=cap, settled=False).deregister == ()


@given(current_targets, wanted_maps, caps)
def test_never_deregisters_a_wanted_address_on_its_port(
    current: list[RegisteredTarget], wanted: dict[str, str | None], cap: int
) -> None:
    decided = decide(current, wanted, max_removals=cap)
    assert not {(t.ip, t.port) for t in decided.deregister} & {(ip, 5432) for ip in wanted}
    assert not {(t.ip, t.port) for t in decided.register} & {(t.ip, t.port) for t in decided.deregister}


@given(st.lists(st.ip_addresses(), max_size=6))
def test_place_never_places_a_refused_address(addresses: list[object]) -> None:
    texts = [str(a) for a in addresses]
    placement = place(texts, vpc_cidrs=VPC, target_cidrs=PEERED)
    assert set(placement.zones) | set(placement.refused) == set(texts)
    assert not set(placement.zones) & set(placement.refused)


@given(current_targets, wanted_maps, wanted_maps)
def test_two_runs_one_after_the_other_never_empty_the_group(
    current: list[RegisteredTarget], first: dict[str, str | None], second: dict[str, str | None]
) -> None:
    # What the FIFO queue guarantees: runs with different answers happen one after the other.
    after_first = apply(current, decide(current, first))
    after_second = apply(after_first, decide(after_first, second))
    serving = {(t.ip, t.port) for t in after_second if t.state != "draining"}
    if second:
        assert {(ip, 5432) for ip in second} <= serving
    elif first:
        assert {(ip, 5432) for ip in first} <= serving
