"""The L2 app for ``scripts/bench_synth.py``: the default app written by hand with aws-cdk-lib's L2s.

This is the baseline issue 13 names: what a platform engineer writes today without
privatelink-cdk, for the same link the default config describes. A provider stack (VPC with
flow logs, internal NLB with a security group, IP target group and listener on 5432, endpoint
service with an allowlist and connection notifications to an encrypted topic, an acceptor Lambda
with its dead-letter queue, sweep schedule and alarms, an RDS target updater Lambda behind a FIFO
queue fed by a schedule and RDS events, with its alarms) and a consumer stack (VPC with flow logs,
interface endpoint with a closed security group, private hosted zone and alias record), one KMS
key per stack, the outputs, and cdk-nag's AwsSolutions pack with the stacks' findings acknowledged.

No privatelink-cdk code: no config, no rules, no checks. The Lambda code is the library's own
asset directories, so hashing and staging cost the same. ``scripts/bench_synth.py`` checks that
each stack has the default app's resource types, type for type and count for count.

    python scripts/bench_l2_app.py [--app-py-gc]

Plain, it starts as a hand-written app does. With ``--app-py-gc`` it keeps the garbage collector
out of its imports as ``app.py`` does, so that a comparison measures only the work
privatelink-cdk adds, not what ``app.py``'s start-up saves.
"""

from __future__ import annotations

import gc
import sys

if __name__ == "__main__" and "--app-py-gc" in sys.argv[1:]:
    gc.disable()  # as app.py does, until the imports are done

from pathlib import Path

from aws_cdk import Acknowledgment, App, ArnFormat, CfnOutput, Duration, Fn, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

_CODE = Path(__file__).resolve().parent.parent / "privatelink_constructs"
_EXCLUDE = ["/*.py", "**/__pycache__", "**/*.pyc"]
_PORT = 5432
_DATABASE = "your-database.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com"
_ACKNOWLEDGED = (
    "AwsSolutions-ELB2",
    "AwsSolutions-SQS3",
    "AwsSolutions-IAM5[Resource::*]",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:eu-west-1:<AWS::AccountId>:db:*]",
)
"""What a hand-written app acknowledges stack-wide (cdk-nag's ``add_stack_suppressions``)."""


def _key(stack: Stack) -> kms.Key:
    key = kms.Key(stack, "Key", enable_key_rotation=True, description=f"{stack.stack_name} logs")
    key.add_to_resource_policy(
        iam.PolicyStatement(
            actions=[
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
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


def _vpc(stack: Stack, cidr: str, key: kms.Key) -> ec2.Vpc:
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        ip_addresses=ec2.IpAddresses.cidr(cidr),
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)
        ],
    )
    flow_logs = logs.LogGroup(
        stack, "FlowLogs", encryption_key=key, retention=logs.RetentionDays.THREE_MONTHS
    )
    vpc.add_flow_log("FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs))
    return vpc


def _function(
    stack: Stack, name: str, key: kms.Key, code: str, timeout: Duration, **options: object
) -> tuple[lambda_.Function, iam.Role]:
    log_group = logs.LogGroup(
        stack, f"{name}Logs", encryption_key=key, retention=logs.RetentionDays.THREE_MONTHS
    )
    role = iam.Role(stack, f"{name}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn]
        )
    )
    function = lambda_.Function(
        stack,
        name,
        runtime=lambda_.Runtime.PYTHON_3_14,
        architecture=lambda_.Architecture.ARM_64,
        code=lambda_.Code.from_asset(str(_CODE / code), exclude=_EXCLUDE),
        handler="runtime.handler.handler",
        timeout=timeout,
        memory_size=256,
        role=role,
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.JSON,
        **options,  # type: ignore[arg-type]
    )
    return function, role


def _queue_alarm(stack: Stack, name: str, queue: sqs.Queue) -> None:
    queue.metric_approximate_number_of_messages_visible(
        period=Duration.minutes(1), statistic="Maximum"
    ).create_alarm(
        stack,
        name,
        threshold=1,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )


def _errors_alarm(stack: Stack, name: str, function: lambda_.Function) -> None:
    function.metric_errors(period=Duration.minutes(1)).create_alarm(
        stack,
        name,
        threshold=1,
        evaluation_periods=1,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )


class Provider(Stack):
    """The provider side by hand: NLB, endpoint service, acceptor, target updater."""

    def __init__(self, scope: App, construct_id: str) -> None:
        """The whole provider stack; ``service_name`` is the endpoint service's name."""
        super().__init__(scope, construct_id)
        key = _key(self)
        vpc = _vpc(self, "10.40.0.0/16", key)
        security_group = ec2.SecurityGroup(self, "NlbSecurityGroup", vpc=vpc, allow_all_outbound=False)
        security_group.add_egress_rule(ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(_PORT))
        nlb = elbv2.NetworkLoadBalancer(
            self,
            "Nlb",
            vpc=vpc,
            internet_facing=False,
            security_groups=[security_group],
            cross_zone_enabled=True,
            deletion_protection=False,
            enforce_security_group_inbound_rules_on_private_link_traffic=False,
        )
        target_group = elbv2.NetworkTargetGroup(
            self,
            "Targets",
            vpc=vpc,
            port=_PORT,
            protocol=elbv2.Protocol.TCP,
            target_type=elbv2.TargetType.IP,
            proxy_protocol_v2=False,
            preserve_client_ip=False,
            connection_termination=False,
            health_check=elbv2.HealthCheck(
                protocol=elbv2.Protocol.TCP,
                interval=Duration.seconds(10),
                healthy_threshold_count=2,
                unhealthy_threshold_count=2,
            ),
        )
        nlb.add_listener("Port5432", port=_PORT, default_target_groups=[target_group])
        service = ec2.VpcEndpointService(
            self,
            "Service",
            vpc_endpoint_service_load_balancers=[nlb],
            acceptance_required=True,
            allowed_principals=[iam.AccountPrincipal("111122223333"), iam.AccountRootPrincipal()],
        )
        topic = sns.Topic(self, "Notifications", master_key=key, enforce_ssl=True)
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"],
                principals=[iam.ServicePrincipal("vpce.amazonaws.com")],
                resources=[topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        key.grant(iam.ServicePrincipal("vpce.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        ec2.CfnVPCEndpointConnectionNotification(
            self,
            "ConnectionNotification",
            connection_events=["Accept", "Connect", "Delete", "Reject"],
            connection_notification_arn=topic.topic_arn,
            service_id=service.vpc_endpoint_service_id,
        )
        self._acceptor(key, topic, service)
        self._updater(key, target_group)
        CfnOutput(self, "ServiceName", value=service.vpc_endpoint_service_name)
        CfnOutput(self, "ServiceId", value=service.vpc_endpoint_service_id)
        CfnOutput(self, "NlbDnsName", value=nlb.load_balancer_dns_name)
        CfnOutput(self, "Ports", value=str(_PORT))
        CfnOutput(self, "DatabaseHostname", value=_DATABASE)
        self.service_name = service.vpc_endpoint_service_name

    def _acceptor(self, key: kms.Key, topic: sns.Topic, service: ec2.VpcEndpointService) -> None:
        failures = sqs.Queue(self, "AcceptFailures", retention_period=Duration.days(14), enforce_ssl=True)
        function, role = _function(
            self,
            "AcceptFunction",
            key,
            "connection_acceptor",
            Duration.seconds(30),
            dead_letter_queue=failures,
            environment={"SERVICE_ID": service.vpc_endpoint_service_id, "AUTO_ACCEPT_ACCOUNTS": self.account},
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["ec2:AcceptVpcEndpointConnections", "ec2:DescribeVpcEndpointServicePermissions"],
                resources=[
                    self.format_arn(
                        service="ec2",
                        resource="vpc-endpoint-service",
                        resource_name=service.vpc_endpoint_service_id,
                    )
                ],
            )
        )
        iam.Policy(
            self,
            "ListConnectionRequests",
            roles=[role],
            statements=[iam.PolicyStatement(actions=["ec2:DescribeVpcEndpointConnections"], resources=["*"])],
        )
        topic.add_subscription(subscriptions.LambdaSubscription(function, dead_letter_queue=failures))
        events.Rule(
            self,
            "AcceptSweep",
            schedule=events.Schedule.rate(Duration.minutes(5)),
            targets=[
                targets.LambdaFunction(
                    function, dead_letter_queue=failures, retry_attempts=2, max_event_age=Duration.minutes(15)
                )
            ],
        )
        _errors_alarm(self, "AcceptErrorsAlarm", function)
        _queue_alarm(self, "AcceptFailuresAlarm", failures)
        CfnOutput(self, "ConnectionAcceptorFunction", value=function.function_name)

    def _updater(
        self,
        key: kms.Key,
        target_group: elbv2.NetworkTargetGroup,
    ) -> None:
        failed = sqs.Queue(
            self, "UpdaterFailedRuns", fifo=True, retention_period=Duration.days(14), enforce_ssl=True
        )
        runs = sqs.Queue(
            self,
            "UpdaterRuns",
            fifo=True,
            content_based_deduplication=True,
            retention_period=Duration.minutes(15),
            visibility_timeout=Duration.minutes(2),
            dead_letter_queue=sqs.DeadLetterQueue(queue=failed, max_receive_count=3),
            enforce_ssl=True,
        )
        dead_letters = sqs.Queue(
            self, "UpdaterDeadLetters", retention_period=Duration.days(14), enforce_ssl=True
        )
        function, role = _function(
            self,
            "UpdaterFunction",
            key,
            "target_updater",
            Duration.seconds(90),
            environment={
                "HOSTNAME": _DATABASE,
                "MODE": "rds-cluster-writer",
                "TARGET_GROUPS": f"{_PORT}={target_group.target_group_name}",
                "DB_IDENTIFIER": "your-database",
                "DB_REGION": "eu-west-1",
            },
        )
        function.add_event_source(event_sources.SqsEventSource(runs, batch_size=1))
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
                resources=[target_group.target_group_arn],
            )
        )
        iam.Policy(
            self,
            "DescribeTargetHealth",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=[
                        "ec2:DescribeVpcs",
                        "elasticloadbalancing:DescribeTargetGroups",
                        "elasticloadbalancing:DescribeTargetHealth",
                    ],
                    resources=["*"],
                )
            ],
        )
        iam.Policy(
            self,
            "DescribeDatabase",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=["rds:DescribeDBClusters"],
                    resources=[
                        self.format_arn(
                            service="rds",
                            region="eu-west-1",
                            resource="cluster",
                            resource_name="your-database",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    ],
                ),
                iam.PolicyStatement(
                    actions=["rds:DescribeDBInstances"],
                    resources=[
                        self.format_arn(
                            service="rds",
                            region="eu-west-1",
                            resource="db",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    ],
                ),
            ],
        )
        target = targets.SqsQueue(
            runs,
            message_group_id="target-updater",
            dead_letter_queue=dead_letters,
            retry_attempts=2,
            max_event_age=Duration.minutes(15),
        )
        events.Rule(
            self, "UpdaterSchedule", schedule=events.Schedule.rate(Duration.minutes(1)), targets=[target]
        )
        events.Rule(
            self,
            "UpdaterRdsEvents",
            event_pattern=events.EventPattern(
                source=["aws.rds"],
                detail_type=["RDS DB Instance Event", "RDS DB Cluster Event", "RDS DB Proxy Event"],
                detail={"SourceIdentifier": ["your-database"]},
            ),
            targets=[target],
        )
        _errors_alarm(self, "UpdaterErrorsAlarm", function)
        _queue_alarm(self, "UpdaterDeadLettersAlarm", dead_letters)
        _queue_alarm(self, "UpdaterFailedRunsAlarm", failed)
        cloudwatch.Metric(
            namespace="PrivateLinkCdk/TargetUpdater",
            metric_name="RefusedAddresses",
            dimensions_map={"Updater": function.function_name},
            period=Duration.minutes(1),
            statistic="Sum",
        ).create_alarm(
            self,
            "UpdaterRefusedAddressesAlarm",
            threshold=1,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        target_group.metrics.healthy_host_count(period=Duration.minutes(1), statistic="Minimum").create_alarm(
            self,
            "UpdaterNoHealthyTarget",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        )
        CfnOutput(self, "TargetUpdaterFunction", value=function.function_name)


class Consumer(Stack):
    """The consumer side by hand: interface endpoint, closed security group, private hosted zone."""

    def __init__(self, scope: App, construct_id: str, service_name: str) -> None:
        """The whole consumer stack, connecting to ``service_name``."""
        super().__init__(scope, construct_id)
        key = _key(self)
        vpc = _vpc(self, "10.60.0.0/16", key)
        security_group = ec2.SecurityGroup(self, "EndpointSecurityGroup", vpc=vpc, allow_all_outbound=False)
        security_group.add_ingress_rule(ec2.Peer.ipv4("10.60.0.0/16"), ec2.Port.tcp(_PORT))
        endpoint = ec2.InterfaceVpcEndpoint(
            self,
            "Endpoint",
            vpc=vpc,
            service=ec2.InterfaceVpcEndpointService(service_name, _PORT),
            private_dns_enabled=False,
            security_groups=[security_group],
            open=False,
        )
        zone = route53.PrivateHostedZone(self, "Zone", zone_name="example.internal", vpc=vpc)
        route53.ARecord(
            self,
            "Record",
            zone=zone,
            record_name="db.example.internal",
            target=route53.RecordTarget.from_alias(route53_targets.InterfaceVpcEndpointTarget(endpoint)),
        )
        CfnOutput(self, "EndpointId", value=endpoint.vpc_endpoint_id)
        CfnOutput(
            self,
            "DnsName",
            value=Fn.select(1, Fn.split(":", Fn.select(0, endpoint.vpc_endpoint_dns_entries))),
        )
        CfnOutput(self, "ClientHostname", value="db.example.internal")
        CfnOutput(self, "Ports", value=str(_PORT))
        CfnOutput(self, "SecurityGroupId", value=security_group.security_group_id)
        CfnOutput(self, "HostedZoneId", value=zone.hosted_zone_id)


def main() -> None:
    """Synthesize both stacks with the AwsSolutions pack on."""
    app = App()
    provider = Provider(app, "ProviderStack")
    consumer = Consumer(app, "ConsumerStack", provider.service_name)
    for stack in (provider, consumer):
        Validations.of(stack).acknowledge(
            *(
                Acknowledgment(id=rule, reason="benchmark baseline: acknowledged stack-wide")
                for rule in _ACKNOWLEDGED
            )
        )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()


if __name__ == "__main__":
    if not gc.isenabled():  # --app-py-gc: the imports are done
        gc.freeze()
        gc.enable()
    main()
