"""The library under cdk-nag's five packs: every finding fixed or acknowledged, each acknowledgment needed.

One app holds every resource kind the library makes (the NLB, the acceptor with its topic and
domain verification, the updater inside and outside a VPC, the consumer's probe), with no alarm
topic. The packs run on it directly (``validate_scope``), as the app's ``-c compliance=all`` does.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, CfnResource, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match
from cdk_nag import (
    AwsSolutionsChecks,
    HIPAASecurityChecks,
    NIST80053R5Checks,
    PCIDSS321Checks,
    ServerlessChecks,
)

from privatelink_constructs import (
    ConsumerInterfaceEndpoint,
    RdsTargetGroupUpdater,
    _nag,
)
from privatelink_constructs._function import NO_ALARM_TOPIC_WARNING
from tests.conftest import new_app
from tests.constructs.helpers import imported_vpc, provider, zone

PACKS = (AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks)
HOST = "orders.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com"


def build(
    app: App, *, alarm_topic: bool = False, reserved: int | None = None, deletion_protection: bool = True
) -> dict[str, Stack]:
    """Every kind of resource the library makes, in two stacks."""
    stack = Stack(app, "Provider")
    topic = (
        sns.Topic.from_topic_arn(stack, "Alarms", "arn:aws:sns:eu-west-1:111122223333:alarms")
        if alarm_topic
        else None
    )
    service = provider(
        stack,
        auto_accept_principals=["111122223333"],
        private_dns_name="db.example.com",
        public_hosted_zone=zone(stack),
        alarm_topic=topic,
        deletion_protection=deletion_protection,
    )
    vpc = service.load_balancer.vpc
    assert vpc is not None
    RdsTargetGroupUpdater(
        stack,
        "InVpc",
        vpc=vpc,
        hostname=HOST,
        target_groups=service.target_groups,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        create_elb_endpoint=True,
        alarm_topic=topic,
        reserved_concurrent_executions=reserved,
    )
    RdsTargetGroupUpdater(
        stack, "Outside", vpc=vpc, hostname=HOST, target_groups=service.target_groups, alarm_topic=topic
    )
    consumer = Stack(app, "Consumer")
    ConsumerInterfaceEndpoint(
        consumer,
        "Consumer",
        vpc=imported_vpc(consumer),
        service_name="com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0",
        ports=[5432],
        allowed_peers=[ec2.Peer.ipv4("10.50.0.0/24")],
        probe=True,
    )
    return {"provider": stack, "consumer": consumer}


def findings(app: App) -> set[tuple[str, str]]:
    """(rule, construct path) of every finding of the five packs, acknowledgments applied."""
    app.synth()
    return {
        (violation.rule_name, resource.construct_path or "")
        for pack in PACKS
        for violation in pack(app).validate_scope(app).violations
        for resource in violation.violating_resources
    }


@pytest.fixture(scope="module")
def everything() -> App:
    app = new_app()
    build(app)
    return app


def test_every_finding_of_the_five_packs_is_fixed_or_acknowledged(everything: App) -> None:
    assert sorted(findings(everything)) == []


def test_the_users_choices_decide_deletion_protection_and_reserved_concurrency() -> None:
    # Deletion protection is off by default (as in aws-cdk-lib), and the library acknowledges
    # nothing on the user's behalf: the packs flag it. Reserved concurrency, when given, passes.
    app = new_app()
    stacks = build(app, deletion_protection=False, reserved=1)
    assert findings(app) == {
        ("HIPAA.Security-ELBDeletionProtectionEnabled", "Provider/Provider/Nlb/Resource"),
        ("NIST.800.53.R5-ELBDeletionProtectionEnabled", "Provider/Provider/Nlb/Resource"),
    }
    function = stacks["provider"].node.find_child("InVpc").node.find_child("Function").node.default_child
    assert isinstance(function, CfnResource)
    suppressed = {rule["id"] for rule in function.get_metadata("cdk_nag")["rules_to_suppress"]}
    assert "HIPAA.Security-LambdaConcurrency" not in suppressed
    assert "CKV_AWS_115" not in {skip["id"] for skip in function.get_metadata("checkov")["skip"]}


class _Recorder:
    """Stands in for aws-cdk-lib's ``Validations``: keeps each acknowledgment, applies none."""

    def __init__(self) -> None:
        self.acknowledged: set[tuple[str, str]] = set()

    def of(self, construct: CfnResource) -> Any:
        recorder = self

        class _Of:
            def acknowledge(self, *acknowledgments: Any) -> None:
                for acknowledgment in acknowledgments:
                    recorder.acknowledged.add((acknowledgment.id, construct.node.path))

        return _Of()


@pytest.fixture
def unacknowledged(monkeypatch: pytest.MonkeyPatch) -> _Recorder:
    recorder = _Recorder()
    monkeypatch.setattr(_nag, "Validations", recorder)
    return recorder


def test_each_acknowledgment_covers_a_finding_and_each_finding_has_one(unacknowledged: _Recorder) -> None:
    # Built with acknowledgments recorded but not applied, the packs find exactly what the
    # library acknowledges: none is stale, none is missing.
    app = new_app()
    build(app)
    found = findings(app)
    assert found
    # dead_letter_queue() acknowledges AwsSolutions-SQS3 on every dead-letter queue it makes;
    # cdk-nag recognizes those that are a queue's or a function's, so only the EventBridge
    # target's is a finding. The same reason holds for all; nothing else may be unmatched.
    surplus = unacknowledged.acknowledged - found
    assert {rule for rule, _ in surplus} <= {"AwsSolutions-SQS3"}
    assert found <= unacknowledged.acknowledged


def test_checkov_skips_sit_on_the_library_resources(everything: App) -> None:
    provider_stack = everything.node.find_child("Provider")
    skipped: dict[str, set[str]] = {}
    for construct in provider_stack.node.find_all():
        if isinstance(construct, CfnResource):
            checkov = construct.get_metadata("checkov") or {}
            skipped[construct.node.path] = {skip["id"] for skip in checkov.get("skip", [])}
    assert skipped["Provider/Provider/Nlb/Resource"] == {"CKV_AWS_91"}
    # The acceptor: outside a VPC, no reserved concurrency, environment without secrets.
    assert skipped["Provider/Provider/AutoAccept/Function/Resource"] == {
        "CKV_AWS_115",
        "CKV_AWS_117",
        "CKV_AWS_173",
    }
    # The updater in a VPC: no VPC skip; its SQS-fed function has no dead-letter queue of its own.
    assert skipped["Provider/InVpc/Function/Resource"] == {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_173"}
    assert skipped["Provider/Outside/Function/Resource"] == {
        "CKV_AWS_115",
        "CKV_AWS_116",
        "CKV_AWS_117",
        "CKV_AWS_173",
    }
    assert skipped["Provider/InVpc/Runs/Resource"] == {"CKV_AWS_27"}
    assert skipped["Provider/InVpc/FailedRuns/Resource"] == {"CKV_AWS_27"}
    (custom_resource,) = [
        path for path in skipped if path.startswith("Provider/AWS679f53fac002430cb0da5b7982bd2287")
    ]
    assert skipped[custom_resource] == {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"}


def test_without_an_alarm_topic_each_owner_warns_that_its_alarms_notify_nobody(everything: App) -> None:
    annotations = Annotations.from_stack(everything.node.find_child("Provider"))  # type: ignore[arg-type]
    for path, count in (
        ("/Provider/Provider/AutoAccept", 2),
        ("/Provider/InVpc", 5),
        ("/Provider/Outside", 5),
    ):
        assert annotations.find_warning(path, Match.string_like_regexp(f"^{count} alarms notify nobody")), (
            path
        )
    acknowledged = [
        rule
        for construct in everything.node.find_all()
        for rule in (
            (construct.get_metadata("cdk_nag") or {}).get("rules_to_suppress", [])
            if isinstance(construct, CfnResource)
            else []
        )
        if rule["id"].endswith("-CloudWatchAlarmAction")
    ]
    assert len(acknowledged) == 2 * (2 + 5 + 5)  # HIPAA and NIST, on every alarm


def test_with_an_alarm_topic_every_alarm_notifies_it_and_nothing_is_acknowledged() -> None:
    app = new_app()
    stacks = build(app, alarm_topic=True)
    assert not findings(app)
    provider_stack = stacks["provider"]
    annotations = Annotations.from_stack(provider_stack)
    assert not annotations.find_warning("*", Match.string_like_regexp("notify nobody"))
    alarms = [
        c
        for c in provider_stack.node.find_all()
        if isinstance(c, CfnResource) and c.cfn_resource_type == "AWS::CloudWatch::Alarm"
    ]
    assert len(alarms) == 12
    for alarm in alarms:
        suppressed = (alarm.get_metadata("cdk_nag") or {}).get("rules_to_suppress", [])
        assert not [rule for rule in suppressed if "CloudWatchAlarmAction" in rule["id"]], alarm.node.path
    # the ID is public: users acknowledge the warning by this string, so it must not drift
    assert NO_ALARM_TOPIC_WARNING == "@privatelink-cdk/alarms:noAlarmTopic"
