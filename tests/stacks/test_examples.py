"""Every example config in examples/ is valid, synthesizes with cdk-nag on, and builds its pattern."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Match, Template

from stacks import BuiltApp, build_app, parse_config, with_nag
from stacks.config_files import read_config_file
from tests.conftest import ROOT, new_app

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.fixture(autouse=True)
def in_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``from_handoff`` path is relative to the current directory: the project's, as for ``cdk``."""
    monkeypatch.chdir(ROOT)


@cache
def built(name: str) -> BuiltApp:
    """The example's app, built once, synthesized with AwsSolutions checks (a finding fails it)."""
    app = with_nag(new_app())
    result = build_app(app, parse_config(read_config_file(ROOT / "examples" / name)))
    app.synth()
    return result


def template(name: str, stack_name: str) -> Template:
    result = built(name)
    stacks: list[Stack] = [*([result.provider] if result.provider else []), *result.consumers]
    (stack,) = [s for s in stacks if s.stack_name == stack_name]
    return Template.from_stack(stack)


def test_there_is_one_example_per_pattern() -> None:
    assert {path.name for path in EXAMPLES} >= {
        "database-vendor-private-dns.yaml",
        "rds-to-elt-vendor.yaml",
        "clickhouse-consumer.yaml",
        "emqx-mqtt-provider.yaml",
        "rds-proxy-producer-consumer.yaml",
        "handoff-consumer.yaml",
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_synthesizes_with_nag(path: Path) -> None:
    result = built(path.name)
    stacks = [*([result.provider] if result.provider else []), *result.consumers]
    assert stacks
    for stack in stacks:
        assert Template.from_stack(stack).to_json()["Resources"]


def test_database_vendor_verifies_its_private_dns_name() -> None:
    provider = template("database-vendor-private-dns.yaml", "ProviderStack")
    provider.has_resource_properties(
        "AWS::EC2::VPCEndpointService",
        {"PrivateDnsName": "db.vendor-demo.example", "AcceptanceRequired": True},
    )
    provider.has_resource_properties("AWS::Route53::RecordSet", {"Type": "TXT"})
    provider.has_resource("AWS::ElasticLoadBalancingV2::LoadBalancer", {})
    nlb = next(iter(provider.find_resources("AWS::ElasticLoadBalancingV2::LoadBalancer").values()))
    attributes = {a["Key"]: a["Value"] for a in nlb["Properties"]["LoadBalancerAttributes"]}
    assert attributes["deletion_protection.enabled"] == "true"


def test_elt_vendor_is_allowed_and_auto_accepted_with_plain_tcp() -> None:
    provider = template("rds-to-elt-vendor.yaml", "ProviderStack")
    provider.has_resource_properties(
        "AWS::EC2::VPCEndpointServicePermissions", {"AllowedPrincipals": ["arn:aws:iam::012922587834:root"]}
    )
    provider.has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": Match.object_like({"AUTO_ACCEPT_ACCOUNTS": "012922587834"})}},
    )
    group = next(iter(provider.find_resources("AWS::ElasticLoadBalancingV2::TargetGroup").values()))
    attributes = {a["Key"]: a["Value"] for a in group["Properties"]["TargetGroupAttributes"]}
    assert attributes["proxy_protocol_v2.enabled"] == "false"
    assert attributes["preserve_client_ip.enabled"] == "false"
    provider.has_resource_properties(
        "AWS::Events::Rule", {"EventPattern": Match.object_like({"source": ["aws.rds"]})}
    )


def test_clickhouse_consumers_use_private_dns_or_a_zone_and_shared_zones_only() -> None:
    analytics = template("clickhouse-consumer.yaml", "ConsumerStack-analytics")
    analytics.has_resource_properties(
        "AWS::EC2::VPCEndpoint", {"PrivateDnsEnabled": True, "SubnetIds": Match.any_value()}
    )
    reporting = template("clickhouse-consumer.yaml", "ConsumerStack-reporting")
    (endpoint,) = reporting.find_resources("AWS::EC2::VPCEndpoint").values()
    assert len(endpoint["Properties"]["SubnetIds"]) == 2  # use1-az6 is not one of the vendor's zones
    reporting.has_resource_properties(
        "AWS::Route53::RecordSet", {"Name": "abc123xyz.us-east-1.aws.clickhouse.cloud.", "Type": "A"}
    )
    for stack in (analytics, reporting):
        group = next(iter(stack.find_resources("AWS::EC2::SecurityGroup").values()))
        assert sorted(rule["FromPort"] for rule in group["Properties"]["SecurityGroupIngress"]) == [
            8443,
            9440,
        ]


def test_rds_proxy_updater_runs_in_the_vpc_with_an_elb_endpoint() -> None:
    provider = template("rds-proxy-producer-consumer.yaml", "ProviderStack")
    provider.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {"ServiceName": Match.string_like_regexp("elasticloadbalancing"), "PrivateDnsEnabled": True},
    )
    functions = provider.find_resources(
        "AWS::Lambda::Function", {"Properties": {"VpcConfig": Match.any_value()}}
    )
    assert len(functions) == 1
    consumer = template("rds-proxy-producer-consumer.yaml", "ConsumerStack")
    consumer.has_resource_properties(
        "AWS::EC2::VPCEndpoint", {"ServiceName": "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0"}
    )


def test_handoff_consumers_take_the_vendors_service_from_the_file() -> None:
    service = "com.amazonaws.vpce.us-east-1.vpce-svc-0f1e2d3c4b5a69788"
    orders = template("handoff-consumer.yaml", "ConsumerStack-orders")
    (endpoint,) = orders.find_resources("AWS::EC2::VPCEndpoint").values()
    assert endpoint["Properties"]["ServiceName"] == service
    assert endpoint["Properties"]["PrivateDnsEnabled"] is True  # the vendor's name is verified
    assert "ServiceRegion" not in endpoint["Properties"]
    assert len(endpoint["Properties"]["SubnetIds"]) == 2  # use1-az4 is not one of the vendor's zones
    reports = template("handoff-consumer.yaml", "ConsumerStack-reports")
    reports.has_resource_properties(
        "AWS::EC2::VPCEndpoint", {"ServiceName": service, "ServiceRegion": "us-east-1"}
    )
    group = next(iter(reports.find_resources("AWS::EC2::SecurityGroup").values()))
    assert [rule["FromPort"] for rule in group["Properties"]["SecurityGroupIngress"]] == [5432]
