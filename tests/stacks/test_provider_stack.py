"""ProviderStack from config: the default app, existing VPCs, explicit environments, the snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Match, Template
from syrupy.assertion import SnapshotAssertion

from stacks import build_app, parse_config
from stacks.provider_stack import ProviderStack
from tests.conftest import default_config, masked, new_app


def provider_stack(provider: dict[str, Any]) -> ProviderStack:
    stack = build_app(new_app(), parse_config({"provider": provider})).provider
    assert stack is not None
    return stack


@pytest.fixture(scope="module")
def default_template() -> Template:
    stack = build_app(new_app(), parse_config(default_config())).provider
    assert stack is not None
    return Template.from_stack(stack)


def test_default_stack_snapshot(default_template: Template, snapshot: SnapshotAssertion) -> None:
    # Reviewed in the diff whenever it changes; the fine-grained tests below state the intent.
    assert masked(default_template) == snapshot


def test_outputs_service_name_id_and_nlb_dns_name(default_template: Template) -> None:
    outputs = default_template.find_outputs("*")
    ours = {
        "ServiceName",
        "ServiceId",
        "NlbDnsName",
        "Ports",
        "DatabaseHostname",
        "TargetUpdaterFunction",
        "ConnectionAcceptorFunction",  # the linked consumer's account is accepted automatically
    }
    assert set(outputs) == ours
    assert outputs["Ports"]["Value"] == "5432"
    hostname = outputs["DatabaseHostname"]["Value"]
    assert hostname == "your-database.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com"
    separator, (prefix, *_) = outputs["ServiceName"]["Value"]["Fn::Join"]
    assert (separator, prefix["Fn::FindInMap"][0]) == (".", "PrivateLinkCdkServiceNamePrefix")


def test_new_vpc_has_isolated_subnets_flow_logs_and_no_nat(default_template: Template) -> None:
    default_template.resource_count_is("AWS::EC2::NatGateway", 0)
    default_template.resource_count_is("AWS::EC2::InternetGateway", 0)
    default_template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.40.0.0/16"})
    default_template.has_resource_properties(
        "AWS::EC2::FlowLog", {"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"}
    )
    default_template.resource_count_is("AWS::EC2::Subnet", 2)


def test_default_demo_sends_notifications(default_template: Template) -> None:
    default_template.resource_count_is("AWS::EC2::VPCEndpointConnectionNotification", 1)


def test_default_demo_allows_its_own_consumers_account(default_template: Template) -> None:
    permissions = default_template.find_resources("AWS::EC2::VPCEndpointServicePermissions")
    (resource,) = permissions.values()
    principals = resource["Properties"]["AllowedPrincipals"]
    own_account = {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"]]
    }
    assert own_account in principals


def test_every_log_group_is_encrypted(default_template: Template) -> None:
    groups = default_template.find_resources("AWS::Logs::LogGroup")
    assert groups
    assert all("KmsKeyId" in group["Properties"] for group in groups.values())


def test_existing_vpc_is_imported_without_lookups() -> None:
    stack = provider_stack(
        {
            "vpc": {
                "vpc_id": "vpc-0123456789abcdef0",
                "cidr": "10.1.0.0/16",
                "availability_zones": ["eu-west-1a", "eu-west-1b"],
                "subnet_ids": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
            }
        }
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::VPC", 0)
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"Subnets": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]},
    )
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {"SecurityGroupEgress": Match.array_with([Match.object_like({"CidrIp": "10.1.0.0/16"})])},
    )


def test_explicit_environment_synthesizes_without_credentials() -> None:
    stack = provider_stack(
        {
            "env": {"account": "111122223333", "region": "eu-west-1"},
            "vpc": {"availability_zones": ["eu-west-1a", "eu-west-1c"]},
        }
    )
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::EC2::Subnet", {"AvailabilityZone": "eu-west-1c"})
    assert stack.region == "eu-west-1"
    assembly = stack.node.root.synth()  # type: ignore[attr-defined]
    manifest = json.loads((Path(assembly.directory) / "manifest.json").read_text(encoding="utf-8"))
    assert "missing" not in manifest  # no context lookup, so no credentials needed


def test_full_config_builds_every_option() -> None:
    stack = provider_stack(
        {
            "ports": [5432, 6432],
            "allowed_principals": ["111122223333", "arn:aws:iam::444455556666:role/etl"],
            "auto_accept_principals": ["111122223333"],
            "allowed_regions": ["us-east-1"],
            "supported_ip_address_types": ["ipv4", "ipv6"],
            "dualstack": True,
            "vpc": {"ipv6": True},
            "private_dns_name": "db.example.com",
            "public_hosted_zone": {"zone_id": "Z0123456789ABCDEFGHIJ", "zone_name": "example.com"},
            "notifications": {"events": ["Connect", "Reject"]},
            "health_check": {"protocol": "http", "port": 8080, "path": "/health"},
            "deregistration_delay_seconds": 30,
            "log_retention_days": 30,
        }
    )
    template = Template.from_stack(stack)
    outputs = template.find_outputs("*")
    assert {"DomainVerificationName", "DomainVerificationValue"} <= set(outputs)
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"HealthCheckProtocol": "HTTP", "HealthCheckPort": "8080", "HealthCheckPath": "/health"},
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})
    template.has_resource_properties("AWS::EC2::VPCCidrBlock", {"AmazonProvidedIpv6CidrBlock": True})


def test_default_demo_attaches_one_updater_covering_every_port(default_template: Template) -> None:
    # The updater, the acceptor of the linked consumer, and CDK's default-SG handler.
    default_template.resource_count_is("AWS::Lambda::Function", 3)
    updater = default_template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "runtime.handler.handler"}}
    )
    # The updater and the acceptor both use that handler name. No reserved concurrency: it fails
    # the deploy in accounts whose concurrency quota is 10.
    assert [f["Properties"].get("ReservedConcurrentExecutions") for f in updater.values()] == [None, None]
    default_template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": Match.object_like(
                {"detail": Match.object_like({"SourceIdentifier": ["your-database"]})}
            )
        },
    )


def test_updater_follows_every_port_and_the_database_options() -> None:
    stack = provider_stack(
        {
            "ports": [5432, 6432],
            "database": {
                "hostname": "orders-proxy.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com",
                "source_identifiers": ["orders-proxy"],
                "in_vpc": True,
                "create_elb_endpoint": True,
                "max_removals_per_run": 2,
                "failover_wait_seconds": 20,
                "schedule_minutes": 5,
            },
            "alarm_topic_arn": "arn:aws:sns:eu-west-1:111122223333:alarms",
        }
    )
    assert stack.updater is not None
    template = Template.from_stack(stack)
    function = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "runtime.handler.handler"}}
    )
    (properties,) = [f["Properties"] for f in function.values()]
    variables = properties["Environment"]["Variables"]
    assert variables["MAX_REMOVALS_PER_RUN"] == "2"
    assert variables["FAILOVER_WAIT_SECONDS"] == "20"
    assert "'5432='" in str(variables["TARGET_GROUPS"])
    assert "',6432='" in str(variables["TARGET_GROUPS"])
    assert "VpcConfig" in properties
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(5 minutes)"})
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "ServiceName": {
                "Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".elasticloadbalancing"]]
            }
        },
    )
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) == 6
    assert all(
        a["Properties"]["AlarmActions"] == ["arn:aws:sns:eu-west-1:111122223333:alarms"]
        for a in alarms.values()
    )


def test_no_updater_without_a_database() -> None:
    stack = provider_stack({})
    assert stack.updater is None
    Template.from_stack(stack).resource_count_is("AWS::Events::Rule", 0)


def test_one_kms_key_serves_the_whole_stack(default_template: Template) -> None:
    # Flow logs, the notification topic and the updater's logs share the stack's key.
    (key_id,) = default_template.find_resources("AWS::KMS::Key")
    users = [
        *default_template.find_resources("AWS::Logs::LogGroup").values(),
        *default_template.find_resources("AWS::SNS::Topic").values(),
    ]
    assert len(users) >= 3
    for resource in users:
        properties = resource["Properties"]
        assert (properties.get("KmsKeyId") or properties.get("KmsMasterKeyId")) == {
            "Fn::GetAtt": [key_id, "Arn"]
        }


def test_config_tags_are_stack_tags() -> None:
    stack = provider_stack({"tags": {"team": "data", "cost-center": "42"}})
    assert stack.tags.tag_values() == {"team": "data", "cost-center": "42"}
    # and they reach the cloud assembly, from which the CLI tags the CloudFormation stack (and
    # CloudFormation every resource in it that takes tags)
    app = stack.node.root
    assert isinstance(app, App)
    assert app.synth().get_stack_artifact(stack.artifact_id).tags == {"team": "data", "cost-center": "42"}


@pytest.mark.parametrize(
    ("removal_policy", "deletion_policy"),
    [("destroy", "Delete"), ("retain", "Retain")],
    ids=["destroy-leaves-nothing", "retain-keeps-everything"],
)
def test_removal_policy_reaches_every_key_and_log_group(removal_policy: str, deletion_policy: str) -> None:
    # The updater's log group included: by default it is deleted, whatever the config said.
    template = Template.from_stack(
        provider_stack(
            {
                "removal_policy": removal_policy,
                "notifications": {},
                "database": {"hostname": "db.example.com"},
            }
        )
    )
    policies = {
        logical_id: resource.get("DeletionPolicy")
        for logical_id, resource in template.to_json()["Resources"].items()
        if resource["Type"] in ("AWS::KMS::Key", "AWS::Logs::LogGroup")
    }
    assert len(policies) >= 3
    assert any(logical_id.startswith("TargetUpdater") for logical_id in policies)
    assert set(policies.values()) == {deletion_policy}, policies


def test_log_retention_days_reaches_every_log_group() -> None:
    template = Template.from_stack(
        provider_stack({"log_retention_days": 1096, "database": {"hostname": "db.example.com"}})
    )
    retentions = {
        r["Properties"]["RetentionInDays"] for r in template.find_resources("AWS::Logs::LogGroup").values()
    }
    assert retentions == {1096}
