"""Pure decisions of the target-group updater: what to register and what to deregister.

No boto3 and no DNS here: plain data in, plain data out. The adapter (``handler.py``) feeds it
the target group's current targets and the IPs the database's hostname resolves to.

Guarantees, each covered by a property test:
- it never deregisters anything when the answer is empty (DNS failed or said nothing);
- after applying a plan the target group holds every resolved IP, so it is never empty;
- it registers before it deregisters (the adapter applies ``register`` first);
- it deregisters at most ``max_removals`` targets per run (the rest wait for the next run);
- applying a plan and planning again with the same answer gives an empty plan (idempotent).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Target states that no longer serve traffic and are on their way out: a resolved IP in one of
# these states is registered again rather than counted as present.
LEAVING_STATES = frozenset({"draining"})


@dataclass(frozen=True, order=True)
class Target:
    """One target of an IP target group: an address and the port it is registered with."""

    ip: str
    port: int
    availability_zone: str | None = field(default=None, compare=False)
    """``all`` for an address outside the target group's VPC, else None (ELB picks the AZ)."""


@dataclass(frozen=True)
class RegisteredTarget:
    """A target as DescribeTargetHealth reports it."""

    ip: str
    port: int
    state: str
    availability_zone: str | None = None


@dataclass(frozen=True)
class Plan:
    """What one run does to one target group."""

    register: tuple[Target, ...]
    deregister: tuple[Target, ...]
    deferred: tuple[Target, ...] = ()
    """Stale targets left for a later run because of the removal cap."""

    @property
    def changes(self) -> bool:
        """Whether the plan calls the ELB API at all."""
        return bool(self.register or self.deregister)


def outside(ip: str, vpc_cidrs: Sequence[str]) -> bool:
    """Whether ``ip`` lies outside every CIDR of the target group's VPC."""
    address = ipaddress.ip_address(ip)
    return not any(
        address.version == network.version and address in network
        for network in (ipaddress.ip_network(cidr, strict=False) for cidr in vpc_cidrs)
    )


def plan(
    current: Iterable[RegisteredTarget],
    resolved: Iterable[str],
    *,
    port: int,
    vpc_cidrs: Sequence[str],
    max_removals: int,
) -> Plan:
    """Decide how to bring the target group in line with the resolved addresses.

    ``current`` are the target group's targets, ``resolved`` the addresses the hostname
    resolves to now, ``port`` the port every target should be registered with.
    """
    serving = [t for t in current if t.state not in LEAVING_STATES]
    present = {(t.ip, t.port) for t in serving}
    zones = {(t.ip, t.port): t.availability_zone for t in serving}
    wanted = {(ip, port) for ip in resolved}
    if not wanted:
        # No answer is no evidence: keep everything, change nothing.
        return Plan(register=(), deregister=())
    register = tuple(
        sorted(
            Target(ip, p, "all" if vpc_cidrs and outside(ip, vpc_cidrs) else None)
            for ip, p in wanted - present
        )
    )
    stale = sorted(Target(ip, p, zones[(ip, p)]) for ip, p in present - wanted)
    cap = max(max_removals, 0)
    return Plan(register=register, deregister=tuple(stale[:cap]), deferred=tuple(stale[cap:]))
