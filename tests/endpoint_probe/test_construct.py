"""EndpointProbe: a closed security group, least privilege, nag-clean, and bad input refused."""

from __future__ import annotations

import pytest
from aws_cdk import App, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Capture, Match, Template
from cdk_nag import AwsSolutionsChecks

from privatelink_constructs import ConsumerInterfaceEndpoint
from privatelink_constructs.endpoint_probe import EndpointProbe
from tests.conftest import new_app, only
from tests.constructs.helpers import VPC_CIDR, imported_vpc

SERVICE = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"


def linked(stack: Stack, **overrides: object) -> tuple[ConsumerInterfaceEndpoint, EndpointProbe]:
    vpc = imported_vpc(stack)
    endpoint = ConsumerInterfaceEndpoint(stack, "Consumer", vpc=vpc, service_name=SERVICE, ports=[5432, 6432])
    arguments: dict[str, object] = {"vpc": vpc, "ports": [5432, 6432], "endpoint": endpoint}
    arguments.update(overrides)
    return endpoint, EndpointProbe(stack, "Probe", **arguments)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def template() -> Template:
    stack = Stack(new_app(), "Test")
    linked(stack, names=["db.example.internal"])
    return Template.from_stack(stack)


def probe_group(template: Template) -> str:
    groups = template.find_resources(
        "AWS::EC2::SecurityGroup",
        {"Properties": {"GroupDescription": Match.string_like_regexp("endpoint probe")}},
    )
    assert len(groups) == 1
    return next(iter(groups))


def test_its_security_group_reaches_only_the_endpoint_on_each_port_and_dns(template: Template) -> None:
    group = template.find_resources("AWS::EC2::SecurityGroup")[probe_group(template)]["Properties"]
    assert "SecurityGroupIngress" not in group
    endpoint_group = {"Fn::GetAtt": [Match.string_like_regexp("ConsumerSecurityGroup"), "GroupId"]}
    to_endpoint = [
        {
            "Description": f"To the endpoint on {port}",
            "DestinationSecurityGroupId": endpoint_group,
            "FromPort": port,
            "IpProtocol": "tcp",
            "ToPort": port,
        }
        for port in (5432, 6432)
    ]
    dns = [
        {
            "CidrIp": VPC_CIDR,
            "Description": "DNS in the VPC",
            "FromPort": 53,
            "IpProtocol": protocol,
            "ToPort": 53,
        }
        for protocol in ("udp", "tcp")
    ]
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": Match.string_like_regexp("endpoint probe"),
            "SecurityGroupEgress": to_endpoint + dns,
        },
    )
    # Inline egress rules only: the emulator and CloudFormation order them with the group itself.
    assert template.find_resources("AWS::EC2::SecurityGroupEgress") == {}


@pytest.mark.parametrize("port", [5432, 6432])
def test_the_endpoint_admits_it_on_each_port(template: Template, port: int) -> None:
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "GroupId": {"Fn::GetAtt": [Match.string_like_regexp("ConsumerSecurityGroup"), "GroupId"]},
            "SourceSecurityGroupId": {"Fn::GetAtt": [probe_group(template), "GroupId"]},
            "FromPort": port,
            "ToPort": port,
            "IpProtocol": "tcp",
        },
    )


def test_the_function_runs_in_the_vpc_with_its_settings(template: Template) -> None:
    subnets = Capture()
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "runtime.handler.handler",
            "Timeout": 30,
            "Environment": {
                "Variables": {
                    "PROBE_PORTS": "5432,6432",
                    "PROBE_NAMES": "db.example.internal",
                    "PROBE_TIMEOUT_SECONDS": "3",
                }
            },
            "VpcConfig": {
                "SubnetIds": subnets,
                "SecurityGroupIds": [{"Fn::GetAtt": [probe_group(template), "GroupId"]}],
            },
        },
    )
    assert subnets.as_array() == ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
    function = only(template, "AWS::Lambda::Function")["Properties"]
    assert "ReservedConcurrentExecutions" not in function  # a new account's quota of 10 would refuse it


def test_its_role_may_write_its_own_log_group_and_call_no_aws_api(template: Template) -> None:
    policies = template.find_resources("AWS::IAM::Policy")
    actions = sorted(
        action
        for policy in policies.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        if not action.startswith(
            "ec2:"
        )  # network interfaces: granted by python_function for functions in a VPC
    )
    assert actions == ["logs:CreateLogStream", "logs:PutLogEvents"]


def test_its_role_may_create_its_network_interfaces(template: Template) -> None:
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert any("ec2:CreateNetworkInterface" in str(statement["Action"]) for statement in statements)


def test_without_an_endpoint_it_may_reach_the_vpc_on_the_ports() -> None:
    stack = Stack(new_app(), "Test")
    probe = EndpointProbe(stack, "Probe", vpc=imported_vpc(stack), ports=[5432])
    group = Template.from_stack(stack).find_resources("AWS::EC2::SecurityGroup")
    (logical_id,) = group
    egress = group[logical_id]["Properties"]["SecurityGroupEgress"]
    assert {
        "CidrIp": VPC_CIDR,
        "Description": "To the endpoint on 5432",
        "FromPort": 5432,
        "IpProtocol": "tcp",
        "ToPort": 5432,
    } in egress
    # its connections are that group: a consumer allows the probe by it
    assert [stack.resolve(g.security_group_id) for g in probe.connections.security_groups] == [
        {"Fn::GetAtt": [logical_id, "GroupId"]}
    ]


def test_is_connectable_for_an_endpoint_built_elsewhere() -> None:
    stack = Stack(new_app(), "Test")
    vpc = imported_vpc(stack)
    endpoint = ConsumerInterfaceEndpoint(stack, "Consumer", vpc=vpc, service_name=SERVICE, ports=[5432])
    probe = EndpointProbe(stack, "Probe", vpc=vpc, ports=[5432])
    endpoint.connections.allow_from(probe, ec2.Port.tcp(5432))
    Template.from_stack(stack).has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "SourceSecurityGroupId": {
                "Fn::GetAtt": [Match.string_like_regexp("ProbeSecurityGroup"), "GroupId"]
            }
        },
    )


def test_passes_aws_solutions_checks() -> None:
    app = new_app()
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    linked(Stack(app, "Nag"))
    app.synth()  # raises "ValidationFailed" on any unacknowledged finding


def test_rejects_bad_input_with_every_problem() -> None:
    stack = Stack(App(), "Test")
    with pytest.raises(ValueError, match="Test/Probe") as raised:
        EndpointProbe(
            stack,
            "Probe",
            vpc=imported_vpc(stack),
            ports=[70000],
            names=["not a name"],
            timeout=Duration.minutes(5),
        )
    message = str(raised.value)
    assert "ports[0]: 70000 is not a TCP port (1-65535)" in message
    assert "names[0]:" in message
    assert "timeout: 5 minutes is over the 1 minute maximum" in message


def test_removal_policy_applies_to_its_key_and_log_group() -> None:
    stack = Stack(new_app(), "Test")
    EndpointProbe(stack, "Probe", vpc=imported_vpc(stack), ports=[5432], removal_policy=RemovalPolicy.DESTROY)
    template = Template.from_stack(stack)
    assert only(template, "AWS::KMS::Key")["DeletionPolicy"] == "Delete"
    assert only(template, "AWS::Logs::LogGroup")["DeletionPolicy"] == "Delete"
