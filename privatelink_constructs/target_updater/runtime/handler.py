"""Lambda adapter of the target-group updater: settings, DNS, the ELB API, logs and metrics.

One invocation handles every (hostname, target group, port) mapping of the function. For each:
one DescribeTargetHealth call (the target group is the state: nothing is stored elsewhere),
several DNS resolutions whose union is the answer, a plan (``plan.py``), then RegisterTargets
before DeregisterTargets, only when something changed. A run with nothing to change makes
exactly one AWS call per target group.

Failures are loud: a mapping whose DNS or API calls fail is reported, the other mappings are
still updated, and the invocation then raises, so Lambda's Errors metric and its alarm fire.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from .plan import LEAVING_STATES, Plan, RegisteredTarget, Target, plan

if TYPE_CHECKING:
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_elbv2.type_defs import TargetDescriptionTypeDef

NAMESPACE = "PrivateLinkCdk/TargetUpdater"
"""Our own CloudWatch namespace (never ``AWS/...``)."""

FAILOVER_CATEGORIES = frozenset({"failover", "failure", "availability", "recovery", "maintenance"})
"""RDS event categories after which the answer is expected to change soon."""

Resolver = Callable[[str, int, int], Iterable[str]]
"""``(hostname, port, family) -> addresses``; raises ``OSError`` when resolution fails."""


class ResolutionError(RuntimeError):
    """The hostname did not resolve to any address, so nothing was deregistered."""


class UpdateFailedError(RuntimeError):
    """At least one mapping could not be brought up to date; the others were."""


@dataclass(frozen=True)
class TargetMapping:
    """One hostname kept in step with one target group."""

    hostname: str
    target_group_arn: str
    port: int
    ipv6: bool = False


@dataclass(frozen=True)
class Settings:
    """The function's configuration, read from its environment."""

    mappings: tuple[TargetMapping, ...]
    vpc_cidrs: tuple[str, ...] = ()
    resolve_attempts: int = 3
    resolve_interval_seconds: float = 0.2
    failover_wait_seconds: float = 30.0
    failover_poll_seconds: float = 1.0
    max_removals_per_run: int = 5

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``MAPPINGS`` (JSON list of {hostname, target_group_arn, port, ipv6}) and tunables."""
        env = os.environ if environ is None else environ
        raw = json.loads(env["MAPPINGS"])
        mappings = tuple(
            TargetMapping(
                hostname=str(item["hostname"]),
                target_group_arn=str(item["target_group_arn"]),
                port=int(item["port"]),
                ipv6=bool(item.get("ipv6", False)),
            )
            for item in raw
        )
        if not mappings:
            raise ValueError("MAPPINGS names no target group")
        return cls(
            mappings=mappings,
            vpc_cidrs=tuple(c for c in env.get("VPC_CIDRS", "").split(",") if c),
            resolve_attempts=int(env.get("RESOLVE_ATTEMPTS", "3")),
            resolve_interval_seconds=float(env.get("RESOLVE_INTERVAL_SECONDS", "0.2")),
            failover_wait_seconds=float(env.get("FAILOVER_WAIT_SECONDS", "30")),
            failover_poll_seconds=float(env.get("FAILOVER_POLL_SECONDS", "1")),
            max_removals_per_run=int(env.get("MAX_REMOVALS_PER_RUN", "5")),
        )


@dataclass
class Outcome:
    """What happened to one mapping in one run."""

    mapping: TargetMapping
    resolved: frozenset[str] = frozenset()
    plan: Plan | None = None
    error: str | None = None
    duration_ms: float = 0.0
    aws_calls: int = 0
    waited_for_change: bool = False
    notes: list[str] = field(default_factory=list)


def log(event: str, **fields: object) -> None:
    """Write one JSON object per line to the function's log."""
    sys.stdout.write(json.dumps({"event": event, **fields}, sort_keys=True, default=str) + "\n")


def emit_metrics(outcome: Outcome, now_ms: int) -> None:
    """One CloudWatch embedded-metric-format line: counts and duration for one target group."""
    registered = len(outcome.plan.register) if outcome.plan else 0
    deregistered = len(outcome.plan.deregister) if outcome.plan else 0
    record = {
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [["TargetGroup"]],
                    "Metrics": [
                        {"Name": "Registered", "Unit": "Count"},
                        {"Name": "Deregistered", "Unit": "Count"},
                        {"Name": "ResolvedAddresses", "Unit": "Count"},
                        {"Name": "Failed", "Unit": "Count"},
                        {"Name": "Duration", "Unit": "Milliseconds"},
                    ],
                }
            ],
        },
        "TargetGroup": outcome.mapping.target_group_arn.split(":")[-1],
        "Registered": registered,
        "Deregistered": deregistered,
        "ResolvedAddresses": len(outcome.resolved),
        "Failed": 1 if outcome.error else 0,
        "Duration": round(outcome.duration_ms, 3),
    }
    sys.stdout.write(json.dumps(record, sort_keys=True) + "\n")


def system_resolver(hostname: str, port: int, family: int) -> list[str]:
    """Resolve with the stdlib resolver (``getaddrinfo``), addresses of one family only."""
    infos = socket.getaddrinfo(hostname, port, family=family, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def resolve(
    hostname: str,
    port: int,
    *,
    ipv6: bool,
    resolver: Resolver,
    attempts: int,
    interval: float,
    sleep: Callable[[float], None],
) -> tuple[frozenset[str], list[str]]:
    """The union of several answers (round-robin answers must not flap); raises if all fail.

    Returns the addresses and a note per failed attempt. A failed attempt adds nothing.
    """
    families = [socket.AF_INET, socket.AF_INET6] if ipv6 else [socket.AF_INET]
    addresses: set[str] = set()
    notes: list[str] = []
    for attempt in range(max(attempts, 1)):
        if attempt:
            sleep(interval)
        for family in families:
            try:
                addresses.update(resolver(hostname, port, family))
            except OSError as error:
                notes.append(f"attempt {attempt + 1} ({family.name}): {type(error).__name__}: {error}")
    if not addresses:
        raise ResolutionError(
            f"{hostname} resolved to no address in {attempts} attempts; nothing was deregistered"
            + (f" ({'; '.join(notes)})" if notes else "")
        )
    return frozenset(addresses), notes


def current_targets(elbv2: ElasticLoadBalancingv2Client, target_group_arn: str) -> list[RegisteredTarget]:
    """The target group's targets: the only state the updater has."""
    response = elbv2.describe_target_health(TargetGroupArn=target_group_arn)
    return [
        RegisteredTarget(
            ip=description["Target"]["Id"],
            port=int(description["Target"].get("Port", 0)),
            state=description.get("TargetHealth", {}).get("State", "unknown"),
            availability_zone=description["Target"].get("AvailabilityZone"),
        )
        for description in response.get("TargetHealthDescriptions", [])
    ]


def _descriptions(targets: Sequence[Target]) -> list[TargetDescriptionTypeDef]:
    descriptions: list[TargetDescriptionTypeDef] = []
    for target in targets:
        description: TargetDescriptionTypeDef = {"Id": target.ip, "Port": target.port}
        if target.availability_zone:
            description["AvailabilityZone"] = target.availability_zone
        descriptions.append(description)
    return descriptions


class Answers:
    """The run's DNS answers, one per hostname, shared by every mapping that names it.

    On a failover event an unchanged answer is asked again until it changes or the run's
    single wait budget is spent, so several mappings never wait one after another.
    """

    def __init__(
        self,
        settings: Settings,
        resolver: Resolver,
        *,
        failover: bool,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        """Start the run's answers; the failover wait budget starts now."""
        self._settings = settings
        self._resolver = resolver
        self._failover = failover
        self._clock = clock
        self._sleep = sleep
        self._deadline = clock() + settings.failover_wait_seconds
        self._cache: dict[tuple[str, bool], tuple[frozenset[str], list[str], bool]] = {}

    def _resolve(self, hostname: str, port: int, ipv6: bool, notes: list[str]) -> frozenset[str]:
        resolved, failed = resolve(
            hostname,
            port,
            ipv6=ipv6,
            resolver=self._resolver,
            attempts=self._settings.resolve_attempts,
            interval=self._settings.resolve_interval_seconds,
            sleep=self._sleep,
        )
        notes.extend(failed)
        return resolved

    def get(self, mapping: TargetMapping, serving: frozenset[str]) -> tuple[frozenset[str], list[str], bool]:
        """The addresses of ``mapping.hostname``, notes on failed attempts, whether it waited."""
        key = (mapping.hostname, mapping.ipv6)
        if key not in self._cache:
            notes: list[str] = []
            resolved = self._resolve(mapping.hostname, mapping.port, mapping.ipv6, notes)
            waited = False
            if self._failover and resolved == serving:
                # The event says the database moved; the answer does not show it yet (RDS TTL
                # is 5 s, resolvers cache): ask again for a short, bounded time.
                waited = True
                while resolved == serving and self._clock() < self._deadline:
                    self._sleep(self._settings.failover_poll_seconds)
                    resolved = self._resolve(mapping.hostname, mapping.port, mapping.ipv6, notes)
            self._cache[key] = (resolved, notes, waited)
        return self._cache[key]


def update_one(
    mapping: TargetMapping,
    settings: Settings,
    elbv2: ElasticLoadBalancingv2Client,
    answers: Answers,
) -> Outcome:
    """Bring one target group in line with its hostname. Raises on any failure."""
    outcome = Outcome(mapping=mapping)
    current = current_targets(elbv2, mapping.target_group_arn)
    outcome.aws_calls += 1
    serving = frozenset(t.ip for t in current if t.state not in LEAVING_STATES)
    outcome.resolved, outcome.notes, outcome.waited_for_change = answers.get(mapping, serving)
    decided = plan(
        current,
        outcome.resolved,
        port=mapping.port,
        vpc_cidrs=settings.vpc_cidrs,
        max_removals=settings.max_removals_per_run,
    )
    outcome.plan = decided
    # Register first: the target group must never be left without the new address.
    if decided.register:
        elbv2.register_targets(
            TargetGroupArn=mapping.target_group_arn, Targets=_descriptions(decided.register)
        )
        outcome.aws_calls += 1
    if decided.deregister:
        elbv2.deregister_targets(
            TargetGroupArn=mapping.target_group_arn, Targets=_descriptions(decided.deregister)
        )
        outcome.aws_calls += 1
    return outcome


def is_failover_event(event: Mapping[str, Any]) -> bool:
    """Whether the invocation comes from an RDS event that moves the database."""
    if event.get("source") != "aws.rds":
        return False
    categories = event.get("detail", {}).get("EventCategories", [])
    return any(str(category).lower() in FAILOVER_CATEGORIES for category in categories)


def run(
    event: Mapping[str, Any],
    settings: Settings,
    elbv2: ElasticLoadBalancingv2Client,
    resolver: Resolver = system_resolver,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Outcome]:
    """Update every mapping; raise ``UpdateFailedError`` after the others if any failed."""
    failover = is_failover_event(event)
    answers = Answers(settings, resolver, failover=failover, clock=clock, sleep=sleep)
    outcomes: list[Outcome] = []
    errors: list[Exception] = []
    for mapping in settings.mappings:
        started = clock()
        try:
            outcome = update_one(mapping, settings, elbv2, answers)
        except Exception as error:
            errors.append(error)
            outcome = Outcome(mapping=mapping, error=f"{type(error).__name__}: {error}")
        outcome.duration_ms = (clock() - started) * 1000
        outcomes.append(outcome)
        _report(outcome, failover=failover)
    if errors:
        failed = [o for o in outcomes if o.error]
        details = "; ".join(
            f"{o.mapping.hostname} -> {o.mapping.target_group_arn}: {o.error}" for o in failed
        )
        raise UpdateFailedError(
            f"{len(failed)} of {len(outcomes)} target group(s) not updated: {details}"
        ) from errors[0]
    return outcomes


def _report(outcome: Outcome, *, failover: bool) -> None:
    mapping = outcome.mapping
    common: dict[str, object] = {
        "hostname": mapping.hostname,
        "target_group_arn": mapping.target_group_arn,
        "port": mapping.port,
        "failover_event": failover,
    }
    if outcome.error:
        log("update_failed", error=outcome.error, **common)
    else:
        assert outcome.plan is not None
        log(
            "updated" if outcome.plan.changes else "unchanged",
            resolved=sorted(outcome.resolved),
            registered=[f"{t.ip}:{t.port}" for t in outcome.plan.register],
            deregistered=[f"{t.ip}:{t.port}" for t in outcome.plan.deregister],
            deferred=[f"{t.ip}:{t.port}" for t in outcome.plan.deferred],
            waited_for_change=outcome.waited_for_change,
            resolution_notes=outcome.notes,
            aws_calls=outcome.aws_calls,
            **common,
        )
    emit_metrics(outcome, int(time.time() * 1000))


def handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """Lambda entry point."""
    settings = Settings.from_env()
    client = boto3.client("elbv2", config=Config(retries={"mode": "standard", "max_attempts": 5}))
    outcomes = run(event, settings, client)
    return {
        "updated": [o.mapping.target_group_arn for o in outcomes if o.plan and o.plan.changes],
        "unchanged": [o.mapping.target_group_arn for o in outcomes if o.plan and not o.plan.changes],
    }
