"""Network defaults shared by the constructs: subnet choice and closed security groups."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

__all__ = ["cidr_peer", "closed_security_group", "one_private_subnet_per_az", "selected"]


def one_private_subnet_per_az(vpc: ec2.IVpc) -> ec2.SubnetSelection:
    """Private subnets if the VPC has any, else isolated ones; one per AZ either way."""
    subnet_type = (
        ec2.SubnetType.PRIVATE_WITH_EGRESS if vpc.private_subnets else ec2.SubnetType.PRIVATE_ISOLATED
    )
    return ec2.SubnetSelection(subnet_type=subnet_type, one_per_az=True)


def closed_security_group(
    scope: Construct, vpc: ec2.IVpc, *, description: str, construct_id: str = "SecurityGroup"
) -> ec2.SecurityGroup:
    """A security group (``SecurityGroup`` by default) with no rule at all: callers open what they need."""
    return ec2.SecurityGroup(
        scope,
        construct_id,
        vpc=vpc,
        description=description,
        allow_all_outbound=False,
        allow_all_ipv6_outbound=False,
    )


def cidr_peer(cidr: str) -> ec2.IPeer:
    """The security-group peer of an IPv4 or IPv6 CIDR block."""
    return ec2.Peer.ipv6(cidr) if ":" in cidr else ec2.Peer.ipv4(cidr)


def selected(vpc: ec2.IVpc, selection: ec2.SubnetSelection) -> ec2.SelectedSubnets:
    """The subnets ``selection`` picks in ``vpc`` (``select_subnets`` takes the struct's fields)."""
    return vpc.select_subnets(
        availability_zones=selection.availability_zones,
        one_per_az=selection.one_per_az,
        subnet_filters=selection.subnet_filters,
        subnet_group_name=selection.subnet_group_name,
        subnet_type=selection.subnet_type,
        subnets=selection.subnets,
    )
