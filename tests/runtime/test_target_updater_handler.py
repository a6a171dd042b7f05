"""The updater's adapter against moto (IP target groups with ports) and against faults."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from privatelink_constructs.target_updater.runtime import handler as updater
from privatelink_constructs.target_updater.runtime.handler import (
    ResolutionError,
    Settings,
    TargetMapping,
    UpdateFailedError,
)
from tests.runtime.elb_world import (
    REGION,
    VPC_CIDR,
    CallCounter,
    FakeResolver,
    World,
    elbv2_client,
    registered,
)

HOST = "demo.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com"
SCHEDULE: dict[str, Any] = {"source": "aws.events", "detail-type": "Scheduled Event"}
FAILOVER: dict[str, Any] = {
    "source": "aws.rds",
    "detail-type": "RDS DB Cluster Event",
    "detail": {"EventCategories": ["failover"], "SourceIdentifier": "demo", "EventID": "RDS-EVENT-0072"},
}


class FakeClock:
    """A clock that only moves when the code sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """One moto world for the module: creating the VPC and the NLB is what costs time."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            patch.setenv(name, value)
        with mock_aws():
            yield World()


@pytest.fixture
def aws(world: World) -> World:
    """The shared world; each test creates target groups of its own in it."""
    return world


def settings_for(arns: list[str], port: int = 5432, **overrides: Any) -> Settings:
    mappings = tuple(TargetMapping(HOST, arn, port + index) for index, arn in enumerate(arns))
    return Settings(mappings=mappings, vpc_cidrs=(VPC_CIDR,), resolve_interval_seconds=0, **overrides)


def run(
    event: dict[str, Any], settings: Settings, client: Any, resolver: Any, clock: FakeClock | None = None
) -> list[updater.Outcome]:
    clock = clock or FakeClock()
    return updater.run(event, settings, client, resolver, clock=clock, sleep=clock.sleep)


class TestAgainstMoto:
    def test_first_run_registers_with_port(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        client = elbv2_client()
        run(SCHEDULE, settings_for([arn]), client, FakeResolver({HOST: ["10.40.1.10"]}))
        assert registered(client, arn) == {("10.40.1.10", 5432)}

    def test_failover_registers_new_then_deregisters_old(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        client = elbv2_client()
        client.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.40.1.10", "Port": 5432}])
        counter = CallCounter()
        counter.attach(client)
        run(SCHEDULE, settings_for([arn]), client, FakeResolver({HOST: ["10.40.2.20"]}))
        assert registered(client, arn) == {("10.40.2.20", 5432)}
        assert counter.calls[:3] == ["DescribeTargetHealth", "RegisterTargets", "DeregisterTargets"]

    def test_second_run_with_the_same_answer_makes_one_call_per_target_group(self, aws: World) -> None:
        arns = aws.target_groups(3)
        client = elbv2_client()
        resolver = FakeResolver({HOST: ["10.40.1.10", "10.40.1.11"]})
        run(SCHEDULE, settings_for(arns), client, resolver)
        counter = CallCounter()
        counter.attach(client)
        outcomes = run(SCHEDULE, settings_for(arns), client, resolver)
        assert counter.calls == ["DescribeTargetHealth"] * 3
        assert not any(o.plan and o.plan.changes for o in outcomes)

    def test_handles_several_mappings_in_one_invocation(self, aws: World) -> None:
        arns = aws.target_groups(2)
        client = elbv2_client()
        run(SCHEDULE, settings_for(arns), client, FakeResolver({HOST: ["10.40.1.10"]}))
        assert registered(client, arns[0]) == {("10.40.1.10", 5432)}
        assert registered(client, arns[1]) == {("10.40.1.10", 5433)}

    def test_address_outside_the_vpc_is_registered(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        client = elbv2_client()
        run(SCHEDULE, settings_for([arn]), client, FakeResolver({HOST: ["192.168.7.7"]}))
        assert registered(client, arn) == {("192.168.7.7", 5432)}

    def test_union_of_round_robin_answers(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        client = elbv2_client()
        answers = [["10.40.1.10"], ["10.40.1.11"], ["10.40.1.10"]]

        def round_robin(hostname: str, port: int, family: int) -> list[str]:
            return answers.pop(0)

        run(SCHEDULE, settings_for([arn]), client, round_robin)
        assert registered(client, arn) == {("10.40.1.10", 5432), ("10.40.1.11", 5432)}

    def test_removal_cap_spreads_removals_over_runs(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        client = elbv2_client()
        client.register_targets(
            TargetGroupArn=arn, Targets=[{"Id": f"10.40.3.{i}", "Port": 5432} for i in range(1, 5)]
        )
        settings = settings_for([arn], max_removals_per_run=2)
        resolver = FakeResolver({HOST: ["10.40.1.10"]})
        run(SCHEDULE, settings, client, resolver)
        assert len(registered(client, arn)) == 3
        run(SCHEDULE, settings, client, resolver)
        assert registered(client, arn) == {("10.40.1.10", 5432)}

    def test_logs_one_json_line_per_decision_and_metrics_in_our_namespace(
        self, aws: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        (arn,) = aws.target_groups(1)
        run(SCHEDULE, settings_for([arn]), elbv2_client(), FakeResolver({HOST: ["10.40.1.10"]}))
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        decision, metrics = lines
        assert decision["event"] == "updated"
        assert decision["registered"] == ["10.40.1.10:5432"]
        assert decision["aws_calls"] == 2
        (directive,) = metrics["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "PrivateLinkCdk/TargetUpdater"
        assert not directive["Namespace"].startswith("AWS/")
        assert {m["Name"] for m in directive["Metrics"]} >= {
            "Registered",
            "Deregistered",
            "ResolvedAddresses",
            "Duration",
        }
        assert metrics["Registered"] == 1
        assert metrics["ResolvedAddresses"] == 1


class TestFailoverEvents:
    def test_waits_for_the_answer_to_change(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        client = elbv2_client()
        client.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.40.1.10", "Port": 5432}])
        clock = FakeClock()

        def resolver(hostname: str, port: int, family: int) -> list[str]:
            return ["10.40.2.20"] if clock.now >= 4 else ["10.40.1.10"]

        (outcome,) = run(FAILOVER, settings_for([arn]), client, resolver, clock)
        assert outcome.waited_for_change
        assert registered(client, arn) == {("10.40.2.20", 5432)}
        assert 4 <= clock.now <= 5

    def test_gives_up_waiting_after_the_bound_and_changes_nothing(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        client = elbv2_client()
        client.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.40.1.10", "Port": 5432}])
        clock = FakeClock()
        settings = settings_for([arn], failover_wait_seconds=10)
        run(FAILOVER, settings, client, FakeResolver({HOST: ["10.40.1.10"]}), clock)
        assert clock.now == pytest.approx(10)
        assert registered(client, arn) == {("10.40.1.10", 5432)}

    def test_one_wait_budget_for_all_mappings(self, aws: World) -> None:
        arns = aws.target_groups(3)
        client = elbv2_client()
        clock = FakeClock()
        settings = settings_for(arns, failover_wait_seconds=10)
        for index, arn in enumerate(arns):
            client.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.40.1.10", "Port": 5432 + index}])
        run(FAILOVER, settings, client, FakeResolver({HOST: ["10.40.1.10"]}), clock)
        assert clock.now <= 10.5  # not 3 x 10 s

    def test_scheduled_runs_do_not_wait(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        client = elbv2_client()
        client.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.40.1.10", "Port": 5432}])
        clock = FakeClock()
        (outcome,) = run(SCHEDULE, settings_for([arn]), client, FakeResolver({HOST: ["10.40.1.10"]}), clock)
        assert not outcome.waited_for_change
        assert clock.now == 0

    @pytest.mark.parametrize(
        ("event", "expected"),
        [
            (FAILOVER, True),
            ({**FAILOVER, "detail": {"EventCategories": ["notification"]}}, False),
            ({**FAILOVER, "detail": {"EventCategories": ["Failure"]}}, True),
            (SCHEDULE, False),
            ({}, False),
        ],
    )
    def test_recognises_failover_events(self, event: dict[str, Any], expected: bool) -> None:
        assert updater.is_failover_event(event) is expected


class TestFaults:
    def setup_group(self, aws: World) -> tuple[str, Any]:
        (arn,) = aws.target_groups(1)
        client = elbv2_client()
        client.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.40.1.10", "Port": 5432}])
        return arn, client

    @pytest.mark.parametrize(
        "error",
        [
            socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
            socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
            TimeoutError("timed out"),
        ],
        ids=["nxdomain", "servfail", "timeout"],
    )
    def test_resolution_failure_raises_and_keeps_every_target(self, aws: World, error: OSError) -> None:
        arn, client = self.setup_group(aws)
        resolver = FakeResolver({HOST: ["10.40.2.20"]}, failures={HOST: [error] * 3})
        with pytest.raises(UpdateFailedError, match="resolved to no address") as caught:
            run(SCHEDULE, settings_for([arn]), client, resolver)
        assert isinstance(caught.value.__cause__, ResolutionError)
        assert registered(client, arn) == {("10.40.1.10", 5432)}

    def test_empty_answer_raises_and_keeps_every_target(self, aws: World) -> None:
        arn, client = self.setup_group(aws)
        with pytest.raises(UpdateFailedError, match="resolved to no address"):
            run(SCHEDULE, settings_for([arn]), client, FakeResolver({HOST: []}))
        assert registered(client, arn) == {("10.40.1.10", 5432)}

    def test_partial_answers_use_what_did_resolve(
        self, aws: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        arn, client = self.setup_group(aws)
        resolver = FakeResolver(
            {HOST: ["10.40.2.20"]}, failures={HOST: [socket.gaierror(socket.EAI_AGAIN, "again"), None, None]}
        )
        run(SCHEDULE, settings_for([arn]), client, resolver)
        assert registered(client, arn) == {("10.40.2.20", 5432)}
        decision = json.loads(capsys.readouterr().out.splitlines()[0])
        assert "again" in decision["resolution_notes"][0]

    def test_missing_target_group_raises_but_others_are_updated(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        missing = arn.replace("targetgroup/tg-", "targetgroup/gone-")
        client = elbv2_client()
        settings = Settings(
            mappings=(TargetMapping(HOST, missing, 5432), TargetMapping(HOST, arn, 5432)),
            vpc_cidrs=(VPC_CIDR,),
            resolve_interval_seconds=0,
        )
        with pytest.raises(UpdateFailedError, match="1 of 2 target group"):
            run(SCHEDULE, settings, client, FakeResolver({HOST: ["10.40.1.10"]}))
        assert registered(client, arn) == {("10.40.1.10", 5432)}

    @pytest.mark.parametrize("code", ["Throttling", "AccessDenied", "InvalidTarget"])
    def test_api_errors_raise(self, code: str) -> None:
        client = boto3.client("elbv2", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
        arn = f"arn:aws:elasticloadbalancing:{REGION}:111122223333:targetgroup/tg/0123456789abcdef"
        with Stubber(client) as stub:
            stub.add_response(
                "describe_target_health", {"TargetHealthDescriptions": []}, {"TargetGroupArn": arn}
            )
            stub.add_client_error("register_targets", code)
            with pytest.raises(UpdateFailedError, match=code):
                run(SCHEDULE, settings_for([arn]), client, FakeResolver({HOST: ["10.40.1.10"]}))
            stub.assert_no_pending_responses()

    def test_deregistration_is_never_tried_when_registration_failed(self) -> None:
        client = boto3.client("elbv2", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
        arn = f"arn:aws:elasticloadbalancing:{REGION}:111122223333:targetgroup/tg/0123456789abcdef"
        with Stubber(client) as stub:
            stub.add_response(
                "describe_target_health",
                {
                    "TargetHealthDescriptions": [
                        {"Target": {"Id": "10.40.1.10", "Port": 5432}, "TargetHealth": {"State": "healthy"}}
                    ]
                },
                {"TargetGroupArn": arn},
            )
            stub.add_client_error("register_targets", "Throttling")
            # No deregister response queued: a DeregisterTargets call would fail differently.
            with pytest.raises(UpdateFailedError, match="Throttling"):
                run(SCHEDULE, settings_for([arn]), client, FakeResolver({HOST: ["10.40.2.20"]}))
            stub.assert_no_pending_responses()


class TestSettings:
    def test_from_environment(self) -> None:
        settings = Settings.from_env(
            {
                "MAPPINGS": json.dumps([{"hostname": HOST, "target_group_arn": "arn:tg", "port": "5432"}]),
                "VPC_CIDRS": "10.40.0.0/16,10.41.0.0/16",
                "MAX_REMOVALS_PER_RUN": "2",
                "FAILOVER_WAIT_SECONDS": "20",
            }
        )
        assert settings.mappings == (TargetMapping(HOST, "arn:tg", 5432),)
        assert settings.vpc_cidrs == ("10.40.0.0/16", "10.41.0.0/16")
        assert settings.max_removals_per_run == 2
        assert settings.failover_wait_seconds == 20

    def test_no_mappings_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="MAPPINGS names no target group"):
            Settings.from_env({"MAPPINGS": "[]"})

    def test_missing_mappings_is_an_error(self) -> None:
        with pytest.raises(KeyError, match="MAPPINGS"):
            Settings.from_env({})


def test_system_resolver_reads_the_stdlib(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_getaddrinfo(host: str, port: int, family: int, type: int) -> list[Any]:
        assert family == socket.AF_INET
        return [(family, type, 6, "", ("10.40.1.10", port)), (family, type, 6, "", ("10.40.1.11", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    assert updater.system_resolver(HOST, 5432, socket.AF_INET) == ["10.40.1.10", "10.40.1.11"]
