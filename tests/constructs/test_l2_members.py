"""What an aws-cdk-lib L2 user expects of the constructs: add_*, grant_*, metric_*, keys, removal.

Also the three departures from the L2 patterns that were bugs: the China service name, the
consumer's default port, and record logical IDs that followed list position.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from privatelink_constructs import ConsumerInterfaceEndpoint, create_encryption_key, default_health_check
from tests.conftest import new_stack, only
from tests.constructs.helpers import imported_vpc, provider, zone

SERVICE = "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0"
CHINA_SERVICE = "cn.com.amazonaws.vpce.cn-north-1.vpce-svc-0123456789abcdef0"


def consumer(stack: Stack | None = None, **overrides: Any) -> ConsumerInterfaceEndpoint:
    stack = stack or new_stack()
    arguments: dict[str, Any] = {"vpc": imported_vpc(stack), "service_name": SERVICE, "ports": [5432]}
    arguments.update(overrides)
    return ConsumerInterfaceEndpoint(stack, "Consumer", **arguments)


def principals_of(template: Template) -> list[Any]:
    allowed: list[Any] = only(template, "AWS::EC2::VPCEndpointServicePermissions")["Properties"][
        "AllowedPrincipals"
    ]
    return allowed


class TestAllowedPrincipals:
    def test_add_allowed_principals_extends_the_same_permissions(self) -> None:
        built = provider(allowed_principals=["111122223333"])
        built.add_allowed_principals("444455556666", "arn:aws:iam::777788889999:role/etl")
        assert built.allowed_principals == (
            "111122223333",
            "444455556666",
            "arn:aws:iam::777788889999:role/etl",
        )
        allowed = principals_of(Template.from_stack(Stack.of(built)))
        assert len(allowed) == 3
        assert allowed[2] == "arn:aws:iam::777788889999:role/etl"

    @pytest.mark.parametrize(
        ("added", "message"),
        [
            ("*", "allowed_principals[1]: '*' would let every AWS account connect"),
            ("111122223333", "allowed_principals[1]: '111122223333' is listed more than once"),
            ("42", "allowed_principals[1]: '42' is not a 12-digit account ID"),
        ],
    )
    def test_add_allowed_principals_applies_the_same_rules(self, added: str, message: str) -> None:
        built = provider(allowed_principals=["111122223333"])
        with pytest.raises(
            ValueError, match=r"^Test/Provider: " + message.replace("[", r"\[").replace("*", r"\*")
        ):
            built.add_allowed_principals(added)
        assert built.allowed_principals == ("111122223333",)


def test_grant_accept_connections_is_scoped_to_this_service() -> None:
    built = provider()
    stack = Stack.of(built)
    operator = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    built.grant_accept_connections(operator)
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "ec2:AcceptVpcEndpointConnections"
    assert stack.resolve(built.service_arn) == statement["Resource"]
    assert ":vpc-endpoint-service/" in str(statement["Resource"])


class TestMetrics:
    def test_provider_metrics_are_the_services_privatelink_metrics(self) -> None:
        built = provider()
        metric = built.metric_active_connections(period=Duration.minutes(1))
        assert metric.namespace == "AWS/PrivateLinkServices"
        assert metric.metric_name == "ActiveConnections"
        assert metric.statistic == "Maximum"
        assert metric.period.to_seconds() == 60
        assert metric.dimensions is not None
        assert Stack.of(built).resolve(metric.dimensions["Service Id"]) == Stack.of(built).resolve(
            built.service_id
        )
        names = [
            built.metric_new_connections().metric_name,
            built.metric_bytes_processed().metric_name,
            built.metric_endpoints_count().metric_name,
            built.metric_rst_packets_sent().metric_name,
        ]
        assert names == ["NewConnections", "BytesProcessed", "EndpointsCount", "RstPacketsSent"]

    def test_consumer_metrics_name_the_endpoint(self) -> None:
        built = consumer()
        metric = built.metric_bytes_processed()
        assert metric.namespace == "AWS/PrivateLinkEndpoints"
        assert metric.statistic == "Sum"
        assert metric.dimensions is not None
        assert set(metric.dimensions) == {"Endpoint Type", "Service Name", "VPC Endpoint Id", "VPC Id"}
        assert metric.dimensions["Service Name"] == SERVICE
        assert metric.dimensions["VPC Id"] == "vpc-0123456789abcdef0"
        assert built.metric_packets_dropped().metric_name == "PacketsDropped"
        assert built.metric_rst_packets_received().metric_name == "RstPacketsReceived"
        assert built.metric_active_connections().metric_name == "ActiveConnections"
        assert built.metric_new_connections().metric_name == "NewConnections"


class TestKeysAndRemoval:
    def test_a_given_key_serves_the_topic_and_the_acceptor_and_no_key_is_created(self) -> None:
        stack = new_stack()
        key = create_encryption_key(stack, "StackKey", description="one per stack")
        provider(stack, encryption_key=key, auto_accept_principals=["111122223333"])
        template = Template.from_stack(stack)
        template.resource_count_is("AWS::KMS::Key", 1)
        key_id = stack.get_logical_id(key.node.default_child)  # type: ignore[arg-type]
        template.has_resource_properties(
            "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}
        )
        # The key now lets the endpoint service publish to the encrypted topic.
        key_policy = only(template, "AWS::KMS::Key")["Properties"]["KeyPolicy"]["Statement"]
        assert any(s.get("Principal") == {"Service": "vpce.amazonaws.com"} for s in key_policy)

    def test_keys_are_retained_and_logs_deleted_by_default(self) -> None:
        stack = new_stack()
        provider(stack, private_dns_name="db.example.com", public_hosted_zone=zone(stack))
        template = Template.from_stack(stack)
        template.has_resource("AWS::KMS::Key", {"DeletionPolicy": "Retain"})
        template.has_resource(
            "AWS::Logs::LogGroup",
            {"DeletionPolicy": "Delete", "Properties": {"RetentionInDays": 90}},
        )

    def test_removal_policy_applies_to_the_key_and_the_log_groups(self) -> None:
        stack = new_stack()
        provider(
            stack,
            private_dns_name="db.example.com",
            public_hosted_zone=zone(stack),
            removal_policy=RemovalPolicy.RETAIN,
        )
        template = Template.from_stack(stack)
        template.has_resource("AWS::KMS::Key", {"DeletionPolicy": "Retain"})
        template.has_resource("AWS::Logs::LogGroup", {"DeletionPolicy": "Retain"})
        destroyed = new_stack("Destroyed")
        provider(
            destroyed,
            private_dns_name="db.example.com",
            public_hosted_zone=zone(destroyed),
            removal_policy=RemovalPolicy.DESTROY,
        )
        Template.from_stack(destroyed).has_resource("AWS::KMS::Key", {"DeletionPolicy": "Delete"})


def test_default_health_check_overrides_one_default_and_keeps_the_rest() -> None:
    check = default_health_check(interval=Duration.seconds(30))
    assert check.interval is not None
    assert check.interval.to_seconds() == 30
    assert (check.port, check.healthy_threshold_count, check.unhealthy_threshold_count) == (
        "traffic-port",
        2,
        2,
    )


class TestChinaPartition:
    def test_consumer_accepts_a_china_service_name(self) -> None:
        built = consumer(service_name=CHINA_SERVICE, service_region="cn-north-1")
        Template.from_stack(Stack.of(built)).has_resource_properties(
            "AWS::EC2::VPCEndpoint", {"ServiceName": CHINA_SERVICE}
        )

    def test_china_service_region_must_match_the_name(self) -> None:
        with pytest.raises(ValueError, match=r"service_region: 'cn-northwest-1' does not match the region"):
            consumer(service_name=CHINA_SERVICE, service_region="cn-northwest-1")


class TestConsumerConnections:
    def test_default_port_is_the_services_port(self) -> None:
        stack = new_stack()
        built = consumer(stack)
        clients = ec2.SecurityGroup(stack, "Clients", vpc=imported_vpc_of(stack), allow_all_outbound=False)
        built.connections.allow_default_port_from(clients)
        (ingress,) = Template.from_stack(stack).find_resources("AWS::EC2::SecurityGroupIngress").values()
        assert (ingress["Properties"]["FromPort"], ingress["Properties"]["ToPort"]) == (5432, 5432)

    def test_several_ports_have_no_default_port(self) -> None:
        built = consumer(ports=[5432, 6432])
        assert built.connections.default_port is None

    def test_add_allowed_peers_opens_every_port(self) -> None:
        stack = new_stack()
        built = consumer(stack, ports=[5432, 6432])
        built.add_allowed_peers(ec2.Peer.ipv4("10.60.8.0/22"))
        group = only(Template.from_stack(stack), "AWS::EC2::SecurityGroup")
        ports = sorted(rule["FromPort"] for rule in group["Properties"]["SecurityGroupIngress"])
        assert ports == [5432, 6432]

    def test_add_allowed_peers_refuses_every_address(self) -> None:
        built = consumer()
        with pytest.raises(ValueError, match=r"allowed_peers\[0\]: '0.0.0.0/0' would allow every address"):
            built.add_allowed_peers(ec2.Peer.any_ipv4())

    def test_endpoint_options_take_the_l2_enums(self) -> None:
        built = consumer(
            ip_address_type=ec2.VpcEndpointIpAddressType.DUALSTACK,
            dns_record_ip_type=ec2.VpcEndpointDnsRecordIpType.IPV6,
        )
        Template.from_stack(Stack.of(built)).has_resource_properties(
            "AWS::EC2::VPCEndpoint",
            {"IpAddressType": "dualstack", "DnsOptions": Match.object_like({"DnsRecordIpType": "ipv6"})},
        )

    def test_enum_problems_name_the_enum(self) -> None:
        with pytest.raises(
            ValueError, match=r"VpcEndpointDnsRecordIpType\.IPV6 records need an endpoint with IPv6"
        ):
            consumer(dns_record_ip_type=ec2.VpcEndpointDnsRecordIpType.IPV6)


def imported_vpc_of(stack: Stack) -> ec2.IVpc:
    vpc = stack.node.try_find_child("Vpc")
    assert vpc is not None
    return vpc  # type: ignore[return-value]


class TestRecords:
    def record_ids(self, names: list[str]) -> dict[str, str]:
        built = consumer(private_hosted_zone_name="example.com", record_names=names)
        records = Template.from_stack(Stack.of(built)).find_resources("AWS::Route53::RecordSet")
        return {record["Properties"]["Name"]: logical_id for logical_id, record in records.items()}

    def test_reordering_record_names_keeps_every_logical_id(self) -> None:
        before = self.record_ids(["db.example.com", "replica.example.com"])
        after = self.record_ids(["replica.example.com", "db.example.com"])
        assert before == after
        assert len(before) == 2

    def test_duplicate_record_names_are_refused(self) -> None:
        with pytest.raises(ValueError, match=r"record_names: \['db.example.com'\] are listed more than once"):
            consumer(
                private_hosted_zone_name="example.com", record_names=["db.example.com", "db.example.com"]
            )


class TestAutoAccept:
    def acceptor_accounts(self, template: Template) -> Any:
        (function,) = [
            f
            for f in template.find_resources("AWS::Lambda::Function").values()
            if "AUTO_ACCEPT_ACCOUNTS" in f["Properties"].get("Environment", {}).get("Variables", {})
        ]
        return function["Properties"]["Environment"]["Variables"]["AUTO_ACCEPT_ACCOUNTS"]

    def test_adding_the_first_account_adds_topic_notification_and_acceptor(self) -> None:
        built = provider(allowed_principals=["111122223333"])
        assert built.acceptor is None
        built.add_auto_accept_principals("111122223333")
        assert built.acceptor is not None
        template = Template.from_stack(Stack.of(built))
        template.resource_count_is("AWS::SNS::Topic", 1)
        template.has_resource_properties(
            "AWS::EC2::VPCEndpointConnectionNotification", {"ConnectionEvents": ["Connect"]}
        )
        assert self.acceptor_accounts(template) == "111122223333"

    def test_adding_to_an_existing_acceptor_extends_its_accounts(self) -> None:
        built = provider(
            allowed_principals=["111122223333", "444455556666"],
            auto_accept_principals=["111122223333"],
            connection_notifications=True,
            notification_events=["Accept"],
        )
        built.add_auto_accept_principals("444455556666")
        assert built.auto_accept_principals == ("111122223333", "444455556666")
        template = Template.from_stack(Stack.of(built))
        assert self.acceptor_accounts(template) == "111122223333,444455556666"
        template.resource_count_is("AWS::Lambda::Function", 1)  # the one acceptor, no second
        template.has_resource_properties(
            "AWS::EC2::VPCEndpointConnectionNotification", {"ConnectionEvents": ["Accept", "Connect"]}
        )

    def test_refuses_what_is_not_an_account(self) -> None:
        built = provider()
        with pytest.raises(ValueError, match=r"auto_accept_principals\[0\]: 'arn:aws:iam::1:root' is not"):
            built.add_auto_accept_principals("arn:aws:iam::1:root")
        assert built.acceptor is None

    def test_an_added_account_must_be_allowed_too(self) -> None:
        built = provider(allowed_principals=["111122223333"])
        built.add_auto_accept_principals("444455556666")
        with pytest.raises(RuntimeError, match=r"auto_accept_principals\[0\]: '444455556666' is not allowed"):
            Template.from_stack(Stack.of(built))
