"""The whole command against a link in moto: every check passes on it, and fails when broken.

What moto lacks is stubbed with botocore's Stubber (see ``world.py``): the provider's
DescribeVpcEndpointConnections, the consumer's DescribeVpcEndpointServices, CloudFormation, and
the two --fix calls. Fields moto does not model (an endpoint's pendingAcceptance state, a
private DNS name's verification state, the NLB's enforce-inbound-rules setting) are set on moto's
own objects or added to its responses, each where the test needs it.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, cast

import pytest
from botocore.stub import Stubber
from moto import mock_aws

from privatelink_constructs.cli.aws import Clients
from privatelink_constructs.cli.main import main
from tests.cli.world import (
    ACCOUNT,
    DB_ADDRESSES,
    DB_HOSTNAME,
    REGION,
    STUBBED_EC2,
    MotoPlus,
    World,
    build_world,
    client,
    offline_client,
)


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield from build_world()


def doctor(
    world: World,
    *args: str,
    sides: tuple[str, ...] = ("--service-id", "--endpoint-id"),
    resolver: Any = None,
) -> tuple[int, dict[str, dict[str, Any]]]:
    """Run ``privatelink-cdk doctor --json`` over the world; return the exit code and checks by ID."""
    side_args: list[str] = []
    if "--service-id" in sides:
        side_args += ["--service-id", world.service_id]
    if "--endpoint-id" in sides:
        side_args += ["--endpoint-id", world.endpoint_id]
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["doctor", "--json", *side_args, *args],
        clients=lambda profile, region: world.clients,
        resolver=resolver or (lambda host: DB_ADDRESSES),
        out=out,
        err=err,
    )
    assert err.getvalue() == ""
    checks = {check["id"]: check for check in json.loads(out.getvalue())["checks"]}
    return code, checks


def status(checks: dict[str, dict[str, Any]], check_id: str) -> str:
    return str(checks[check_id]["status"])


def test_a_healthy_link_passes_with_exit_code_0(world: World) -> None:
    world.stub_checks()
    code, checks = doctor(world)
    assert code == 0
    assert {c["status"] for c in checks.values()} == {"pass"}
    assert {
        "provider.service",
        "provider.nlb",
        "provider.listeners",
        "provider.targets",
        "provider.inbound-rules",
        "provider.allowlist",
        "provider.connections",
        "provider.private-dns",
        "provider.regions",
        "consumer.endpoint",
        "consumer.availability-zones",
        "consumer.security-group",
        "consumer.nacls",
        "consumer.dns-entries",
        "consumer.private-dns",
        "link.service",
        "link.ports",
    } <= set(checks)
    world.ec2_stub.assert_no_pending_responses()


def test_reads_ids_and_more_from_the_stacks_outputs(world: World) -> None:
    world.stub_stack(
        "ProviderStack", {"ServiceId": world.service_id, "Ports": "5432", "DatabaseHostname": DB_HOSTNAME}
    )
    world.stub_stack("ConsumerStack", {"EndpointId": world.endpoint_id, "HostedZoneId": world.zone_id})
    world.stub_checks()
    code, checks = doctor(
        world, "--provider-stack", "ProviderStack", "--consumer-stack", "ConsumerStack", sides=()
    )
    assert code == 0
    assert status(checks, "provider.database-targets") == "pass"
    assert status(checks, "consumer.vpc-dns") == "pass"
    assert "db.example.internal alias to" in checks["consumer.dns-entries"]["summary"]
    world.cfn_stub.assert_no_pending_responses()


def test_falls_back_on_the_stacks_resources_without_outputs(world: World) -> None:
    world.stub_stack(
        "ProviderStack", {}, [("ProviderService", world.service_id, "AWS::EC2::VPCEndpointService")]
    )
    world.stub_stack(
        "ConsumerStack",
        {},
        [
            ("ConsumerEndpoint", world.endpoint_id, "AWS::EC2::VPCEndpoint"),
            ("ConsumerZone", world.zone_id, "AWS::Route53::HostedZone"),
        ],
    )
    world.stub_checks()
    code, checks = doctor(
        world, "--provider-stack", "ProviderStack", "--consumer-stack", "ConsumerStack", sides=()
    )
    assert code == 0
    assert status(checks, "consumer.vpc-dns") == "pass"


def remote_consumer(world: World, region: str) -> tuple[Clients, str, Stubber]:
    """An endpoint to the world's service from a VPC in another region, and that region's clients."""
    ec2 = client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.70.0.0/24", AvailabilityZone=f"{region}a")["Subnet"]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=world.service_name, VpcEndpointType="Interface", SubnetIds=[subnet["SubnetId"]]
    )["VpcEndpoint"]
    stubbed = offline_client("ec2", region)
    stub = Stubber(stubbed)
    stub.activate()
    remote = replace(
        world.clients,
        ec2=cast(Any, MotoPlus(ec2, stubbed, STUBBED_EC2)),
        route53=client("route53", region),
        sts=client("sts", region),
        region=region,
    )
    return remote, endpoint["VpcEndpointId"], stub


class TestProviderSide:
    def test_a_missing_service_fails(self, world: World) -> None:
        code, checks = doctor(world, "--service-id", "vpce-svc-0000000000000000f", sides=())
        assert code == 1
        assert status(checks, "provider.service") == "fail"
        assert "not found" in checks["provider.service"]["summary"]

    def test_a_failed_load_balancer_fails(self, world: World) -> None:
        world.stub_checks()
        world.elbv2_plus.overlays["describe_load_balancers"] = lambda r: r["LoadBalancers"][0].update(
            State={"Code": "failed", "Reason": "subnet deleted"}
        )
        code, checks = doctor(world)
        assert code == 1
        assert status(checks, "provider.nlb") == "fail"

    def test_a_missing_listener_fails(self, world: World) -> None:
        world.stub_checks()
        listener = world.elbv2.describe_listeners(LoadBalancerArn=world.nlb_arn)["Listeners"][0]
        world.elbv2.delete_listener(ListenerArn=listener["ListenerArn"])
        code, checks = doctor(world)
        assert code == 1
        assert status(checks, "provider.listeners") == "fail"
        assert status(checks, "link.ports") == "warn"

    def test_no_registered_target_fails(self, world: World) -> None:
        world.stub_checks()
        world.elbv2.deregister_targets(
            TargetGroupArn=world.target_group_arn, Targets=[{"Id": a, "Port": 5432} for a in DB_ADDRESSES]
        )
        code, checks = doctor(world)
        assert code == 1
        assert checks["provider.targets"]["summary"] == "port 5432: no healthy target (none registered)"

    def test_a_zone_without_target_warns_when_cross_zone_is_off(self, world: World) -> None:
        world.stub_checks()
        world.elbv2.modify_load_balancer_attributes(
            LoadBalancerArn=world.nlb_arn,
            Attributes=[{"Key": "load_balancing.cross_zone.enabled", "Value": "false"}],
        )
        world.elbv2.deregister_targets(
            TargetGroupArn=world.target_group_arn, Targets=[{"Id": DB_ADDRESSES[1], "Port": 5432}]
        )
        code, checks = doctor(world)
        assert code == 0
        assert status(checks, "provider.targets") == "warn"
        assert f"port 5432 in {REGION}b" in checks["provider.targets"]["summary"]

    def test_enforced_inbound_rules_without_a_rule_fail(self, world: World) -> None:
        world.stub_checks()
        # moto 5.2.5 neither stores nor returns this setting: add it to its answer.
        world.elbv2_plus.overlays["describe_load_balancers"] = lambda r: r["LoadBalancers"][0].update(
            EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic="on"
        )
        code, checks = doctor(world)
        assert code == 1
        assert status(checks, "provider.inbound-rules") == "fail"
        world.ec2.authorize_security_group_ingress(
            GroupId=world.nlb_sg,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                }
            ],
        )
        world.stub_checks()
        _code, checks = doctor(world)
        assert status(checks, "provider.inbound-rules") == "pass"

    def test_a_consumer_account_outside_the_allowlist_fails(self, world: World) -> None:
        world.stub_checks()
        world.ec2.modify_vpc_endpoint_service_permissions(
            ServiceId=world.service_id, RemoveAllowedPrincipals=[f"arn:aws:iam::{ACCOUNT}:root"]
        )
        code, checks = doctor(world)
        assert code == 1
        assert status(checks, "provider.allowlist") == "fail"

    def test_other_waiting_requests_warn(self, world: World) -> None:
        world.stub_connections(
            [
                *world.connections,
                {
                    "ServiceId": world.service_id,
                    "VpcEndpointId": "vpce-0waiting",
                    "VpcEndpointOwner": "999988887777",
                    "VpcEndpointState": "pendingAcceptance",
                },
            ]
        )
        world.stub_service_view()
        code, checks = doctor(world)
        assert code == 0
        assert status(checks, "provider.connections") == "warn"

    def test_an_unverified_private_dns_name_with_no_txt_record_fails(self, world: World) -> None:
        world.ec2.modify_vpc_endpoint_service_configuration(
            ServiceId=world.service_id, PrivateDnsName="db.example.com"
        )
        world.route53.create_hosted_zone(Name="example.com", CallerReference="public")

        def failed_verification(response: dict[str, Any]) -> None:
            # moto always answers "verified" with a fake record: answer what AWS does without the TXT record.
            response["ServiceConfigurations"][0]["PrivateDnsNameConfiguration"] = {
                "State": "failed",
                "Type": "TXT",
                "Name": "_pl1234",
                "Value": "vpce:abcdef",
            }

        world.ec2_plus.overlays["describe_vpc_endpoint_service_configurations"] = failed_verification
        world.stub_checks()
        _code, checks = doctor(world)
        assert status(checks, "provider.private-dns") == "fail"
        assert (
            "looked for _pl1234.db.example.com and _pl1234.example.com"
            in checks["provider.private-dns"]["summary"]
        )

    def test_a_pending_name_whose_txt_record_is_in_place_only_needs_verification(self, world: World) -> None:
        world.ec2.modify_vpc_endpoint_service_configuration(
            ServiceId=world.service_id, PrivateDnsName="db.example.com"
        )
        zone = world.route53.create_hosted_zone(Name="example.com", CallerReference="public")["HostedZone"][
            "Id"
        ]
        world.route53.change_resource_record_sets(
            HostedZoneId=zone,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "CREATE",
                        "ResourceRecordSet": {
                            "Name": "_pl1234.example.com",
                            "Type": "TXT",
                            "TTL": 300,
                            "ResourceRecords": [{"Value": '"vpce:abcdef"'}],
                        },
                    }
                ]
            },
        )
        world.ec2_plus.overlays["describe_vpc_endpoint_service_configurations"] = lambda r: r[
            "ServiceConfigurations"
        ][0].update(
            PrivateDnsNameConfiguration={
                "State": "pendingVerification",
                "Type": "TXT",
                "Name": "_pl1234",
                "Value": "vpce:abcdef",
            }
        )
        world.stub_connections()
        code, checks = doctor(world, sides=("--service-id",))
        assert code == 0
        check = checks["provider.private-dns"]
        assert check["status"] == "warn"
        assert "the TXT record is in place (_pl1234.example.com in zone example.com)" in check["summary"]
        assert check["fix"].startswith("start verification: rerun with --fix")

    def test_a_private_dns_name_with_its_txt_record_passes_once_verified(self, world: World) -> None:
        world.ec2.modify_vpc_endpoint_service_configuration(
            ServiceId=world.service_id, PrivateDnsName="db.example.com"
        )
        world.stub_connections()
        _code, checks = doctor(world, sides=("--service-id",))
        assert status(checks, "provider.private-dns") == "pass"

    def test_a_consumer_region_the_service_does_not_support_fails(self, world: World) -> None:
        remote, endpoint_id, stub = remote_consumer(world, "eu-west-1")

        def run() -> dict[str, dict[str, Any]]:
            world.stub_connections()
            stub.add_response(
                "describe_vpc_endpoint_services",
                {"ServiceDetails": [{"ServiceName": world.service_name, "ServiceRegion": REGION}]},
                {"ServiceNames": [world.service_name]},
            )
            out = io.StringIO()
            main(
                [
                    "doctor",
                    "--json",
                    "--service-id",
                    world.service_id,
                    "--endpoint-id",
                    endpoint_id,
                    "--consumer-region",
                    "eu-west-1",
                ],
                clients=lambda profile, region: remote if region == "eu-west-1" else world.clients,
                out=out,
            )
            return {c["id"]: c for c in json.loads(out.getvalue())["checks"]}

        checks = run()
        assert status(checks, "provider.regions") == "fail"
        assert (
            "eu-west-1, which is not among the service's supported regions"
            in checks["provider.regions"]["summary"]
        )
        world.ec2.modify_vpc_endpoint_service_configuration(
            ServiceId=world.service_id, AddSupportedRegions=["eu-west-1"]
        )
        assert status(run(), "provider.regions") == "pass"

    def test_targets_that_differ_from_the_database_fail(self, world: World) -> None:
        world.stub_stack("ProviderStack", {"ServiceId": world.service_id, "DatabaseHostname": DB_HOSTNAME})
        world.stub_connections()
        code, checks = doctor(
            world,
            "--provider-stack",
            "ProviderStack",
            sides=(),
            resolver=lambda host: ("10.40.0.10", "10.40.1.77"),
        )
        assert code == 1
        assert status(checks, "provider.database-targets") == "fail"
        assert "10.40.1.77 not registered" in checks["provider.database-targets"]["summary"]


def _functions(world: World, *, updater_errors: int = 0) -> list[tuple[str, str, str]]:
    """The updater and the acceptor as moto Lambda functions, with their last hour's metrics."""
    from datetime import UTC, datetime, timedelta

    iam = client("iam")
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    functions = client("lambda")
    mappings = json.dumps(
        [{"hostname": DB_HOSTNAME, "target_group_arn": world.target_group_arn, "port": 5432}]
    )
    for name, variables in (
        ("ProviderStack-Updater", {"MAPPINGS": mappings}),
        ("ProviderStack-Acceptor", {"SERVICE_ID": world.service_id, "AUTO_ACCEPT_ACCOUNTS": ACCOUNT}),
    ):
        functions.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": code.getvalue()},
            Environment={"Variables": variables},
        )
    metrics = client("cloudwatch")
    now = datetime.now(UTC)
    for metric, value in (("Invocations", 60), ("Errors", updater_errors)):
        metrics.put_metric_data(
            Namespace="AWS/Lambda",
            MetricData=[
                {
                    "MetricName": metric,
                    "Dimensions": [{"Name": "FunctionName", "Value": "ProviderStack-Updater"}],
                    "Value": value,
                    "Timestamp": now - timedelta(minutes=5),
                }
            ],
        )
    return [
        ("TargetUpdaterFunction", "ProviderStack-Updater", "AWS::Lambda::Function"),
        ("AcceptorFunction", "ProviderStack-Acceptor", "AWS::Lambda::Function"),
    ]


class TestProviderFunctions:
    def test_functions_found_among_the_stacks_resources_pass_without_errors(self, world: World) -> None:
        resources = _functions(world)
        world.stub_stack("ProviderStack", {"ServiceId": world.service_id}, resources)
        world.stub_connections()
        _code, checks = doctor(world, "--provider-stack", "ProviderStack", sides=())
        assert status(checks, "provider.updater") == "pass"
        assert "60 run(s)" in checks["provider.updater"]["summary"]
        assert status(checks, "provider.acceptor") == "pass"
        # The database hostname came from the updater's own settings.
        assert status(checks, "provider.database-targets") == "pass"

    def test_recent_updater_errors_fail(self, world: World) -> None:
        _functions(world, updater_errors=4)
        world.stub_stack(
            "ProviderStack",
            {"ServiceId": world.service_id, "TargetUpdaterFunction": "ProviderStack-Updater"},
        )
        world.stub_connections()
        code, checks = doctor(world, "--provider-stack", "ProviderStack", sides=())
        assert code == 1
        assert status(checks, "provider.updater") == "fail"
        assert "failed 4 time(s)" in checks["provider.updater"]["summary"]


class TestConsumerSide:
    def test_a_missing_endpoint_fails(self, world: World) -> None:
        code, checks = doctor(world, "--endpoint-id", "vpce-0000000000000000f", sides=())
        assert code == 1
        assert status(checks, "consumer.endpoint") == "fail"

    def test_a_pending_endpoint_fails_with_the_fix(self, world: World) -> None:
        # moto makes endpoints available at once, even when acceptance is required.
        world.endpoint_backend().state = "pendingAcceptance"
        world.stub_checks()
        code, checks = doctor(world)
        assert code == 1
        check = checks["consumer.endpoint"]
        assert check["status"] == "fail"
        assert "for the provider to accept it (pendingAcceptance)" in check["summary"]
        assert f"--service-id {world.service_id} --vpc-endpoint-ids {world.endpoint_id}" in check["fix"]

    def test_a_subnet_in_a_zone_the_service_lacks_fails(self, world: World) -> None:
        subnet = world.ec2.create_subnet(
            VpcId=world.consumer_vpc, CidrBlock="10.60.9.0/24", AvailabilityZone=f"{REGION}c"
        )
        world.ec2.modify_vpc_endpoint(
            VpcEndpointId=world.endpoint_id, AddSubnetIds=[subnet["Subnet"]["SubnetId"]]
        )
        world.stub_checks()
        code, checks = doctor(world)
        assert code == 1
        assert status(checks, "consumer.availability-zones") == "fail"
        assert subnet["Subnet"]["SubnetId"] in checks["consumer.availability-zones"]["summary"]

    def test_a_closed_security_group_fails(self, world: World) -> None:
        world.ec2.revoke_security_group_ingress(
            GroupId=world.endpoint_sg,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "IpRanges": [{"CidrIp": "10.60.0.0/16"}],
                }
            ],
        )
        world.stub_checks()
        code, checks = doctor(world)
        assert code == 1
        assert status(checks, "consumer.security-group") == "fail"

    def test_a_peer_the_security_group_does_not_admit_fails(self, world: World) -> None:
        world.stub_checks()
        code, checks = doctor(world, "--peer", "10.99.0.0/16")
        assert code == 1
        assert status(checks, "consumer.security-group") == "fail"

    def test_a_network_acl_that_denies_the_port_fails(self, world: World) -> None:
        acl = world.ec2.create_network_acl(VpcId=world.consumer_vpc)["NetworkAcl"]["NetworkAclId"]
        for egress in (False, True):
            world.ec2.create_network_acl_entry(
                NetworkAclId=acl,
                RuleNumber=100,
                Protocol="-1",
                RuleAction="allow",
                Egress=egress,
                CidrBlock="0.0.0.0/0",
            )
        world.ec2.create_network_acl_entry(
            NetworkAclId=acl,
            RuleNumber=50,
            Protocol="6",
            RuleAction="deny",
            Egress=False,
            CidrBlock="10.60.0.0/16",
            PortRange={"From": 5432, "To": 5432},
        )
        subnet = world.consumer_subnets[0]["SubnetId"]
        current = world.ec2.describe_network_acls(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet]}]
        )
        association = next(
            a["NetworkAclAssociationId"]
            for a in current["NetworkAcls"][0]["Associations"]
            if a["SubnetId"] == subnet
        )
        world.ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
        world.stub_checks()
        code, checks = doctor(world)
        assert code == 1
        assert status(checks, "consumer.nacls") == "fail"
        assert f"{acl} inbound TCP 5432 from 10.60.0.0/16" in checks["consumer.nacls"]["summary"]

    def test_dns_hostnames_off_fail_with_a_private_zone(self, world: World) -> None:
        world.ec2.modify_vpc_attribute(VpcId=world.consumer_vpc, EnableDnsHostnames={"Value": False})
        world.stub_stack("ConsumerStack", {"EndpointId": world.endpoint_id, "HostedZoneId": world.zone_id})
        world.stub_checks()
        code, checks = doctor(world, "--consumer-stack", "ConsumerStack", sides=("--service-id",))
        assert code == 1
        assert status(checks, "consumer.vpc-dns") == "fail"

    def test_a_record_that_points_elsewhere_fails(self, world: World) -> None:
        world.route53.change_resource_record_sets(
            HostedZoneId=world.zone_id,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "CREATE",
                        "ResourceRecordSet": {
                            "Name": "replica.example.internal",
                            "Type": "CNAME",
                            "TTL": 60,
                            "ResourceRecords": [{"Value": "old-replica.example.net"}],
                        },
                    }
                ]
            },
        )
        world.stub_stack("ConsumerStack", {"EndpointId": world.endpoint_id, "HostedZoneId": world.zone_id})
        world.stub_checks()
        code, checks = doctor(world, "--consumer-stack", "ConsumerStack", sides=("--service-id",))
        assert code == 1
        assert status(checks, "consumer.dns-entries") == "fail"
        assert (
            "replica.example.internal points to old-replica.example.net"
            in checks["consumer.dns-entries"]["summary"]
        )

    def test_private_dns_on_without_a_provider_name_fails(self, world: World) -> None:
        # moto ignores ModifyVpcEndpoint's PrivateDnsEnabled.
        world.endpoint_backend().private_dns_enabled = True
        world.stub_checks()
        code, checks = doctor(world)
        assert code == 1
        assert status(checks, "consumer.private-dns") == "fail"


class TestLinkSide:
    def test_a_consumer_port_the_provider_lacks_fails(self, world: World) -> None:
        world.stub_stack("ConsumerStack", {"EndpointId": world.endpoint_id, "Ports": "5432,6432"})
        world.stub_checks()
        code, checks = doctor(world, "--consumer-stack", "ConsumerStack", sides=("--service-id",))
        assert code == 1
        assert status(checks, "link.ports") == "fail"

    def test_an_endpoint_to_another_service_fails(self, world: World) -> None:
        other = world.ec2.create_vpc_endpoint_service_configuration(NetworkLoadBalancerArns=[world.nlb_arn])[
            "ServiceConfiguration"
        ]
        endpoint = world.ec2.create_vpc_endpoint(
            VpcId=world.consumer_vpc,
            ServiceName=other["ServiceName"],
            VpcEndpointType="Interface",
            SubnetIds=[s["SubnetId"] for s in world.consumer_subnets],
            SecurityGroupIds=[world.endpoint_sg],
        )["VpcEndpoint"]
        world.stub_connections()
        world.ec2_stub.add_response(
            "describe_vpc_endpoint_services",
            {
                "ServiceDetails": [
                    {"ServiceName": other["ServiceName"], "AvailabilityZones": [f"{REGION}a", f"{REGION}b"]}
                ]
            },
            {"ServiceNames": [other["ServiceName"]]},
        )
        code, checks = doctor(world, "--endpoint-id", endpoint["VpcEndpointId"], sides=("--service-id",))
        assert code == 1
        assert status(checks, "link.service") == "fail"


def refuse(code: str, message: str) -> Any:
    """An overlay that makes a call fail the way AWS refuses it."""
    from botocore.exceptions import ClientError

    def raise_error(response: dict[str, Any]) -> None:
        raise ClientError({"Error": {"Code": code, "Message": message}}, "Operation")

    return raise_error


def test_a_refused_read_is_a_warning_naming_the_permission(world: World) -> None:
    world.stub_checks()
    world.ec2_plus.overlays["describe_subnets"] = refuse("UnauthorizedOperation", "You are not authorized")
    code, checks = doctor(world)
    assert code == 0
    assert checks["consumer.availability-zones"] == {
        "id": "consumer.availability-zones",
        "side": "consumer",
        "status": "warn",
        "summary": "could not read the endpoint's subnets: ec2:DescribeSubnets: UnauthorizedOperation: "
        "You are not authorized",
        "fix": "grant the consumer's credentials read access (ec2:DescribeSubnets), or choose them with "
        "--consumer-profile",
    }


def test_expired_credentials_mid_run_exit_2_with_one_line(world: World) -> None:
    world.stub_connections()
    world.elbv2_plus.overlays["describe_load_balancers"] = refuse(
        "ExpiredToken", "The security token has expired"
    )
    err = io.StringIO()
    code = main(
        ["doctor", "--service-id", world.service_id],
        clients=lambda profile, region: world.clients,
        out=io.StringIO(),
        err=err,
    )
    assert code == 2
    assert (
        err.getvalue()
        == "privatelink-cdk: error: AWS refused the credentials: The security token has expired\n"
    )
