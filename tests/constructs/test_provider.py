"""ProviderEndpointService: what it builds, by default and with every option."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk import CfnOutput, Duration, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk.assertions import Match, Template

from privatelink_constructs import ProviderEndpointService
from tests.conftest import new_app, new_stack, only
from tests.constructs.helpers import VPC_CIDR, provider, zone


def attributes(resource: Mapping[str, Any], key: str) -> dict[str, str]:
    """A load balancer's or target group's attributes as a plain mapping."""
    return {item["Key"]: item["Value"] for item in resource["Properties"][key]}


@pytest.fixture(scope="module")
def default() -> tuple[ProviderEndpointService, Template]:
    built = provider()
    return built, Template.from_stack(Stack.of(built))


@pytest.fixture(scope="module")
def full() -> tuple[ProviderEndpointService, Template]:
    stack = new_stack("Full")
    built = provider(
        stack,
        ports=[5432, 6432],
        allowed_principals=[
            "111122223333",
            "arn:aws:iam::444455556666:role/etl-vendor",
            "arn:aws:iam::777788889999:root",
        ],
        auto_accept_principals=["111122223333"],
        allowed_regions=["us-east-1", "eu-central-1"],
        supported_ip_address_types=["ipv4", "ipv6"],
        ip_address_type=elbv2.IpAddressType.DUAL_STACK,
        contributor_insights=True,
        private_dns_name="db.example.com",
        public_hosted_zone=zone(stack),
        deregistration_delay=Duration.seconds(20),
        connection_termination=True,
        deletion_protection=True,
        health_checks={6432: elbv2.HealthCheck(protocol=elbv2.Protocol.TCP, port="6000")},
    )
    return built, Template.from_stack(stack)


class TestLoadBalancer:
    def test_is_internal_network_load_balancer(self, default: tuple[Any, Template]) -> None:
        _, template = default
        template.has_resource_properties(
            "AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internal", "Type": "network"}
        )

    def test_cross_zone_on_and_inbound_enforcement_off_by_default(
        self, default: tuple[Any, Template]
    ) -> None:
        _, template = default
        nlb = only(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        assert attributes(nlb, "LoadBalancerAttributes")["load_balancing.cross_zone.enabled"] == "true"
        assert nlb["Properties"]["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] == "off"

    def test_deletion_protection_and_dualstack_when_asked(self, full: tuple[Any, Template]) -> None:
        _, template = full
        nlb = only(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        assert attributes(nlb, "LoadBalancerAttributes")["deletion_protection.enabled"] == "true"
        assert nlb["Properties"]["IpAddressType"] == "dualstack"

    def test_sits_in_the_private_subnets(self, default: tuple[Any, Template]) -> None:
        _, template = default
        nlb = only(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        assert nlb["Properties"]["Subnets"] == ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]

    def test_security_group_allows_egress_to_the_vpc_on_service_ports_only(
        self, full: tuple[Any, Template]
    ) -> None:
        _, template = full
        group = only(template, "AWS::EC2::SecurityGroup")
        egress = group["Properties"]["SecurityGroupEgress"]
        assert {(rule["CidrIp"], rule["FromPort"], rule["ToPort"]) for rule in egress} == {
            (VPC_CIDR, 5432, 5432),
            (VPC_CIDR, 6432, 6432),
            (VPC_CIDR, 6000, 6000),
        }
        assert "SecurityGroupIngress" not in group["Properties"]

    def test_no_rule_anywhere_opens_to_the_internet(self, full: tuple[Any, Template]) -> None:
        _, template = full
        text = str(template.to_json())
        assert "0.0.0.0/0" not in text
        assert "::/0" not in text


class TestListenersAndTargets:
    def test_one_tcp_listener_and_target_group_per_port(
        self, full: tuple[ProviderEndpointService, Template]
    ) -> None:
        built, template = full
        template.resource_count_is("AWS::ElasticLoadBalancingV2::Listener", 2)
        template.resource_count_is("AWS::ElasticLoadBalancingV2::TargetGroup", 2)
        for port in (5432, 6432):
            template.has_resource_properties(
                "AWS::ElasticLoadBalancingV2::Listener", {"Port": port, "Protocol": "TCP"}
            )
            template.has_resource_properties(
                "AWS::ElasticLoadBalancingV2::TargetGroup",
                {"Port": port, "Protocol": "TCP", "TargetType": "ip", "VpcId": "vpc-0123456789abcdef0"},
            )
        assert sorted(built.listeners) == [5432, 6432]
        assert sorted(built.target_groups) == [5432, 6432]

    def test_proxy_protocol_and_client_ip_preservation_off_for_ip_targets(
        self, default: tuple[Any, Template]
    ) -> None:
        _, template = default
        group = only(template, "AWS::ElasticLoadBalancingV2::TargetGroup")
        attrs = attributes(group, "TargetGroupAttributes")
        assert attrs["proxy_protocol_v2.enabled"] == "false"
        assert attrs["preserve_client_ip.enabled"] == "false"

    def test_default_health_check_is_tcp_on_traffic_port(self, default: tuple[Any, Template]) -> None:
        _, template = default
        template.has_resource_properties(
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            {
                "HealthCheckProtocol": "TCP",
                "HealthCheckPort": "traffic-port",
                "HealthCheckIntervalSeconds": 10,
                "HealthyThresholdCount": 2,
                "UnhealthyThresholdCount": 2,
            },
        )

    def test_per_port_health_check_override(self, full: tuple[Any, Template]) -> None:
        _, template = full
        template.has_resource_properties(
            "AWS::ElasticLoadBalancingV2::TargetGroup", {"Port": 6432, "HealthCheckPort": "6000"}
        )
        template.has_resource_properties(
            "AWS::ElasticLoadBalancingV2::TargetGroup", {"Port": 5432, "HealthCheckPort": "traffic-port"}
        )

    def test_deregistration_and_connection_termination(self, full: tuple[Any, Template]) -> None:
        _, template = full
        for group in template.find_resources("AWS::ElasticLoadBalancingV2::TargetGroup").values():
            attrs = attributes(group, "TargetGroupAttributes")
            assert attrs["deregistration_delay.timeout_seconds"] == "20"
            assert attrs["deregistration_delay.connection_termination.enabled"] == "true"

    def test_instance_targets_keep_the_elb_default_client_ip_preservation(self) -> None:
        built = provider(target_type=elbv2.TargetType.INSTANCE)
        template = Template.from_stack(Stack.of(built))
        group = only(template, "AWS::ElasticLoadBalancingV2::TargetGroup")
        assert group["Properties"]["TargetType"] == "instance"
        assert "preserve_client_ip.enabled" not in attributes(group, "TargetGroupAttributes")


class TestEndpointService:
    def test_requires_acceptance_by_default(self, default: tuple[Any, Template]) -> None:
        _, template = default
        service = only(template, "AWS::EC2::VPCEndpointService")
        assert service["Properties"]["AcceptanceRequired"] is True
        (arn,) = service["Properties"]["NetworkLoadBalancerArns"]
        assert arn["Ref"].startswith("ProviderNlb")

    def test_account_ids_become_root_arns_and_arns_pass_through(self, full: tuple[Any, Template]) -> None:
        _, template = full
        permissions = only(template, "AWS::EC2::VPCEndpointServicePermissions")
        principals = permissions["Properties"]["AllowedPrincipals"]
        assert principals[0] == {
            "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::111122223333:root"]]
        }
        assert principals[1:] == [
            "arn:aws:iam::444455556666:role/etl-vendor",
            "arn:aws:iam::777788889999:root",
        ]

    def test_cross_region_ipv6_and_contributor_insights(self, full: tuple[Any, Template]) -> None:
        _, template = full
        template.has_resource_properties(
            "AWS::EC2::VPCEndpointService",
            {
                "SupportedRegions": ["us-east-1", "eu-central-1"],
                "SupportedIpAddressTypes": ["ipv4", "ipv6"],
                "ContributorInsightsEnabled": True,
            },
        )

    def test_defaults_to_this_region_and_ipv4(self, default: tuple[Any, Template]) -> None:
        _, template = default
        service = only(template, "AWS::EC2::VPCEndpointService")
        assert "SupportedRegions" not in service["Properties"]
        assert service["Properties"]["SupportedIpAddressTypes"] == ["ipv4"]

    def test_a_service_name_nobody_uses_adds_no_mapping(
        self, default: tuple[ProviderEndpointService, Template]
    ) -> None:
        # CloudFormation's validator warns of a mapping no Fn::FindInMap references (W7001)
        _, template = default
        assert "Mappings" not in template.to_json()

    def test_service_name_prefix_follows_the_partition(self) -> None:
        # cdk.json targets aws and aws-cn, whose prefixes differ: the prefix comes from a
        # mapping keyed by the deploying partition, not a hard-coded "com.amazonaws.vpce".
        built = provider()
        stack = Stack.of(built)
        CfnOutput(stack, "ServiceName", value=built.service_name)
        template = Template.from_stack(stack)
        separator, (prefix, region, service_id) = stack.resolve(built.service_name)["Fn::Join"]
        assert separator == "."
        mapping = "PrivateLinkCdkServiceNamePrefix"
        assert prefix == {"Fn::FindInMap": [mapping, {"Ref": "AWS::Partition"}, "prefix"]}
        assert region == {"Ref": "AWS::Region"}
        assert service_id["Fn::GetAtt"][1] == "ServiceId"
        assert template.to_json()["Mappings"][mapping] == {
            "aws": {"prefix": "com.amazonaws.vpce"},
            "aws-cn": {"prefix": "cn.com.amazonaws.vpce"},
        }

    @pytest.mark.parametrize(
        ("region", "prefix"),
        [("cn-north-1", "cn.com.amazonaws.vpce"), ("eu-west-1", "com.amazonaws.vpce")],
    )
    def test_service_name_prefix_of_a_concrete_region(self, region: str, prefix: str) -> None:
        stack = Stack(new_app(), "Test", env=Environment(account="111122223333", region=region))
        built = provider(stack)
        assert stack.resolve(built.service_name)["Fn::Join"][1][0] == f"{prefix}.{region}"

    def test_one_prefix_needs_no_mapping(self) -> None:
        app = new_app(**{"@aws-cdk/core:target-partitions": ["aws"]})
        built = provider(Stack(app, "Test"))
        assert Stack.of(built).resolve(built.service_name)["Fn::Join"][1][0] == "com.amazonaws.vpce"
        assert "Mappings" not in Template.from_stack(Stack.of(built)).to_json()

    def test_all_principals_with_explicit_opt_in(self) -> None:
        built = provider(allowed_principals=["*"], allow_all_principals=True)
        template = Template.from_stack(Stack.of(built))
        template.has_resource_properties(
            "AWS::EC2::VPCEndpointServicePermissions", {"AllowedPrincipals": ["*"]}
        )


class TestPrivateDns:
    def test_sets_the_name_and_writes_the_verification_record(self, full: tuple[Any, Template]) -> None:
        _, template = full
        template.has_resource_properties("AWS::EC2::VPCEndpointService", {"PrivateDnsName": "db.example.com"})
        record = only(template, "AWS::Route53::RecordSet")
        props = record["Properties"]
        assert props["Type"] == "TXT"
        assert props["HostedZoneId"] == "Z0123456789ABCDEFGHIJ"
        assert "PrivateDnsNameConfiguration.Name" in str(props["Name"])
        assert "PrivateDnsNameConfiguration.Value" in str(props["ResourceRecords"])

    def test_starts_verification_after_the_record_exists(self, full: tuple[Any, Template]) -> None:
        _, template = full
        record_id = next(iter(template.find_resources("AWS::Route53::RecordSet")))
        custom = template.find_resources("Custom::AWS", {"DependsOn": Match.array_with([record_id])})
        assert len(custom) == 1
        create = next(iter(custom.values()))["Properties"]["Create"]
        assert "startVpcEndpointServicePrivateDnsVerification" in str(create)

    def test_verification_may_only_touch_this_service(self, full: tuple[Any, Template]) -> None:
        _, template = full
        template.has_resource_properties(
            "AWS::IAM::Policy",
            {
                "PolicyDocument": {
                    "Statement": [
                        Match.object_like(
                            {
                                "Action": "ec2:StartVpcEndpointServicePrivateDnsVerification",
                                "Resource": {"Fn::Join": ["", Match.array_with([":vpc-endpoint-service/"])]},
                            }
                        )
                    ]
                }
            },
        )

    def test_same_stack_can_be_built_twice_in_one_process(self) -> None:
        templates = []
        for _ in range(2):
            stack = new_stack("Twice")
            provider(stack, private_dns_name="db.example.com", public_hosted_zone=zone(stack))
            templates.append(Template.from_stack(stack).to_json())
        assert templates[0] == templates[1]

    def test_without_a_zone_exposes_the_verification_values(self) -> None:
        built = provider(private_dns_name="db.example.com")
        template = Template.from_stack(Stack.of(built))
        template.resource_count_is("AWS::Route53::RecordSet", 0)
        assert built.private_dns_verification_name is not None
        assert "PrivateDnsNameConfiguration.Name" in str(
            Stack.of(built).resolve(built.private_dns_verification_name)
        )


class TestNotifications:
    def test_off_by_default(self, default: tuple[ProviderEndpointService, Template]) -> None:
        built, template = default
        template.resource_count_is("AWS::EC2::VPCEndpointConnectionNotification", 0)
        template.resource_count_is("AWS::SNS::Topic", 0)
        assert built.notification_topic is None

    def test_created_topic_is_kms_encrypted_and_ssl_only(self) -> None:
        built = provider(connection_notifications=True)
        template = Template.from_stack(Stack.of(built))
        template.has_resource_properties(
            "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp("Key"), "Arn"]}}
        )
        template.has_resource_properties(
            "AWS::SNS::TopicPolicy",
            {
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                            ),
                            Match.object_like(
                                {
                                    "Effect": "Allow",
                                    "Principal": {"Service": "vpce.amazonaws.com"},
                                    "Action": "sns:Publish",
                                }
                            ),
                        ]
                    )
                }
            },
        )
        template.has_resource_properties(
            "AWS::KMS::Key",
            {
                "EnableKeyRotation": True,
                "KeyPolicy": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Sid": "EndpointServiceNotifications",
                                    "Principal": {"Service": "vpce.amazonaws.com"},
                                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                                }
                            )
                        ]
                    )
                },
            },
        )

    def test_all_four_events_by_default(self) -> None:
        built = provider(connection_notifications=True)
        template = Template.from_stack(Stack.of(built))
        template.has_resource_properties(
            "AWS::EC2::VPCEndpointConnectionNotification",
            {"ConnectionEvents": ["Accept", "Connect", "Delete", "Reject"]},
        )

    def test_given_topic_is_used_as_is(self) -> None:
        from aws_cdk import aws_sns as sns

        stack = new_stack()
        topic = sns.Topic.from_topic_arn(stack, "Given", "arn:aws:sns:eu-west-1:111122223333:privatelink")
        built = provider(stack, notification_topic=topic, notification_events=["Connect"])
        template = Template.from_stack(stack)
        template.resource_count_is("AWS::SNS::Topic", 0)
        template.has_resource_properties(
            "AWS::EC2::VPCEndpointConnectionNotification",
            {
                "ConnectionEvents": ["Connect"],
                "ConnectionNotificationArn": "arn:aws:sns:eu-west-1:111122223333:privatelink",
            },
        )
        assert built.notification_topic is topic


class TestAutoAccept:
    def test_lambda_runs_on_the_newest_python_without_reserved_concurrency(
        self, full: tuple[Any, Template]
    ) -> None:
        _, template = full
        functions = template.find_resources("AWS::Lambda::Function")
        assert not [f for f in functions.values() if "ReservedConcurrentExecutions" in f["Properties"]]
        template.has_resource_properties(
            "AWS::Lambda::Function",
            {
                "Runtime": "python3.14",
                "Handler": "runtime.handler.handler",
                "Environment": {
                    "Variables": {"AUTO_ACCEPT_ACCOUNTS": "111122223333", "SERVICE_ID": Match.any_value()}
                },
            },
        )

    def test_may_accept_on_this_service_only(self, full: tuple[Any, Template]) -> None:
        _, template = full
        template.has_resource_properties(
            "AWS::IAM::Policy",
            {
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Action": Match.array_with(["ec2:AcceptVpcEndpointConnections"]),
                                    "Resource": {
                                        "Fn::Join": ["", Match.array_with([":vpc-endpoint-service/"])]
                                    },
                                }
                            )
                        ]
                    )
                }
            },
        )

    def test_never_gets_reject_permission(self, full: tuple[Any, Template]) -> None:
        _, template = full
        assert "RejectVpcEndpointConnections" not in str(template.to_json())

    def test_subscribes_to_notifications_including_connect(self, full: tuple[Any, Template]) -> None:
        _, template = full
        template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "lambda"})
        template.has_resource_properties(
            "AWS::EC2::VPCEndpointConnectionNotification",
            {"ConnectionEvents": Match.array_with(["Connect"])},
        )

    def test_adds_connect_to_a_narrower_event_list(self) -> None:
        built = provider(auto_accept_principals=["111122223333"], notification_events=["Reject"])
        template = Template.from_stack(Stack.of(built))
        template.has_resource_properties(
            "AWS::EC2::VPCEndpointConnectionNotification", {"ConnectionEvents": ["Reject", "Connect"]}
        )

    def test_logs_are_encrypted_and_expire(self, full: tuple[Any, Template]) -> None:
        _, template = full
        for group in template.find_resources("AWS::Logs::LogGroup").values():
            assert "KmsKeyId" in group["Properties"]
            assert group["Properties"]["RetentionInDays"] == 90

    def test_asset_holds_only_the_runtime_package(self, full: tuple[Any, Template]) -> None:
        built, _ = full
        from pathlib import Path

        assembly = Stack.of(built).node.root.synth()  # type: ignore[attr-defined]
        directory = Path(assembly.directory)
        assets = [p for p in directory.iterdir() if p.name.startswith("asset.") and p.is_dir()]
        acceptor = [a for a in assets if (a / "runtime" / "handler.py").exists()]
        assert len(acceptor) == 1
        files = sorted(str(p.relative_to(acceptor[0])) for p in acceptor[0].rglob("*") if p.is_file())
        assert files == ["runtime/__init__.py", "runtime/handler.py", "runtime/plan.py"]


class TestConnections:
    def test_implements_iconnectable(self) -> None:
        stack = new_stack()
        built = provider(stack)
        peer = ec2.Peer.ipv4("192.168.10.0/24")
        built.connections.allow_to(peer, ec2.Port.tcp(5432), "Database in a peered VPC")
        template = Template.from_stack(stack)
        group = only(template, "AWS::EC2::SecurityGroup")
        assert {"CidrIp": "192.168.10.0/24", "FromPort": 5432, "ToPort": 5432} in [
            {k: rule[k] for k in ("CidrIp", "FromPort", "ToPort")}
            for rule in group["Properties"]["SecurityGroupEgress"]
        ]

    def test_target_cidrs_open_egress_to_targets_outside_the_vpc(self) -> None:
        built = provider(target_cidrs=["192.168.0.0/16", "2001:db8::/56"])
        group = only(Template.from_stack(Stack.of(built)), "AWS::EC2::SecurityGroup")
        egress = group["Properties"]["SecurityGroupEgress"]
        assert {(r.get("CidrIp") or r.get("CidrIpv6"), r["FromPort"]) for r in egress} == {
            (VPC_CIDR, 5432),
            ("192.168.0.0/16", 5432),
            ("2001:db8::/56", 5432),
        }

    def test_enforcing_inbound_rules_is_an_explicit_choice(self) -> None:
        built = provider(enforce_security_group_inbound_rules_on_private_link_traffic=True)
        template = Template.from_stack(Stack.of(built))
        template.has_resource_properties(
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            {"EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic": "on"},
        )
