"""RdsTargetGroupUpdater: keep an NLB's IP target groups in step with a database's addresses."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Required, TypedDict, Unpack, cast

import jsii
from aws_cdk import Annotations, ArnFormat, Duration, Fn, Names, RemovalPolicy, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from privatelink_constructs._defaults import DEFAULT_LOG_RETENTION
from privatelink_constructs._function import (
    acknowledge_inline_policy,
    acknowledge_sse_sqs,
    alarm_on_any,
    create_encryption_key,
    dead_letter_queue,
    notify,
    python_function,
)
from privatelink_constructs._nag import (
    SERVERLESS,
    acknowledge,
    acknowledge_findings,
    resource_finding,
    rule_ids,
)
from privatelink_constructs._network import closed_security_group
from privatelink_constructs._tokens import is_unresolved
from privatelink_constructs.rules import (
    RDS_MODE_OF_KIND,
    Problem,
    check_cidrs,
    check_database_hostname,
    check_elb_endpoint_placement,
    check_failover_wait,
    check_follow_mode,
    check_max_removals,
    check_ports,
    check_registrable_cidrs,
    check_reserved_concurrency,
    check_schedule,
    check_source_identifiers,
    check_topic_arn,
    partition_of,
    raise_if_problems,
)
from privatelink_constructs.template_size import enforce_template_size_limit

from ._hostname import RdsHostname, parse_rds_hostname

if TYPE_CHECKING:
    from aws_cdk import aws_elasticloadbalancingv2 as elbv2
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_rds as rds
    from aws_cdk import aws_sns as sns

__all__ = [
    "METRIC_NAMESPACE",
    "RDS_EVENT_CATEGORIES",
    "FollowMode",
    "RdsTargetGroupUpdater",
    "UpdaterOptions",
]

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

METRIC_NAMESPACE = "PrivateLinkCdk/TargetUpdater"
"""The CloudWatch namespace of the updater's own metrics."""

_DETAIL_TYPES = ("RDS DB Instance Event", "RDS DB Cluster Event", "RDS DB Proxy Event")
_MESSAGE_GROUP = "target-updater"
_LAMBDA_ENVIRONMENT_LIMIT = 4096
_ROLE_INLINE_POLICY_LIMIT = 10240
_TARGET_GROUP_ARN_MAX = (
    len("arn:aws-us-gov:elasticloadbalancing:ap-southeast-7:123456789012:targetgroup/") + 32 + 17
)


class FollowMode(enum.Enum):
    """How the updater learns the database's addresses."""

    RDS_CLUSTER_WRITER = "rds-cluster-writer"
    """The writer of an Aurora (or Multi-AZ) DB cluster, from DescribeDBClusters."""
    RDS_CLUSTER_READERS = "rds-cluster-readers"
    """Every reader of a DB cluster (its writer when it has none), from DescribeDBClusters."""
    RDS_INSTANCE = "rds-instance"
    """One DB instance, from DescribeDBInstances and its endpoint."""
    DNS = "dns"
    """The hostname's settled DNS answer: RDS Proxy, custom endpoints, names outside RDS."""


_MODE_OF_KIND = {kind: FollowMode(mode) for kind, mode in RDS_MODE_OF_KIND.items()}


class UpdaterOptions(TypedDict, total=False):
    """The keyword arguments ``for_instance``, ``for_cluster`` and ``for_proxy`` pass through."""

    vpc: Required[ec2.IVpc]
    target_group: elbv2.INetworkTargetGroup | None
    port: int | None
    target_groups: Mapping[int, elbv2.INetworkTargetGroup] | None
    ipv6: bool | None
    schedule: Duration | None
    max_removals_per_run: int
    failover_wait: Duration | None
    alarm_topic: sns.ITopic | None
    vpc_subnets: ec2.SubnetSelection | None
    create_elb_endpoint: bool
    encryption_key: kms.IKey | None
    log_retention: logs.RetentionDays
    target_cidrs: Sequence[str]
    reserved_concurrent_executions: int | None


@jsii.implements(ec2.IConnectable)
class RdsTargetGroupUpdater(Construct):
    """A Lambda that keeps IP target groups registered with the addresses of a database.

    An NLB cannot target a hostname, and an RDS instance, Aurora cluster or RDS Proxy changes its
    addresses on failover, maintenance and scaling. This construct creates:

    - one Python Lambda (code from a folder asset, stdlib and the runtime's boto3 only, JSON
      logs with the request ID on every line, an encrypted log group);
    - its only trigger, an SQS FIFO queue with one message group and batch size 1, filled by
      EventBridge with the database's RDS events (failover, failure, availability, maintenance,
      recovery, configuration change: handled within seconds) and a schedule (every minute by
      default) as the safety net. SQS hands Lambda one message of a group at a time, so runs
      never overlap, without reserved concurrency (which fails the deploy in accounts whose
      Lambda concurrency quota is 10). Failed runs are retried, then kept in a FIFO
      dead-letter queue;
    - IAM: RegisterTargets and DeregisterTargets on the given target groups only, the RDS
      describe calls on the database's ARN, and read-only calls that support no narrower scope;
    - alarms on the function's errors, on both dead-letter queues, on refused addresses, and on
      each target group having no healthy target, sent to ``alarm_topic`` when given.

    Where the addresses come from (``mode``, derived from the hostname by default):

    - Aurora cluster, cluster-reader and DB instance endpoints: the RDS API says which instances
      are the writer and the readers, and each instance's own endpoint gives its one address.
      Readers never flap and the writer is known the moment RDS knows it.
    - RDS Proxy, custom endpoints and other names: DNS, asked in windows of lookups until two
      windows agree (a settled answer). Only a settled answer removes targets.

    Only addresses inside the VPC's CIDR blocks (all of them, IPv4 and IPv6, read at run time)
    or inside ``target_cidrs`` are registered; any other answer registers and deregisters
    nothing and fails the run. Each target group gets addresses of its own IP family. New
    addresses are registered first, then stale ones deregistered, at most
    ``max_removals_per_run`` per run. Nothing is ever deregistered when the database gives no
    address, so the target group is never emptied; every failure fails the run.

    Use ``for_instance``, ``for_cluster`` or ``for_proxy`` to fill the hostname, port, mode and
    event filter from an ``rds`` construct.
    """

    function: lambda_.Function
    """The updater function."""
    log_group: logs.LogGroup
    """Its log group: one JSON line per target group and run, and the metrics (EMF)."""
    queue: sqs.Queue
    """The FIFO queue that feeds the function, one message at a time."""
    failed_runs_queue: sqs.Queue
    """Messages whose runs failed after retries."""
    dead_letter_queue: sqs.Queue
    """Events EventBridge could not deliver to the queue after retries."""
    alarms: list[cloudwatch.Alarm]
    """Errors, dead letters, failed runs, refused addresses, one no-healthy-target per group."""
    security_group: ec2.SecurityGroup | None
    """The function's security group, when it runs in the VPC."""
    elb_endpoint: ec2.InterfaceVpcEndpoint | None
    """The ``elasticloadbalancing`` interface endpoint, when ``create_elb_endpoint`` is True."""
    api_endpoints: dict[str, ec2.InterfaceVpcEndpoint]
    """Every interface endpoint ``create_elb_endpoint`` added, by service."""
    mode: FollowMode
    """Where the addresses come from."""
    database_identifier: str | None
    """The cluster or instance the RDS modes follow."""

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
        ipv6: bool | None = None,
        schedule: Duration | None = None,
        max_removals_per_run: int = 5,
        failover_wait: Duration | None = None,
        alarm_topic: sns.ITopic | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        create_elb_endpoint: bool = False,
        encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = DEFAULT_LOG_RETENTION,
        removal_policy: RemovalPolicy | None = None,
        mode: FollowMode | None = None,
        database_identifier: str | None = None,
        target_cidrs: Sequence[str] = (),
        reserved_concurrent_executions: int | None = None,
    ) -> None:
        """Create the function, its queue and triggers, permissions and alarms.

        :param vpc: The target groups' VPC. Addresses inside any of its CIDR blocks are
            registered without an Availability Zone.
        :param hostname: The database's cluster, cluster-reader, instance or proxy endpoint, or
            any DNS name. IP addresses are refused.
        :param target_group: One IP target group to keep in step, with ``port``.
        :param port: The port the target group's targets are registered with.
        :param target_groups: Several IP target groups instead, by the port their targets are
            registered with (``ProviderEndpointService.target_groups`` fits as it is).
        :param source_identifiers: DB instance, cluster or proxy identifiers whose RDS events
            trigger an update. Defaults to the identifier in the hostname's first label (a
            warning says so when the hostname shows none: the schedule alone then follows it).
        :param ipv6: Ignored (a warning says so): each target group gets the addresses of its
            own IP family, read from ELB. Kept so existing code keeps working.
        :param schedule: How often the safety-net run happens. Defaults to every minute.
        :param max_removals_per_run: The most targets one run may deregister. Defaults to 5.
        :param failover_wait: After a failover event, how long to ask again until the database's
            addresses change. Defaults to 30 seconds.
        :param alarm_topic: Where every alarm sends notifications. Defaults to none: the alarms
            notify nobody, and a warning (``@privatelink-cdk/alarms:noAlarmTopic``) says so.
        :param vpc_subnets: Run the function in these subnets of ``vpc``, for a hostname that
            resolves only inside the VPC (RDS Proxy). The function must still reach the AWS APIs:
            through a NAT gateway (allow HTTPS egress with ``connections``), or through the
            endpoints ``create_elb_endpoint`` adds. Defaults to outside any VPC.
        :param create_elb_endpoint: Add interface endpoints (private DNS on) for every API the
            function calls, that only the function may use: ``elasticloadbalancing``, ``ec2``
            and, in the RDS modes, ``rds``. They share one security group that admits HTTPS
            from the function's group and allows nothing out, and each endpoint's policy allows
            the function's role exactly the calls it makes there (register and deregister on
            its target groups only). Private DNS sends every call to these APIs from the VPC to
            them: other workloads there cannot use them. Needs ``vpc_subnets``. Defaults to none.
        :param encryption_key: KMS key for the log group. Defaults to a new key with rotation.
        :param log_retention: How long logs are kept. Defaults to three months.
        :param removal_policy: What happens to the KMS key (when this construct makes one) and
            the function's log group when they leave the stack. Defaults to keeping the key (a
            deleted key makes whatever it encrypted unreadable) and deleting the log group.
        :param mode: Where the addresses come from. Defaults to the hostname's kind: cluster
            endpoint: ``RDS_CLUSTER_WRITER``; cluster-reader endpoint: ``RDS_CLUSTER_READERS``;
            instance endpoint: ``RDS_INSTANCE``; anything else: ``DNS``.
        :param database_identifier: The cluster or instance the RDS modes follow. Defaults to
            the hostname's first label.
        :param target_cidrs: Networks outside the VPC whose addresses may be registered (with
            Availability Zone ``all``): a peered VPC, on-premises. IPv4 blocks must lie in
            RFC 1918 or RFC 6598 space, as ELB requires. Defaults to none: the VPC only.
        :param reserved_concurrent_executions: Reserve this much concurrency for the function.
            Not needed (the queue already runs one at a time). Defaults to none.
        """
        super().__init__(scope, construct_id)
        self._groups = _target_groups(self, target_group, port, target_groups)
        parsed = None if is_unresolved(hostname) else parse_rds_hostname(hostname)
        self.mode = mode or (_MODE_OF_KIND.get(parsed.kind, FollowMode.DNS) if parsed else FollowMode.DNS)
        self.database_identifier = database_identifier or (
            parsed.identifier if parsed and self.mode is not FollowMode.DNS else None
        )
        self._hostname = hostname
        self._region = parsed.region if parsed else None
        schedule = schedule or Duration.minutes(1)
        failover_wait = failover_wait or Duration.seconds(30)
        environment, estimate = self._environment(max_removals_per_run, failover_wait, target_cidrs)
        raise_if_problems(
            self,
            [
                *check_database_hostname(hostname),
                *check_follow_mode(
                    self.mode.value, hostname, self.database_identifier, shown=lambda v: FollowMode(v).name
                ),
                *check_max_removals(max_removals_per_run),
                *check_reserved_concurrency(reserved_concurrent_executions),
                *check_schedule(schedule.to_seconds(), argument="schedule", shown=schedule.to_human_string),
                *check_failover_wait(failover_wait.to_seconds(), shown=failover_wait.to_human_string),
                *check_cidrs(target_cidrs, argument="target_cidrs"),
                *check_registrable_cidrs(target_cidrs),
                *check_elb_endpoint_placement(create_elb_endpoint, in_vpc=vpc_subnets is not None),
                *_limit_problems(estimate, len(self._groups)),
                *check_source_identifiers(source_identifiers),
                *(
                    check_topic_arn(
                        alarm_topic.topic_arn,
                        argument="alarm_topic",
                        partition=partition_of(Stack.of(self).region),
                    )
                    if alarm_topic is not None
                    else []
                ),
            ],
        )
        enforce_template_size_limit(self)
        if ipv6 is not None:
            Annotations.of(self).add_warning_v2(
                "privatelink-cdk:updaterIpv6Ignored",
                "ipv6 is ignored: each target group gets the addresses of its own IP family.",
            )
        self._add_network(vpc, vpc_subnets, create_elb_endpoint)
        self._add_function(
            vpc=vpc,
            subnets=vpc_subnets,
            environment=environment,
            failover_wait=failover_wait,
            key=encryption_key,
            log_retention=log_retention,
            removal_policy=removal_policy,
            reserved=reserved_concurrent_executions,
        )
        self._add_permissions()
        self._add_triggers(schedule, source_identifiers or self._derived_sources(parsed))
        self._add_alarms(alarm_topic)

    # ---- steps -------------------------------------------------------------------------------

    def _environment(
        self, max_removals: int, failover_wait: Duration, target_cidrs: Sequence[str]
    ) -> tuple[dict[str, str], int]:
        """The function's settings, and the most bytes they can take once deployed."""
        entries = [f"{port}={_group_id(group)}" for port, group in self._groups.items()]
        environment = {
            "HOSTNAME": self._hostname,
            "MODE": self.mode.value,
            "TARGET_GROUPS": ",".join(entries),
            "TARGET_CIDRS": ",".join(target_cidrs),
            "MAX_REMOVALS_PER_RUN": str(max_removals),
            "FAILOVER_WAIT_SECONDS": str(int(failover_wait.to_seconds())),
        }
        if self.database_identifier is not None:
            environment["DB_IDENTIFIER"] = self.database_identifier
        if self._region is not None:
            environment["DB_REGION"] = self._region
        # Tokens resolve at deploy time: count them at their largest (a DNS name, an RDS
        # identifier, a target group ID).
        worst = {"HOSTNAME": 253, "DB_IDENTIFIER": 63, "DB_REGION": 20}
        estimate = sum(len(str(port)) + 18 for port in self._groups) + len("TARGET_GROUPS")
        for key, value in environment.items():
            if key != "TARGET_GROUPS":
                estimate += len(key) + (worst.get(key, 64) if is_unresolved(value) else len(value))
        return environment, estimate

    def _add_network(self, vpc: ec2.IVpc, subnets: ec2.SubnetSelection | None, endpoints: bool) -> None:
        self.security_group = None
        self.elb_endpoint = None
        self.api_endpoints = {}
        if subnets is None:
            return
        self.security_group = closed_security_group(
            self, vpc, description="privatelink-cdk target updater: HTTPS to the AWS APIs"
        )
        self.security_group.add_egress_rule(
            ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(443), "AWS APIs through interface endpoints"
        )
        if not endpoints:
            return
        services = {
            "Elb": ec2.InterfaceVpcEndpointAwsService.ELASTIC_LOAD_BALANCING,
            "Ec2": ec2.InterfaceVpcEndpointAwsService.EC2,
        }
        if self.mode is not FollowMode.DNS:
            services["Rds"] = ec2.InterfaceVpcEndpointAwsService.RDS
            region = Stack.of(self).region
            if self._region and not is_unresolved(region) and self._region != region:
                Annotations.of(self).add_warning_v2(
                    "privatelink-cdk:updaterRdsEndpointOtherRegion",
                    f"create_elb_endpoint: the database is in {self._region} and the endpoints in "
                    f"{region}; the function calls the RDS API of {self._region}, which these "
                    "endpoints do not serve: give the VPC a NAT gateway (and the function HTTPS "
                    "egress with updater.connections), or every run fails.",
                )
        # One closed group for the endpoints: HTTPS in from the function only, nothing out (an
        # endpoint answers on the connection it was asked on). The function's group already
        # allows HTTPS to the VPC's block.
        endpoint_group = closed_security_group(
            self,
            vpc,
            construct_id="EndpointSecurityGroup",
            description="privatelink-cdk target updater API endpoints: HTTPS from the updater only",
        )
        endpoint_group.add_ingress_rule(self.security_group, ec2.Port.tcp(443), "The target updater's calls")
        for name, service in services.items():
            self.api_endpoints[name.lower()] = ec2.InterfaceVpcEndpoint(
                self,
                f"{name}Endpoint",
                vpc=vpc,
                service=service,
                subnets=subnets,
                private_dns_enabled=True,
                open=False,
                security_groups=[endpoint_group],
            )
        self.elb_endpoint = self.api_endpoints["elb"]

    def _limit_endpoints(self) -> None:
        """Each endpoint's policy: the function's role, and exactly the calls it makes there."""
        calls = {
            "elb": [
                (
                    ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
                    self._arns(),
                ),
                (
                    [
                        "elasticloadbalancing:DescribeTargetHealth",
                        "elasticloadbalancing:DescribeTargetGroups",
                    ],
                    ["*"],
                ),
            ],
            "ec2": [(["ec2:DescribeVpcs"], ["*"])],
            "rds": [(["rds:DescribeDBClusters", "rds:DescribeDBInstances"], ["*"])],
        }
        for name, endpoint in self.api_endpoints.items():
            for actions, resources in calls[name]:
                endpoint.add_to_policy(
                    iam.PolicyStatement(
                        principals=[iam.AnyPrincipal()],
                        actions=actions,
                        resources=resources,
                        conditions={"ArnEquals": {"aws:PrincipalArn": self._role.role_arn}},
                    )
                )

    def _arns(self) -> list[str]:
        return [group.target_group_arn for group in self._groups.values()]

    def _add_function(
        self,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection | None,
        environment: dict[str, str],
        failover_wait: Duration,
        key: kms.IKey | None,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy | None,
        reserved: int | None,
    ) -> None:
        self._timeout = Duration.seconds(int(failover_wait.to_seconds()) + 60)
        self.function, self.log_group, self._role = python_function(
            self,
            "Function",
            asset_dir=_ASSET_DIR,
            handler="runtime.handler.handler",
            description="privatelink-cdk: keeps NLB IP target groups in step with a database",
            environment=environment,
            encryption_key=key
            or create_encryption_key(
                self,
                "Key",
                description="privatelink-cdk target updater logs",
                removal_policy=removal_policy or RemovalPolicy.RETAIN,
            ),
            log_retention=log_retention,
            log_removal_policy=removal_policy or RemovalPolicy.DESTROY,
            timeout=self._timeout,
            reserved_concurrent_executions=reserved,
            vpc=vpc if subnets is not None else None,
            vpc_subnets=subnets,
            security_groups=[self.security_group] if self.security_group else None,
            no_dead_letter_queue_reason=(
                "Only its SQS event source mapping invokes it, synchronously: Lambda's dead-letter "
                "queue holds failed asynchronous invocations only. A failed run's message returns to "
                "the run queue and, after 3 receives, goes to that queue's own dead-letter queue "
                "(FailedRuns), which alarms."
            ),
        )

    def _add_permissions(self) -> None:
        self._role.add_to_policy(
            iam.PolicyStatement(
                sid="ChangeTheseTargetGroupsOnly",
                actions=["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
                resources=self._arns(),
            )
        )
        describe = iam.Policy(
            self,
            "DescribeTargetHealth",
            roles=[self._role],
            statements=[
                iam.PolicyStatement(
                    actions=[
                        "elasticloadbalancing:DescribeTargetHealth",
                        "elasticloadbalancing:DescribeTargetGroups",
                        "ec2:DescribeVpcs",
                    ],
                    resources=["*"],
                )
            ],
        )
        acknowledge(
            describe,
            "AwsSolutions-IAM5",
            "elasticloadbalancing:DescribeTargetHealth, elasticloadbalancing:DescribeTargetGroups "
            "and ec2:DescribeVpcs support no resource-level permissions (IAM service authorization "
            "reference); they are read-only.",
            applies_to=["Resource::*"],
        )
        acknowledge_inline_policy(describe)
        if self.mode is not FollowMode.DNS:
            self._grant_rds_describe()
        self._limit_endpoints()

    def _grant_rds_describe(self) -> None:
        assert self.database_identifier is not None
        stack = Stack.of(self)

        def arn(resource: str, name: str) -> str:
            return stack.format_arn(
                service="rds",
                resource=resource,
                resource_name=name,
                region=self._region,
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )

        if self.mode is FollowMode.RDS_INSTANCE:
            statements = [
                iam.PolicyStatement(
                    actions=["rds:DescribeDBInstances"], resources=[arn("db", self.database_identifier)]
                )
            ]
        else:
            statements = [
                iam.PolicyStatement(
                    actions=["rds:DescribeDBClusters"], resources=[arn("cluster", self.database_identifier)]
                ),
                iam.PolicyStatement(actions=["rds:DescribeDBInstances"], resources=[arn("db", "*")]),
            ]
        policy = iam.Policy(self, "DescribeDatabase", roles=[self._role], statements=statements)
        acknowledge_inline_policy(policy)
        if self.mode is not FollowMode.RDS_INSTANCE:
            acknowledge(
                policy,
                "AwsSolutions-IAM5",
                "The cluster's member instances come and go (readers are added and replaced); "
                "rds:DescribeDBInstances, read-only, reads each member's endpoint. Scoped to DB "
                "instances of this account and the database's region.",
                applies_to=[resource_finding(policy, arn("db", "*"))],
            )

    def _add_triggers(self, schedule: Duration, sources: Sequence[str]) -> None:
        self.failed_runs_queue = dead_letter_queue(
            self,
            "FailedRuns",
            fifo=True,
            queue_name=_fifo_queue_name(self, "failed"),
            reason="This queue is the dead-letter queue of the updater's run queue.",
        )
        self.queue = sqs.Queue(
            self,
            "Runs",
            queue_name=_fifo_queue_name(self, "runs"),
            fifo=True,
            content_based_deduplication=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            # Lambda requires at least the function's timeout; a failed run is retried this soon.
            visibility_timeout=self._timeout.plus(Duration.seconds(30)),
            # Every run reconciles everything, so an old message adds nothing; a short retention
            # keeps the backlog (and a failover event's wait behind it) small after an outage.
            retention_period=Duration.minutes(15),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=3, queue=self.failed_runs_queue),
        )
        acknowledge_sse_sqs(self.queue)
        self.function.add_event_source(event_sources.SqsEventSource(self.queue, batch_size=1))
        for mapping in self.function.node.children:
            if isinstance(mapping, lambda_.EventSourceMapping):
                acknowledge_findings(
                    mapping,
                    "SQS event source mappings take no on-failure destination (Lambda offers one for "
                    "stream and Kafka sources only): a failed run's message goes to the run queue's own "
                    "dead-letter queue (FailedRuns) after 3 receives, and that queue alarms.",
                    rules=rule_ids("LambdaEventSourceMappingDestination", SERVERLESS),
                )
        self.dead_letter_queue = dead_letter_queue(
            self,
            "DeadLetters",
            reason="This queue is the dead-letter queue of the updater's EventBridge targets.",
        )
        target = events_targets.SqsQueue(
            self.queue,
            message_group_id=_MESSAGE_GROUP,
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
        if sources:
            events.Rule(
                self,
                "RdsEvents",
                description="privatelink-cdk target updater: the database failed over or changed",
                event_pattern=events.EventPattern(
                    source=["aws.rds"],
                    detail_type=list(_DETAIL_TYPES),
                    detail={"SourceIdentifier": list(sources), "EventCategories": list(RDS_EVENT_CATEGORIES)},
                ),
                targets=[target],
            )

    def _derived_sources(self, parsed: RdsHostname | None) -> list[str]:
        identifier = parsed.source_identifier if parsed else None
        identifier = identifier or self.database_identifier
        if identifier is None:
            Annotations.of(self).add_warning_v2(
                "privatelink-cdk:updaterNoRdsEvents",
                f"No RDS event rule: {self._hostname!r} shows no RDS identifier. The schedule alone "
                "follows it; pass source_identifiers to react to failovers within seconds.",
            )
            return []
        return [identifier]

    def _add_alarms(self, alarm_topic: sns.ITopic | None) -> None:
        minute = Duration.minutes(1)
        self.alarms = [
            alarm_on_any(
                self,
                "ErrorsAlarm",
                description=f"The target updater for {self._hostname} failed: see its log group",
                metric=self.function.metric_errors(period=minute, statistic="Sum"),
            ),
            alarm_on_any(
                self,
                "DeadLettersAlarm",
                description="Events for the target updater were dropped after retries",
                metric=self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                    period=minute, statistic="Maximum"
                ),
            ),
            alarm_on_any(
                self,
                "FailedRunsAlarm",
                description="Target updater runs failed after retries: see its log group",
                metric=self.failed_runs_queue.metric_approximate_number_of_messages_visible(
                    period=minute, statistic="Maximum"
                ),
            ),
            alarm_on_any(
                self,
                "RefusedAddressesAlarm",
                description=f"{self._hostname} answered addresses the provider does not serve: "
                "nothing was changed; check its DNS",
                metric=self.metric_refused_addresses(period=minute),
            ),
        ]
        for group_port, group in self._groups.items():
            self.alarms.append(
                cloudwatch.Alarm(
                    self,
                    f"Port{group_port}NoHealthyTarget",
                    alarm_description=f"No healthy target behind port {group_port} ({self._hostname})",
                    metric=group.metrics.healthy_host_count(period=minute, statistic="Minimum"),
                    threshold=1,
                    evaluation_periods=2,
                    comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                    treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
                )
            )
        notify(self, self.alarms, alarm_topic)

    # ---- public members ----------------------------------------------------------------------

    @property
    def connections(self) -> ec2.Connections:
        """The function's security group (only when it runs in the VPC, as for ``lambda.Function``)."""
        return self.function.connections

    def metric(
        self,
        metric_name: str,
        *,
        port: int | None = None,
        period: Duration | None = None,
        statistic: str = "Sum",
    ) -> cloudwatch.Metric:
        """One of the updater's own metrics (namespace ``PrivateLinkCdk/TargetUpdater``).

        :param metric_name: ``Registered``, ``Deregistered``, ``ResolvedAddresses``,
            ``RefusedAddresses``, ``Failed`` or ``Duration`` (milliseconds).
        :param port: The target group of this port only. Defaults to every target group.
        :param period: Defaults to 5 minutes.
        :param statistic: Defaults to ``Sum``.
        """
        dimensions = {"Updater": self.function.function_name}
        if port is not None:
            group = self._groups[port]
            dimensions["TargetGroup"] = Fn.select(5, Fn.split(":", group.target_group_arn))
        return cloudwatch.Metric(
            namespace=METRIC_NAMESPACE,
            metric_name=metric_name,
            dimensions_map=dimensions,
            period=period or Duration.minutes(5),
            statistic=statistic,
        )

    def metric_registered(
        self, *, port: int | None = None, period: Duration | None = None
    ) -> cloudwatch.Metric:
        """Targets registered (sum). Defaults to every target group over 5 minutes."""
        return self.metric("Registered", port=port, period=period)

    def metric_deregistered(
        self, *, port: int | None = None, period: Duration | None = None
    ) -> cloudwatch.Metric:
        """Targets deregistered (sum). Defaults to every target group over 5 minutes."""
        return self.metric("Deregistered", port=port, period=period)

    def metric_resolved_addresses(
        self, *, port: int | None = None, period: Duration | None = None
    ) -> cloudwatch.Metric:
        """Addresses the database had, per run (maximum). Defaults to every group over 5 minutes."""
        return self.metric("ResolvedAddresses", port=port, period=period, statistic="Maximum")

    def metric_refused_addresses(
        self, *, port: int | None = None, period: Duration | None = None
    ) -> cloudwatch.Metric:
        """Addresses refused as outside the VPC and ``target_cidrs`` (sum). Any is an incident."""
        return self.metric("RefusedAddresses", port=port, period=period)

    def metric_failed(self, *, port: int | None = None, period: Duration | None = None) -> cloudwatch.Metric:
        """Target group updates that failed (sum). Defaults to every target group over 5 minutes."""
        return self.metric("Failed", port=port, period=period)

    def metric_duration(
        self, *, port: int | None = None, period: Duration | None = None
    ) -> cloudwatch.Metric:
        """Milliseconds a run took (maximum). Defaults to every target group over 5 minutes."""
        return self.metric("Duration", port=port, period=period, statistic="Maximum")

    # ---- factories ---------------------------------------------------------------------------

    @classmethod
    def for_instance(
        cls,
        scope: Construct,
        construct_id: str,
        *,
        instance: rds.IDatabaseInstance,
        **kwargs: Unpack[UpdaterOptions],
    ) -> RdsTargetGroupUpdater:
        """Follow a DB instance: its endpoint, its port, its events, from the RDS API."""
        # A number token is a float in Python; it resolves to the instance's port at deploy time.
        kwargs.setdefault("port", cast(int, Token.as_number(instance.db_instance_endpoint_port)))
        return cls(
            scope,
            construct_id,
            hostname=instance.db_instance_endpoint_address,
            source_identifiers=[instance.instance_identifier],
            mode=FollowMode.RDS_INSTANCE,
            database_identifier=instance.instance_identifier,
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
        """Follow an Aurora cluster's writer (or its readers), port and events, from the RDS API."""
        endpoint = cluster.cluster_read_endpoint if reader else cluster.cluster_endpoint
        kwargs.setdefault("port", cast(int, endpoint.port))
        return cls(
            scope,
            construct_id,
            hostname=endpoint.hostname,
            source_identifiers=[cluster.cluster_identifier],
            mode=FollowMode.RDS_CLUSTER_READERS if reader else FollowMode.RDS_CLUSTER_WRITER,
            database_identifier=cluster.cluster_identifier,
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
        """Follow an RDS Proxy endpoint in DNS. It resolves only inside the VPC: give ``vpc_subnets``."""
        return cls(
            scope,
            construct_id,
            hostname=proxy.endpoint,
            source_identifiers=[proxy.db_proxy_name],
            mode=FollowMode.DNS,
            **kwargs,
        )


def _fifo_queue_name(scope: Construct, suffix: str) -> str:
    """A FIFO queue name from the construct path: unique in the app, within SQS's 80 characters.

    CloudFormation names a FIFO queue itself only when the generated name fits, and some tools
    never add the ``.fifo`` suffix SQS requires; an explicit name works everywhere.
    """
    base = Names.unique_resource_name(scope, max_length=80 - len(suffix) - len("-.fifo"), separator="-")
    return f"{base}-{suffix}.fifo"


# ---- argument rules: each returns the problems it finds ---------------------------------------


def _group_id(group: elbv2.INetworkTargetGroup) -> str:
    """The 16 hex digits that end a target group's ARN (its ID), as a string or a token."""
    arn = group.target_group_arn
    if is_unresolved(arn):
        return Fn.select(2, Fn.split("/", arn))
    return arn.rsplit("/", 1)[-1]


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


def _limit_problems(environment_bytes: int, groups: int) -> list[Problem]:
    problems = []
    if environment_bytes > _LAMBDA_ENVIRONMENT_LIMIT:
        problems.append(
            Problem(
                "target_groups",
                f"the function's environment would take up to {environment_bytes} bytes, over Lambda's "
                f"{_LAMBDA_ENVIRONMENT_LIMIT} byte limit; use fewer target groups or target_cidrs",
            )
        )
    policy_bytes = 3000 + groups * (_TARGET_GROUP_ARN_MAX + 3)
    if policy_bytes > _ROLE_INLINE_POLICY_LIMIT:
        problems.append(
            Problem(
                "target_groups",
                f"{groups} target groups would take the role's policies to about {policy_bytes} characters, "
                f"over IAM's {_ROLE_INLINE_POLICY_LIMIT} limit; split them between two updaters",
            )
        )
    return problems
