"""Benchmark the RDS target updater through its Lambda entry point, against moto: ``make bench``.

Prints, with the target each figure must meet:
- AWS calls per run: a container's first run, a steady run (target: 1 per target group, plus at
  most 1 RDS call per database), a run with a change;
- wall time of one run for 1, 10 and 50 target groups;
- live Aurora readers deregistered over 50 runs, for 2, 3 and 4 readers (target 0), next to what
  the v1 rule (the union of 3 reader-endpoint lookups) did on the same answers;
- the old writer still registered after a failover run, over 150 switch times (target 0);
- the time from the RDS API showing the new writer to the new writer being the only target
  (target under 2 s);
- the function's environment for 50 ports (Lambda's limit: 4096 bytes).

A benchmark, not a test: it prints figures. moto answers in-process, so times measure our code and
boto3, not the network. ELB's documented target rules are enforced (``tests/runtime/elb_world``).
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

for _name, _value in {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "eu-west-1",
}.items():
    os.environ.setdefault(_name, _value)

from aws_cdk.assertions import Template  # noqa: E402
from moto import mock_aws  # noqa: E402

from privatelink_constructs import RdsTargetGroupUpdater  # noqa: E402
from privatelink_constructs.target_updater.runtime import handler as updater  # noqa: E402
from privatelink_constructs.target_updater.runtime.plan import RegisteredTarget, place, plan  # noqa: E402
from tests.conftest import new_stack  # noqa: E402
from tests.constructs.helpers import provider  # noqa: E402
from tests.runtime.elb_world import (  # noqa: E402
    VPC_CIDR,
    Aurora,
    FakeClock,
    FakeResolver,
    World,
    addresses,
    counted_state,
    elb_rules,
    elbv2_client,
    environment,
    failover_event,
    invoke,
    scheduled_event,
)
from tests.runtime.elb_world import registered as registered_targets  # noqa: E402
from tests.runtime.lambda_runtime import FakeContext  # noqa: E402

HOST = "bench.example.internal"
REPEATS = 5


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The function's metric lines sent nowhere (they would swamp the figures)."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


@contextlib.contextmanager
def aws() -> Iterator[World]:
    """A fresh moto account with ELB's rules and one VPC with an NLB."""
    with mock_aws(), elb_rules():
        yield World()


def calls_per_run() -> dict[str, int]:
    """AWS calls: first run of a container, steady run, a change; DNS and RDS modes, 3 groups."""
    figures = {}
    with aws() as world, quiet():
        arns = world.target_groups(3)
        env = environment(arns, hostname=HOST)
        state, counter = counted_state(env)
        invoke(scheduled_event(), env, resolver=FakeResolver({HOST: ["10.40.1.10"]}), state=state)
        figures["dns_first"] = len(counter.calls)
        counter.reset()
        invoke(scheduled_event(), env, resolver=FakeResolver({HOST: ["10.40.1.10"]}), state=state)
        figures["dns_steady"] = len(counter.calls)
        counter.reset()
        invoke(scheduled_event(), env, resolver=FakeResolver({HOST: ["10.40.2.20"]}), state=state)
        figures["dns_change"] = len(counter.calls)
        aurora = Aurora.create("steady", readers=2)
        arns = world.target_groups(3)
        env = environment(
            arns, hostname=aurora.reader_endpoint, mode="rds-cluster-readers", identifier="steady"
        )
        state, counter = counted_state(env)
        invoke(scheduled_event(), env, resolver=aurora.resolve, state=state)
        figures["rds_first"] = len(counter.calls)
        counter.reset()
        invoke(scheduled_event(), env, resolver=aurora.resolve, state=state)
        figures["rds_steady"] = len(counter.calls)
    return figures


def wall_time(count: int) -> tuple[float, float]:
    """Median seconds of one warm run over ``count`` target groups: unchanged, then all changing."""
    with aws() as world, quiet():
        arns = world.target_groups(count)
        env = environment(arns, hostname=HOST)
        state = updater.WarmState()

        def timed(answer: str) -> float:
            clock = FakeClock()  # DNS sampling waits on a fake clock: the figure is our code and boto3
            started = time.perf_counter()
            invoke(scheduled_event(), env, resolver=FakeResolver({HOST: [answer]}), state=state, clock=clock)
            return time.perf_counter() - started

        timed("10.40.1.10")
        steady = [timed("10.40.1.10") for _ in range(REPEATS)]
        changing = [timed(f"10.40.{2 + repeat}.20") for repeat in range(REPEATS)]
    return statistics.median(steady), statistics.median(changing)


def live_readers_deregistered(readers: int, runs: int = 50) -> tuple[int, int]:
    """Runs that deregistered a live reader: this updater (RDS mode), then the v1 rule."""
    with aws() as world, quiet():
        aurora = Aurora.create(f"readers{readers}", readers=readers)
        (arn,) = world.target_groups(1)
        env = environment(
            [arn], hostname=aurora.reader_endpoint, mode="rds-cluster-readers", identifier=aurora.identifier
        )
        live = {aurora.ips[r] for r in aurora.readers()}
        state = updater.WarmState()
        ours = 0
        for _ in range(runs):
            before = addresses(elbv2_client(), arn)
            invoke(scheduled_event(), env, resolver=aurora.resolve, state=state)
            ours += bool((before & live) - addresses(elbv2_client(), arn))
        # v1: the union of three reader-endpoint lookups decided, and removals followed it.
        v1 = 0
        current = dict.fromkeys(live, "healthy")
        for _ in range(runs):
            union = {ip for _ in range(3) for ip in aurora.resolve(aurora.reader_endpoint, 4)}
            zones = place(union, vpc_cidrs=(VPC_CIDR,), target_cidrs=()).zones
            decided = plan(
                [RegisteredTarget(ip, 5432, state) for ip, state in current.items()],
                zones,
                port=5432,
                max_removals=5,
            )
            v1 += bool({t.ip for t in decided.deregister} & live)
            current = dict.fromkeys(live, "healthy")
    return ours, v1


def old_writers_after_failover(switches: int = 150) -> tuple[int, int]:
    """Failover runs after which the old writer was still registered: RDS mode, then DNS mode.

    The new writer shows (in the RDS API, or in DNS) 0 to 15 s after the failover event.
    """
    left_rds = left_dns = 0
    with aws() as world, quiet():
        aurora = Aurora.create("failover", readers=1)
        first, second = aurora.writer(), aurora.readers()[0]
        rds_arn, dns_arn = world.target_groups(2, listeners=False)
        rds_env = environment(
            [rds_arn], hostname=aurora.cluster_endpoint, mode="rds-cluster-writer", identifier="failover"
        )
        dns_env = environment([dns_arn], hostname=aurora.cluster_endpoint)
        rds_state, _ = counted_state(rds_env)
        assert rds_state.clients is not None
        assert rds_state.clients.rds is not None
        switch = {"at": 0.0, "to": second, "clock": FakeClock()}

        def fail_over_when_due(**_: object) -> None:
            clock = switch["clock"]
            assert isinstance(clock, FakeClock)
            if clock.now >= float(str(switch["at"])) and aurora.writer() != switch["to"]:
                aurora.fail_over(str(switch["to"]))

        def dns(hostname: str, family: int) -> list[str]:
            fail_over_when_due()
            return aurora.resolve(hostname, family)

        rds_state.clients.rds.meta.events.register("before-call.rds.DescribeDBClusters", fail_over_when_due)
        dns_state = updater.WarmState()
        old, new = first, second
        for index in range(switches):
            for env, state, arn, resolver in (
                (rds_env, rds_state, rds_arn, aurora.resolve),
                (dns_env, dns_state, dns_arn, dns),
            ):
                switch.update(at=1e9, to=old, clock=FakeClock())
                invoke(
                    scheduled_event(), env, resolver=aurora.resolve, state=state
                )  # in step with the old writer
                switch.update(at=index * 0.1, to=new, clock=FakeClock())
                clock = switch["clock"]
                assert isinstance(clock, FakeClock)
                invoke(failover_event("failover"), env, resolver=resolver, clock=clock, state=state)
                still_there = aurora.ips[old] in addresses(elbv2_client(), arn)
                if env is rds_env:
                    left_rds += still_there
                else:
                    left_dns += still_there
                aurora.fail_over(old)
    return left_rds, left_dns


def api_to_only_target(repeats: int = REPEATS) -> list[float]:
    """Seconds from failover_db_cluster returning to the new writer being the only target (real clock)."""
    results = []
    with aws() as world, quiet():
        for index in range(repeats):
            aurora = Aurora.create(f"latency{index}", readers=1, first_host=100 + 2 * index)
            (arn,) = world.target_groups(1)
            env = environment(
                [arn],
                hostname=aurora.cluster_endpoint,
                mode="rds-cluster-writer",
                identifier=aurora.identifier,
            )
            state = updater.WarmState()
            invoke(scheduled_event(), env, resolver=aurora.resolve, state=state)
            new = aurora.readers()[0]
            switched: list[float] = []

            def fail_over_later() -> None:
                time.sleep(1.0)
                aurora.fail_over(new)  # noqa: B023
                switched.append(time.monotonic())  # noqa: B023

            thread = threading.Thread(target=fail_over_later)
            thread.start()
            updater.handle(
                failover_event(aurora.identifier),
                FakeContext(),
                state=state,
                environ=env,
                resolver=aurora.resolve,
            )
            done = time.monotonic()
            thread.join()
            assert registered_targets(elbv2_client(), arn) == {(aurora.ips[new], 5432)}, (
                "failover not followed"
            )
            results.append(done - switched[0])
    return results


def environment_for_fifty_ports() -> int:
    """Bytes of the updater's environment for 50 ports, once deployed (IDs in place of tokens)."""
    stack = new_stack()
    service = provider(stack, ports=list(range(5400, 5450)))
    vpc = service.load_balancer.vpc
    assert vpc is not None
    RdsTargetGroupUpdater(
        stack,
        "Updater",
        vpc=vpc,
        hostname="orders.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com",
        target_groups=service.target_groups,
    )
    (function,) = Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
    total = 0
    for key, value in function["Properties"]["Environment"]["Variables"].items():
        text = (
            value
            if isinstance(value, str)
            else "".join(
                part if isinstance(part, str) else "0123456789abcdef" for part in value["Fn::Join"][1]
            )
        )
        total += len(key) + len(text)
    return total


def main() -> None:
    """Print the figures."""
    calls = calls_per_run()
    print("RDS target updater benchmark (moto, in-process, through the Lambda entry point)")
    print(
        f"  AWS calls, 3 target groups, DNS mode: first run {calls['dns_first']}, "
        f"steady {calls['dns_steady']} (target 3), change {calls['dns_change']}   (AWS sample: 5 per group)"
    )
    print(
        f"  AWS calls, 3 target groups, RDS mode: first run {calls['rds_first']}, "
        f"steady {calls['rds_steady']} (target 3 + 1 RDS)"
    )
    for count in (1, 10, 50):
        unchanged, changing = wall_time(count)
        print(
            f"  wall time, {count:>2} target group(s): "
            f"{unchanged * 1000:7.1f} ms unchanged, {changing * 1000:7.1f} ms all changing"
        )
    for readers in (2, 3, 4):
        ours, v1 = live_readers_deregistered(readers)
        print(f"  live readers deregistered, {readers} readers, 50 runs: {ours} (target 0; v1 rule: {v1})")
    left_rds, left_dns = old_writers_after_failover()
    print(
        f"  old writer still registered after a failover run, 150 switch times: "
        f"{left_rds} in RDS mode, {left_dns} in DNS mode (target 0)"
    )
    latencies = api_to_only_target()
    median = statistics.median(latencies)
    print(
        f"  RDS API shows the new writer -> it is the only target: median {median:.2f} s, "
        f"max {max(latencies):.2f} s (target < 2 s)"
    )
    print(f"  environment for 50 ports: {environment_for_fifty_ports()} bytes (Lambda's limit: 4096)")


if __name__ == "__main__":
    main()
