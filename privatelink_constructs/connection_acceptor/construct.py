"""ConnectionAcceptor: accept pending connection requests from allowlisted accounts, and no others."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from privatelink_constructs._defaults import DEFAULT_LOG_RETENTION
from privatelink_constructs._function import (
    acknowledge_inline_policy,
    alarm_on_any,
    dead_letter_queue,
    notify,
    python_function,
)
from privatelink_constructs._nag import SERVERLESS, acknowledge, acknowledge_findings, rule_ids
from privatelink_constructs._tokens import is_unresolved
from privatelink_constructs.rules import (
    Problem,
    check_principals,
    check_schedule,
    check_topic_arn,
    partition_of,
    raise_if_problems,
)

if TYPE_CHECKING:
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_sns as sns

__all__ = ["ConnectionAcceptor"]

_ASSET_DIR = Path(__file__).parent


class ConnectionAcceptor(Construct):
    """A small Lambda that accepts an endpoint service's pending requests from known accounts.

    It runs on every connection notification and on a schedule (every 5 minutes by default),
    which accepts requests whose notification was lost. Each run lists the service's pending
    connection requests, reads the service's live allowed principals, and accepts the requests
    whose owner account is in ``accounts`` and still allowed. Requests from any other account
    stay pending for a human to accept or reject: it never rejects on its own. Its role may
    accept connections on this one endpoint service only.

    Failures raise: Lambda retries twice, then the event goes to ``failures_queue`` (the
    function's dead-letter queue, also the sweep's and, for a topic in the stack's region, the
    notification subscription's: a notification SNS could not deliver); the
    Errors alarm and the failures alarm go to ``alarm_topic`` when given. Runs may overlap (no
    reserved concurrency, so it deploys in accounts whose concurrency quota is 10): a request
    another run accepted first is not a failure.

    ``ProviderEndpointService`` creates one when given ``auto_accept_principals``; use this class
    directly only to attach an acceptor to an endpoint service built elsewhere.
    """

    function: lambda_.Function
    """The Lambda function."""
    log_group: logs.LogGroup
    """Its log group (one JSON object per line, each with the request ID)."""
    failures_queue: sqs.Queue
    """Invocations that failed after Lambda's retries, and sweeps EventBridge could not deliver."""
    sweep: events.Rule
    """The scheduled sweep."""
    alarms: list[cloudwatch.Alarm]
    """The function's errors, and messages in ``failures_queue``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service_id: str,
        accounts: Sequence[str],
        notification_topic: sns.ITopic,
        encryption_key: kms.IKey,
        log_retention: logs.RetentionDays = DEFAULT_LOG_RETENTION,
        alarm_topic: sns.ITopic | None = None,
        sweep_schedule: Duration | None = None,
        removal_policy: RemovalPolicy | None = None,
    ) -> None:
        """Create the acceptor.

        :param service_id: The endpoint service's ID (``vpce-svc-...``), usually a token.
        :param accounts: 12-digit account IDs whose pending requests are accepted. Must not be empty.
        :param notification_topic: The topic that receives the service's connection notifications
            (at least the ``Connect`` event); the function subscribes to it.
        :param encryption_key: KMS key for the function's log group.
        :param log_retention: How long the function's logs are kept. Defaults to three months.
        :param alarm_topic: Where every alarm sends notifications. Defaults to none: the alarms
            notify nobody, and a warning (``@privatelink-cdk/alarms:noAlarmTopic``) says so.
        :param sweep_schedule: How often pending requests are swept. Defaults to every 5 minutes.
        :param removal_policy: What happens to the function's log group when it leaves the stack.
            Defaults to keeping it: it is the only record of the automatic acceptances.
        """
        super().__init__(scope, construct_id)
        sweep_schedule = sweep_schedule or Duration.minutes(5)
        stack = Stack.of(self)
        raise_if_problems(
            self,
            [
                *_argument_problems(accounts, sweep_schedule),
                *check_topic_arn(
                    notification_topic.topic_arn,
                    argument="notification_topic",
                    partition=partition_of(stack.region),
                    account=stack.account,
                ),
            ],
        )
        self._accounts = list(accounts)
        self._add_function(
            service_id, accounts, encryption_key, log_retention, removal_policy or RemovalPolicy.RETAIN
        )
        self._add_permissions(service_id)
        self._add_triggers(notification_topic, sweep_schedule)
        self._add_alarms(alarm_topic)

    def _add_function(
        self,
        service_id: str,
        accounts: Sequence[str],
        key: kms.IKey,
        log_retention: logs.RetentionDays,
        log_removal_policy: RemovalPolicy,
    ) -> None:
        self.failures_queue = dead_letter_queue(
            self,
            "Failures",
            reason="This queue is the acceptor's dead-letter queue (the function's and its sweep's).",
        )
        self.function, self.log_group, self._role = python_function(
            self,
            "Function",
            asset_dir=_ASSET_DIR,
            handler="runtime.handler.handler",
            description="privatelink-cdk connection acceptor: accepts allowlisted endpoint connections",
            environment={"SERVICE_ID": service_id, "AUTO_ACCEPT_ACCOUNTS": ",".join(accounts)},
            encryption_key=key,
            log_retention=log_retention,
            timeout=Duration.seconds(30),
            dead_letter_queue=self.failures_queue,
            log_removal_policy=log_removal_policy,
        )

    def add_accounts(self, *accounts: str) -> None:
        """Accept the pending requests of more accounts (12-digit account IDs) too."""
        every = [*self._accounts, *accounts]
        raise_if_problems(self, check_principals(every, argument="accounts", allow_arns=False))
        self._accounts = every
        self.function.add_environment("AUTO_ACCEPT_ACCOUNTS", ",".join(every))

    @property
    def accounts(self) -> tuple[str, ...]:
        """The accounts whose pending requests are accepted."""
        return tuple(self._accounts)

    def _add_permissions(self, service_id: str) -> None:
        service_arn = Stack.of(self).format_arn(
            service="ec2",
            resource="vpc-endpoint-service",
            resource_name=service_id,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        self._role.add_to_policy(
            iam.PolicyStatement(
                sid="AcceptOnThisServiceOnly",
                actions=["ec2:AcceptVpcEndpointConnections", "ec2:DescribeVpcEndpointServicePermissions"],
                resources=[service_arn],
            )
        )
        # DescribeVpcEndpointConnections takes no resource-level permission; kept in a policy of
        # its own so the acknowledgment below covers this statement and nothing else.
        describe = iam.Policy(
            self,
            "ListConnectionRequests",
            roles=[self._role],
            statements=[iam.PolicyStatement(actions=["ec2:DescribeVpcEndpointConnections"], resources=["*"])],
        )
        acknowledge(
            describe,
            "AwsSolutions-IAM5",
            "ec2:DescribeVpcEndpointConnections supports no resource-level permissions "
            "(IAM service authorization reference); it is read-only and the function filters "
            "its results to this service.",
            applies_to=["Resource::*"],
        )
        acknowledge_inline_policy(describe)

    def _add_triggers(self, notification_topic: sns.ITopic, schedule: Duration) -> None:
        # A notification SNS could not deliver goes to the failures queue too, when SNS can put it
        # there: a subscription's dead-letter queue must be in the topic's region.
        stack_region, topic_region = Stack.of(self).region, notification_topic.env.region
        same_region = is_unresolved(stack_region) or is_unresolved(topic_region)
        same_region = same_region or stack_region == topic_region
        subscription = notification_topic.add_subscription(
            subscriptions.LambdaSubscription(
                self.function, dead_letter_queue=self.failures_queue if same_region else None
            )
        )
        if not same_region:
            acknowledge_findings(
                subscription,
                f"The notification topic is in {topic_region}, not {stack_region}: SNS keeps a "
                "subscription's dead-letter queue in the topic's region. A notification it cannot "
                "deliver is not lost for long: the sweep accepts pending requests every few minutes.",
                rules=rule_ids("SNSRedrivePolicy", SERVERLESS),
            )
        self.sweep = events.Rule(
            self,
            "Sweep",
            description="privatelink-cdk connection acceptor: accept requests whose notification was lost",
            schedule=events.Schedule.rate(schedule),
            targets=[
                events_targets.LambdaFunction(
                    self.function,
                    dead_letter_queue=self.failures_queue,
                    retry_attempts=2,
                    max_event_age=Duration.minutes(15),
                )
            ],
        )

    def _add_alarms(self, alarm_topic: sns.ITopic | None) -> None:
        self.alarms = [
            alarm_on_any(
                self,
                "ErrorsAlarm",
                description="The connection acceptor failed: see its log group",
                metric=self.metric_errors(),
            ),
            alarm_on_any(
                self,
                "FailuresAlarm",
                description="Acceptor runs failed after retries: requests may still be pending",
                metric=self.metric_failures(),
            ),
        ]
        notify(self, self.alarms, alarm_topic)

    def metric_errors(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Failed invocations of the function (sum). Defaults to one minute."""
        return self.function.metric_errors(period=period or Duration.minutes(1), statistic="Sum")

    def metric_failures(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Invocations given up after retries, waiting in ``failures_queue`` (maximum). One minute."""
        return self.failures_queue.metric_approximate_number_of_messages_visible(
            period=period or Duration.minutes(1), statistic="Maximum"
        )


def _argument_problems(accounts: Sequence[str], sweep_schedule: Duration) -> list[Problem]:
    problems = check_principals(accounts, argument="accounts", allow_arns=False)
    if not accounts:
        problems.append(Problem("accounts", "at least one 12-digit account ID is required, got none"))
    problems += check_schedule(
        sweep_schedule.to_seconds(), argument="sweep_schedule", shown=sweep_schedule.to_human_string
    )
    return problems
