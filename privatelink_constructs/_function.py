"""One way to build the small Python Lambdas this library deploys.

Each function gets its own KMS-encrypted log group with a retention, its own role whose only
logging permission is on that log group (no AWS managed policy), and code from a folder asset
with no third-party dependencies (stdlib + the runtime's boto3: no bundling, no Docker).

Logs use Lambda's JSON log format: the runtime's own formatter writes every ``logging`` call as
one JSON object with ``timestamp``, ``level``, ``message``, ``logger``, ``requestId`` and each
``extra`` field as a top-level key, so the handlers need no logging helper of their own.

A function in a VPC gets exactly the network-interface permissions Lambda needs to attach it
(aws-cdk-lib adds the AWS managed ``AWSLambdaVPCAccessExecutionRole`` only to roles it creates):
creating interfaces in the function's VPC only, deleting and re-addressing interfaces of this
account and region, and the two describe calls that support no resource-level permission.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from aws_cdk import Annotations, ArnFormat, Duration, IgnoreMode, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from ._nag import (
    HIPAA,
    NIST_800_53_R5,
    PCI_DSS_321,
    SERVERLESS,
    acknowledge,
    acknowledge_findings,
    resource_finding,
    rule_ids,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_sns as sns

__all__ = [
    "LAMBDA_RUNTIME",
    "NO_ALARM_TOPIC_WARNING",
    "acknowledge_inline_policy",
    "alarm_on_any",
    "create_encryption_key",
    "dead_letter_queue",
    "grant_network_interfaces",
    "notify",
    "python_function",
]

LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_14
"""The newest Python runtime of the pinned aws-cdk-lib."""

NO_ALARM_TOPIC_WARNING = "@privatelink-cdk/alarms:noAlarmTopic"
"""The warning on a construct whose alarms notify nobody (no alarm topic given; acknowledgeable)."""

_INLINE_POLICY_REASON = (
    "An inline policy on purpose: it grants this one role what its function calls, on the "
    "resources its function uses, and cannot be attached to any other principal (the one-to-one "
    "case AWS recommends inline policies for). A managed policy would add reuse this policy must "
    "not have."
)
_CONCURRENCY_REASON = (
    "No reserved concurrency: reserving any fails the deploy in accounts whose Lambda concurrency "
    "quota is 10 (new accounts often are), and the function's triggers already bound its runs (a "
    "FIFO queue one run at a time, a schedule and notifications, or an operator's invocation)."
)
_TRACING_REASON = (
    "No active X-Ray tracing: the asset holds no X-Ray SDK (stdlib and the runtime's boto3 only, by "
    "design), so a trace would show Lambda's own segments only. Every run writes JSON log lines "
    "with its request ID and duration instead."
)
_OUTSIDE_VPC_REASON = (
    "Outside any VPC on purpose: the function only calls AWS APIs over HTTPS (and, for the updater, "
    "public DNS); it serves no traffic and reaches nothing private, so a VPC would add only a NAT "
    "gateway or interface endpoints. The updater takes vpc_subnets for a name that resolves only "
    "inside the VPC."
)
_ENVIRONMENT_REASON = (
    "The environment holds no secret (service and target group IDs, account IDs, host names, "
    "settings); Lambda encrypts it at rest with its AWS managed key. A customer managed key would "
    "add a KMS dependency to every cold start and hide nothing."
)
_SSE_SQS_REASON = (
    "Encrypted at rest with SSE-SQS (SqsManagedSseEnabled); the check counts KMS keys only. A KMS "
    "key would need key-policy grants for every sender (EventBridge, SNS, SQS redrive, Lambda) for "
    "messages that hold event envelopes only."
)

# Only the runtime package goes into the zip: the construct module beside it is infrastructure.
# Patterns follow .gitignore rules, so a leading slash anchors at the asset folder.
_ASSET_EXCLUDES = ["/*.py", "**/__pycache__", "**/*.pyc"]


def create_encryption_key(
    scope: Construct,
    construct_id: str,
    *,
    description: str,
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
) -> kms.Key:
    """A customer managed KMS key, rotation on, that CloudWatch Logs of this account and region may use.

    One per stack serves every construct of this library (pass it as their ``encryption_key``);
    ``ProviderEndpointService`` adds what its notification topic needs. ``removal_policy``
    defaults to keeping the key: deleting it makes whatever it encrypted unreadable.
    """
    key = kms.Key(
        scope,
        construct_id,
        description=description,
        enable_key_rotation=True,
        removal_policy=removal_policy,
    )
    stack = Stack.of(scope)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchLogsOfThisAccount",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=[
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
    )
    return key


def python_function(
    scope: Construct,
    construct_id: str,
    *,
    asset_dir: Path,
    handler: str,
    description: str,
    environment: Mapping[str, str],
    encryption_key: kms.IKey,
    log_retention: logs.RetentionDays,
    timeout: Duration,
    reserved_concurrent_executions: int | None = None,
    vpc: ec2.IVpc | None = None,
    vpc_subnets: ec2.SubnetSelection | None = None,
    security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    dead_letter_queue: sqs.IQueue | None = None,
    no_dead_letter_queue_reason: str | None = None,
    log_removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
) -> tuple[lambda_.Function, logs.LogGroup, iam.Role]:
    """A Python Lambda from ``asset_dir`` (its ``runtime/`` package) with its log group and role.

    With ``vpc`` the function runs in ``vpc_subnets`` with ``security_groups``, and its role gets
    the network-interface permissions Lambda needs (before the function is created).
    ``dead_letter_queue`` receives asynchronous invocations that failed after Lambda's two retries;
    without one, ``no_dead_letter_queue_reason`` says why (the compliance packs' acknowledgment).
    ``log_removal_policy`` says what happens to the log group when it leaves the stack.

    What the compliance packs and checkov ask of every function here and that does not apply is
    acknowledged on it, with the reason: the role's inline policy, no reserved concurrency (when
    none is given), no X-Ray tracing, no VPC (when none is given), the environment's AWS managed key.
    """
    if (dead_letter_queue is None) == (no_dead_letter_queue_reason is None):
        raise ValueError(
            f"{scope.node.path}/{construct_id}: give dead_letter_queue or no_dead_letter_queue_reason, "
            "exactly one"
        )
    log_group = logs.LogGroup(
        scope,
        f"{construct_id}Logs",
        retention=log_retention,
        encryption_key=encryption_key,
        removal_policy=log_removal_policy,
    )
    role = iam.Role(
        scope,
        f"{construct_id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"Runs {description}",
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[log_group.log_group_arn],
        )
    )
    if vpc is not None:
        grant_network_interfaces(role, vpc)
    function = lambda_.Function(
        scope,
        construct_id,
        runtime=LAMBDA_RUNTIME,
        architecture=lambda_.Architecture.ARM_64,
        code=lambda_.Code.from_asset(str(asset_dir), exclude=_ASSET_EXCLUDES, ignore_mode=IgnoreMode.GIT),
        handler=handler,
        description=description,
        environment=dict(environment),
        timeout=timeout,
        memory_size=256,
        role=role,
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.JSON,
        application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
        system_log_level_v2=lambda_.SystemLogLevel.INFO,
        reserved_concurrent_executions=reserved_concurrent_executions,
        vpc=vpc,
        vpc_subnets=vpc_subnets,
        security_groups=list(security_groups) if security_groups else None,
        dead_letter_queue=dead_letter_queue,
    )
    acknowledge_inline_policy(role.node.find_child("DefaultPolicy"))
    _acknowledge_function_findings(
        function,
        reserved=reserved_concurrent_executions is not None,
        in_vpc=vpc is not None,
        no_dead_letter_queue_reason=no_dead_letter_queue_reason,
    )
    return function, log_group, role


def _acknowledge_function_findings(
    function: lambda_.Function, *, reserved: bool, in_vpc: bool, no_dead_letter_queue_reason: str | None
) -> None:
    acknowledge_findings(function, _TRACING_REASON, rules=rule_ids("LambdaTracing", SERVERLESS))
    acknowledge_findings(function, _ENVIRONMENT_REASON, checkov=["CKV_AWS_173"])
    if not reserved:
        acknowledge_findings(
            function,
            _CONCURRENCY_REASON,
            rules=rule_ids("LambdaConcurrency", HIPAA, NIST_800_53_R5),
            checkov=["CKV_AWS_115"],
        )
    if not in_vpc:
        acknowledge_findings(
            function,
            _OUTSIDE_VPC_REASON,
            rules=rule_ids("LambdaInsideVPC", HIPAA, NIST_800_53_R5, PCI_DSS_321),
            checkov=["CKV_AWS_117"],
        )
    if no_dead_letter_queue_reason is not None:
        acknowledge_findings(
            function,
            no_dead_letter_queue_reason,
            rules=rule_ids("LambdaDLQ", HIPAA, NIST_800_53_R5, SERVERLESS),
            checkov=["CKV_AWS_116"],
        )


def acknowledge_inline_policy(policy: IConstruct) -> None:
    """The compliance packs' IAMNoInlinePolicy on one of this library's single-role policies."""
    acknowledge_findings(
        policy, _INLINE_POLICY_REASON, rules=rule_ids("IAMNoInlinePolicy", HIPAA, NIST_800_53_R5, PCI_DSS_321)
    )


def grant_network_interfaces(role: iam.Role, vpc: ec2.IVpc) -> None:
    """The permissions Lambda uses, with the function's role, to attach it to ``vpc``.

    They go into the role's default policy, which the function depends on: Lambda checks them
    when it creates the function.
    """
    stack = Stack.of(role)

    def arn(resource: str) -> str:
        return stack.format_arn(
            service="ec2", resource=resource, resource_name="*", arn_format=ArnFormat.SLASH_RESOURCE_NAME
        )

    role.add_to_policy(
        iam.PolicyStatement(
            sid="LambdaDescribesNetworkInterfaces",
            actions=["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
            resources=["*"],
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="LambdaCreatesInterfacesInThisVpc",
            actions=["ec2:CreateNetworkInterface"],
            resources=[arn("subnet"), arn("security-group")],
            conditions={
                "ArnEquals": {
                    "ec2:Vpc": stack.format_arn(
                        service="ec2",
                        resource="vpc",
                        resource_name=vpc.vpc_id,
                        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
                    )
                }
            },
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            sid="LambdaManagesItsInterfaces",
            actions=[
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            resources=[arn("network-interface")],
        )
    )
    policy = role.node.find_child("DefaultPolicy")
    acknowledge(
        policy,
        "AwsSolutions-IAM5",
        "ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets support no resource-level "
        "permissions (IAM service authorization reference); Lambda needs them, read-only, to "
        "attach the function to its VPC. They are the only actions on * in this role's policy.",
        applies_to=["Resource::*"],
    )
    for resource in ("subnet", "security-group"):
        acknowledge(
            policy,
            "AwsSolutions-IAM5",
            f"Lambda creates the function's network interfaces in its {resource}s; the "
            "statement's ec2:Vpc condition limits it to the function's own VPC.",
            applies_to=[resource_finding(policy, arn(resource))],
        )
    acknowledge(
        policy,
        "AwsSolutions-IAM5",
        "Lambda creates, deletes and re-addresses the function's network interfaces, "
        "whose IDs exist only at run time; the Lambda developer guide asks for all interface "
        "IDs here. Scoped to this account and region.",
        applies_to=[resource_finding(policy, arn("network-interface"))],
    )


def dead_letter_queue(
    scope: Construct, construct_id: str, *, reason: str, fifo: bool = False, queue_name: str | None = None
) -> sqs.Queue:
    """A queue that keeps failed work for 14 days: SQS-encrypted, SSL only.

    ``reason`` says whose dead-letter queue it is: the cdk-nag acknowledgment of its own missing
    dead-letter queue (AwsSolutions-SQS3, Serverless-SQSRedrivePolicy).
    """
    queue = sqs.Queue(
        scope,
        construct_id,
        queue_name=queue_name,
        fifo=fifo or None,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
    )
    acknowledge_findings(
        queue, reason, rules=["AwsSolutions-SQS3", *rule_ids("SQSRedrivePolicy", SERVERLESS)]
    )
    acknowledge_sse_sqs(queue)
    return queue


def acknowledge_sse_sqs(queue: sqs.Queue) -> None:
    """Checkov's CKV_AWS_27 on a queue encrypted with SSE-SQS: it counts KMS keys only."""
    acknowledge_findings(queue, _SSE_SQS_REASON, checkov=["CKV_AWS_27"])


def alarm_on_any(
    scope: Construct, construct_id: str, *, description: str, metric: cloudwatch.IMetric
) -> cloudwatch.Alarm:
    """An alarm when ``metric`` is 1 or more in one of its periods; no data is no alarm."""
    return cloudwatch.Alarm(
        scope,
        construct_id,
        alarm_description=description,
        metric=metric,
        threshold=1,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )


def notify(owner: Construct, alarms: Iterable[cloudwatch.Alarm], topic: sns.ITopic | None) -> None:
    """Send every alarm of ``owner`` to ``topic``; without one, say so: a warning on ``owner``.

    With no topic, the compliance packs' CloudWatchAlarmAction is acknowledged on each alarm with
    that reason, and the warning (``NO_ALARM_TOPIC_WARNING``) says the alarms notify nobody.
    """
    alarms = list(alarms)
    if topic is not None:
        for alarm in alarms:
            alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
        return
    for alarm in alarms:
        acknowledge_findings(
            alarm,
            "No alarm topic was given, so this alarm has no action: its state shows in CloudWatch only. "
            f"A warning ({NO_ALARM_TOPIC_WARNING}) says so at synth; give alarm_topic (the app's "
            "provider.alarm_topic_arn) and every alarm notifies it.",
            rules=rule_ids("CloudWatchAlarmAction", HIPAA, NIST_800_53_R5),
        )
    if alarms:
        Annotations.of(owner).add_warning_v2(
            NO_ALARM_TOPIC_WARNING,
            f"{len(alarms)} alarms notify nobody: no alarm_topic was given. Their state shows in CloudWatch "
            "only; give alarm_topic (the app's provider.alarm_topic_arn) to be notified.",
        )
