"""The updater's plan as plain Python: table tests, then properties over random inputs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from privatelink_constructs.target_updater.runtime.plan import (
    Plan,
    RegisteredTarget,
    Target,
    outside,
    plan,
)

VPC = ("10.40.0.0/16",)


def healthy(ip: str, port: int = 5432, az: str | None = None) -> RegisteredTarget:
    return RegisteredTarget(ip=ip, port=port, state="healthy", availability_zone=az)


def decide(current: list[RegisteredTarget], resolved: list[str], max_removals: int = 5) -> Plan:
    return plan(current, resolved, port=5432, vpc_cidrs=VPC, max_removals=max_removals)


@pytest.mark.parametrize(
    ("current", "resolved", "register", "deregister"),
    [
        pytest.param([], ["10.40.1.10"], [Target("10.40.1.10", 5432)], [], id="first-run"),
        pytest.param([healthy("10.40.1.10")], ["10.40.1.10"], [], [], id="unchanged"),
        pytest.param(
            [healthy("10.40.1.10")],
            ["10.40.2.20"],
            [Target("10.40.2.20", 5432)],
            [Target("10.40.1.10", 5432)],
            id="failover",
        ),
        pytest.param(
            [healthy("10.40.1.10")],
            ["10.40.1.10", "10.40.2.20"],
            [Target("10.40.2.20", 5432)],
            [],
            id="reader-added",
        ),
        pytest.param(
            [healthy("10.40.1.10", port=3306)],
            ["10.40.1.10"],
            [Target("10.40.1.10", 5432)],
            [Target("10.40.1.10", 3306)],
            id="port-changed-deregisters-with-old-port",
        ),
        pytest.param(
            [RegisteredTarget("10.40.1.10", 5432, "draining")],
            ["10.40.1.10"],
            [Target("10.40.1.10", 5432)],
            [],
            id="draining-address-comes-back",
        ),
        pytest.param([healthy("10.40.1.10")], [], [], [], id="empty-answer-changes-nothing"),
        pytest.param(
            [],
            ["192.168.5.5"],
            [Target("192.168.5.5", 5432, "all")],
            [],
            id="outside-the-vpc-is-az-all",
        ),
    ],
)
def test_plan(
    current: list[RegisteredTarget], resolved: list[str], register: list[Target], deregister: list[Target]
) -> None:
    decided = decide(current, resolved)
    assert list(decided.register) == register
    assert list(decided.deregister) == deregister
    assert [t.availability_zone for t in decided.register] == [t.availability_zone for t in register]


def test_removal_cap_defers_the_rest() -> None:
    current = [healthy(f"10.40.1.{i}") for i in range(1, 9)]
    decided = decide(current, ["10.40.9.9"], max_removals=3)
    assert len(decided.deregister) == 3
    assert len(decided.deferred) == 5
    assert decided.register == (Target("10.40.9.9", 5432),)


def test_deregistration_keeps_the_registered_zone() -> None:
    decided = decide([healthy("192.168.5.5", az="all")], ["10.40.1.10"])
    assert decided.deregister[0].availability_zone == "all"


def test_outside_understands_ipv6_and_several_cidrs() -> None:
    assert not outside("10.40.3.3", ("10.0.0.0/16", "10.40.0.0/16"))
    assert outside("2001:db8::1", ("10.40.0.0/16",))
    assert not outside("2001:db8::1", ("2001:db8::/56",))


def test_no_vpc_cidrs_means_no_zone() -> None:
    decided = plan([], ["192.168.5.5"], port=5432, vpc_cidrs=(), max_removals=5)
    assert decided.register[0].availability_zone is None


addresses = st.lists(st.sampled_from([f"10.40.0.{i}" for i in range(1, 12)] + ["192.168.0.7"]), max_size=8)
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


@given(current_targets, addresses, caps)
def test_never_empties_the_target_group(
    current: list[RegisteredTarget], resolved: list[str], cap: int
) -> None:
    decided = decide(current, resolved, max_removals=cap)
    after = {(t.ip, t.port) for t in apply(current, decided) if t.state != "draining"}
    if resolved:
        assert {(ip, 5432) for ip in resolved} <= after
    else:
        assert decided.deregister == ()
        assert decided.register == ()


@given(current_targets, addresses, caps)
def test_is_idempotent(current: list[RegisteredTarget], resolved: list[str], cap: int) -> None:
    decided = decide(current, resolved, max_removals=cap)
    after = apply(current, decided)
    again = decide(after, resolved, max_removals=cap)
    assert again.register == ()
    # Only what the cap held back may still be removed.
    assert {(t.ip, t.port) for t in again.deregister} <= {(t.ip, t.port) for t in decided.deferred}


@given(current_targets, addresses, caps)
def test_respects_the_removal_cap(current: list[RegisteredTarget], resolved: list[str], cap: int) -> None:
    assert len(decide(current, resolved, max_removals=cap).deregister) <= cap


@given(current_targets, addresses, caps)
def test_never_deregisters_a_resolved_address_on_its_port(
    current: list[RegisteredTarget], resolved: list[str], cap: int
) -> None:
    decided = decide(current, resolved, max_removals=cap)
    assert not {(t.ip, t.port) for t in decided.deregister} & {(ip, 5432) for ip in resolved}
    assert not {(t.ip, t.port) for t in decided.register} & {(t.ip, t.port) for t in decided.deregister}
