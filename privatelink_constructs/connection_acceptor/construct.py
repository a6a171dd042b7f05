"""ConnectionAcceptor: accept pending connection requests from allowlisted accounts, and no others."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from privatelink_constructs._function import python_function
from privatelink_constructs._nag import acknowledge
from privatelink_constructs.rules import Problem, check_principals, raise_if_problems

__all__ = ["ConnectionAcceptor"]

_ASSET_DIR = Path(__file__).parent


class ConnectionAcceptor(Construct):
    """A small Lambda, fed by an endpoint service's connection notifications, that accepts requests.

    On every notification it lists the service's pending connection requests and accepts those
    whose owner account is in ``accounts``. Requests from any other account stay pending for a
    human to accept or reject: it never rejects on its own. Its role may accept connections on
    this one endpoint service only. Failures raise, so the function's Errors metric shows them.

    ``ProviderEndpointService`` creates one when given ``auto_accept_principals``; use this class
    directly only to attach an acceptor to an endpoint service built elsewhere.
    """

    function: lambda_.Function
    """The Lambda function."""
    log_group: logs.LogGroup
    """Its log group (one JSON object per line)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service_id: str,
        accounts: Sequence[str],
        notification_topic: sns.ITopic,
        encryption_key: kms.IKey,
        log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
    ) -> None:
        """Create the acceptor.

        :param service_id: The endpoint service's ID (``vpce-svc-...``), usually a token.
        :param accounts: 12-digit account IDs whose pending requests are accepted. Must not be empty.
        :param notification_topic: The topic that receives the service's connection notifications
            (at least the ``Connect`` event); the function subscribes to it.
        :param encryption_key: KMS key for the function's log group.
        :param log_retention: How long the function's logs are kept. Defaults to three months.
        """
        super().__init__(scope, construct_id)
        problems = check_principals(accounts, argument="accounts", allow_arns=False)
        if not accounts:
            problems.append(Problem("accounts", "at least one 12-digit account ID is required, got none"))
        raise_if_problems(self, problems)

        self.function, self.log_group, role = python_function(
            self,
            "Function",
            asset_dir=_ASSET_DIR,
            handler="runtime.handler.handler",
            description="privatelink-cdk connection acceptor: accepts allowlisted endpoint connections",
            environment={"SERVICE_ID": service_id, "AUTO_ACCEPT_ACCOUNTS": ",".join(accounts)},
            encryption_key=encryption_key,
            log_retention=log_retention,
            timeout=Duration.seconds(30),
            reserved_concurrent_executions=1,
        )
        stack = Stack.of(self)
        role.add_to_policy(
            iam.PolicyStatement(
                sid="AcceptOnThisServiceOnly",
                actions=["ec2:AcceptVpcEndpointConnections"],
                resources=[
                    stack.format_arn(
                        service="ec2",
                        resource="vpc-endpoint-service",
                        resource_name=service_id,
                        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
                    )
                ],
            )
        )
        # Describe calls take no resource-level permissions; kept in a policy of their own so the
        # acknowledgment below covers this statement and nothing else.
        describe = iam.Policy(
            self,
            "ListConnectionRequests",
            roles=[role],
            statements=[iam.PolicyStatement(actions=["ec2:DescribeVpcEndpointConnections"], resources=["*"])],
        )
        acknowledge(
            describe,
            "AwsSolutions-IAM5",
            "ec2:DescribeVpcEndpointConnections supports no resource-level permissions "
            "(IAM service authorization reference); it is read-only and its results are "
            "filtered to this service by the function.",
            applies_to=["Resource::*"],
        )
        notification_topic.add_subscription(subscriptions.LambdaSubscription(self.function))
