"""RdsTargetGroupUpdater: keep an NLB's IP target groups in step with a database's DNS name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Required, TypedDict, Unpack, cast

from aws_cdk import Duration, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from privatelink_constructs._function import create_encryption_key, python_function
from privatelink_constructs._nag import acknowledge
from privatelink_constructs._network import closed_security_group
from privatelink_constructs.rules import Problem, check_dns_name, check_ports, raise_if_problems

__all__ = ["RDS_EVENT_CATEGORIES", "RdsTargetGroupUpdater", "UpdaterOptions"]

_ASSET_DIR = Path(__file__).parent

RDS_EVENT_CATEGORIES = (
    "failover",
    "failure",
    "availability",
    "maintenance",
    "recovery",
    "configuration change",
)
"""RDS event categories that trigger an immediate update."""

_DETAIL_TYPES = ("RDS DB Instance Event", "RDS DB Cluster Event", "RDS DB Proxy Event")


class UpdaterOptions(TypedDict, total=False):
    """The keyword arguments ``for_instance``, ``for_cluster`` and ``for_proxy`` pass through."""

    vpc: Required[ec2.IVpc]
    target_group: elbv2.INetworkTargetGroup | None
    port: int | None
    target_groups: Mapping[int, elbv2.INetworkTargetGroup] | None
    ipv6: bool
    schedule: Duration | None
    max_removals_per_run: int
    failover_wait: Duration | None
    alarm_topic: sns.ITopic | None
    vpc_subnets: ec2.SubnetSelection | None
    create_elb_endpoint: bool
    encryption_key: kms.IKey | None
    log_retention: logs.RetentionDays


class RdsTargetGroupUpdater(Construct):
    """A Lambda that keeps IP target groups registered with the addresses of a database hostname.

    An NLB cannot target a hostname, and an RDS instance, Aurora cluster or RDS Proxy changes its
    addresses on failover, maintenance and scaling. This construct creates:

    - one Python Lambda with reserved concurrency 1 (it never races itself), code from a folder
      asset with no dependencies beyond the runtime's boto3, and an encrypted log group;
    - an EventBridge rule on the database's RDS events (failover, failure, availability,
      maintenance, recovery, configuration change), so a failover is handled within seconds,
      and a schedule (every minute by default) as the safety net; both with retries and a
      dead-letter queue;
    - IAM: RegisterTargets and DeregisterTargets on the given target groups only;
    - alarms on the function's errors, on the dead-letter queue, and on each target group having
      no healthy target, sent to ``alarm_topic`` when given.

    Each run resolves the hostname several times (the union of the answers), registers new
    addresses first, then deregisters addresses no longer in the answer, at most
    ``max_removals_per_run`` of them. It never deregisters when resolution fails or returns
    nothing, so the target group is never emptied by a DNS problem; and any failure makes the
    invocation fail, so the Errors alarm fires. The target group is its only state.

    Use ``for_instance``, ``for_cluster`` or ``for_proxy`` to fill the hostname, port and event
    filter from an ``rds`` construct.
    """

    function: lambda_.Function
    """The updater function."""
    log_group: logs.LogGroup
    """Its log group: one JSON line per decision, and the metrics in embedded metric format."""
    dead_letter_queue: sqs.Queue
    """Events the function could not handle after retries."""
    alarms: list[cloudwatch.Alarm]
    """Errors, dead letters, and one no-healthy-target alarm per target group."""
    security_group: ec2.SecurityGroup | None
    """The function's security group, when it runs in the VPC."""
    elb_endpoint: ec2.InterfaceVpcEndpoint | None
    """The ``elasticloadbalancing`` interface endpoint, when ``create_elb_endpoint`` is True."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        hostname: str,
        target_group: elbv2.INetworkTargetGroup | None = None,
        port: int | None = None,
        target_groups: Mapping[int, elbv2.INetworkTargetGroup] | None = None,
        source_identifiers: Sequence[str] = (),
        ipv6: bool = False,
        schedule: Duration | None = None,
        max_removals_per_run: int = 5,
        failover_wait: Duration | None = None,
        alarm_topic: sns.ITopic | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        create_elb_endpoint: bool = False,
        encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
    ) -> None:
        """Create the function, its triggers, permissions and alarms.

        :param vpc: The target groups' VPC. Addresses outside its CIDR are registered with
            AvailabilityZone ``all`` (a database in a peered VPC).
        :param hostname: The database, cluster, cluster-reader or proxy endpoint.
        :param target_group: One IP target group to keep in step, with ``port``.
        :param port: The port the target group's targets are registered with.
        :param target_groups: Several IP target groups instead, by the port their targets are
            registered with (``ProviderEndpointService.target_groups`` fits as it is).
        :param source_identifiers: DB instance, cluster or proxy identifiers whose RDS events
            trigger an update. Defaults to none: the schedule alone keeps the groups in step.
        :param ipv6: Resolve AAAA records too (IPv6 target groups). Defaults to IPv4 only.
        :param schedule: How often the safety-net run happens. Defaults to every minute.
        :param max_removals_per_run: The most targets one run may deregister. Defaults to 5.
        :param failover_wait: After a failover event, how long to ask DNS again until the answer
            changes (RDS's TTL is 5 s). Defaults to 30 seconds.
        :param alarm_topic: Where the alarms send notifications. Defaults to none.
        :param vpc_subnets: Run the function in these subnets of ``vpc``, for a hostname that
            resolves only inside the VPC (RDS Proxy). The function must still reach the ELB API:
            through a NAT gateway, or through the endpoint ``create_elb_endpoint`` adds.
            Defaults to outside any VPC.
        :param create_elb_endpoint: Add an ``elasticloadbalancing`` interface endpoint (private
            DNS on) to ``vpc`` that only the function may use. Needs ``vpc_subnets``.
        :param encryption_key: KMS key for the log group. Defaults to a new key with rotation.
        :param log_retention: How long logs are kept. Defaults to three months.
        """
        super().__init__(scope, construct_id)
        groups = _target_groups(self, target_group, port, target_groups)
        problems = check_dns_name(hostname, argument="hostname")
        if max_removals_per_run < 1:
            problems.append(
                Problem(
                    "max_removals_per_run",
                    f"{max_removals_per_run} would stop every removal; expected 1 or more",
                )
            )
        if create_elb_endpoint and vpc_subnets is None:
            problems.append(
                Problem("create_elb_endpoint", "needs vpc_subnets (the function runs outside the VPC)")
            )
        schedule = schedule or Duration.minutes(1)
        if not Token.is_unresolved(schedule.to_seconds()) and schedule.to_seconds() < 60:
            problems.append(
                Problem("schedule", f"{schedule.to_human_string()} is below EventBridge's 1 minute minimum")
            )
        failover_wait = failover_wait or Duration.seconds(30)
        if failover_wait.to_seconds() > 300:
            problems.append(
                Problem("failover_wait", f"{failover_wait.to_human_string()} is over the 5 minute maximum")
            )
        raise_if_problems(self, problems)

        stack = Stack.of(self)
        key = encryption_key or create_encryption_key(
            self, "Key", description="privatelink-cdk target updater logs"
        )
        self.security_group = None
        self.elb_endpoint = None
        if vpc_subnets is not None:
            self.security_group = closed_security_group(
                self, vpc, description="privatelink-cdk target updater: HTTPS to the ELB API in the VPC"
            )
            self.security_group.add_egress_rule(
                ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(443), "ELB API through an interface endpoint"
            )
        mappings = [
            {
                "hostname": hostname,
                "target_group_arn": group.target_group_arn,
                "port": group_port,
                "ipv6": ipv6,
            }
            for group_port, group in groups.items()
        ]
        self.function, self.log_group, role = python_function(
            self,
            "Function",
            asset_dir=_ASSET_DIR,
            handler="runtime.handler.handler",
            description="privatelink-cdk: keeps NLB IP target groups in step with a database hostname",
            environment={
                "MAPPINGS": stack.to_json_string(mappings),
                "VPC_CIDRS": vpc.vpc_cidr_block,
                "MAX_REMOVALS_PER_RUN": str(max_removals_per_run),
                "FAILOVER_WAIT_SECONDS": str(int(failover_wait.to_seconds())),
            },
            encryption_key=key,
            log_retention=log_retention,
            timeout=Duration.seconds(int(failover_wait.to_seconds()) + 60),
            reserved_concurrent_executions=1,
            vpc=vpc if vpc_subnets is not None else None,
            vpc_subnets=vpc_subnets,
            security_groups=[self.security_group] if self.security_group else None,
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ChangeTheseTargetGroupsOnly",
                actions=["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
                resources=[group.target_group_arn for group in groups.values()],
            )
        )
        describe = iam.Policy(
            self,
            "DescribeTargetHealth",
            roles=[role],
            statements=[
                iam.PolicyStatement(actions=["elasticloadbalancing:DescribeTargetHealth"], resources=["*"])
            ],
        )
        acknowledge(
            describe,
            "AwsSolutions-IAM5",
            "elasticloadbalancing:DescribeTargetHealth supports no resource-level "
            "permissions (IAM service authorization reference); it is read-only.",
            applies_to=["Resource::*"],
        )
        if vpc_subnets is not None:
            acknowledge(
                role,
                "AwsSolutions-IAM4",
                "Lambda needs this AWS managed policy to attach its network interfaces in "
                "the VPC; its EC2 network-interface actions support no narrower resource.",
                applies_to=[
                    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                    "AWSLambdaVPCAccessExecutionRole"
                ],
            )
            if create_elb_endpoint:
                assert self.security_group is not None
                self.elb_endpoint = ec2.InterfaceVpcEndpoint(
                    self,
                    "ElbEndpoint",
                    vpc=vpc,
                    service=ec2.InterfaceVpcEndpointAwsService.ELASTIC_LOAD_BALANCING,
                    subnets=vpc_subnets,
                    private_dns_enabled=True,
                    open=False,
                )
                self.elb_endpoint.connections.allow_from(
                    self.security_group, ec2.Port.tcp(443), "The target updater calls the ELB API"
                )

        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            self.dead_letter_queue,
            "AwsSolutions-SQS3",
            "This queue is the dead-letter queue of the updater's EventBridge targets.",
        )
        target = events_targets.LambdaFunction(
            self.function,
            dead_letter_queue=self.dead_letter_queue,
            retry_attempts=2,
            max_event_age=Duration.minutes(15),
        )
        events.Rule(
            self,
            "Schedule",
            description="privatelink-cdk target updater: safety-net run",
            schedule=events.Schedule.rate(schedule),
            targets=[target],
        )
        if source_identifiers:
            events.Rule(
                self,
                "RdsEvents",
                description="privatelink-cdk target updater: the database failed over or changed",
                event_pattern=events.EventPattern(
                    source=["aws.rds"],
                    detail_type=list(_DETAIL_TYPES),
                    detail={
                        "SourceIdentifier": list(source_identifiers),
                        "EventCategories": list(RDS_EVENT_CATEGORIES),
                    },
                ),
                targets=[target],
            )

        self.alarms = [
            cloudwatch.Alarm(
                self,
                "ErrorsAlarm",
                alarm_description=f"The target updater for {hostname} failed: see its log group",
                metric=self.function.metric_errors(period=Duration.minutes(1), statistic="Sum"),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            ),
            cloudwatch.Alarm(
                self,
                "DeadLettersAlarm",
                alarm_description="Events for the target updater were dropped after retries",
                metric=self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                    period=Duration.minutes(1), statistic="Maximum"
                ),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            ),
        ]
        for group_port, group in groups.items():
            self.alarms.append(
                cloudwatch.Alarm(
                    self,
                    f"Port{group_port}NoHealthyTarget",
                    alarm_description=f"No healthy target behind port {group_port} ({hostname})",
                    metric=group.metrics.healthy_host_count(period=Duration.minutes(1), statistic="Minimum"),
                    threshold=1,
                    evaluation_periods=2,
                    comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                    treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
                )
            )
        if alarm_topic is not None:
            for alarm in self.alarms:
                alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))

    @classmethod
    def for_instance(
        cls,
        scope: Construct,
        construct_id: str,
        *,
        instance: rds.IDatabaseInstance,
        **kwargs: Unpack[UpdaterOptions],
    ) -> RdsTargetGroupUpdater:
        """Follow a DB instance: its endpoint, its port, its events."""
        # A number token is a float in Python; it resolves to the instance's port at deploy time.
        kwargs.setdefault("port", cast(int, Token.as_number(instance.db_instance_endpoint_port)))
        return cls(
            scope,
            construct_id,
            hostname=instance.db_instance_endpoint_address,
            source_identifiers=[instance.instance_identifier],
            **kwargs,
        )

    @classmethod
    def for_cluster(
        cls,
        scope: Construct,
        construct_id: str,
        *,
        cluster: rds.IDatabaseCluster,
        reader: bool = False,
        **kwargs: Unpack[UpdaterOptions],
    ) -> RdsTargetGroupUpdater:
        """Follow an Aurora cluster's writer endpoint (or its reader endpoint), port and events."""
        endpoint = cluster.cluster_read_endpoint if reader else cluster.cluster_endpoint
        kwargs.setdefault("port", cast(int, endpoint.port))
        return cls(
            scope,
            construct_id,
            hostname=endpoint.hostname,
            source_identifiers=[cluster.cluster_identifier],
            **kwargs,
        )

    @classmethod
    def for_proxy(
        cls,
        scope: Construct,
        construct_id: str,
        *,
        proxy: rds.IDatabaseProxy,
        **kwargs: Unpack[UpdaterOptions],
    ) -> RdsTargetGroupUpdater:
        """Follow an RDS Proxy endpoint. It resolves only inside the VPC: give ``vpc_subnets``."""
        return cls(
            scope,
            construct_id,
            hostname=proxy.endpoint,
            source_identifiers=[proxy.db_proxy_name],
            **kwargs,
        )


def _target_groups(
    scope: Construct,
    target_group: elbv2.INetworkTargetGroup | None,
    port: int | None,
    target_groups: Mapping[int, elbv2.INetworkTargetGroup] | None,
) -> dict[int, elbv2.INetworkTargetGroup]:
    problems: list[Problem] = []
    groups: dict[int, elbv2.INetworkTargetGroup] = {}
    if target_groups is not None and target_group is not None:
        problems.append(Problem("target_group", "give target_group and port, or target_groups, not both"))
    elif target_groups is not None:
        groups = dict(target_groups)
        if not groups:
            problems.append(Problem("target_groups", "at least one target group is required, got none"))
    elif target_group is not None:
        if port is None:
            problems.append(
                Problem("port", "required with target_group (the port targets are registered with)")
            )
        else:
            groups = {port: target_group}
    else:
        problems.append(Problem("target_group", "required (with port), or target_groups"))
    if groups:
        problems += check_ports(
            list(groups), argument="target_groups" if target_groups else "port", maximum=None
        )
    raise_if_problems(scope, problems)
    return groups
