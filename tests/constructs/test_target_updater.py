"""RdsTargetGroupUpdater: the queue that serializes runs, modes, scoped IAM, limits, alarms, VPC."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Duration, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match, Template

from privatelink_constructs import FollowMode, ProviderEndpointService, RdsTargetGroupUpdater
from privatelink_constructs.target_updater.construct import METRIC_NAMESPACE
from privatelink_constructs.target_updater.runtime import handler as runtime
from tests.conftest import new_app, new_stack, only
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
    }
    arguments.update(overrides)
    return RdsTargetGroupUpdater(stack, "Updater", **arguments)


def imported_vpc_of(service: ProviderEndpointService) -> ec2.IVpc:
    vpc = service.load_balancer.vpc
    assert vpc is not None
    return vpc


def variables(built: RdsTargetGroupUpdater) -> dict[str, Any]:
    function = only(Template.from_stack(Stack.of(built)), "AWS::Lambda::Function")
    result: dict[str, Any] = function["Properties"]["Environment"]["Variables"]
    return result


def role_statements(template: Template) -> list[dict[str, Any]]:
    """Every statement of every policy attached to the updater's role."""
    return [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return [value] if isinstance(value, str) else list(value)


@pytest.fixture(scope="module")
def default() -> tuple[RdsTargetGroupUpdater, Template]:
    built = updater()
    return built, Template.from_stack(Stack.of(built))


class TestFunction:
    def test_python_from_a_folder_asset_with_json_logs_and_no_reserved_concurrency(
        self, default: tuple[Any, Template]
    ) -> None:
        _, template = default
        function = only(template, "AWS::Lambda::Function")["Properties"]
        assert function["Runtime"] == "python3.14"
        assert function["Handler"] == "runtime.handler.handler"
        assert function["Timeout"] == 90
        assert function["LoggingConfig"]["LogFormat"] == "JSON"
        assert function["LoggingConfig"]["ApplicationLogLevel"] == "INFO"
        assert "ReservedConcurrentExecutions" not in function

    def test_the_environment_names_mode_database_and_compact_target_groups(
        self, default: tuple[RdsTargetGroupUpdater, Template]
    ) -> None:
        built, _ = default
        env = variables(built)
        assert env["HOSTNAME"] == HOST
        assert env["MODE"] == "rds-cluster-writer"
        assert env["DB_IDENTIFIER"] == "demo"
        assert env["DB_REGION"] == "eu-west-1"
        assert (env["MAX_REMOVALS_PER_RUN"], env["FAILOVER_WAIT_SECONDS"]) == ("5", "30")
        joined = env["TARGET_GROUPS"]["Fn::Join"][1]
        assert joined[0] == "5432="
        assert joined[1] == {
            "Fn::Select": [2, {"Fn::Split": ["/", {"Ref": Match_port_ref(joined[1], 5432)}]}]
        }
        assert joined[2] == ",6432="

    def test_reads_the_environment_the_runtime_expects(
        self, default: tuple[RdsTargetGroupUpdater, Template]
    ) -> None:
        built, _ = default
        env = {k: v for k, v in variables(built).items() if isinstance(v, str)}
        env["TARGET_GROUPS"] = "5432=0123456789abcdef,6432=fedcba9876543210"  # as deployed
        settings = runtime.Settings.from_env(env)
        assert settings.mode == "rds-cluster-writer"
        assert [g.port for g in settings.target_groups] == [5432, 6432]

    def test_reserved_concurrency_is_an_option(self) -> None:
        built = updater(reserved_concurrent_executions=1)
        function = only(Template.from_stack(Stack.of(built)), "AWS::Lambda::Function")
        assert function["Properties"]["ReservedConcurrentExecutions"] == 1

    def test_asset_holds_only_the_runtime_package(
        self, default: tuple[RdsTargetGroupUpdater, Template]
    ) -> None:
        built, _ = default
        assembly = Stack.of(built).node.root.synth()  # type: ignore[attr-defined]
        directory = Path(assembly.directory)
        assets = [p for p in directory.iterdir() if p.is_dir() and (p / "runtime" / "sources.py").exists()]
        assert len(assets) == 1
        files = sorted(str(p.relative_to(assets[0])) for p in assets[0].rglob("*") if p.is_file())
        assert files == [
            "runtime/__init__.py",
            "runtime/events.py",
            "runtime/handler.py",
            "runtime/inventory.py",
            "runtime/plan.py",
            "runtime/sources.py",
        ]


def Match_port_ref(select: dict[str, Any], port: int) -> str:  # noqa: N802 - reads as a matcher
    ref: str = select["Fn::Select"][1]["Fn::Split"][1]["Ref"]
    assert f"Port{port}Targets" in ref
    return ref


class TestNeverRacesItself:
    def test_the_only_trigger_is_a_fifo_queue_read_one_message_at_a_time(
        self, default: tuple[Any, Template]
    ) -> None:
        _, template = default
        mapping = only(template, "AWS::Lambda::EventSourceMapping")["Properties"]
        assert mapping["BatchSize"] == 1
        queues = template.find_resources(
            "AWS::SQS::Queue", {"Properties": {"ContentBasedDeduplication": True}}
        )
        ((queue_id, queue),) = queues.items()
        assert queue["Properties"]["FifoQueue"] is True
        assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
        # Nothing else may start the function: no invoke permission, no rule targeting it.
        template.resource_count_is("AWS::Lambda::Permission", 0)
        for rule in template.find_resources("AWS::Events::Rule").values():
            for target in rule["Properties"]["Targets"]:
                assert target["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
                assert target["SqsParameters"] == {"MessageGroupId": "target-updater"}  # one group

    def test_the_queue_outlasts_a_run_and_keeps_failed_runs(self, default: tuple[Any, Template]) -> None:
        _, template = default
        queue = template.find_resources(
            "AWS::SQS::Queue", {"Properties": {"ContentBasedDeduplication": True}}
        )
        (properties,) = [q["Properties"] for q in queue.values()]
        assert properties["VisibilityTimeout"] >= 90  # Lambda refuses a queue that times out first
        assert properties["RedrivePolicy"]["maxReceiveCount"] == 3
        assert properties["MessageRetentionPeriod"] == 900  # a backlog never outlives an outage by much
        fifo = template.find_resources("AWS::SQS::Queue", {"Properties": {"FifoQueue": True}})
        assert len(fifo) == 2
        for queue in fifo.values():  # SQS requires the suffix; not every deploy tool adds it
            name = queue["Properties"]["QueueName"]
            assert name.endswith(".fifo")
            assert len(name) <= 80


class TestTriggers:
    def test_schedule_every_minute_and_rds_events_derived_from_the_hostname(
        self, default: tuple[Any, Template]
    ) -> None:
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

    def test_targets_retry_and_dead_letter(self, default: tuple[Any, Template]) -> None:
        _, template = default
        rules = template.find_resources("AWS::Events::Rule")
        assert len(rules) == 2
        for rule in rules.values():
            (target,) = rule["Properties"]["Targets"]
            assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 900}
            assert "DeadLetters" in str(target["DeadLetterConfig"])
        template.has_resource_properties("AWS::SQS::Queue", {"SqsManagedSseEnabled": True})

    def test_a_name_without_an_rds_identifier_gets_no_event_rule_and_a_warning(self) -> None:
        built = updater(hostname="db.example.internal")
        template = Template.from_stack(Stack.of(built))
        template.resource_count_is("AWS::Events::Rule", 1)
        warnings = Annotations.from_stack(Stack.of(built)).find_warning(
            "*", Match.string_like_regexp("No RDS event rule")
        )
        assert len(warnings) == 1

    def test_given_source_identifiers_win(self) -> None:
        built = updater(source_identifiers=["orders", "orders-reader"])
        Template.from_stack(Stack.of(built)).has_resource_properties(
            "AWS::Events::Rule",
            {
                "EventPattern": Match.object_like(
                    {"detail": Match.object_like({"SourceIdentifier": ["orders", "orders-reader"]})}
                )
            },
        )


class TestModes:
    @pytest.mark.parametrize(
        ("hostname", "mode", "identifier"),
        [
            (
                "orders.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com",
                FollowMode.RDS_CLUSTER_WRITER,
                "orders",
            ),
            (
                "orders.cluster-ro-abcdefghijkl.eu-west-1.rds.amazonaws.com",
                FollowMode.RDS_CLUSTER_READERS,
                "orders",
            ),
            ("billing.abcdefghijkl.eu-west-1.rds.amazonaws.com", FollowMode.RDS_INSTANCE, "billing"),
            ("orders-proxy.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com", FollowMode.DNS, None),
            ("hot.cluster-custom-abcdefghijkl.eu-west-1.rds.amazonaws.com", FollowMode.DNS, None),
            (
                "orders.cluster-abcdefghijkl.cn-north-1.rds.amazonaws.com.cn",
                FollowMode.RDS_CLUSTER_WRITER,
                "orders",
            ),
            ("db.example.com", FollowMode.DNS, None),
        ],
    )
    def test_mode_follows_the_hostname(self, hostname: str, mode: FollowMode, identifier: str | None) -> None:
        built = updater(hostname=hostname)
        assert built.mode is mode
        assert built.database_identifier == identifier

    def test_cluster_modes_may_describe_the_cluster_and_its_instances_only(
        self, default: tuple[Any, Template]
    ) -> None:
        _, template = default
        statements = {tuple(actions(s)): s for s in role_statements(template)}
        cluster = statements[("rds:DescribeDBClusters",)]["Resource"]["Fn::Join"][1]
        assert cluster[-1] == ":cluster:demo"
        assert ":rds:eu-west-1:" in cluster
        instances = statements[("rds:DescribeDBInstances",)]["Resource"]["Fn::Join"][1]
        assert instances[-1] == ":db:*"

    def test_instance_mode_may_describe_that_instance_only(self) -> None:
        built = updater(hostname="billing.abcdefghijkl.eu-west-1.rds.amazonaws.com")
        statements = role_statements(Template.from_stack(Stack.of(built)))
        rds_statements = [s for s in statements if any(a.startswith("rds:") for a in actions(s))]
        assert [actions(s) for s in rds_statements] == [["rds:DescribeDBInstances"]]
        assert rds_statements[0]["Resource"]["Fn::Join"][1][-1] == ":db:billing"

    def test_dns_mode_has_no_rds_permission(self) -> None:
        built = updater(hostname="db.example.com")
        statements = role_statements(Template.from_stack(Stack.of(built)))
        assert not [a for s in statements for a in actions(s) if a.startswith("rds:")]

    def test_for_cluster_fills_hostname_port_mode_and_events(self) -> None:
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
        assert built.mode is FollowMode.RDS_CLUSTER_READERS
        assert built.database_identifier == "orders"
        Template.from_stack(stack).has_resource_properties(
            "AWS::Events::Rule",
            {
                "EventPattern": Match.object_like(
                    {"detail": Match.object_like({"SourceIdentifier": ["orders"]})}
                )
            },
        )
        assert "orders.cluster-ro-" in variables(built)["HOSTNAME"]

    def test_for_instance_takes_the_instance_port_and_mode(self) -> None:
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
        assert built.mode is FollowMode.RDS_INSTANCE
        assert variables(built)["DB_IDENTIFIER"] == "billing"

    def test_for_proxy_follows_dns_in_the_vpc(self) -> None:
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
        built = RdsTargetGroupUpdater.for_proxy(
            stack,
            "Updater",
            proxy=proxy,
            vpc=imported_vpc_of(service),
            target_group=service.target_groups[5432],
            port=5432,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        )
        assert built.mode is FollowMode.DNS
        Template.from_stack(stack).has_resource_properties(
            "AWS::Events::Rule",
            {
                "EventPattern": Match.object_like(
                    {"detail": Match.object_like({"SourceIdentifier": ["orders-proxy"]})}
                )
            },
        )


class TestPermissions:
    def test_may_change_these_target_groups_only(self, default: tuple[Any, Template]) -> None:
        _, template = default
        (change,) = [s for s in role_statements(template) if s.get("Sid") == "ChangeTheseTargetGroupsOnly"]
        assert actions(change) == [
            "elasticloadbalancing:DeregisterTargets",
            "elasticloadbalancing:RegisterTargets",
        ]
        assert [r["Ref"] for r in change["Resource"]] == [
            Match_ref("Port5432Targets", change["Resource"][0]),
            Match_ref("Port6432Targets", change["Resource"][1]),
        ]

    def test_only_read_only_calls_without_resource_level_permissions_are_on_star(
        self, default: tuple[Any, Template]
    ) -> None:
        _, template = default
        wildcard = sorted(a for s in role_statements(template) if s["Resource"] == "*" for a in actions(s))
        assert wildcard == [
            "ec2:DescribeVpcs",
            "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeTargetHealth",
        ]

    def test_outside_a_vpc_the_role_has_no_network_interface_permission(
        self, default: tuple[Any, Template]
    ) -> None:
        _, template = default
        assert not [a for s in role_statements(template) for a in actions(s) if "NetworkInterface" in a]

    def test_in_a_vpc_the_role_has_exactly_the_permissions_lambda_needs_before_the_function(self) -> None:
        built = updater(vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS))
        template = Template.from_stack(Stack.of(built))
        function_id, function = next(iter(template.find_resources("AWS::Lambda::Function").items()))
        role_ref = function["Properties"]["Role"]["Fn::GetAtt"][0]
        policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role_ref}]}})
        default_policy_id = next(k for k in policies if "DefaultPolicy" in k)
        assert default_policy_id in function["DependsOn"]  # Lambda checks them when it creates the function
        statements = policies[default_policy_id]["Properties"]["PolicyDocument"]["Statement"]
        eni = {s["Sid"]: s for s in statements if s.get("Sid", "").startswith("Lambda")}
        assert actions(eni["LambdaDescribesNetworkInterfaces"]) == [
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
        ]
        assert eni["LambdaDescribesNetworkInterfaces"]["Resource"] == "*"
        create = eni["LambdaCreatesInterfacesInThisVpc"]
        assert actions(create) == ["ec2:CreateNetworkInterface"]
        assert [r["Fn::Join"][1][-1] for r in create["Resource"]] == [":security-group/*", ":subnet/*"]
        assert create["Condition"]["ArnEquals"]["ec2:Vpc"]["Fn::Join"][1][-1] == ":vpc/vpc-0123456789abcdef0"
        manage = eni["LambdaManagesItsInterfaces"]
        assert actions(manage) == [
            "ec2:AssignPrivateIpAddresses",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:UnassignPrivateIpAddresses",
        ]
        assert manage["Resource"]["Fn::Join"][1][-1] == ":network-interface/*"
        roles = template.find_resources("AWS::IAM::Role")
        assert all("ManagedPolicyArns" not in r["Properties"] for r in roles.values())
        assert function_id


def Match_ref(part: str, resource: dict[str, str]) -> str:  # noqa: N802 - reads as a matcher
    assert part in resource["Ref"]
    return resource["Ref"]


class TestAlarmsAndMetrics:
    def test_alarms_on_errors_dead_letters_failed_runs_refusals_and_each_target_group(
        self, default: tuple[RdsTargetGroupUpdater, Template]
    ) -> None:
        built, template = default
        assert len(built.alarms) == 6
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {"MetricName": "Errors", "Namespace": "AWS/Lambda", "Threshold": 1, "EvaluationPeriods": 1},
        )
        visible = template.find_resources(
            "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "ApproximateNumberOfMessagesVisible"}}
        )
        assert len(visible) == 2
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "MetricName": "RefusedAddresses",
                "Namespace": "PrivateLinkCdk/TargetUpdater",
                "Statistic": "Sum",
            },
        )
        healthy = template.find_resources(
            "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "HealthyHostCount"}}
        )
        assert len(healthy) == 2
        for alarm in healthy.values():
            assert alarm["Properties"]["ComparisonOperator"] == "LessThanThreshold"
            assert alarm["Properties"]["TreatMissingData"] == "breaching"

    def test_alarm_topic_gets_every_alarm(self) -> None:
        stack = new_stack()
        topic = sns.Topic.from_topic_arn(stack, "Alarms", "arn:aws:sns:eu-west-1:111122223333:alarms")
        built = updater(stack, alarm_topic=topic)
        alarms = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
        assert len(alarms) == len(built.alarms)
        for alarm in alarms.values():
            assert alarm["Properties"]["AlarmActions"] == ["arn:aws:sns:eu-west-1:111122223333:alarms"]

    def test_metrics_match_what_the_runtime_writes(
        self, default: tuple[RdsTargetGroupUpdater, Template]
    ) -> None:
        built, _ = default
        assert METRIC_NAMESPACE == runtime.NAMESPACE
        metric = built.metric_registered(port=5432)
        assert metric.namespace == runtime.NAMESPACE
        assert metric.metric_name == "Registered"
        assert set(metric.dimensions or {}) == {"Updater", "TargetGroup"}
        assert set(built.metric_failed().dimensions or {}) == {"Updater"}
        assert built.metric_duration().statistic == "Maximum"
        for name in (
            "registered",
            "deregistered",
            "resolved_addresses",
            "refused_addresses",
            "failed",
            "duration",
        ):
            assert getattr(built, f"metric_{name}")().metric_name.lower() == name.replace("_", "")


@pytest.mark.parametrize(("region", "warned"), [("us-east-1", True), ("eu-west-1", False)])
def test_endpoints_in_another_region_than_the_database_warn(region: str, warned: bool) -> None:
    stack = Stack(new_app(), "Test", env=Environment(region=region))
    built = updater(
        stack,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        create_elb_endpoint=True,
    )
    warnings = Annotations.from_stack(Stack.of(built)).find_warning(
        "/Test/Updater", Match.string_like_regexp("which these endpoints do not serve")
    )
    assert len(warnings) == (1 if warned else 0)


@pytest.fixture(scope="module")
def in_vpc() -> tuple[RdsTargetGroupUpdater, Template]:
    built = updater(
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        create_elb_endpoint=True,
    )
    return built, Template.from_stack(Stack.of(built))


class TestVpcPlacement:
    def test_runs_outside_the_vpc_by_default(self, default: tuple[RdsTargetGroupUpdater, Template]) -> None:
        built, template = default
        assert "VpcConfig" not in only(template, "AWS::Lambda::Function")["Properties"]
        assert built.security_group is None

    def test_endpoints_for_every_api_the_function_calls(
        self, in_vpc: tuple[RdsTargetGroupUpdater, Template]
    ) -> None:
        built, template = in_vpc
        template.has_resource_properties(
            "AWS::Lambda::Function",
            {
                "VpcConfig": {
                    "SubnetIds": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
                    "SecurityGroupIds": Match.any_value(),
                }
            },
        )
        services = [
            e["Properties"]["ServiceName"]["Fn::Join"][1][-1]
            for e in template.find_resources("AWS::EC2::VPCEndpoint").values()
        ]
        assert sorted(services) == [".ec2", ".elasticloadbalancing", ".rds"]
        template.has_resource_properties("AWS::EC2::VPCEndpoint", {"PrivateDnsEnabled": True})
        assert set(built.api_endpoints) == {"elb", "ec2", "rds"}
        assert built.elb_endpoint is built.api_endpoints["elb"]
        assert built.connections.security_groups == [built.security_group]

    def test_endpoints_share_one_group_open_to_the_function_only_with_no_egress(
        self, in_vpc: tuple[RdsTargetGroupUpdater, Template]
    ) -> None:
        built, template = in_vpc
        assert built.security_group is not None
        function_group = Stack.of(built).resolve(built.security_group.security_group_id)
        groups = {
            json_key(e["Properties"]["SecurityGroupIds"])
            for e in template.find_resources("AWS::EC2::VPCEndpoint").values()
        }
        assert len(groups) == 1
        ((group_ref,),) = [json.loads(key) for key in groups]
        (logical_id, _) = group_ref["Fn::GetAtt"]
        group = template.to_json()["Resources"][logical_id]["Properties"]
        # aws-cdk-lib's placeholder for "no egress": one rule that matches no traffic.
        assert group["SecurityGroupEgress"] == [
            {
                "CidrIp": "255.255.255.255/32",
                "Description": "Disallow all traffic",
                "FromPort": 252,
                "IpProtocol": "icmp",
                "ToPort": 86,
            }
        ]
        (ingress,) = template.find_resources("AWS::EC2::SecurityGroupIngress").values()
        assert ingress["Properties"]["GroupId"] == group_ref
        assert ingress["Properties"]["SourceSecurityGroupId"] == function_group
        assert (ingress["Properties"]["FromPort"], ingress["Properties"]["ToPort"]) == (443, 443)
        template.resource_count_is("AWS::EC2::SecurityGroupEgress", 0)

    def test_endpoint_policies_allow_the_function_role_exactly_its_calls(
        self, in_vpc: tuple[RdsTargetGroupUpdater, Template]
    ) -> None:
        _, template = in_vpc
        (role_id,) = template.find_resources("AWS::IAM::Role")
        # The role's actions by service, without the network-interface ones Lambda itself uses.
        granted: dict[str, set[str]] = {}
        for statement in role_statements(template):
            if not statement.get("Sid", "").startswith("Lambda"):
                for action in actions(statement):
                    granted.setdefault(action.split(":")[0], set()).add(action)
        by_service: dict[str, set[str]] = {}
        for endpoint in template.find_resources("AWS::EC2::VPCEndpoint").values():
            service = endpoint["Properties"]["ServiceName"]["Fn::Join"][1][-1].lstrip(".")
            for statement in endpoint["Properties"]["PolicyDocument"]["Statement"]:
                assert statement["Effect"] == "Allow"
                assert statement["Principal"] == {"AWS": "*"}
                assert statement["Condition"] == {
                    "ArnEquals": {"aws:PrincipalArn": {"Fn::GetAtt": [role_id, "Arn"]}}
                }
                by_service.setdefault(service, set()).update(actions(statement))
        assert by_service == {
            "elasticloadbalancing": granted["elasticloadbalancing"],
            "ec2": granted["ec2"],
            "rds": granted["rds"],
        }

    def test_endpoint_policies_cover_every_call_the_runtime_makes(
        self, in_vpc: tuple[RdsTargetGroupUpdater, Template]
    ) -> None:
        _, template = in_vpc
        allowed = {
            action.split(":")[1]
            for endpoint in template.find_resources("AWS::EC2::VPCEndpoint").values()
            for statement in endpoint["Properties"]["PolicyDocument"]["Statement"]
            for action in actions(statement)
        }
        assert runtime_calls() == allowed

    def test_registers_and_deregisters_through_the_endpoint_on_its_target_groups_only(
        self, in_vpc: tuple[RdsTargetGroupUpdater, Template]
    ) -> None:
        _, template = in_vpc
        (elb,) = template.find_resources(
            "AWS::EC2::VPCEndpoint",
            {
                "Properties": {
                    "ServiceName": Match.object_like(
                        {"Fn::Join": ["", Match.array_with([".elasticloadbalancing"])]}
                    )
                }
            },
        ).values()
        (change,) = [
            s
            for s in elb["Properties"]["PolicyDocument"]["Statement"]
            if "elasticloadbalancing:RegisterTargets" in actions(s)
        ]
        assert len(change["Resource"]) == 2
        assert all("Ref" in arn for arn in change["Resource"])


def json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


_CALL = re.compile(
    r"\.(register_targets|deregister_targets|describe_[a-z_]+)\(|get_paginator\(\"([a-z_]+)\"\)"
)


def runtime_calls() -> set[str]:
    """Every AWS API the updater's runtime calls, as IAM names it (``describe_vpcs`` -> ``DescribeVpcs``)."""
    runtime_dir = Path(runtime.__file__).parent
    names = {
        first or second
        for path in runtime_dir.glob("*.py")
        for first, second in _CALL.findall(path.read_text(encoding="utf-8"))
    }
    return {"".join(part.title() for part in name.split("_")).replace("Db", "DB") for name in names}


class TestLimits:
    def test_fifty_ports_keep_the_environment_far_below_lambdas_4_kb(self) -> None:
        stack = new_stack()
        service = provider(stack, ports=list(range(5400, 5450)))
        built = updater(stack, service)
        env = variables(built)
        # Deployed, each target group is its port and the 16 hex digits of its ARN's ID.
        deployed = sum(len(str(port)) + 1 + 16 + 1 for port in range(5400, 5450))
        others = sum(len(k) + len(v) for k, v in env.items() if isinstance(v, str))
        assert others + len("TARGET_GROUPS") + deployed < 1500

    def test_refuses_an_environment_over_lambdas_limit(self) -> None:
        cidrs = [f"10.{i // 250}.{i % 250}.0/24" for i in range(400)]
        with pytest.raises(ValueError, match="over Lambda's 4096 byte limit"):
            updater(target_cidrs=cidrs)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hostname": "not a host"}, "hostname: 'not a host' is not a DNS name"),
        ({"hostname": "10.40.1.10"}, "hostname: '10.40.1.10' is an IP address"),
        ({"hostname": "2001:db8::1"}, "hostname: '2001:db8::1' is an IP address"),
        ({"max_removals_per_run": 0}, "max_removals_per_run: 0 would stop every removal; expected 1 or more"),
        (
            {"create_elb_endpoint": True},
            "create_elb_endpoint: the endpoints are for an updater in the VPC; pass vpc_subnets",
        ),
        ({"schedule": Duration.seconds(30)}, "schedule: 30 seconds is below EventBridge's 1 minute minimum"),
        ({"failover_wait": Duration.minutes(10)}, "failover_wait: 10 minutes is over the 5 minute maximum"),
        ({"target_groups": {}}, "target_groups: at least one target group is required, got none"),
        ({"target_groups": None}, "target_group: required (with port), or target_groups"),
        ({"target_cidrs": ["8.8.8.0/24"]}, "target_cidrs[0]: '8.8.8.0/24' is not inside 10.0.0.0/8"),
        ({"target_cidrs": ["fe80::/64"]}, "target_cidrs[0]: 'fe80::/64' is link-local"),
        ({"target_cidrs": ["0.0.0.0/0"]}, "target_cidrs[0]: '0.0.0.0/0' would allow every address"),
        ({"reserved_concurrent_executions": 0}, "reserved_concurrent_executions: 0 would stop every run"),
        ({"max_removals_per_run": True}, "max_removals_per_run: True is not a whole number"),
        ({"source_identifiers": ["*"]}, "source_identifiers[0]: '*' is no wildcard here"),
        ({"source_identifiers": [""]}, "source_identifiers[0]: '' is empty"),
        (
            {"hostname": "db.example.com", "mode": FollowMode.RDS_CLUSTER_WRITER},
            "database_identifier: required with mode RDS_CLUSTER_WRITER",
        ),
        (
            {"mode": FollowMode.RDS_CLUSTER_READERS},
            "mode: RDS_CLUSTER_READERS does not follow hostname cluster endpoint 'demo'; "
            "use RDS_CLUSTER_WRITER",
        ),
        (
            {"hostname": "db.example.com", "mode": FollowMode.RDS_INSTANCE, "database_identifier": "9lives"},
            "database_identifier: '9lives' is not an RDS identifier",
        ),
    ],
)
def test_rejects_bad_argument(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape("Test/Updater: " + message)):
        updater(**overrides)


def test_reports_every_problem_at_once() -> None:
    with pytest.raises(ValueError, match="Test/Updater: 3 invalid arguments") as caught:
        updater(hostname="10.0.0.1", max_removals_per_run=0, target_cidrs=["8.8.8.0/24"])
    assert "hostname" in str(caught.value)


def test_ipv6_is_ignored_with_a_warning() -> None:
    built = updater(ipv6=True)
    warnings = Annotations.from_stack(Stack.of(built)).find_warning(
        "*", Match.string_like_regexp("ipv6 is ignored")
    )
    assert len(warnings) == 1


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


def test_refuses_an_alarm_topic_that_is_no_topic() -> None:
    stack = new_stack()
    queue_arn = "arn:aws:sqs:eu-west-1:111122223333:alarms"
    topic = sns.Topic.from_topic_arn(stack, "Alarms", queue_arn)
    with pytest.raises(
        ValueError, match=re.escape(f"Test/Updater: alarm_topic: '{queue_arn}' is an ARN of service")
    ):
        updater(stack, alarm_topic=topic)
