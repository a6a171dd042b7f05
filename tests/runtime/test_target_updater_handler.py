"""The updater through its Lambda entry point, against moto with ELB's documented target rules.

Every test calls ``handle`` (``handler`` with its collaborators as parameters): the event is the
one SQS hands Lambda, the environment is the one the construct writes, the clients are created
by the handler from boto3's default session, which enforces ELB's rules (``elb_world``).
"""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from privatelink_constructs.target_updater.runtime import handler as updater
from privatelink_constructs.target_updater.runtime.events import EventError
from privatelink_constructs.target_updater.runtime.handler import SettingsError, UpdateFailedError
from privatelink_constructs.target_updater.runtime.inventory import TargetGroup
from privatelink_constructs.target_updater.runtime.sources import Lookups
from tests.runtime.elb_world import (
    REGION,
    Aurora,
    ElbRules,
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
    plain_client,
    register,
    registered,
    scheduled_event,
    sqs_event,
)
from tests.runtime.lambda_runtime import FakeContext, lambda_logging

HOST = "db.example.internal"


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[World, ElbRules]]:
    """One moto world and ELB's rules for the module: the VPC and the NLB are what cost time."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            patch.setenv(name, value)
        with mock_aws(), elb_rules() as rules:
            yield World(), rules


@pytest.fixture
def aws(world: tuple[World, ElbRules]) -> World:
    """The shared world; each test creates target groups of its own in it."""
    return world[0]


@pytest.fixture
def rules(world: tuple[World, ElbRules]) -> ElbRules:
    """ELB's rules, with no refusal recorded yet."""
    world[1].refusals.clear()
    return world[1]


def lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


class TestDnsMode:
    def test_first_run_registers_with_port(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        invoke(
            scheduled_event(),
            environment([arn], hostname=HOST),
            resolver=FakeResolver({HOST: ["10.40.1.10"]}),
        )
        assert registered(elbv2_client(), arn) == {("10.40.1.10", 5432)}

    def test_failover_registers_new_then_deregisters_old(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.1.10")
        env = environment([arn], hostname=HOST)
        state, counter = counted_state(env)
        invoke(scheduled_event(), env, resolver=FakeResolver({HOST: ["10.40.2.20"]}), state=state)
        assert addresses(elbv2_client(), arn) == {"10.40.2.20"}
        described = counter.calls.index("DescribeTargetHealth")
        assert counter.calls[described + 1 :] == ["DescribeVpcs", "RegisterTargets", "DeregisterTargets"]

    def test_a_steady_run_makes_one_call_per_target_group(self, aws: World) -> None:
        arns = aws.target_groups(3)
        env = environment(arns, hostname=HOST)
        state, counter = counted_state(env)
        resolver = FakeResolver({HOST: ["10.40.1.10", "10.40.1.11"]})
        invoke(scheduled_event(), env, resolver=resolver, state=state)
        assert counter.calls.count("DescribeTargetGroups") == 1  # once per container
        counter.reset()
        result = invoke(scheduled_event(), env, resolver=resolver, state=state)
        assert counter.calls == ["DescribeTargetHealth"] * 3
        assert result == {"updated": [], "unchanged": arns}

    def test_one_dns_sample_serves_every_target_group(self, aws: World) -> None:
        arns = aws.target_groups(3)
        resolver = FakeResolver({HOST: ["10.40.1.10"]})
        invoke(scheduled_event(), environment(arns, hostname=HOST), resolver=resolver)
        assert resolver.calls == 6  # two windows of three lookups settle the answer, for all three groups
        for index, arn in enumerate(arns):
            assert registered(elbv2_client(), arn) == {("10.40.1.10", 5432 + index)}

    def test_addresses_in_a_secondary_block_go_in_without_a_zone(self, aws: World, rules: ElbRules) -> None:
        (arn,) = aws.target_groups(1)
        invoke(
            scheduled_event(), environment([arn], hostname=HOST), resolver=FakeResolver({HOST: ["10.41.7.7"]})
        )
        assert addresses(elbv2_client(), arn) == {"10.41.7.7"}
        assert rules.refusals == []

    def test_an_address_in_target_cidrs_goes_in_with_zone_all(self, aws: World, rules: ElbRules) -> None:
        (arn,) = aws.target_groups(1)
        env = environment([arn], hostname=HOST, TARGET_CIDRS="192.168.0.0/16")
        invoke(scheduled_event(), env, resolver=FakeResolver({HOST: ["192.168.7.7"]}))
        as_elb_reports = boto3.client("elbv2", region_name=REGION)  # with ELB's rules: zones reported
        health = as_elb_reports.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        assert [(d["Target"]["Id"], d["Target"].get("AvailabilityZone")) for d in health] == [
            ("192.168.7.7", "all")
        ]
        # ...and leaves again with its zone, as ELB requires.
        invoke(scheduled_event(), env, resolver=FakeResolver({HOST: ["10.40.1.10"]}))
        assert addresses(elbv2_client(), arn) == {"10.40.1.10"}
        assert rules.refusals == []

    def test_each_target_group_gets_its_own_ip_family(self, aws: World, rules: ElbRules) -> None:
        (v4,) = aws.target_groups(1)
        (v6,) = aws.target_groups(1, family=6)
        v6_address = aws.ipv6(0x10)
        resolver = FakeResolver({HOST: ["10.40.1.10", v6_address]})
        invoke(scheduled_event(), environment([v4, v6], hostname=HOST), resolver=resolver)
        assert addresses(elbv2_client(), v4) == {"10.40.1.10"}
        assert addresses(elbv2_client(), v6) == {v6_address}
        assert rules.refusals == []

    def test_a_switch_inside_a_lookup_burst_keeps_only_the_new_address(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.1.10")
        answers = iter([["10.40.1.10"], ["10.40.1.10"]] + [["10.40.2.20"]] * 20)

        def switching(hostname: str, family: int) -> list[str]:
            return next(answers)

        invoke(scheduled_event(), environment([arn], hostname=HOST), resolver=switching)
        assert addresses(elbv2_client(), arn) == {"10.40.2.20"}

    def test_random_answers_add_addresses_and_never_remove_live_ones(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        pool = ["10.40.3.1", "10.40.3.2", "10.40.3.3"]
        register(arn, *pool)
        picks = iter([[pool[(i * 7) % 3]] for i in range(1000)])
        env = environment([arn], hostname=HOST)
        for _ in range(10):
            invoke(scheduled_event(), env, resolver=lambda hostname, family: next(picks))
            assert addresses(elbv2_client(), arn) == set(pool)

    def test_removal_cap_spreads_removals_over_runs(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        register(arn, *(f"10.40.3.{i}" for i in range(1, 5)))
        env = environment([arn], hostname=HOST, MAX_REMOVALS_PER_RUN="2")
        resolver = FakeResolver({HOST: ["10.40.1.10"]})
        invoke(scheduled_event(), env, resolver=resolver)
        assert len(registered(elbv2_client(), arn)) == 3
        invoke(scheduled_event(), env, resolver=resolver)
        assert addresses(elbv2_client(), arn) == {"10.40.1.10"}


class TestHostileAnswers:
    @pytest.mark.parametrize(
        "answer",
        ["10.99.9.9", "192.168.1.10", "8.8.8.8", "169.254.169.254"],
        ids=["another-vpc", "peered-range-not-meant", "public", "link-local"],
    )
    def test_an_address_nobody_meant_changes_nothing_and_fails(
        self, aws: World, answer: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.1.10")
        resolver = FakeResolver({HOST: ["10.40.2.20", answer]})
        with lambda_logging(), pytest.raises(UpdateFailedError, match=f"refused {answer}"):
            invoke(scheduled_event(), environment([arn], hostname=HOST), resolver=resolver)
        assert addresses(elbv2_client(), arn) == {"10.40.1.10"}  # not even 10.40.2.20 went in
        output = lines(capsys.readouterr().out)
        failure = next(line for line in output if line.get("message") == "update_failed")
        assert failure["refused"] == [answer]
        metrics = next(line for line in output if "_aws" in line)
        assert metrics["RefusedAddresses"] == 1
        assert metrics["Failed"] == 1

    def test_a_new_vpc_block_is_read_before_an_address_is_refused(self, aws: World, rules: ElbRules) -> None:
        (arn,) = aws.target_groups(1)
        env = environment([arn], hostname=HOST)
        state, counter = counted_state(env)
        invoke(scheduled_event(), env, resolver=FakeResolver({HOST: ["10.40.1.10"]}), state=state)
        ec2 = plain_client("ec2")
        association = ec2.associate_vpc_cidr_block(VpcId=aws.vpc_id, CidrBlock="10.42.0.0/16")
        rules.forget_vpcs()
        try:
            counter.reset()
            invoke(scheduled_event(), env, resolver=FakeResolver({HOST: ["10.42.0.9"]}), state=state)
            assert addresses(elbv2_client(), arn) == {"10.42.0.9"}
            assert counter.calls.count("DescribeVpcs") == 1  # the cached blocks missed it: read again
        finally:
            ec2.disassociate_vpc_cidr_block(
                AssociationId=association["CidrBlockAssociation"]["AssociationId"]
            )


class TestRdsMode:
    def test_follows_the_writer_only(self, aws: World) -> None:
        aurora = Aurora.create("orders", readers=2, first_host=10)
        (arn,) = aws.target_groups(1)
        env = environment(
            [arn], hostname=aurora.cluster_endpoint, mode="rds-cluster-writer", identifier="orders"
        )
        invoke(scheduled_event(), env, resolver=aurora.resolve)
        assert addresses(elbv2_client(), arn) == {aurora.ips[aurora.writer()]}

    def test_follows_every_reader_and_never_flaps(self, aws: World) -> None:
        aurora = Aurora.create("reports", readers=3, first_host=20)
        (arn,) = aws.target_groups(1)
        env = environment(
            [arn], hostname=aurora.reader_endpoint, mode="rds-cluster-readers", identifier="reports"
        )
        readers = {aurora.ips[r] for r in aurora.readers()}
        state = updater.WarmState()
        for _ in range(25):
            invoke(scheduled_event(), env, resolver=aurora.resolve, state=state)
            assert addresses(elbv2_client(), arn) == readers

    def test_a_failover_run_leaves_only_the_new_writer(self, aws: World) -> None:
        aurora = Aurora.create("billing", readers=1, first_host=30)
        (arn,) = aws.target_groups(1)
        env = environment(
            [arn], hostname=aurora.cluster_endpoint, mode="rds-cluster-writer", identifier="billing"
        )
        invoke(scheduled_event(), env, resolver=aurora.resolve)
        old, new = aurora.writer(), aurora.readers()[0]
        clock = FakeClock()
        state, _ = counted_state(env)
        assert state.clients is not None
        assert state.clients.rds is not None

        def switch_at_four_seconds(**_: Any) -> None:
            if clock.now >= 4 and aurora.writer() == old:
                aurora.fail_over(new)

        state.clients.rds.meta.events.register("before-call.rds.DescribeDBClusters", switch_at_four_seconds)
        invoke(failover_event("billing"), env, resolver=aurora.resolve, clock=clock, state=state)
        assert addresses(elbv2_client(), arn) == {aurora.ips[new]}
        assert 4 <= clock.now <= 5

    def test_readers_added_and_removed(self, aws: World) -> None:
        aurora = Aurora.create("events", readers=1, first_host=40)
        (arn,) = aws.target_groups(1)
        env = environment(
            [arn], hostname=aurora.reader_endpoint, mode="rds-cluster-readers", identifier="events"
        )
        state = updater.WarmState()
        invoke(scheduled_event(), env, resolver=aurora.resolve, state=state)
        added = aurora.add_instance("10.40.2.49")
        invoke(scheduled_event(), env, resolver=aurora.resolve, state=state)
        assert "10.40.2.49" in addresses(elbv2_client(), arn)
        aurora.rds.delete_db_instance(DBInstanceIdentifier=added)
        invoke(scheduled_event(), env, resolver=aurora.resolve, state=state)
        assert addresses(elbv2_client(), arn) == {aurora.ips[r] for r in aurora.readers()}

    def test_a_steady_run_adds_one_rds_call(self, aws: World) -> None:
        aurora = Aurora.create("steady", readers=2, first_host=50)
        arns = aws.target_groups(2)
        env = environment(
            arns, hostname=aurora.reader_endpoint, mode="rds-cluster-readers", identifier="steady"
        )
        state, counter = counted_state(env)
        invoke(scheduled_event(), env, resolver=aurora.resolve, state=state)
        counter.reset()
        invoke(scheduled_event(), env, resolver=aurora.resolve, state=state)
        assert sorted(counter.calls) == ["DescribeDBClusters", "DescribeTargetHealth", "DescribeTargetHealth"]

    def test_an_instance_that_is_not_available_adds_but_never_removes(self, aws: World) -> None:
        aurora = Aurora.create("single", readers=0, first_host=60)
        instance = aurora.writer()
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.9.9")
        env = environment([arn], hostname=aurora.cluster_endpoint, mode="rds-instance", identifier=instance)
        aurora.rds.stop_db_instance(DBInstanceIdentifier=instance)
        invoke(scheduled_event(), env, resolver=aurora.resolve)
        assert addresses(elbv2_client(), arn) == {"10.40.9.9", aurora.ips[instance]}
        aurora.rds.start_db_instance(DBInstanceIdentifier=instance)
        invoke(scheduled_event(), env, resolver=aurora.resolve)
        assert addresses(elbv2_client(), arn) == {aurora.ips[instance]}


class TestFailoverEvents:
    def test_waits_for_the_answer_to_change(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.1.10")
        clock = FakeClock()

        def resolver(hostname: str, family: int) -> list[str]:
            return ["10.40.2.20"] if clock.now >= 4 else ["10.40.1.10"]

        invoke(failover_event("demo"), environment([arn], hostname=HOST), resolver=resolver, clock=clock)
        assert addresses(elbv2_client(), arn) == {"10.40.2.20"}
        assert 4 <= clock.now <= 7

    def test_gives_up_waiting_after_the_bound_and_changes_nothing(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.1.10")
        clock = FakeClock()
        env = environment([arn], hostname=HOST, FAILOVER_WAIT_SECONDS="10")
        invoke(failover_event("demo"), env, resolver=FakeResolver({HOST: ["10.40.1.10"]}), clock=clock)
        assert 10 <= clock.now <= 13
        assert addresses(elbv2_client(), arn) == {"10.40.1.10"}

    def test_one_wait_budget_for_all_target_groups(self, aws: World) -> None:
        arns = aws.target_groups(3)
        for index, arn in enumerate(arns):
            register(arn, "10.40.1.10", port=5432 + index)
        clock = FakeClock()
        env = environment(arns, hostname=HOST, FAILOVER_WAIT_SECONDS="10")
        invoke(failover_event("demo"), env, resolver=FakeResolver({HOST: ["10.40.1.10"]}), clock=clock)
        assert clock.now <= 13  # not 3 x 10 s

    def test_scheduled_runs_do_not_wait(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.1.10")
        clock = FakeClock()
        invoke(
            scheduled_event(),
            environment([arn], hostname=HOST),
            resolver=FakeResolver({HOST: ["10.40.1.10"]}),
            clock=clock,
        )
        assert sum(s for s in clock.sleeps if s > 0.5) == 0


class TestFaults:
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
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.1.10")
        resolver = FakeResolver({HOST: ["10.40.2.20"]}, failures={HOST: [error] * 50})
        with pytest.raises(UpdateFailedError, match="resolved to no IPv4 address"):
            invoke(scheduled_event(), environment([arn], hostname=HOST), resolver=resolver)
        assert addresses(elbv2_client(), arn) == {"10.40.1.10"}

    def test_empty_answer_raises_and_keeps_every_target(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.1.10")
        with pytest.raises(UpdateFailedError, match="resolved to no IPv4 address"):
            invoke(scheduled_event(), environment([arn], hostname=HOST), resolver=FakeResolver({HOST: []}))
        assert addresses(elbv2_client(), arn) == {"10.40.1.10"}

    def test_partial_answers_add_but_do_not_remove(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.1.10")
        again = socket.gaierror(socket.EAI_AGAIN, "again")
        resolver = FakeResolver({HOST: ["10.40.2.20"]}, failures={HOST: [again, None, None] * 4})
        invoke(scheduled_event(), environment([arn], hostname=HOST), resolver=resolver)
        assert addresses(elbv2_client(), arn) == {"10.40.1.10", "10.40.2.20"}

    def test_a_dns_outage_ends_the_run_with_its_log_line_before_the_timeout(
        self, aws: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.1.10")
        release = threading.Event()

        def hanging(hostname: str, family: int) -> list[str]:
            release.wait(30)
            raise socket.gaierror(socket.EAI_AGAIN, "timed out")

        started = time.monotonic()
        try:
            with lambda_logging(), pytest.raises(UpdateFailedError):
                updater.handle(
                    scheduled_event(),
                    FakeContext(remaining_ms=11_000),  # 1 s left once the reserve is kept back
                    state=updater.WarmState(),
                    environ=environment([arn], hostname=HOST),
                    resolver=hanging,
                )
        finally:
            release.set()
        # It gave up at its deadline instead of waiting for the hung lookup (30 s); the bound is
        # loose because a loaded machine stretches the second the run has.
        assert time.monotonic() - started < 15
        output = lines(capsys.readouterr().out)
        ours = [line for line in output if str(line.get("logger", "")).startswith("privatelink_cdk")]
        assert [line["message"] for line in ours] == ["update_failed"]
        assert any(line.get("Failed") == 1 for line in output)
        assert addresses(elbv2_client(), arn) == {"10.40.1.10"}

    def test_a_missing_target_group_fails_before_any_change(self, aws: World) -> None:
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.1.10")
        env = environment([arn], hostname=HOST)
        env["TARGET_GROUPS"] += ",6432=0123456789abcdef"
        with pytest.raises(updater_missing_error(), match="0123456789abcdef"):
            invoke(scheduled_event(), env, resolver=FakeResolver({HOST: ["10.40.2.20"]}))
        assert addresses(elbv2_client(), arn) == {"10.40.1.10"}

    @pytest.mark.parametrize("code", ["Throttling", "AccessDenied", "InvalidTarget"])
    def test_api_errors_raise(self, code: str) -> None:
        state, client, arn = stubbed_state()
        with Stubber(client) as stub:
            stub.add_response(
                "describe_target_health", {"TargetHealthDescriptions": []}, {"TargetGroupArn": arn}
            )
            stub.add_client_error("register_targets", code)
            with pytest.raises(UpdateFailedError, match=code):
                invoke(
                    scheduled_event(),
                    stubbed_env(),
                    resolver=FakeResolver({HOST: ["10.40.1.10"]}),
                    state=state,
                )
            stub.assert_no_pending_responses()

    def test_deregistration_is_never_tried_when_registration_failed(self) -> None:
        state, client, arn = stubbed_state()
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
                invoke(
                    scheduled_event(),
                    stubbed_env(),
                    resolver=FakeResolver({HOST: ["10.40.2.20"]}),
                    state=state,
                )
            stub.assert_no_pending_responses()


def updater_missing_error() -> type[Exception]:
    from privatelink_constructs.target_updater.runtime.inventory import TargetGroupsNotFoundError

    return TargetGroupsNotFoundError


STUB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:111122223333:targetgroup/tg/0123456789abcdef"


def stubbed_env() -> dict[str, str]:
    return environment([STUB_ARN], hostname=HOST)


@functools.cache
def _stub_clients() -> updater.Clients:
    """Clients made once (creating them is what costs time), without ELB's rules: the Stubber answers."""
    session = boto3.session.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    return updater.Clients(elbv2=session.client("elbv2"), ec2=session.client("ec2"))


def stubbed_state() -> tuple[updater.WarmState, Any, str]:
    """A warm container whose ELB client is stubbed; the group and the VPC are already known."""
    state = updater.WarmState()
    state.clients = _stub_clients()
    client = state.clients.elbv2
    state.inventory.groups["0123456789abcdef"] = TargetGroup(STUB_ARN, 5432, 4, "vpc-1")
    state.inventory.vpc_cidrs["vpc-1"] = ("10.40.0.0/16",)
    return state, client, STUB_ARN


class TestInput:
    @pytest.mark.parametrize(
        ("event", "message"),
        [
            (None, "expected a JSON object, got NoneType"),
            ([], "expected a JSON object, got list"),
            ("run", "expected a JSON object, got str"),
            ({"Records": "x"}, "Records: expected a non-empty list"),
            ({"Records": [{"eventSource": "aws:sqs", "body": "{"}]}, r"Records\[0\].body: not JSON"),
            ({"Records": [{"eventSource": "aws:sns"}]}, r"Records\[0\]: expected an SQS message"),
            ({"detail-type": "Scheduled Event"}, "needs a 'source' string"),
            ({"source": "aws.rds", "detail": {"EventCategories": "failover"}}, "expected a list of strings"),
        ],
    )
    def test_bad_events_fail_before_any_aws_call(self, event: object, message: str) -> None:
        resolver = FakeResolver({HOST: ["10.40.1.10"]})
        state = updater.WarmState()
        with pytest.raises(EventError, match=message):
            invoke(
                event, environment(["arn:x/0123456789abcdef"], hostname=HOST), resolver=resolver, state=state
            )
        assert state.clients is None
        assert resolver.calls == 0

    def test_bad_settings_list_every_problem_and_make_no_aws_call(self) -> None:
        env = {
            "MODE": "cluster",
            "TARGET_GROUPS": "5432=xyz,99999=0123456789abcdef",
            "MAX_REMOVALS_PER_RUN": "2.5",
        }
        state = updater.WarmState()
        with pytest.raises(SettingsError) as caught:
            invoke(scheduled_event(), env, resolver=FakeResolver({}), state=state)
        message = str(caught.value)
        for part in [
            "HOSTNAME: required",
            "MODE: 'cluster' is not one of",
            "'5432=xyz'",
            "'99999=",
            "'2.5' is not an integer",
        ]:
            assert part in message
        assert state.clients is None

    def test_rds_modes_need_an_identifier(self) -> None:
        with pytest.raises(SettingsError, match="DB_IDENTIFIER: required with MODE 'rds-cluster-writer'"):
            updater.Settings.from_env(
                {"HOSTNAME": HOST, "MODE": "rds-cluster-writer", "TARGET_GROUPS": "1=0123456789abcdef"}
            )

    def test_settings_from_the_construct_environment(self) -> None:
        settings = updater.Settings.from_env(
            {
                "HOSTNAME": HOST,
                "MODE": "rds-cluster-readers",
                "DB_IDENTIFIER": "orders",
                "DB_REGION": "eu-west-1",
                "TARGET_GROUPS": "5432=0123456789abcdef,6432=fedcba9876543210",
                "TARGET_CIDRS": "192.168.0.0/16,fd00::/8",
                "MAX_REMOVALS_PER_RUN": "2",
                "FAILOVER_WAIT_SECONDS": "20",
            }
        )
        assert [(g.port, g.group_id) for g in settings.target_groups] == [
            (5432, "0123456789abcdef"),
            (6432, "fedcba9876543210"),
        ]
        assert settings.target_cidrs == ("192.168.0.0/16", "fd00::/8")
        assert (settings.mode, settings.db_identifier, settings.db_region) == (
            "rds-cluster-readers",
            "orders",
            "eu-west-1",
        )
        assert (settings.max_removals_per_run, settings.failover_wait_seconds) == (2, 20)

    def test_direct_invocations_are_understood(self) -> None:
        from privatelink_constructs.target_updater.runtime.events import parse_event

        assert parse_event({}).sources == ("manual",)
        assert parse_event({"source": "aws.events", "detail-type": "Scheduled Event"}).sources == (
            "aws.events",
        )
        rds = {"source": "aws.rds", "detail": {"EventCategories": ["Failover"]}}
        assert parse_event(rds).failover
        assert parse_event(sqs_event(rds, {"source": "aws.events"})).failover
        assert not parse_event(
            sqs_event({"source": "aws.rds", "detail": {"EventCategories": ["notification"]}})
        ).failover


class TestLogs:
    def test_every_line_is_json_with_the_request_id(
        self, aws: World, capsys: pytest.CaptureFixture[str]
    ) -> None:
        arns = aws.target_groups(2)
        context = FakeContext(aws_request_id="req-42")
        with lambda_logging("req-42"):
            updater.handle(
                scheduled_event(),
                context,
                state=updater.WarmState(),
                environ=environment(arns, hostname=HOST),
                resolver=FakeResolver({HOST: ["10.40.1.10"]}),
            )
        output = lines(capsys.readouterr().out)
        assert len(output) == 4  # a decision and a metric line per target group
        assert all(line["requestId"] == "req-42" for line in output)
        decision = next(line for line in output if line.get("message") == "updated")
        assert decision["registered"] == ["10.40.1.10:5432"]
        assert decision["settled"] is True
        assert decision["aws_calls"] == 2
        assert decision["level"] == "INFO"

    def test_metrics_are_emf_in_our_namespace(self, aws: World, capsys: pytest.CaptureFixture[str]) -> None:
        (arn,) = aws.target_groups(1)
        invoke(
            scheduled_event(),
            environment([arn], hostname=HOST),
            resolver=FakeResolver({HOST: ["10.40.1.10"]}),
        )
        (metrics,) = [line for line in lines(capsys.readouterr().out) if "_aws" in line]
        (directive,) = metrics["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "PrivateLinkCdk/TargetUpdater"
        assert directive["Dimensions"] == [["Updater"], ["Updater", "TargetGroup"]]
        assert {m["Name"] for m in directive["Metrics"]} == {
            "Registered",
            "Deregistered",
            "ResolvedAddresses",
            "RefusedAddresses",
            "Failed",
            "Duration",
        }
        assert metrics["TargetGroup"] == arn.split(":")[-1]
        assert (metrics["Registered"], metrics["ResolvedAddresses"], metrics["Failed"]) == (1, 1, 0)
        assert isinstance(metrics["_aws"]["Timestamp"], int)

    def test_the_lambda_entry_point_reads_the_process_environment(
        self, aws: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (arn,) = aws.target_groups(1)
        for name, value in environment([arn], hostname=HOST).items():
            monkeypatch.setenv(name, value)

        def fake_getaddrinfo(host: str, port: object, family: int, type: int) -> list[Any]:
            assert host == HOST
            return [(family, type, 6, "", ("10.40.1.77", 0))] if family == socket.AF_INET else []

        monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
        monkeypatch.setattr(updater, "WARM", updater.WarmState())
        monkeypatch.setattr("time.sleep", lambda seconds: None)
        result = updater.handler(scheduled_event(), FakeContext())
        assert result["updated"] == [arn]
        assert addresses(elbv2_client(), arn) == {"10.40.1.77"}


class TestNeverRacesItself:
    def test_overlapping_runs_with_different_answers_can_empty_a_group(self, aws: World) -> None:
        # Why the queue exists: two runs that read the group before either removed anything,
        # each with its own answer, remove each other's address.
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.1.10", "10.40.2.20")
        env = environment([arn], hostname=HOST)
        first, second = counted_state(env)[0], counted_state(env)[0]
        both_read = threading.Barrier(2, timeout=10)

        def wait_for_the_other_run(**_: Any) -> None:
            both_read.wait()

        for state in (first, second):
            assert state.clients is not None
            state.clients.elbv2.meta.events.register(
                "before-call.elastic-load-balancing-v2.DeregisterTargets", wait_for_the_other_run
            )
        runs = [
            threading.Thread(
                target=invoke,
                args=(scheduled_event(), env),
                kwargs={"resolver": FakeResolver({HOST: [ip]}), "state": state},
            )
            for ip, state in (("10.40.1.10", first), ("10.40.2.20", second))
        ]
        for run in runs:
            run.start()
        for run in runs:
            run.join(20)
        assert addresses(elbv2_client(), arn) == set()

    @pytest.mark.parametrize("order", [("10.40.1.10", "10.40.2.20"), ("10.40.2.20", "10.40.1.10")])
    def test_the_same_runs_one_message_at_a_time_never_empty_it(
        self, aws: World, order: tuple[str, str]
    ) -> None:
        (arn,) = aws.target_groups(1)
        register(arn, "10.40.1.10", "10.40.2.20")
        env = environment([arn], hostname=HOST)
        for ip in order:  # what the FIFO queue's single message group does with the two events
            invoke(scheduled_event(), env, resolver=FakeResolver({HOST: [ip]}))
            assert addresses(elbv2_client(), arn) == {ip}


def test_lookups_are_bounded_by_their_timeout() -> None:
    release = threading.Event()

    def hanging(hostname: str, family: int) -> list[str]:
        release.wait(10)
        return []

    clock = FakeClock()
    lookups = Lookups(hanging, clock, deadline=100, timeout=0.05)
    try:
        with pytest.raises(TimeoutError, match="took more than"):
            lookups.lookup(HOST, 4)
    finally:
        release.set()
    with pytest.raises(TimeoutError, match="no time left"):
        Lookups(hanging, clock, deadline=-1).lookup(HOST, 4)


def test_system_resolver_reads_the_stdlib(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_getaddrinfo(host: str, port: object, family: int, type: int) -> list[Any]:
        assert family == socket.AF_INET6
        return [
            (family, type, 6, "", ("2001:db8::2", 0, 0, 0)),
            (family, type, 6, "", ("2001:db8::1", 0, 0, 0)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    from privatelink_constructs.target_updater.runtime.sources import system_resolver

    assert system_resolver(HOST, 6) == ["2001:db8::1", "2001:db8::2"]
