"""Lambda adapter of the target-group updater: settings, clients, the run, logs and metrics.

One run brings every configured target group in line with the database:

1. the event is parsed strictly (``events.py``) and the settings read (``Settings.from_env``);
   bad input raises before any AWS call;
2. each target group's current targets are read: one DescribeTargetHealth call per group, the
   only state the updater has (its ARN, IP family and VPC are read once per container);
3. the database's addresses of each IP family the groups use are read once for all groups:
   from the RDS API and the members' instance endpoints, or from DNS (``sources.py``);
4. every address must lie in the VPC's CIDR blocks or in ``TARGET_CIDRS``: if one does not, the
   whole family is left alone (nothing registered, nothing deregistered) and the run fails;
5. a plan per group (``plan.py``), applied register-first; removals only on a settled answer.

Runs never overlap: the function's only trigger is an SQS FIFO queue with one message group,
which hands Lambda one message at a time. A run that fails for any reason still updates the
other target groups, writes one JSON log line and one metric line per group, then raises, so
Lambda's Errors metric (and its alarm) fires and SQS retries the message.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from botocore.config import Config

from .events import Trigger, parse_event
from .inventory import GroupRef, Inventory, TargetGroup, current_targets, descriptions
from .plan import LEAVING_STATES, Placement, Plan, RegisteredTarget, place, plan
from .sources import Answer, DnsSource, EndpointCache, Lookups, RdsSource, Resolver, system_resolver

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_rds import RDSClient

NAMESPACE = "PrivateLinkCdk/TargetUpdater"
"""Our own CloudWatch namespace (never ``AWS/...``)."""

MODES = ("rds-cluster-writer", "rds-cluster-readers", "rds-instance", "dns")
"""How the function learns the database's addresses."""

RESERVE_SECONDS = 10.0
"""Time kept back from the function's timeout to log, count and raise before Lambda stops it."""

LOGGER = logging.getLogger("privatelink_cdk.target_updater")

_GROUP = re.compile(r"^(\d{1,5})=([0-9a-f]{16})$")
_BOTO_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=5)


class UpdateFailedError(RuntimeError):
    """At least one target group could not be brought up to date; the others were."""


class SettingsError(ValueError):
    """The function's environment is not what the construct writes."""


class LambdaContext(Protocol):
    """The parts of Lambda's context object the handler uses."""

    aws_request_id: str

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before Lambda stops the invocation."""


def _number(
    env: Mapping[str, str],
    name: str,
    default: str,
    problems: list[str],
    *,
    minimum: float,
    integer: bool = False,
) -> float:
    text = env.get(name, default)
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        problems.append(f"{name}: {text!r} is not {'an integer' if integer else 'a number'}")
        return float(default)
    if value < minimum:
        problems.append(f"{name}: {text!r} is below {minimum:g}")
    return value


@dataclass(frozen=True)
class Settings:
    """The function's configuration, read from its environment."""

    hostname: str
    target_groups: tuple[GroupRef, ...]
    mode: str = "dns"
    db_identifier: str | None = None
    db_region: str | None = None
    target_cidrs: tuple[str, ...] = ()
    max_removals_per_run: int = 5
    failover_wait_seconds: float = 30.0
    failover_poll_seconds: float = 0.5
    resolve_attempts: int = 3
    resolve_interval_seconds: float = 0.2
    lookup_timeout_seconds: float = 2.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and check the environment; every problem is reported at once."""
        env = os.environ if environ is None else environ
        problems: list[str] = []
        hostname = env.get("HOSTNAME", "")
        if not hostname:
            problems.append("HOSTNAME: required")
        mode = env.get("MODE", "dns")
        if mode not in MODES:
            problems.append(f"MODE: {mode!r} is not one of {list(MODES)}")
        identifier = env.get("DB_IDENTIFIER") or None
        if mode != "dns" and identifier is None:
            problems.append(f"DB_IDENTIFIER: required with MODE {mode!r}")
        groups = _group_refs(env.get("TARGET_GROUPS", ""), problems)
        removals = _number(env, "MAX_REMOVALS_PER_RUN", "5", problems, minimum=1, integer=True)
        wait = _number(env, "FAILOVER_WAIT_SECONDS", "30", problems, minimum=0)
        if problems:
            raise SettingsError("invalid environment: " + "; ".join(problems))
        return cls(
            hostname=hostname,
            target_groups=groups,
            mode=mode,
            db_identifier=identifier,
            db_region=env.get("DB_REGION") or None,
            target_cidrs=tuple(c for c in env.get("TARGET_CIDRS", "").split(",") if c),
            max_removals_per_run=int(removals),
            failover_wait_seconds=wait,
        )


def _group_refs(text: str, problems: list[str]) -> tuple[GroupRef, ...]:
    refs: list[GroupRef] = []
    for item in (part for part in text.split(",") if part):
        match = _GROUP.match(item)
        if match is None or not 1 <= int(match.group(1)) <= 65535:
            problems.append(f"TARGET_GROUPS: {item!r} is not <port>=<16 hex digits of the target group ARN>")
            continue
        refs.append(GroupRef(port=int(match.group(1)), group_id=match.group(2)))
    if not refs and not any("TARGET_GROUPS" in p for p in problems):
        problems.append("TARGET_GROUPS: names no target group")
    return tuple(refs)


@dataclass
class Clients:
    """The AWS clients of a run."""

    elbv2: ElasticLoadBalancingv2Client
    ec2: EC2Client
    rds: RDSClient | None = None


@dataclass
class WarmState:
    """What a warm container keeps between runs: clients and facts that never change."""

    clients: Clients | None = None
    inventory: Inventory = field(default_factory=Inventory)
    endpoints: EndpointCache = field(default_factory=EndpointCache)

    def clear(self) -> None:
        """Forget everything (tests; a new container starts like this)."""
        self.clients = None
        self.inventory = Inventory()
        self.endpoints = EndpointCache()


WARM = WarmState()


def default_clients(settings: Settings) -> Clients:
    """Clients with short timeouts and standard retries (a run has a deadline)."""
    rds = None
    if settings.mode != "dns":
        rds = boto3.client("rds", region_name=settings.db_region, config=_BOTO_CONFIG)
    return Clients(
        elbv2=boto3.client("elbv2", config=_BOTO_CONFIG),
        ec2=boto3.client("ec2", config=_BOTO_CONFIG),
        rds=rds,
    )


@dataclass
class Outcome:
    """What happened to one target group in one run."""

    group: TargetGroup
    answer: Answer | None = None
    plan: Plan | None = None
    refused: tuple[str, ...] = ()
    error: str | None = None
    aws_calls: int = 0
    waited_for_change: bool = False
    duration_ms: float = 0.0


@dataclass
class Run:
    """One run's collaborators: settings, clients, sources, clock and deadline."""

    trigger: Trigger
    settings: Settings
    clients: Clients
    inventory: Inventory
    source: DnsSource | RdsSource
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    deadline: float
    started: float = 0.0


def build_run(
    trigger: Trigger,
    settings: Settings,
    clients: Clients,
    *,
    state: WarmState,
    resolver: Resolver,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    deadline: float,
) -> Run:
    """Wire a run: the RDS source in the RDS modes, the DNS source otherwise."""
    lookups = Lookups(resolver, clock, deadline, timeout=settings.lookup_timeout_seconds)
    source: DnsSource | RdsSource
    if settings.mode == "dns":
        source = DnsSource(
            settings.hostname,
            lookups,
            sleep,
            attempts=settings.resolve_attempts,
            interval=settings.resolve_interval_seconds,
        )
    else:
        assert clients.rds is not None, "the RDS modes need an RDS client"
        assert settings.db_identifier is not None
        source = RdsSource(settings.mode, settings.db_identifier, clients.rds, lookups, state.endpoints)
    return Run(trigger, settings, clients, state.inventory, source, clock, sleep, deadline, started=clock())


def _serving(current: Mapping[str, list[RegisteredTarget]]) -> frozenset[str]:
    return frozenset(t.ip for targets in current.values() for t in targets if t.state not in LEAVING_STATES)


def _wanted(run: Run, family: int, serving: frozenset[str]) -> tuple[Answer, bool]:
    """The family's answer; after a failover event, asked again (bounded) until it changes."""
    answer = run.source.answer(family)
    if not run.trigger.failover or answer.addresses != serving:
        return answer, False
    # The event says the database moved; the API or DNS does not show it yet: ask again.
    until = min(run.started + run.settings.failover_wait_seconds, run.deadline)
    while answer.addresses == serving and run.clock() < until:
        run.sleep(run.settings.failover_poll_seconds)
        run.source.refresh()
        answer = run.source.answer(family)
    return answer, True


def _apply(run: Run, outcome: Outcome, decided: Plan) -> None:
    elbv2 = run.clients.elbv2
    # Register first: the target group must never be left without the new address.
    if decided.register:
        elbv2.register_targets(TargetGroupArn=outcome.group.arn, Targets=descriptions(decided.register))
        outcome.aws_calls += 1
    if decided.deregister:
        elbv2.deregister_targets(TargetGroupArn=outcome.group.arn, Targets=descriptions(decided.deregister))
        outcome.aws_calls += 1


def _read_current(run: Run, outcomes: list[Outcome]) -> dict[str, list[RegisteredTarget]]:
    """Each group's targets (one DescribeTargetHealth call each); failures recorded per group."""
    current: dict[str, list[RegisteredTarget]] = {}
    for outcome in outcomes:
        if run.clock() >= run.deadline:
            outcome.error = "not attempted: the run ran out of time"
            continue
        try:
            current[outcome.group.arn] = current_targets(run.clients.elbv2, outcome.group.arn)
        except Exception as error:
            outcome.error = f"{type(error).__name__}: {error}"
        outcome.aws_calls += 1
    return current


def _placement(run: Run, group: TargetGroup, answer: Answer) -> Placement:
    """Where each address goes; the VPC's blocks are read again before anything is refused."""
    placement = place(
        answer.addresses,
        vpc_cidrs=run.inventory.cidrs(run.clients.ec2, group.vpc_id),
        target_cidrs=run.settings.target_cidrs,
    )
    if placement.refused:
        # The VPC may have a block this container has not seen yet.
        placement = place(
            answer.addresses,
            vpc_cidrs=run.inventory.cidrs(run.clients.ec2, group.vpc_id, refresh=True),
            target_cidrs=run.settings.target_cidrs,
        )
    return placement


def _update_group(run: Run, outcome: Outcome, current: list[RegisteredTarget], answer: Answer) -> None:
    placement = _placement(run, outcome.group, answer)
    if placement.refused:
        outcome.refused = placement.refused
        outcome.error = (
            f"refused {', '.join(placement.refused)}: outside the VPC's CIDR blocks and target_cidrs; "
            "nothing was registered or deregistered"
        )
        return
    outcome.plan = plan(
        current,
        placement.zones,
        port=outcome.group.port,
        max_removals=run.settings.max_removals_per_run,
        removals_allowed=answer.settled,
    )
    _apply(run, outcome, outcome.plan)


def _update_family(run: Run, family: int, outcomes: list[Outcome]) -> None:
    """Read, decide and apply for every target group of one IP family."""
    current = _read_current(run, outcomes)
    answer, waited = _wanted(run, family, _serving(current))
    for outcome in outcomes:
        outcome.answer, outcome.waited_for_change = answer, waited
    for outcome in outcomes:
        if outcome.group.arn not in current:
            continue
        try:
            _update_group(run, outcome, current[outcome.group.arn], answer)
        except Exception as error:
            outcome.error = f"{type(error).__name__}: {error}"


def update(run: Run, groups: list[TargetGroup]) -> list[Outcome]:
    """Update every target group; failures are recorded per group, never swallowed."""
    outcomes = [Outcome(group=group) for group in groups]
    for family in sorted({g.family for g in groups}):
        family_outcomes = [o for o in outcomes if o.group.family == family]
        try:
            _update_family(run, family, family_outcomes)
        except Exception as error:
            for outcome in family_outcomes:
                outcome.error = outcome.error or f"{type(error).__name__}: {error}"
    elapsed_ms = (run.clock() - run.started) * 1000
    for outcome in outcomes:
        outcome.duration_ms = elapsed_ms
    return outcomes


def _targets(items: tuple[Any, ...]) -> list[str]:
    return [f"{t.ip}:{t.port}" for t in items]


def report(outcome: Outcome, *, trigger: Trigger, request_id: str, now_ms: int) -> None:
    """One JSON log line (through ``logging``) and one metric line (EMF, on stdout) per group."""
    group = outcome.group
    fields: dict[str, object] = {
        "target_group": group.arn,
        "port": group.port,
        "ip_family": group.family,
        "trigger": list(trigger.sources),
        "failover_event": trigger.failover,
        "aws_calls": outcome.aws_calls,
    }
    if outcome.answer is not None:
        fields |= {
            "resolved": sorted(outcome.answer.addresses),
            "settled": outcome.answer.settled,
            "members": list(outcome.answer.members),
            "notes": list(outcome.answer.notes),
            "waited_for_change": outcome.waited_for_change,
        }
    if outcome.plan is not None:
        fields |= {
            "registered": _targets(outcome.plan.register),
            "deregistered": _targets(outcome.plan.deregister),
            "deferred": _targets(outcome.plan.deferred),
            "held": _targets(outcome.plan.held),
        }
    if outcome.error:
        LOGGER.error(
            "update_failed", extra={**fields, "error": outcome.error, "refused": list(outcome.refused)}
        )
    else:
        LOGGER.info("updated" if outcome.plan and outcome.plan.changes else "unchanged", extra=fields)
    emit_metrics(outcome, request_id=request_id, now_ms=now_ms)


def emit_metrics(outcome: Outcome, *, request_id: str, now_ms: int) -> None:
    """One CloudWatch embedded-metric-format line for one target group, with the request ID."""
    decided = outcome.plan
    record = {
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [["Updater"], ["Updater", "TargetGroup"]],
                    "Metrics": [
                        {"Name": "Registered", "Unit": "Count"},
                        {"Name": "Deregistered", "Unit": "Count"},
                        {"Name": "ResolvedAddresses", "Unit": "Count"},
                        {"Name": "RefusedAddresses", "Unit": "Count"},
                        {"Name": "Failed", "Unit": "Count"},
                        {"Name": "Duration", "Unit": "Milliseconds"},
                    ],
                }
            ],
        },
        "Updater": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local"),
        "TargetGroup": outcome.group.short_name,
        "requestId": request_id,
        "Registered": len(decided.register) if decided else 0,
        "Deregistered": len(decided.deregister) if decided else 0,
        "ResolvedAddresses": len(outcome.answer.addresses) if outcome.answer else 0,
        "RefusedAddresses": len(outcome.refused),
        "Failed": 1 if outcome.error else 0,
        "Duration": round(outcome.duration_ms, 3),
    }
    sys.stdout.write(json.dumps(record, sort_keys=True) + "\n")


def _fail(outcomes: list[Outcome]) -> None:
    failed = [o for o in outcomes if o.error]
    if failed:
        details = "; ".join(f"{o.group.short_name}: {o.error}" for o in failed)
        raise UpdateFailedError(f"{len(failed)} of {len(outcomes)} target group(s) not updated: {details}")


def handle(
    event: object,
    context: LambdaContext,
    *,
    state: WarmState = WARM,
    environ: Mapping[str, str] | None = None,
    resolver: Resolver = system_resolver,
    clients: Callable[[Settings], Clients] = default_clients,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """The handler with its collaborators as parameters (the tests replace them)."""
    try:
        trigger = parse_event(event)
        settings = Settings.from_env(environ)
    except ValueError as error:
        LOGGER.error("invalid_input", extra={"error": str(error)})
        raise
    if state.clients is None:
        state.clients = clients(settings)
    deadline = clock() + context.get_remaining_time_in_millis() / 1000 - RESERVE_SECONDS
    try:
        groups = state.inventory.target_groups(state.clients.elbv2, settings.target_groups)
    except Exception as error:
        LOGGER.error("target_groups_unavailable", extra={"error": f"{type(error).__name__}: {error}"})
        raise
    run = build_run(
        trigger,
        settings,
        state.clients,
        state=state,
        resolver=resolver,
        clock=clock,
        sleep=sleep,
        deadline=deadline,
    )
    outcomes = update(run, groups)
    now_ms = int(time.time() * 1000)
    for outcome in outcomes:
        report(outcome, trigger=trigger, request_id=context.aws_request_id, now_ms=now_ms)
    _fail(outcomes)
    return {
        "updated": [o.group.arn for o in outcomes if o.plan and o.plan.changes],
        "unchanged": [o.group.arn for o in outcomes if o.plan and not o.plan.changes],
    }


def handler(event: object, context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point."""
    return handle(event, context)
