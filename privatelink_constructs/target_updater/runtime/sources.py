"""Where the wanted addresses come from: the RDS API and DNS, each with a bounded time.

Two sources, chosen by the function's mode:

- ``RdsSource`` (Aurora cluster writer or readers, DB instances): the members come from the RDS
  API (DescribeDBClusters: who is the writer, who are the readers), and each member's own
  instance endpoint, which resolves to one stable address, gives the address. Readers never
  flap (no random reader-endpoint answers) and the writer is known the moment RDS knows it.
- ``DnsSource`` (RDS Proxy, custom endpoints, any other name): the hostname is resolved in
  windows of a few lookups. The answer is *settled* when two consecutive windows agree; only a
  settled answer may remove targets, so a lookup burst that straddles a switch never keeps the
  old address and never removes a live one.

Every lookup runs with a timeout inside the run's deadline, so a DNS outage cannot take the run
past the function's timeout before it has logged and counted the failure.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .plan import Member, followed_members, settled

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient

Resolver = Callable[[str, int], Iterable[str]]
"""``(hostname, family) -> addresses`` of that family; raises ``OSError`` when resolution fails."""

FAMILIES = {4: socket.AF_INET, 6: socket.AF_INET6}


class ResolutionError(RuntimeError):
    """The database gave no address to follow, so nothing was changed."""


def system_resolver(hostname: str, family: int) -> list[str]:
    """Resolve with the stdlib resolver (``getaddrinfo``), addresses of one family only."""
    infos = socket.getaddrinfo(hostname, None, family=FAMILIES[family], type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class Answer:
    """The addresses of one IP family the database has now."""

    addresses: frozenset[str]
    settled: bool
    """Whether the answer is evidence enough to remove targets that are not in it."""
    notes: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    """The DB instances followed (RDS modes)."""


@dataclass
class Lookups:
    """DNS lookups, each bounded by a timeout and by the run's deadline."""

    resolver: Resolver
    clock: Callable[[], float]
    deadline: float
    timeout: float = 2.0
    count: int = 0

    def lookup(self, hostname: str, family: int) -> frozenset[str]:
        """One lookup; raises ``OSError`` (``TimeoutError`` when it takes too long)."""
        budget = min(self.timeout, self.deadline - self.clock())
        if budget <= 0:
            raise TimeoutError(f"no time left in this run to resolve {hostname}")
        self.count += 1
        result: list[frozenset[str]] = []
        failure: list[OSError] = []

        def work() -> None:
            try:
                result.append(frozenset(self.resolver(hostname, family)))
            except OSError as error:
                failure.append(error)

        worker = threading.Thread(target=work, name=f"resolve-{hostname}", daemon=True)
        worker.start()
        worker.join(budget)
        if worker.is_alive():
            raise TimeoutError(f"resolving {hostname} took more than {budget:.1f} s")
        if failure:
            raise failure[0]
        return result[0]


@dataclass
class DnsSource:
    """A hostname's addresses from DNS, settled over windows of lookups."""

    hostname: str
    lookups: Lookups
    sleep: Callable[[float], None]
    attempts: int = 3
    interval: float = 0.2
    max_windows: int = 4
    _answers: dict[int, Answer] = field(default_factory=dict)

    def refresh(self) -> None:
        """Forget this run's answers: the next ``answer`` asks DNS again."""
        self._answers.clear()

    def answer(self, family: int) -> Answer:
        """The settled answer, or the union of all samples (unsettled) when it did not settle."""
        if family not in self._answers:
            self._answers[family] = self._sample(family)
        return self._answers[family]

    def _window(self, family: int, notes: list[str]) -> tuple[frozenset[str], bool]:
        addresses: set[str] = set()
        complete = True
        for attempt in range(max(self.attempts, 1)):
            if attempt:
                self.sleep(self.interval)
            try:
                addresses |= self.lookups.lookup(self.hostname, family)
            except OSError as error:
                complete = False
                notes.append(f"IPv{family} lookup {self.lookups.count}: {type(error).__name__}: {error}")
        return frozenset(addresses), complete

    def _sample(self, family: int) -> Answer:
        notes: list[str] = []
        seen: set[str] = set()
        previous: frozenset[str] | None = None
        for window_index in range(self.max_windows):
            if window_index:
                self.sleep(self.interval)
            window, complete = self._window(family, notes)
            seen |= window
            if complete and settled(previous, window):
                return Answer(window, settled=True, notes=tuple(notes))
            previous = window if complete else None
            if self.lookups.clock() >= self.lookups.deadline:
                break
        if not seen:
            raise ResolutionError(
                f"{self.hostname} resolved to no IPv{family} address; nothing was changed"
                + (f" ({'; '.join(notes)})" if notes else "")
            )
        notes.append(f"the IPv{family} answer did not settle: targets are added, none removed")
        return Answer(frozenset(seen), settled=False, notes=tuple(notes))


@dataclass
class EndpointCache:
    """DB instance identifier -> its endpoint hostname. An instance's endpoint never changes."""

    endpoints: dict[str, str] = field(default_factory=dict)


@dataclass
class RdsSource:
    """The addresses of a cluster's writer or readers, or of one instance, from the RDS API."""

    mode: str
    identifier: str
    rds: RDSClient
    lookups: Lookups
    cache: EndpointCache
    _members: tuple[str, ...] | None = None
    _status_settled: bool = True
    _answers: dict[int, Answer] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def refresh(self) -> None:
        """Forget this run's membership: the next ``answer`` asks the RDS API again."""
        self._members = None
        self._answers.clear()
        self.notes.clear()
        self._status_settled = True

    def members(self) -> tuple[str, ...]:
        """The DB instances followed now (one RDS API call per run, or per refresh)."""
        if self._members is None:
            self._members = self._read_members()
        return self._members

    def _read_members(self) -> tuple[str, ...]:
        if self.mode == "rds-instance":
            self._describe_instance(self.identifier, check_status=True)
            return (self.identifier,)
        response = self.rds.describe_db_clusters(DBClusterIdentifier=self.identifier)
        (cluster,) = response["DBClusters"]
        members = [
            Member(m["DBInstanceIdentifier"], bool(m.get("IsClusterWriter")))
            for m in cluster.get("DBClusterMembers", [])
        ]
        followed = followed_members(members, readers=self.mode == "rds-cluster-readers")
        if not followed:
            raise ResolutionError(
                f"cluster {self.identifier} has no {'reader or ' if 'readers' in self.mode else ''}writer "
                "instance now; nothing was changed"
            )
        return followed

    def _describe_instance(self, instance_id: str, *, check_status: bool) -> str | None:
        try:
            response = self.rds.describe_db_instances(DBInstanceIdentifier=instance_id)
        except self.rds.exceptions.DBInstanceNotFoundFault:
            if check_status:
                raise
            self.notes.append(f"instance {instance_id} is gone")
            return None
        (instance,) = response["DBInstances"]
        status = instance.get("DBInstanceStatus", "unknown")
        if check_status and status != "available":
            self._status_settled = False
            self.notes.append(f"instance {instance_id} is {status}: targets are added, none removed")
        address = instance.get("Endpoint", {}).get("Address")
        if not address:
            self.notes.append(f"instance {instance_id} has no endpoint yet ({status})")
            return None
        self.cache.endpoints[instance_id] = address
        return address

    def _endpoint(self, instance_id: str) -> str | None:
        if self.mode == "rds-instance":
            return self.cache.endpoints.get(instance_id)
        known = self.cache.endpoints.get(instance_id)
        return known or self._describe_instance(instance_id, check_status=False)

    def answer(self, family: int) -> Answer:
        """The addresses of the followed instances' endpoints (each resolved twice, to agree)."""
        if family not in self._answers:
            self._answers[family] = self._resolve_members(family)
        return self._answers[family]

    def _resolve_members(self, family: int) -> Answer:
        members = self.members()
        notes = list(self.notes)
        addresses: set[str] = set()
        all_settled = self._status_settled
        for instance_id in members:
            endpoint = self._endpoint(instance_id)
            if endpoint is None:
                continue
            try:
                first = self.lookups.lookup(endpoint, family)
                second = self.lookups.lookup(endpoint, family)
            except OSError as error:
                all_settled = False
                notes.append(f"{instance_id}: IPv{family} {type(error).__name__}: {error}")
                continue
            addresses |= first | second
            if first != second:
                all_settled = False
                notes.append(f"{instance_id}: the IPv{family} answer changed between two lookups")
        if not addresses:
            raise ResolutionError(
                f"{', '.join(members)} resolved to no IPv{family} address; nothing was changed"
                + (f" ({'; '.join(notes)})" if notes else "")
            )
        return Answer(frozenset(addresses), settled=all_settled, notes=tuple(notes), members=members)
