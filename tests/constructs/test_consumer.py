"""ConsumerInterfaceEndpoint: what it builds, and every argument it refuses."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk import Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

from privatelink_constructs import ConsumerInterfaceEndpoint
from tests.conftest import new_stack, only
from tests.constructs.helpers import imported_vpc

SERVICE = "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0"


def consumer(stack: Stack | None = None, **overrides: Any) -> ConsumerInterfaceEndpoint:
    stack = stack or new_stack()
    arguments: dict[str, Any] = {"vpc": imported_vpc(stack), "service_name": SERVICE, "ports": [5432]}
    arguments.update(overrides)
    return ConsumerInterfaceEndpoint(stack, "Consumer", **arguments)


@pytest.fixture(scope="module")
def default() -> tuple[ConsumerInterfaceEndpoint, Template]:
    built = consumer()
    return built, Template.from_stack(Stack.of(built))


@pytest.fixture(scope="module")
def full() -> tuple[ConsumerInterfaceEndpoint, Template]:
    stack = new_stack("Full")
    clients = ec2.SecurityGroup.from_security_group_id(
        stack, "Clients", "sg-0123456789abcdef0", mutable=False
    )
    built = consumer(
        stack,
        ports=[5432, 6432],
        allowed_peers=[ec2.Peer.ipv4("10.60.1.0/24"), clients, ec2.Peer.prefix_list("pl-0123456789abcdef0")],
        private_hosted_zone_name="example.com",
        record_names=["db.example.com", "replica.db.example.com"],
        service_region="eu-west-1",
        ip_address_type="dualstack",
        dns_record_ip_type="dualstack",
    )
    return built, Template.from_stack(stack)


class TestEndpoint:
    def test_interface_endpoint_to_the_service_in_private_subnets(
        self, default: tuple[Any, Template]
    ) -> None:
        _, template = default
        template.has_resource_properties(
            "AWS::EC2::VPCEndpoint",
            {
                "ServiceName": SERVICE,
                "VpcEndpointType": "Interface",
                "PrivateDnsEnabled": False,
                "SubnetIds": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
                "SecurityGroupIds": [
                    {"Fn::GetAtt": [Match.string_like_regexp("ConsumerSecurityGroup"), "GroupId"]}
                ],
            },
        )

    def test_security_group_is_closed_by_default(self, default: tuple[Any, Template]) -> None:
        _, template = default
        group = only(template, "AWS::EC2::SecurityGroup")
        assert "SecurityGroupIngress" not in group["Properties"]
        template.resource_count_is("AWS::EC2::SecurityGroupIngress", 0)
        # No egress either: only CDK's placeholder rule, which matches no traffic.
        (egress,) = group["Properties"]["SecurityGroupEgress"]
        assert egress["CidrIp"] == "255.255.255.255/32"

    def test_each_peer_gets_each_port(self, full: tuple[Any, Template]) -> None:
        _, template = full
        group = only(template, "AWS::EC2::SecurityGroup")
        inline = {(r["CidrIp"], r["FromPort"]) for r in group["Properties"]["SecurityGroupIngress"]}
        assert inline == {("10.60.1.0/24", 5432), ("10.60.1.0/24", 6432)}
        rules = template.find_resources("AWS::EC2::SecurityGroupIngress")
        by_source = {
            (
                r["Properties"].get("SourceSecurityGroupId") or r["Properties"].get("SourcePrefixListId"),
                r["Properties"]["FromPort"],
            )
            for r in rules.values()
        }
        assert by_source == {
            ("sg-0123456789abcdef0", 5432),
            ("sg-0123456789abcdef0", 6432),
            ("pl-0123456789abcdef0", 5432),
            ("pl-0123456789abcdef0", 6432),
        }

    def test_cross_region_and_ip_types(self, full: tuple[Any, Template]) -> None:
        _, template = full
        template.has_resource_properties(
            "AWS::EC2::VPCEndpoint",
            {
                "ServiceRegion": "eu-west-1",
                "IpAddressType": "dualstack",
                "DnsOptions": {"DnsRecordIpType": "dualstack"},
            },
        )

    def test_private_dns_when_asked(self) -> None:
        built = consumer(private_dns_enabled=True)
        Template.from_stack(Stack.of(built)).has_resource_properties(
            "AWS::EC2::VPCEndpoint", {"PrivateDnsEnabled": True}
        )

    def test_exposes_id_dns_name_and_entries(
        self, default: tuple[ConsumerInterfaceEndpoint, Template]
    ) -> None:
        built, _ = default
        stack = Stack.of(built)
        resource = built.endpoint.node.default_child
        assert isinstance(resource, ec2.CfnVPCEndpoint)
        assert stack.resolve(built.endpoint_id) == {"Ref": stack.get_logical_id(resource)}
        dns_name = stack.resolve(built.dns_name)
        assert dns_name["Fn::Select"][0] == 1
        assert "DnsEntries" in str(dns_name)
        assert "DnsEntries" in str(stack.resolve(built.dns_entries))
        assert built.hosted_zone is None

    def test_connections_let_a_client_in(self) -> None:
        stack = new_stack()
        built = consumer(stack)
        built.connections.allow_from(ec2.Peer.ipv4("10.60.9.0/24"), ec2.Port.tcp(5432), "app subnet")
        group = only(Template.from_stack(stack), "AWS::EC2::SecurityGroup")
        assert group["Properties"]["SecurityGroupIngress"][0]["CidrIp"] == "10.60.9.0/24"

    def test_accepts_a_token_service_name(self) -> None:
        built = consumer(service_name=Token.as_string({"Fn::ImportValue": "ProviderServiceName"}))
        Template.from_stack(Stack.of(built)).has_resource_properties(
            "AWS::EC2::VPCEndpoint", {"ServiceName": {"Fn::ImportValue": "ProviderServiceName"}}
        )


class TestPrivateHostedZone:
    def test_zone_in_the_vpc_with_alias_records(
        self, full: tuple[ConsumerInterfaceEndpoint, Template]
    ) -> None:
        built, template = full
        template.has_resource_properties(
            "AWS::Route53::HostedZone",
            {"Name": "example.com.", "VPCs": [Match.object_like({"VPCId": "vpc-0123456789abcdef0"})]},
        )
        records = template.find_resources("AWS::Route53::RecordSet")
        names_types = sorted((r["Properties"]["Name"], r["Properties"]["Type"]) for r in records.values())
        assert names_types == [
            ("db.example.com.", "A"),
            ("db.example.com.", "AAAA"),
            ("replica.db.example.com.", "A"),
            ("replica.db.example.com.", "AAAA"),
        ]
        for record in records.values():
            assert "DnsEntries" in str(record["Properties"]["AliasTarget"])
        assert built.hosted_zone is not None

    def test_ipv4_records_only_without_ipv6(self) -> None:
        built = consumer(private_hosted_zone_name="example.com", record_names=["db.example.com"])
        template = Template.from_stack(Stack.of(built))
        record = only(template, "AWS::Route53::RecordSet")
        assert record["Properties"]["Type"] == "A"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"service_name": "vpce-svc-0123456789abcdef0"},
            "service_name: 'vpce-svc-0123456789abcdef0' is not an endpoint service name; expected "
            "com.amazonaws.vpce.<region>.vpce-svc-<17 hex digits>",
        ),
        (
            {"service_name": "com.amazonaws.vpce.eu-west-1.vpce-svc-0123"},
            "service_name: 'com.amazonaws.vpce.eu-west-1.vpce-svc-0123' is not an endpoint service name",
        ),
        ({"ports": []}, "ports: at least one TCP port is required, got none"),
        ({"ports": [5432, 5432]}, "ports[1]: port 5432 is listed more than once"),
        ({"ports": [99999]}, "ports[0]: 99999 is not a TCP port (1-65535)"),
        ({"service_region": "EU"}, "service_region: 'EU' is not an AWS region name"),
        (
            {"service_region": "us-east-1"},
            "service_region: 'us-east-1' does not match the region in service_name ('eu-west-1')",
        ),
        (
            {"allowed_peers": [ec2.Peer.any_ipv4()]},
            "allowed_peers[0]: '0.0.0.0/0' would allow every address; name the networks you mean",
        ),
        ({"allowed_peers": [ec2.Peer.any_ipv6()]}, "allowed_peers[0]: '::/0' would allow every address"),
        (
            {"private_hosted_zone_name": "example.com", "record_names": ["db.example.org"]},
            "record_names[0]: 'db.example.org' is not in the zone 'example.com'",
        ),
        ({"record_names": ["db.example.com"]}, "record_names: given without private_hosted_zone_name"),
        (
            {"private_hosted_zone_name": "example.com"},
            "record_names: a private hosted zone needs at least one record name, like 'db.example.com'",
        ),
        (
            {"dns_record_ip_type": "ipv6"},
            "dns_record_ip_type: 'ipv6' records need an endpoint with IPv6 addresses; set ip_address_type to "
            "'dualstack' or 'ipv6' (got the IPv4 default)",
        ),
        (
            {"ip_address_type": "ipv4", "dns_record_ip_type": "dualstack"},
            "dns_record_ip_type: 'dualstack' records need an endpoint with IPv6 addresses",
        ),
        ({"ip_address_type": "v6"}, "ip_address_type: 'v6' is not allowed; expected one of"),
    ],
)
def test_rejects_bad_argument(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape("Test/Consumer: " + message)):
        consumer(**overrides)
