"""RdsTargetGroupUpdater: triggers, single flight, scoped IAM, alarms, DLQ, VPC placement."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from privatelink_constructs import ProviderEndpointService, RdsTargetGroupUpdater
from tests.conftest import new_stack, only
from tests.constructs.helpers import provider

HOST = "demo.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com"


def updater(
    stack: Stack | None = None, service: ProviderEndpointService | None = None, **overrides: Any
) -> RdsTargetGroupUpdater:
    stack = stack or new_stack()
    service = service or provider(stack, ports=[5432, 6432])
    arguments: dict[str, Any] = {
        "vpc": imported_vpc_of(service),
        "hostname": HOST,
        "target_groups": service.target_groups,
        "source_identifiers": ["demo"],
    }
    arguments.update(overrides)
    return RdsTargetGroupUpdater(stack, "Updater", **arguments)


def imported_vpc_of(service: ProviderEndpointService) -> ec2.IVpc:
    vpc = service.load_balancer.vpc
    assert vpc is not None
    return vpc


def mappings_text(built: RdsTargetGroupUpdater) -> str:
    """The function's MAPPINGS variable as synthesized (tokens resolved to CloudFormation)."""
    function = only(Template.from_stack(Stack.of(built)), "AWS::Lambda::Function")
    return str(function["Properties"]["Environment"]["Variables"]["MAPPINGS"])


@pytest.fixture(scope="module")
def default() -> tuple[RdsTargetGroupUpdater, Template]:
    built = updater()
    return built, Template.from_stack(Stack.of(built))


def test_function_is_single_flight_python_from_a_folder_asset(default: tuple[Any, Template]) -> None:
    _, template = default
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.14",
            "Handler": "runtime.handler.handler",
            "ReservedConcurrentExecutions": 1,
            "Timeout": 90,
            "Environment": {
                "Variables": {
                    "MAPPINGS": Match.any_value(),
                    "VPC_CIDRS": "10.50.0.0/16",
                    "MAX_REMOVALS_PER_RUN": "5",
                    "FAILOVER_WAIT_SECONDS": "30",
                }
            },
        },
    )


def test_mappings_cover_every_target_group_with_its_port(
    default: tuple[RdsTargetGroupUpdater, Template],
) -> None:
    built, _ = default
    text = mappings_text(built)
    assert HOST in text
    assert '"port":5432' in text
    assert '"port":6432' in text
    assert text.count("Port5432Targets") == 1
    assert text.count("Port6432Targets") == 1


def test_schedule_every_minute_and_rds_events(default: tuple[Any, Template]) -> None:
    _, template = default
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(1 minute)"})
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.rds"],
                "detail-type": ["RDS DB Instance Event", "RDS DB Cluster Event", "RDS DB Proxy Event"],
                "detail": {
                    "SourceIdentifier": ["demo"],
                    "EventCategories": [
                        "failover",
                        "failure",
                        "availability",
                        "maintenance",
                        "recovery",
                        "configuration change",
                    ],
                },
            }
        },
    )


def test_targets_retry_and_dead_letter(default: tuple[Any, Template]) -> None:
    _, template = default
    rules = template.find_resources("AWS::Events::Rule")
    assert len(rules) == 2
    for rule in rules.values():
        (target,) = rule["Properties"]["Targets"]
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 900}
        assert "DeadLettersQueue" in str(target["DeadLetterConfig"]) or "DeadLetters" in str(
            target["DeadLetterConfig"]
        )
    template.has_resource_properties("AWS::SQS::Queue", {"SqsManagedSseEnabled": True})


def test_no_event_rule_without_source_identifiers() -> None:
    built = updater(source_identifiers=[])
    Template.from_stack(Stack.of(built)).resource_count_is("AWS::Events::Rule", 1)


def test_may_change_these_target_groups_only(default: tuple[Any, Template]) -> None:
    _, template = default
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Sid": "ChangeTheseTargetGroupsOnly",
                            "Effect": "Allow",
                            "Action": [
                                "elasticloadbalancing:DeregisterTargets",
                                "elasticloadbalancing:RegisterTargets",
                            ],
                            "Resource": [
                                {"Ref": Match.string_like_regexp("Port5432Targets")},
                                {"Ref": Match.string_like_regexp("Port6432Targets")},
                            ],
                        }
                    ]
                )
            }
        },
    )
    statements = [
        s
        for p in template.find_resources("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    wildcard = [s for s in statements if s["Resource"] == "*"]
    assert [s["Action"] for s in wildcard] == ["elasticloadbalancing:DescribeTargetHealth"]


def test_alarms_on_errors_dead_letters_and_each_target_group(
    default: tuple[RdsTargetGroupUpdater, Template],
) -> None:
    built, template = default
    assert len(built.alarms) == 4
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "Errors", "Namespace": "AWS/Lambda", "Threshold": 1, "EvaluationPeriods": 1},
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "ApproximateNumberOfMessagesVisible", "Threshold": 1}
    )
    healthy = template.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "HealthyHostCount"}}
    )
    assert len(healthy) == 2
    for alarm in healthy.values():
        assert alarm["Properties"]["ComparisonOperator"] == "LessThanThreshold"
        assert alarm["Properties"]["TreatMissingData"] == "breaching"


def test_alarm_topic_gets_every_alarm() -> None:
    stack = new_stack()
    topic = sns.Topic.from_topic_arn(stack, "Alarms", "arn:aws:sns:eu-west-1:111122223333:alarms")
    built = updater(stack, alarm_topic=topic)
    template = Template.from_stack(stack)
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) == len(built.alarms)
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == ["arn:aws:sns:eu-west-1:111122223333:alarms"]


def test_runs_outside_the_vpc_by_default(default: tuple[RdsTargetGroupUpdater, Template]) -> None:
    built, template = default
    function = only(template, "AWS::Lambda::Function")
    assert "VpcConfig" not in function["Properties"]
    assert built.security_group is None


def test_vpc_placement_with_elb_endpoint() -> None:
    built = updater(
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        create_elb_endpoint=True,
    )
    template = Template.from_stack(Stack.of(built))
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "VpcConfig": {
                "SubnetIds": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
                "SecurityGroupIds": Match.any_value(),
            }
        },
    )
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "ServiceName": {
                "Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".elasticloadbalancing"]]
            },
            "PrivateDnsEnabled": True,
        },
    )
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress", {"FromPort": 443, "ToPort": 443, "IpProtocol": "tcp"}
    )
    assert built.elb_endpoint is not None
    assert built.security_group is not None


def test_for_cluster_fills_hostname_port_and_events() -> None:
    stack = new_stack()
    service = provider(stack)
    cluster = rds.DatabaseCluster.from_database_cluster_attributes(
        stack,
        "Cluster",
        cluster_identifier="orders",
        cluster_endpoint_address="orders.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com",
        reader_endpoint_address="orders.cluster-ro-abcdefghijkl.eu-west-1.rds.amazonaws.com",
        port=5432,
    )
    built = RdsTargetGroupUpdater.for_cluster(
        stack,
        "Updater",
        cluster=cluster,
        reader=True,
        vpc=imported_vpc_of(service),
        target_group=service.target_groups[5432],
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Events::Rule",
        {"EventPattern": Match.object_like({"detail": Match.object_like({"SourceIdentifier": ["orders"]})})},
    )
    assert "orders.cluster-ro-" in mappings_text(built)


def test_for_instance_takes_the_instance_port() -> None:
    stack = new_stack()
    service = provider(stack)
    instance = rds.DatabaseInstance.from_database_instance_attributes(
        stack,
        "Db",
        instance_identifier="billing",
        instance_endpoint_address="billing.abcdefghijkl.eu-west-1.rds.amazonaws.com",
        port=5432,
        security_groups=[],
    )
    built = RdsTargetGroupUpdater.for_instance(
        stack,
        "Updater",
        instance=instance,
        vpc=imported_vpc_of(service),
        target_group=service.target_groups[5432],
    )
    assert "billing.abcdefghijkl" in mappings_text(built)


def test_for_proxy_follows_the_proxy_endpoint() -> None:
    stack = new_stack()
    service = provider(stack)
    proxy = rds.DatabaseProxy.from_database_proxy_attributes(
        stack,
        "Proxy",
        db_proxy_arn="arn:aws:rds:eu-west-1:111122223333:db-proxy:prx-0123",
        db_proxy_name="orders-proxy",
        endpoint="orders-proxy.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com",
        security_groups=[],
    )
    RdsTargetGroupUpdater.for_proxy(
        stack,
        "Updater",
        proxy=proxy,
        vpc=imported_vpc_of(service),
        target_group=service.target_groups[5432],
        port=5432,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": Match.object_like(
                {"detail": Match.object_like({"SourceIdentifier": ["orders-proxy"]})}
            )
        },
    )


def test_asset_holds_only_the_runtime_package(default: tuple[RdsTargetGroupUpdater, Template]) -> None:
    built, _ = default
    assembly = Stack.of(built).node.root.synth()  # type: ignore[attr-defined]
    directory = Path(assembly.directory)
    assets = [p for p in directory.iterdir() if p.is_dir() and (p / "runtime" / "plan.py").exists()]
    updater_assets = [a for a in assets if "Answers" in (a / "runtime" / "handler.py").read_text()]
    assert len(updater_assets) == 1
    files = sorted(str(p.relative_to(updater_assets[0])) for p in updater_assets[0].rglob("*") if p.is_file())
    assert files == ["runtime/__init__.py", "runtime/handler.py", "runtime/plan.py"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hostname": "not a host"}, "hostname: 'not a host' is not a DNS name"),
        ({"max_removals_per_run": 0}, "max_removals_per_run: 0 would stop every removal; expected 1 or more"),
        ({"create_elb_endpoint": True}, "create_elb_endpoint: needs vpc_subnets"),
        ({"schedule": Duration.seconds(30)}, "schedule: 30 seconds is below EventBridge's 1 minute minimum"),
        ({"failover_wait": Duration.minutes(10)}, "failover_wait: 10 minutes is over the 5 minute maximum"),
        ({"target_groups": {}}, "target_groups: at least one target group is required, got none"),
        ({"target_groups": None}, "target_group: required (with port), or target_groups"),
    ],
)
def test_rejects_bad_argument(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape("Test/Updater: " + message)):
        updater(**overrides)


def test_rejects_target_group_without_port() -> None:
    stack = new_stack()
    service = provider(stack)
    with pytest.raises(ValueError, match=re.escape("Test/Updater: port: required with target_group")):
        updater(stack, service, target_groups=None, target_group=service.target_groups[5432])


def test_rejects_both_forms() -> None:
    stack = new_stack()
    service = provider(stack)
    with pytest.raises(
        ValueError, match=re.escape("Test/Updater: target_group: give target_group and port, or")
    ):
        updater(stack, service, target_group=service.target_groups[5432], port=5432)
