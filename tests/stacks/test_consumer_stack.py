"""ConsumerStack from config, and the default app's complete link."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template
from syrupy.assertion import SnapshotAssertion

from stacks import BuiltApp, build_app, parse_config
from tests.conftest import default_config, masked, new_app

FOREIGN = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"


@pytest.fixture(scope="module")
def default_app() -> BuiltApp:
    return build_app(new_app(), parse_config(default_config()))


@pytest.fixture(scope="module")
def default_template(default_app: BuiltApp) -> Template:
    (consumer,) = default_app.consumers
    return Template.from_stack(consumer)


def test_default_consumer_stack_snapshot(default_template: Template, snapshot: SnapshotAssertion) -> None:
    # Reviewed in the diff whenever it changes; the fine-grained tests below state the intent.
    assert masked(default_template) == snapshot


def test_default_consumer_uses_the_providers_service_name(
    default_app: BuiltApp, default_template: Template
) -> None:
    assert default_app.provider is not None
    (consumer,) = default_app.consumers
    assert consumer.stack_name == "ConsumerStack"
    endpoint = next(iter(default_template.find_resources("AWS::EC2::VPCEndpoint").values()))
    # The provider stack's own ServiceName output, read at deploy time: no copied mapping, no
    # generated "PublishOutput..." output in the provider stack.
    assert endpoint["Properties"]["ServiceName"] == {
        "Fn::GetStackOutput": {"StackName": "ProviderStack", "OutputName": "ServiceName"}
    }
    assert "Mappings" not in default_template.to_json()
    provider_outputs = Template.from_stack(default_app.provider).find_outputs("*")
    assert not [name for name in provider_outputs if name.startswith("PublishOutput")]
    assert default_app.provider in consumer.dependencies


def test_outputs_what_the_provider_asks_for(default_template: Template) -> None:
    outputs = default_template.find_outputs("*")
    assert set(outputs) == {
        "EndpointId",
        "DnsName",
        "ClientHostname",
        "Ports",
        "SecurityGroupId",
        "HostedZoneId",
    }
    assert outputs["EndpointId"]["Value"]["Ref"].startswith("ConsumerEndpoint")
    assert outputs["ClientHostname"]["Value"] == "db.example.internal"  # the private hosted zone's record
    assert outputs["Ports"]["Value"] == "5432"


def test_default_demo_opens_the_port_to_the_named_peer_only(default_template: Template) -> None:
    groups = default_template.find_resources(
        "AWS::EC2::SecurityGroup",
        {
            "Properties": {
                "GroupDescription": "privatelink-cdk interface endpoint: ingress from named peers only"
            }
        },
    )
    (group,) = groups.values()
    assert [
        (r["CidrIp"], r["FromPort"], r["ToPort"]) for r in group["Properties"]["SecurityGroupIngress"]
    ] == [("10.60.0.0/16", 5432, 5432)]


def build(config: dict[str, Any]) -> BuiltApp:
    return build_app(new_app(), parse_config(config))


def test_foreign_service_in_another_region() -> None:
    built = build(
        {
            "consumers": [
                {
                    "env": {"account": "222233334444", "region": "eu-west-1"},
                    "vpc": {"availability_zones": ["eu-west-1a", "eu-west-1b"]},
                    "service_name": FOREIGN,
                    "service_region": "us-east-1",
                    "ports": [5432],
                    "allowed_peers": [
                        {"security_group_id": "sg-0123456789abcdef0"},
                        {"prefix_list_id": "pl-0123456789abcdef0"},
                    ],
                    "private_dns_enabled": True,
                }
            ]
        }
    )
    assert built.provider is None
    (stack,) = built.consumers
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {"ServiceName": FOREIGN, "ServiceRegion": "us-east-1", "PrivateDnsEnabled": True},
    )
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress", {"SourceSecurityGroupId": "sg-0123456789abcdef0", "FromPort": 5432}
    )
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress", {"SourcePrefixListId": "pl-0123456789abcdef0", "FromPort": 5432}
    )
    assert stack.account == "222233334444"


def test_many_consumers_one_stack_each() -> None:
    built = build(
        {
            "provider": {},
            "consumers": [
                {"name": "analytics", "vpc": {"cidr": "10.61.0.0/16"}},
                {
                    "name": "billing",
                    "service_name": FOREIGN,
                    "ports": [3306],
                    "env": {"account": "222233334444", "region": "us-east-1"},
                    "vpc": {
                        "vpc_id": "vpc-0123",
                        "cidr": "10.62.0.0/16",
                        "availability_zones": ["us-east-1a"],
                        "subnet_ids": ["subnet-0a"],
                    },
                },
            ],
        }
    )
    assert [stack.stack_name for stack in built.consumers] == [
        "ConsumerStack-analytics",
        "ConsumerStack-billing",
    ]
    billing = Template.from_stack(built.consumers[1])
    billing.resource_count_is("AWS::EC2::VPC", 0)
    billing.has_resource_properties(
        "AWS::EC2::VPCEndpoint", {"ServiceName": FOREIGN, "SubnetIds": ["subnet-0a"]}
    )
    assert built.consumers[1].region == "us-east-1"
    assert built.provider is not None
    assert built.provider in built.consumers[0].dependencies
    assert built.provider not in built.consumers[1].dependencies
