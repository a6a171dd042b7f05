"""One way to build the small Python Lambdas this library deploys.

Each function gets its own KMS-encrypted log group with a retention, its own role whose only
logging permission is on that log group (no AWS managed policy), and code from a folder asset
with no third-party dependencies (stdlib + the runtime's boto3: no bundling, no Docker).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import ArnFormat, Duration, IgnoreMode, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

__all__ = ["LAMBDA_RUNTIME", "create_encryption_key", "python_function"]

LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_14
"""The newest Python runtime of the pinned aws-cdk-lib."""

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
) -> tuple[lambda_.Function, logs.LogGroup, iam.Role]:
    """A Python Lambda from ``asset_dir`` (its ``runtime/`` package) with its log group and role.

    With ``vpc`` the function runs in ``vpc_subnets`` with ``security_groups``.
    """
    log_group = logs.LogGroup(
        scope,
        f"{construct_id}Logs",
        retention=log_retention,
        encryption_key=encryption_key,
        removal_policy=RemovalPolicy.DESTROY,
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
        logging_format=lambda_.LoggingFormat.TEXT,
        reserved_concurrent_executions=reserved_concurrent_executions,
        vpc=vpc,
        vpc_subnets=vpc_subnets,
        security_groups=list(security_groups) if security_groups else None,
    )
    return function, log_group, role
