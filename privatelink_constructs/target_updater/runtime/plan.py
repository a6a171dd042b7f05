"""Pure decisions of the target-group updater: which addresses are meant, what to (de)register.

No boto3 and no DNS here: plain data in, plain data out. The adapter (``handler.py``) feeds it
the target group's current targets, the addresses the database has now, and the networks the
provider means.

Guarantees, each covered by a property test:
- it never deregisters anything when the answer is empty (DNS failed or said nothing);
- it never deregisters anything when the answer has not settled (a switch in progress);
- after applying a plan the target group holds every wanted address, so it is never empty;
- it registers before it deregisters (the adapter applies ``register`` first);
- it deregisters at most ``max_removals`` targets per run (the rest wait for the next run);
- applying a plan and planning again with the same answer gives an empty plan (idempotent);
- only addresses inside the VPC's CIDR blocks or the provider's ``target_cidrs`` are placed;
  an address in the VPC gets no Availability Zone, one outside it gets ``all``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# Target states that no longer serve traffic and are on their way out: a wanted address in one
# of these states is registered again rather than counted as present.
LEAVING_STATES = frozenset({"draining"})

ALL_ZONES = "all"
"""The AvailabilityZone ELB requires for an address outside the target group's VPC."""


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
    held: tuple[Target, ...] = ()
    """Stale targets kept because the answer had not settled (no evidence they are gone)."""

    @property
    def changes(self) -> bool:
        """Whether the plan calls the ELB API at all."""
        return bool(self.register or self.deregister)


@dataclass(frozen=True)
class Placement:
    """The addresses the provider means, with the zone each is registered in, and the others."""

    zones: Mapping[str, str | None]
    """Address -> None (inside the VPC: ELB picks the zone) or ``all`` (outside the VPC)."""
    refused: tuple[str, ...] = ()
    """Addresses in neither the VPC's CIDR blocks nor ``target_cidrs``: never registered."""


_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(cidrs: Iterable[str]) -> list[_Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]


def _inside(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: Sequence[_Network]) -> bool:
    return any(network.version == address.version and address in network for network in networks)


def place(addresses: Iterable[str], *, vpc_cidrs: Sequence[str], target_cidrs: Sequence[str]) -> Placement:
    """Decide, address by address, whether the provider means it and in which zone it goes.

    Inside one of the VPC's CIDR blocks (IPv4 or IPv6): registered without a zone. Inside one of
    ``target_cidrs`` only (a peered VPC, on-premises): registered with zone ``all``. Anywhere
    else (another VPC, the internet, link-local, an answer nobody meant): refused.
    """
    vpc = _networks(vpc_cidrs)
    others = _networks(target_cidrs)
    zones: dict[str, str | None] = {}
    refused: list[str] = []
    for text in sorted(set(addresses)):
        address = ipaddress.ip_address(text)
        if _inside(address, vpc):
            zones[text] = None
        elif _inside(address, others):
            zones[text] = ALL_ZONES
        else:
            refused.append(text)
    return Placement(zones=zones, refused=tuple(refused))


def plan(
    current: Iterable[RegisteredTarget],
    wanted: Mapping[str, str | None],
    *,
    port: int,
    max_removals: int,
    removals_allowed: bool = True,
) -> Plan:
    """Decide how to bring the target group in line with the wanted addresses.

    ``current`` are the target group's targets, ``wanted`` the placed addresses the database
    has now (address -> zone), ``port`` the port every target is registered with. With
    ``removals_allowed`` False (the answer has not settled) stale targets are held, not removed.
    """
    serving = [t for t in current if t.state not in LEAVING_STATES]
    present = {(t.ip, t.port) for t in serving}
    zones = {(t.ip, t.port): t.availability_zone for t in serving}
    wanted_targets = {(ip, port) for ip in wanted}
    if not wanted_targets:
        # No answer is no evidence: keep everything, change nothing.
        return Plan(register=(), deregister=())
    register = tuple(sorted(Target(ip, p, wanted[ip]) for ip, p in wanted_targets - present))
    stale = sorted(Target(ip, p, zones[(ip, p)]) for ip, p in present - wanted_targets)
    if not removals_allowed:
        return Plan(register=register, deregister=(), held=tuple(stale))
    cap = max(max_removals, 0)
    return Plan(register=register, deregister=tuple(stale[:cap]), deferred=tuple(stale[cap:]))


@dataclass(frozen=True)
class Member:
    """One DB instance of a cluster, as DescribeDBClusters lists it."""

    instance_id: str
    is_writer: bool


def followed_members(members: Iterable[Member], *, readers: bool) -> tuple[str, ...]:
    """The instances a cluster endpoint leads to: the writer, or the readers.

    Like Aurora's reader endpoint, the readers of a cluster without readers are its writer.
    """
    listed = list(members)
    writers = sorted(m.instance_id for m in listed if m.is_writer)
    if not readers:
        return tuple(writers)
    others = sorted(m.instance_id for m in listed if not m.is_writer)
    return tuple(others or writers)


def settled(previous: frozenset[str] | None, latest: frozenset[str]) -> bool:
    """Whether two consecutive DNS samples agree, so the answer is not mid-switch."""
    return previous is not None and bool(latest) and previous == latest
