"""ConsumerInterfaceEndpoint(probe=True): an EndpointProbe beside the endpoint, in its subnets."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import RemovalPolicy, Stack, Validations
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks

from privatelink_constructs import ConsumerInterfaceEndpoint, EndpointProbe
from tests.conftest import new_app, new_stack, only
from tests.constructs.helpers import imported_vpc
from tests.constructs.test_zones import isolated_vpc, zone_id_stack

SERVICE = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"


def consumer(stack: Stack, **overrides: Any) -> ConsumerInterfaceEndpoint:
    arguments: dict[str, Any] = {
        "vpc": imported_vpc(stack),
        "service_name": SERVICE,
        "ports": [5432, 6432],
        "private_hosted_zone_name": "example.com",
        "record_names": ["db.example.com", "replica.db.example.com"],
        "probe": True,
    }
    arguments.update(overrides)
    return ConsumerInterfaceEndpoint(stack, "Consumer", **arguments)


@pytest.fixture(scope="module")
def probed() -> tuple[ConsumerInterfaceEndpoint, Template]:
    built = consumer(new_stack())
    return built, Template.from_stack(Stack.of(built))


def probe_group_id(template: Template) -> str:
    (group,) = template.find_resources(
        "AWS::EC2::SecurityGroup",
        {"Properties": {"GroupDescription": Match.string_like_regexp("endpoint probe")}},
    )
    return group


def test_no_probe_by_default() -> None:
    stack = new_stack()
    built = ConsumerInterfaceEndpoint(
        stack, "Consumer", vpc=imported_vpc(stack), service_name=SERVICE, ports=[1]
    )
    assert built.probe is None
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::Function", 0)
    template.resource_count_is("AWS::KMS::Key", 0)


def test_the_probe_is_a_public_attribute(probed: tuple[ConsumerInterfaceEndpoint, Template]) -> None:
    built, _ = probed
    assert isinstance(built.probe, EndpointProbe)
    assert built.probe.node.path == "Test/Consumer/Probe"


def test_it_knows_the_regional_name_the_records_and_the_ports(
    probed: tuple[ConsumerInterfaceEndpoint, Template],
) -> None:
    _, template = probed
    variables = only(template, "AWS::Lambda::Function")["Properties"]["Environment"]["Variables"]
    assert variables["PROBE_PORTS"] == "5432,6432"
    (endpoint,) = template.find_resources("AWS::EC2::VPCEndpoint")
    regional = {
        "Fn::Select": [
            1,
            {"Fn::Split": [":", {"Fn::Select": [0, {"Fn::GetAtt": [endpoint, "DnsEntries"]}]}]},
        ]
    }
    assert variables["PROBE_NAMES"] == {
        "Fn::Join": ["", [regional, ",db.example.com,replica.db.example.com"]]
    }


def test_the_endpoint_admits_it_on_every_port(probed: tuple[ConsumerInterfaceEndpoint, Template]) -> None:
    _, template = probed
    rules = template.find_resources(
        "AWS::EC2::SecurityGroupIngress",
        {"Properties": {"SourceSecurityGroupId": {"Fn::GetAtt": [probe_group_id(template), "GroupId"]}}},
    )
    (endpoint_group,) = template.find_resources(
        "AWS::EC2::SecurityGroup",
        {"Properties": {"GroupDescription": Match.string_like_regexp("interface endpoint")}},
    )
    assert sorted(
        (rule["Properties"]["FromPort"], rule["Properties"]["ToPort"], rule["Properties"]["GroupId"])
        for rule in rules.values()
    ) == [(port, port, {"Fn::GetAtt": [endpoint_group, "GroupId"]}) for port in (5432, 6432)]


def test_it_runs_in_the_endpoints_subnets_only() -> None:
    stack = zone_id_stack(["use1-az1", "use1-az2", "use1-az4"])
    ConsumerInterfaceEndpoint(
        stack,
        "Consumer",
        vpc=isolated_vpc(stack),
        service_name=SERVICE,
        ports=[5432],
        service_availability_zone_ids=["use1-az2", "use1-az4"],
        probe=True,
    )
    template = Template.from_stack(stack)
    endpoint = only(template, "AWS::EC2::VPCEndpoint")["Properties"]["SubnetIds"]
    (function,) = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "runtime.handler.handler"}}
    ).values()
    assert len(endpoint) == 2
    assert function["Properties"]["VpcConfig"]["SubnetIds"] == endpoint


def test_it_takes_the_stacks_key_retention_and_removal_policy() -> None:
    stack = new_stack()
    key = kms.Key(stack, "StackKey")
    consumer(stack, encryption_key=key, removal_policy=RemovalPolicy.RETAIN)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 1)  # the stack's own, no second one
    (key_id,) = template.find_resources("AWS::KMS::Key")
    (log_group,) = template.find_resources(
        "AWS::Logs::LogGroup", {"Properties": {"KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}}
    ).values()
    assert log_group["DeletionPolicy"] == "Retain"


def test_without_a_key_it_makes_one_that_is_kept() -> None:
    stack = new_stack()
    consumer(stack)
    template = Template.from_stack(stack)
    key = only(template, "AWS::KMS::Key")
    assert key["DeletionPolicy"] == "Retain"
    assert only(template, "AWS::Logs::LogGroup")["DeletionPolicy"] == "Delete"


def test_passes_aws_solutions_checks() -> None:
    app = new_app()
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    consumer(Stack(app, "Nag"))
    app.synth()  # raises "ValidationFailed" on any unacknowledged finding
