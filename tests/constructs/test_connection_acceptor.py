"""ConnectionAcceptor: any account's quota, failures kept and alarmed, a sweep, IAM on the service."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk import Duration, Environment, Stack
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from privatelink_constructs import ConnectionAcceptor
from privatelink_constructs._function import create_encryption_key
from tests.conftest import new_app, new_stack, only

SERVICE_ID = "vpce-svc-0123456789abcdef0"


def acceptor(stack: Stack | None = None, **overrides: Any) -> ConnectionAcceptor:
    stack = stack or new_stack()
    arguments: dict[str, Any] = {
        "service_id": SERVICE_ID,
        "accounts": ["111122223333"],
        "notification_topic": sns.Topic.from_topic_arn(
            stack, "Topic", "arn:aws:sns:eu-west-1:111122223333:n"
        ),
        "encryption_key": create_encryption_key(stack, "Key", description="test"),
    }
    arguments.update(overrides)
    return ConnectionAcceptor(stack, "Acceptor", **arguments)


def statements(template: Template) -> list[dict[str, Any]]:
    return [
        s
        for p in template.find_resources("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


@pytest.fixture(scope="module")
def default() -> tuple[ConnectionAcceptor, Template]:
    built = acceptor()
    return built, Template.from_stack(Stack.of(built))


def test_deploys_in_any_account_without_reserved_concurrency(default: tuple[Any, Template]) -> None:
    _, template = default
    function = only(template, "AWS::Lambda::Function")["Properties"]
    assert "ReservedConcurrentExecutions" not in function
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    assert function["Environment"]["Variables"] == {
        "SERVICE_ID": SERVICE_ID,
        "AUTO_ACCEPT_ACCOUNTS": "111122223333",
    }


def test_failed_invocations_go_to_a_dead_letter_queue(default: tuple[ConnectionAcceptor, Template]) -> None:
    built, template = default
    function = only(template, "AWS::Lambda::Function")["Properties"]
    queue_id = next(iter(template.find_resources("AWS::SQS::Queue")))
    assert function["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [queue_id, "Arn"]}}
    # Lambda's own two retries of an asynchronous invocation come first (no override).
    template.resource_count_is("AWS::Lambda::EventInvokeConfig", 0)
    assert built.failures_queue is not None


def test_sweeps_every_five_minutes_into_the_same_failure_queue(default: tuple[Any, Template]) -> None:
    _, template = default
    rule = only(template, "AWS::Events::Rule")["Properties"]
    assert rule["ScheduleExpression"] == "rate(5 minutes)"
    (target,) = rule["Targets"]
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 900}
    queue_id = next(iter(template.find_resources("AWS::SQS::Queue")))
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}}


def test_the_sweep_schedule_is_an_option() -> None:
    built = acceptor(sweep_schedule=Duration.minutes(15))
    rule = only(Template.from_stack(Stack.of(built)), "AWS::Events::Rule")
    assert rule["Properties"]["ScheduleExpression"] == "rate(15 minutes)"


def test_may_accept_and_read_permissions_on_this_service_only(default: tuple[Any, Template]) -> None:
    _, template = default
    (scoped,) = [s for s in statements(template) if s.get("Sid") == "AcceptOnThisServiceOnly"]
    assert scoped["Action"] == [
        "ec2:AcceptVpcEndpointConnections",
        "ec2:DescribeVpcEndpointServicePermissions",
    ]
    assert scoped["Resource"]["Fn::Join"][1][-1] == f":vpc-endpoint-service/{SERVICE_ID}"
    wildcard = [s["Action"] for s in statements(template) if s["Resource"] == "*"]
    assert wildcard == ["ec2:DescribeVpcEndpointConnections"]
    assert "RejectVpcEndpointConnections" not in str(template.to_json())


def test_alarms_on_errors_and_failures_to_the_alarm_topic() -> None:
    stack = new_stack()
    topic = sns.Topic.from_topic_arn(stack, "Alarms", "arn:aws:sns:eu-west-1:111122223333:alarms")
    built = acceptor(stack, alarm_topic=topic)
    alarms = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    assert sorted(a["Properties"]["MetricName"] for a in alarms.values()) == [
        "ApproximateNumberOfMessagesVisible",
        "Errors",
    ]
    assert all(
        a["Properties"]["AlarmActions"] == ["arn:aws:sns:eu-west-1:111122223333:alarms"]
        for a in alarms.values()
    )
    assert len(built.alarms) == 2
    assert built.metric_errors().metric_name == "Errors"
    assert built.metric_failures().metric_name == "ApproximateNumberOfMessagesVisible"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"accounts": []}, "accounts: at least one 12-digit account ID is required, got none"),
        ({"accounts": ["12345"]}, "accounts[0]: '12345' is not a 12-digit account ID"),
        (
            {"sweep_schedule": Duration.seconds(30)},
            "sweep_schedule: 30 seconds is below EventBridge's 1 minute minimum",
        ),
    ],
)
def test_rejects_bad_argument(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape("Test/Acceptor: " + message)):
        acceptor(**overrides)


def test_refuses_a_topic_of_another_account() -> None:
    stack = Stack(new_app(), "Test", env=Environment(account="111122223333", region="eu-west-1"))
    foreign = "arn:aws:sns:eu-west-1:999988887777:links"
    with pytest.raises(
        ValueError,
        match=re.escape(f"Test/Acceptor: notification_topic: '{foreign}' belongs to account '999988887777'"),
    ):
        acceptor(stack, notification_topic=sns.Topic.from_topic_arn(stack, "Foreign", foreign))


def test_keeps_its_log_group_by_default_the_record_of_acceptances(default: tuple[Any, Template]) -> None:
    _, template = default
    template.has_resource(
        "AWS::Logs::LogGroup", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    )
