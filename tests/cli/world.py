"""A live link in moto, for the doctor's adapter and end-to-end tests.

moto (5.2.5, without its CloudFormation extra) lacks some calls the doctor makes; those go
through botocore's Stubber, which validates every request against the real API model:
CloudFormation (DescribeStacks, ListStackResources: moto's CloudFormation needs optional
dependencies this project does not install), and EC2's DescribeVpcEndpointConnections,
DescribeVpcEndpointServices (moto's crashes without those dependencies),
AcceptVpcEndpointConnections and StartVpcEndpointServicePrivateDnsVerification (not in moto).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from unittest import mock

import boto3
from botocore.stub import ANY, Stubber
from moto.moto_api._internal import mock_random

from privatelink_constructs.cli.aws import Clients

REGION = "us-east-1"
ACCOUNT = "123456789012"
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
DB_ADDRESSES = ("10.40.0.10", "10.40.1.10")
DB_HOSTNAME = "demo.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com"

STUBBED_EC2 = frozenset(
    {
        "describe_vpc_endpoint_connections",
        "describe_vpc_endpoint_services",
        "accept_vpc_endpoint_connections",
        "start_vpc_endpoint_service_private_dns_verification",
    }
)


# One session: it loads each service's API model once (0.3 s for EC2), then every client reuses it.
_SESSION = boto3.session.Session(
    aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
)
_new_client: Any = _SESSION.client

# moto loads thousands of AMIs into every new EC2 backend unless told not to (0.5 s each).
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


@functools.cache
def client(service: str, region: str = REGION) -> Any:
    """A client moto answers inside ``mock_aws`` (created once: creating one costs 0.15 s)."""
    return _new_client(service, region_name=region)


def _client(service: str) -> Any:
    return client(service)


def offline_client(service: str, region: str = REGION) -> Any:
    """A client for a Stubber: with the stubber active, every call must be stubbed."""
    return _new_client(service, region_name=region)


_offline = offline_client


class MotoPlus:
    """A moto client, with the operations moto lacks answered by a Stubber, and overlays on others.

    An overlay edits one moto response to add what moto does not model (a field it never
    returns), standing in for AWS's behaviour in that one respect.
    """

    def __init__(
        self, moto: Any, stubbed: Any = None, stubbed_operations: frozenset[str] = frozenset()
    ) -> None:
        self._moto = moto
        self._stubbed = stubbed
        self._stubbed_operations = stubbed_operations
        self.overlays: dict[str, Callable[[dict[str, Any]], None]] = {}
        self.after: dict[str, Callable[[dict[str, Any]], None]] = {}

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._stubbed, name) if name in self._stubbed_operations else getattr(self._moto, name)
        if name not in self.overlays and name not in self.after:
            return call

        def wrapped(**kwargs: Any) -> Any:
            response = call(**kwargs)
            if name in self.overlays:
                self.overlays[name](response)
            if name in self.after:
                self.after[name](kwargs)
            return response

        return wrapped

    def get_paginator(self, operation: str) -> Any:
        client = self._stubbed if operation in self._stubbed_operations else self._moto
        return client.get_paginator(operation)


@dataclass
class World:
    """IDs of the moto resources of one link, and the stubs the doctor's calls go through."""

    ec2: Any
    elbv2: Any
    route53: Any
    provider_vpc: str
    consumer_vpc: str
    provider_subnets: list[dict[str, Any]]
    consumer_subnets: list[dict[str, Any]]
    nlb_arn: str
    nlb_sg: str
    target_group_arn: str
    service_id: str
    service_name: str
    endpoint_id: str
    endpoint_sg: str
    zone_id: str
    ec2_stub: Stubber
    cfn_stub: Stubber
    clients: Clients
    connections: list[dict[str, Any]] = field(default_factory=list)

    def stub_connections(self, connections: list[dict[str, Any]] | None = None) -> None:
        """Queue the provider's DescribeVpcEndpointConnections answer."""
        answer = self.connections if connections is None else connections
        self.ec2_stub.add_response(
            "describe_vpc_endpoint_connections",
            {"VpcEndpointConnections": answer},
            {"Filters": [{"Name": "service-id", "Values": [self.service_id]}]},
        )

    def stub_service_view(self, **overrides: Any) -> None:
        """Queue the consumer's DescribeVpcEndpointServices answer."""
        detail = {
            "ServiceName": self.service_name,
            "ServiceId": self.service_id,
            "AvailabilityZones": [s["AvailabilityZone"] for s in self.provider_subnets],
            "AcceptanceRequired": True,
            "Owner": ACCOUNT,
            **overrides,
        }
        self.ec2_stub.add_response(
            "describe_vpc_endpoint_services",
            {"ServiceDetails": [detail], "ServiceNames": [self.service_name]},
            {"ServiceNames": [self.service_name]},
        )

    def stub_stack(
        self, name: str, outputs: dict[str, str], resources: Sequence[tuple[str, str, str]] = ()
    ) -> None:
        """Queue DescribeStacks and ListStackResources of one stack."""
        self.cfn_stub.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": name,
                        "CreationTime": NOW,
                        "StackStatus": "CREATE_COMPLETE",
                        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                    }
                ]
            },
            {"StackName": name},
        )
        self.cfn_stub.add_response(
            "list_stack_resources",
            {
                "StackResourceSummaries": [
                    {
                        "LogicalResourceId": logical,
                        "PhysicalResourceId": physical,
                        "ResourceType": kind,
                        "LastUpdatedTimestamp": NOW,
                        "ResourceStatus": "CREATE_COMPLETE",
                    }
                    for logical, physical, kind in resources
                ]
            },
            {"StackName": name},
        )

    def stub_checks(self) -> None:
        """Queue the stubbed answers one doctor run over both sides needs."""
        self.stub_connections()
        self.stub_service_view()

    @property
    def ec2_plus(self) -> MotoPlus:
        """The doctor's EC2 client, to add overlays."""
        return cast(MotoPlus, self.clients.ec2)

    @property
    def elbv2_plus(self) -> MotoPlus:
        """The doctor's ELB client, to add overlays."""
        return cast(MotoPlus, self.clients.elbv2)

    def endpoint_backend(self) -> Any:
        """moto's own endpoint object: moto makes endpoints available at once, so tests set states here."""
        from moto.ec2.models import ec2_backends

        return ec2_backends[ACCOUNT][REGION].vpc_end_points[self.endpoint_id]


@contextlib.contextmanager
def _aws_shaped_service_ids() -> Iterator[None]:
    """moto names endpoint services ``vpce-svc-`` + 8 hex digits; AWS (and our rules) use 17."""
    real = mock_random.get_random_hex
    with mock.patch.object(
        mock_random, "get_random_hex", lambda length=8: real(length=17 if length == 8 else length)
    ):
        yield


def build_world() -> Iterator[World]:
    """Create the link in moto (call inside mock_aws); yields with the stubbers active."""
    ec2, elbv2, route53 = _client("ec2"), _client("elbv2"), _client("route53")
    provider_vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    provider_subnets = [
        ec2.create_subnet(VpcId=provider_vpc, CidrBlock=f"10.40.{i}.0/24", AvailabilityZone=f"{REGION}{z}")[
            "Subnet"
        ]
        for i, z in enumerate("ab")
    ]
    nlb_sg = ec2.create_security_group(GroupName="nlb", Description="nlb", VpcId=provider_vpc)["GroupId"]
    nlb = elbv2.create_load_balancer(
        Name="provider-nlb",
        Subnets=[s["SubnetId"] for s in provider_subnets],
        Scheme="internal",
        Type="network",
        SecurityGroups=[nlb_sg],
    )["LoadBalancers"][0]
    group = elbv2.create_target_group(
        Name="port5432", Protocol="TCP", Port=5432, VpcId=provider_vpc, TargetType="ip"
    )["TargetGroups"][0]
    elbv2.create_listener(
        LoadBalancerArn=nlb["LoadBalancerArn"],
        Protocol="TCP",
        Port=5432,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
    )
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=nlb["LoadBalancerArn"],
        Attributes=[{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}],
    )
    elbv2.register_targets(
        TargetGroupArn=group["TargetGroupArn"], Targets=[{"Id": a, "Port": 5432} for a in DB_ADDRESSES]
    )
    with _aws_shaped_service_ids():
        service = ec2.create_vpc_endpoint_service_configuration(
            NetworkLoadBalancerArns=[nlb["LoadBalancerArn"]], AcceptanceRequired=True
        )["ServiceConfiguration"]
    ec2.modify_vpc_endpoint_service_permissions(
        ServiceId=service["ServiceId"], AddAllowedPrincipals=[f"arn:aws:iam::{ACCOUNT}:root"]
    )
    consumer_vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=consumer_vpc, **{attribute: {"Value": True}})
    consumer_subnets = [
        ec2.create_subnet(VpcId=consumer_vpc, CidrBlock=f"10.60.{i}.0/24", AvailabilityZone=f"{REGION}{z}")[
            "Subnet"
        ]
        for i, z in enumerate("ab")
    ]
    endpoint_sg = ec2.create_security_group(GroupName="endpoint", Description="endpoint", VpcId=consumer_vpc)[
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=endpoint_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.60.0.0/16"}]}
        ],
    )
    endpoint = ec2.create_vpc_endpoint(
        VpcId=consumer_vpc,
        ServiceName=service["ServiceName"],
        VpcEndpointType="Interface",
        SubnetIds=[s["SubnetId"] for s in consumer_subnets],
        SecurityGroupIds=[endpoint_sg],
        PrivateDnsEnabled=False,
    )["VpcEndpoint"]
    zone = route53.create_hosted_zone(
        Name="example.internal",
        CallerReference="world",
        HostedZoneConfig={"Comment": "", "PrivateZone": True},
        VPC={"VPCRegion": REGION, "VPCId": consumer_vpc},
    )["HostedZone"]
    zone_id = zone["Id"].rsplit("/", 1)[-1]
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "db.example.internal",
                        "Type": "A",
                        "AliasTarget": {
                            "HostedZoneId": endpoint["DnsEntries"][0]["HostedZoneId"],
                            "DNSName": endpoint["DnsEntries"][0]["DnsName"],
                            "EvaluateTargetHealth": False,
                        },
                    },
                }
            ]
        },
    )
    stubbed_ec2 = _offline("ec2")
    cfn = _offline("cloudformation")
    ec2_stub, cfn_stub = Stubber(stubbed_ec2), Stubber(cfn)
    clients = Clients(
        ec2=cast(Any, MotoPlus(ec2, stubbed_ec2, STUBBED_EC2)),
        elbv2=cast(Any, MotoPlus(elbv2)),
        route53=route53,
        cloudwatch=_client("cloudwatch"),
        lambda_=_client("lambda"),
        sts=_client("sts"),
        cloudformation=cfn,
        region=REGION,
    )
    world = World(
        ec2=ec2,
        elbv2=elbv2,
        route53=route53,
        provider_vpc=provider_vpc,
        consumer_vpc=consumer_vpc,
        provider_subnets=provider_subnets,
        consumer_subnets=consumer_subnets,
        nlb_arn=nlb["LoadBalancerArn"],
        nlb_sg=nlb_sg,
        target_group_arn=group["TargetGroupArn"],
        service_id=service["ServiceId"],
        service_name=service["ServiceName"],
        endpoint_id=endpoint["VpcEndpointId"],
        endpoint_sg=endpoint_sg,
        zone_id=zone_id,
        ec2_stub=ec2_stub,
        cfn_stub=cfn_stub,
        clients=clients,
        connections=[
            {
                "ServiceId": service["ServiceId"],
                "VpcEndpointId": endpoint["VpcEndpointId"],
                "VpcEndpointOwner": ACCOUNT,
                "VpcEndpointState": "available",
                "CreationTimestamp": NOW,
            }
        ],
    )
    with ec2_stub, cfn_stub:
        yield world


__all__ = ["ANY", "NOW", "World", "build_world"]
