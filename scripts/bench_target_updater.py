"""Benchmark the RDS target updater's runtime against moto: ``make bench``.

Prints:
- AWS calls per run with no change and with a change (one target group);
- wall time of one run for 1, 10 and 50 target groups (no change, and a failover of all);
- the time from a simulated failover event to the new address being registered, with a resolver
  that keeps answering the old address for a while (as RDS DNS does for up to its 5 s TTL).

A benchmark, not a test: it asserts nothing and prints figures. moto answers in-process, so
the times measure our code and boto3, not the network.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

for _name, _value in {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "eu-west-1",
}.items():
    os.environ.setdefault(_name, _value)

from moto import mock_aws  # noqa: E402

from privatelink_constructs.target_updater.runtime import handler as updater  # noqa: E402
from tests.runtime.elb_world import (  # noqa: E402
    VPC_CIDR,
    CallCounter,
    FakeResolver,
    elbv2_client,
    registered,
    switching_resolver,
    target_groups,
)

if TYPE_CHECKING:
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client

HOST = "bench.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com"
SCHEDULE: dict[str, Any] = {"source": "aws.events"}
FAILOVER: dict[str, Any] = {"source": "aws.rds", "detail": {"EventCategories": ["failover"]}}
REPEATS = 5


def settings(arns: list[str], failover_poll_seconds: float = 1.0) -> updater.Settings:
    """One mapping per target group, ports 5432, 5433, ..."""
    mappings = tuple(updater.TargetMapping(HOST, arn, 5432 + index) for index, arn in enumerate(arns))
    return updater.Settings(
        mappings=mappings,
        vpc_cidrs=(VPC_CIDR,),
        resolve_interval_seconds=0,
        failover_poll_seconds=failover_poll_seconds,
    )


def quiet_run(
    event: dict[str, Any],
    config: updater.Settings,
    client: ElasticLoadBalancingv2Client,
    resolver: updater.Resolver,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[updater.Outcome]:
    """Run with the function's log lines sent nowhere (they would swamp the figures)."""
    stdout = sys.stdout
    with Path(os.devnull).open("w") as devnull:
        sys.stdout = devnull
        try:
            return updater.run(event, config, client, resolver, clock=clock, sleep=sleep)
        finally:
            sys.stdout = stdout


def calls_per_run() -> tuple[int, int]:
    """AWS calls of one run with nothing to change, then of one run with a change."""
    with mock_aws():
        arns = target_groups(1)
        client = elbv2_client()
        counter = CallCounter()
        counter.attach(client)
        resolver = FakeResolver({HOST: ["10.40.1.10"]})
        quiet_run(SCHEDULE, settings(arns), client, resolver)
        counter.reset()
        quiet_run(SCHEDULE, settings(arns), client, resolver)
        steady = len(counter.calls)
        counter.reset()
        quiet_run(SCHEDULE, settings(arns), client, FakeResolver({HOST: ["10.40.2.20"]}))
        change = len(counter.calls)
    return steady, change


def wall_time(count: int) -> tuple[float, float]:
    """Median seconds of one run over ``count`` target groups: unchanged, then all changing."""
    with mock_aws():
        arns = target_groups(count)
        client = elbv2_client()
        first = FakeResolver({HOST: ["10.40.1.10"]})
        quiet_run(SCHEDULE, settings(arns), client, first)
        steady = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            quiet_run(SCHEDULE, settings(arns), client, first)
            steady.append(time.perf_counter() - started)
        changing = []
        for repeat in range(REPEATS):
            resolver = FakeResolver({HOST: [f"10.40.{2 + repeat}.20"]})
            started = time.perf_counter()
            quiet_run(SCHEDULE, settings(arns), client, resolver)
            changing.append(time.perf_counter() - started)
    return statistics.median(steady), statistics.median(changing)


def failover_latency(stale_seconds: float) -> float:
    """Seconds from the failover event to the new address registered, DNS stale for a while."""
    with mock_aws():
        (arn,) = target_groups(1)
        client = elbv2_client()
        client.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.40.1.10", "Port": 5432}])
        event_at = time.monotonic()
        resolver = switching_resolver(
            HOST, ["10.40.1.10"], ["10.40.2.20"], event_at + stale_seconds, time.monotonic
        )
        quiet_run(
            FAILOVER,
            settings([arn], failover_poll_seconds=1.0),
            client,
            resolver,
            clock=time.monotonic,
            sleep=time.sleep,
        )
        done = time.monotonic()
        assert registered(client, arn) == {("10.40.2.20", 5432)}, "the failover was not followed"
    return done - event_at


def main() -> None:
    """Print the figures."""
    steady, change = calls_per_run()
    print("RDS target updater benchmark (moto, in-process)")
    print(f"  AWS calls per run, no change:    {steady}   (AWS sample: 5)")
    print(f"  AWS calls per run, with change:  {change}   (AWS sample: 6-7)")
    for count in (1, 10, 50):
        unchanged, changing = wall_time(count)
        print(
            f"  wall time, {count:>2} target group(s):    "
            f"{unchanged * 1000:7.1f} ms unchanged, {changing * 1000:7.1f} ms all changing"
        )
    for stale in (0.0, 3.0, 5.0):
        latency = failover_latency(stale)
        print(
            f"  failover event -> new IP registered, DNS stale {stale:.0f} s: {latency:5.2f} s"
            "   (AWS sample: stale IP kept 10-15 min)"
        )


if __name__ == "__main__":
    main()
