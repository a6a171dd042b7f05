"""cdk-nag acknowledgments in both forms: cdk-nag 3 reads aws-cdk-lib's, cdk-nag 2 the metadata.

cdk-nag 3 runs here (it is the app's); cdk-nag 2 cannot be installed beside it, so the library
proof (tests/library, `make library`) synthesizes a user's app with each major.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, CfnResource, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks
from constructs import Construct, IConstruct

from privatelink_constructs import RdsTargetGroupUpdater
from privatelink_constructs._nag import (
    HIPAA,
    SERVERLESS,
    acknowledge,
    acknowledge_findings,
    rule_ids,
    skip_checkov,
)
from tests.conftest import new_app
from tests.constructs.helpers import provider

ACKNOWLEDGED = Validations.ACKNOWLEDGED_RULES_METADATA_KEY


def nag_app() -> tuple[App, Stack]:
    app = new_app()
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, Stack(app, "Nag")


def dead_letter_queue(stack: Stack) -> sqs.Queue:
    """A queue whose only AwsSolutions finding is SQS3 (it has no dead-letter queue itself)."""
    return sqs.Queue(stack, "Queue", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True)


def wildcard_policy(stack: Stack) -> iam.Policy:
    """A policy whose only finding is AwsSolutions-IAM5[Resource::*]."""
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    return iam.Policy(
        stack,
        "Describe",
        roles=[role],
        statements=[iam.PolicyStatement(actions=["ec2:DescribeVpcEndpointConnections"], resources=["*"])],
    )


def suppressions(construct: IConstruct) -> list[dict[str, Any]]:
    """The cdk-nag 2 form: the resource's CloudFormation metadata."""
    resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
    assert isinstance(resource, CfnResource)
    metadata = resource.get_metadata("cdk_nag") or {}
    rules: list[dict[str, Any]] = metadata.get("rules_to_suppress", [])
    return rules


def acknowledged_ids(construct: IConstruct) -> set[str]:
    """The cdk-nag 3 form: aws-cdk-lib's acknowledged-rules metadata on the construct."""
    return {
        key.removeprefix("Annotation::")
        for entry in construct.node.metadata
        if entry.type == ACKNOWLEDGED
        for key in entry.data
    }


def test_cdk_nag_3_fails_an_unacknowledged_rule() -> None:
    app, stack = nag_app()
    dead_letter_queue(stack)
    with pytest.raises(RuntimeError, match=r"AwsSolutions-SQS3"):
        app.synth()


def test_cdk_nag_3_passes_an_acknowledged_rule() -> None:
    app, stack = nag_app()
    acknowledge(dead_letter_queue(stack), "AwsSolutions-SQS3", "It is a dead-letter queue itself.")
    app.synth()


def test_cdk_nag_3_fails_an_unacknowledged_finding() -> None:
    app, stack = nag_app()
    acknowledge(wildcard_policy(stack), "AwsSolutions-IAM5", "Another finding.", applies_to=["Action::*"])
    with pytest.raises(RuntimeError, match=r"AwsSolutions-IAM5\[Resource::\*\]"):
        app.synth()


def test_cdk_nag_3_passes_an_acknowledged_finding() -> None:
    app, stack = nag_app()
    acknowledge(wildcard_policy(stack), "AwsSolutions-IAM5", "Read-only.", applies_to=["Resource::*"])
    app.synth()


def test_writes_the_cdk_nag_2_metadata_on_the_resource() -> None:
    _, stack = nag_app()
    policy = wildcard_policy(stack)
    queue = dead_letter_queue(stack)
    acknowledge(policy, "AwsSolutions-IAM5", "No resource-level permissions.", applies_to=["Resource::*"])
    acknowledge(queue, "AwsSolutions-SQS3", "It is a dead-letter queue itself.")
    assert suppressions(policy) == [
        {"id": "AwsSolutions-IAM5", "reason": "No resource-level permissions.", "applies_to": ["Resource::*"]}
    ]
    assert suppressions(queue) == [{"id": "AwsSolutions-SQS3", "reason": "It is a dead-letter queue itself."}]
    template = Stack.of(queue).resolve(queue.node.default_child.cfn_options.metadata)  # type: ignore[union-attr]
    assert template == {"cdk_nag": {"rules_to_suppress": suppressions(queue)}}


def test_several_rules_on_one_resource_add_up_once_each() -> None:
    _, stack = nag_app()
    policy = wildcard_policy(stack)
    for _ in range(2):
        acknowledge(policy, "AwsSolutions-IAM5", "No resource-level permissions.", applies_to=["Resource::*"])
    acknowledge(policy, "AwsSolutions-IAM4", "The AWS managed policy is needed.", applies_to=["Policy::x"])
    assert [rule["id"] for rule in suppressions(policy)] == ["AwsSolutions-IAM5", "AwsSolutions-IAM4"]
    entries = [entry for entry in policy.node.default_child.node.metadata if entry.type == ACKNOWLEDGED]  # type: ignore[union-attr]
    assert len(entries) == 2


@pytest.mark.parametrize(
    ("rule_id", "reason", "message"),
    [
        ("AwsSolutions-IAM5[Resource::*]", "A long enough reason.", r"rule_id must be '<pack>-<rule>'"),
        ("IAM5", "A long enough reason.", r"rule_id must be '<pack>-<rule>'.*got 'IAM5'"),
        ("AwsSolutions-SQS3", "too short", r"reason must be at least 10 characters, got 'too short'"),
    ],
)
def test_rejects_what_cdk_nag_2_would_reject(rule_id: str, reason: str, message: str) -> None:
    _, stack = nag_app()
    with pytest.raises(ValueError, match=rf"^Nag/Queue: .*{message}"):
        acknowledge(dead_letter_queue(stack), rule_id, reason)


def test_rejects_a_construct_without_a_resource() -> None:
    _, stack = nag_app()
    with pytest.raises(
        TypeError, match=r"Nag/Group: a cdk-nag acknowledgment needs a CloudFormation resource"
    ):
        acknowledge(Construct(stack, "Group"), "AwsSolutions-SQS3", "A long enough reason.")


def test_every_library_acknowledgment_has_both_forms() -> None:
    # Every resource the library acknowledges a rule on (NLB, acceptor, updater in a VPC, its
    # dead-letter queue): what cdk-nag 3 reads is what cdk-nag 2 reads, finding by finding.
    _, stack = nag_app()
    service = provider(stack, auto_accept_principals=["111122223333"])
    vpc = service.load_balancer.vpc
    assert vpc is not None
    RdsTargetGroupUpdater(
        stack,
        "Updater",
        vpc=vpc,
        hostname="demo.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com",
        target_groups=service.target_groups,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
    )
    found: dict[str, set[str]] = {}
    for construct in stack.node.find_all():
        v3 = acknowledged_ids(construct)
        if not v3:
            continue
        assert isinstance(construct, CfnResource), f"{construct.node.path}: acknowledged above its resource"
        v2 = {
            f"{rule['id']}[{finding}]" if finding else rule["id"]
            for rule in suppressions(construct)
            for finding in rule.get("applies_to", [None])
        }
        assert v3 == v2, construct.node.path
        found[construct.node.path] = v3
    # The four findings the library's resources raise without them (cdk-nag 2.38 reported exactly
    # these), each acknowledged in both forms on its own resource.
    acknowledged = sorted(rule for rules in found.values() for rule in rules)
    assert acknowledged.count("AwsSolutions-ELB2") == 1, acknowledged
    # Each dead-letter queue (a queue that has none itself), and only those.
    sqs3 = sorted(path for path, rules in found.items() if "AwsSolutions-SQS3" in rules)
    assert sqs3 == [
        "Nag/Provider/AutoAccept/Failures/Resource",
        "Nag/Updater/DeadLetters/Resource",
        "Nag/Updater/FailedRuns/Resource",
    ]
    # Describe* actions with no resource-level permission, each in a policy of its own, and the
    # network-interface actions Lambda needs in the VPC.
    assert acknowledged.count("AwsSolutions-IAM5[Resource::*]") == 3, acknowledged


def checkov_skips(construct: IConstruct) -> list[dict[str, str]]:
    resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
    assert isinstance(resource, CfnResource)
    skips: list[dict[str, str]] = (resource.get_metadata("checkov") or {}).get("skip", [])
    return skips


def test_rule_ids_spell_one_rule_in_several_packs() -> None:
    assert rule_ids("LambdaDLQ", HIPAA, SERVERLESS) == ["HIPAA.Security-LambdaDLQ", "Serverless-LambdaDLQ"]


def test_cdk_nag_3_passes_a_rule_of_a_pack_with_dots_in_its_name() -> None:
    from cdk_nag import HIPAASecurityChecks

    app = new_app()
    Validations.of(app).add_plugins(HIPAASecurityChecks(app))
    stack = Stack(app, "Nag")
    policy = wildcard_policy(stack)
    with pytest.raises(RuntimeError, match=r"HIPAA\.Security-IAMNoInlinePolicy"):
        app.synth()
    app = new_app()
    Validations.of(app).add_plugins(HIPAASecurityChecks(app))
    policy = wildcard_policy(Stack(app, "Nag"))
    acknowledge(policy, "HIPAA.Security-IAMNoInlinePolicy", "One role's own policy, on purpose.")
    app.synth()
    assert suppressions(policy)[0]["id"] == "HIPAA.Security-IAMNoInlinePolicy"


def test_one_reason_for_rules_of_several_packs_and_checkov_checks() -> None:
    _, stack = nag_app()
    queue = dead_letter_queue(stack)
    acknowledge_findings(
        queue, "It is a dead-letter queue itself.", rules=["AwsSolutions-SQS3"], checkov=["CKV_AWS_27"]
    )
    assert suppressions(queue) == [{"id": "AwsSolutions-SQS3", "reason": "It is a dead-letter queue itself."}]
    assert acknowledged_ids(queue.node.default_child) == {"AwsSolutions-SQS3"}  # type: ignore[arg-type]
    assert checkov_skips(queue) == [{"id": "CKV_AWS_27", "comment": "It is a dead-letter queue itself."}]
    template = Stack.of(queue).resolve(queue.node.default_child.cfn_options.metadata)  # type: ignore[union-attr]
    assert template["checkov"] == {
        "skip": [{"id": "CKV_AWS_27", "comment": "It is a dead-letter queue itself."}]
    }


def test_checkov_skips_add_up_once_per_check_the_first_reason_kept() -> None:
    _, stack = nag_app()
    queue = dead_letter_queue(stack)
    skip_checkov(queue, ["CKV_AWS_27"], "SSE-SQS encrypts it at rest.")
    skip_checkov(queue, ["CKV_AWS_27", "CKV2_AWS_73"], "Another reason entirely.")
    assert checkov_skips(queue) == [
        {"id": "CKV_AWS_27", "comment": "SSE-SQS encrypts it at rest."},
        {"id": "CKV2_AWS_73", "comment": "Another reason entirely."},
    ]


@pytest.mark.parametrize(
    ("check_ids", "reason", "message"),
    [
        (
            ["CKV_AWS_27 "],
            "A long enough reason.",
            r"checkov check IDs look like 'CKV_AWS_115', got 'CKV_AWS_27 '",
        ),
        (["AwsSolutions-SQS3"], "A long enough reason.", r"got 'AwsSolutions-SQS3'"),
        (["CKV_AWS_27"], "short", r"reason must be at least 10 characters, got 'short'"),
    ],
)
def test_rejects_a_checkov_skip_checkov_would_not_read(
    check_ids: list[str], reason: str, message: str
) -> None:
    _, stack = nag_app()
    with pytest.raises(ValueError, match=rf"^Nag/Queue: .*{message}"):
        skip_checkov(dead_letter_queue(stack), check_ids, reason)
