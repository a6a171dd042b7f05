"""Default subnet choice shared by the provider and the consumer."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2

__all__ = ["one_private_subnet_per_az"]


def one_private_subnet_per_az(vpc: ec2.IVpc) -> ec2.SubnetSelection:
    """Private subnets if the VPC has any, else isolated ones; one per AZ either way."""
    subnet_type = (
        ec2.SubnetType.PRIVATE_WITH_EGRESS if vpc.private_subnets else ec2.SubnetType.PRIVATE_ISOLATED
    )
    return ec2.SubnetSelection(subnet_type=subnet_type, one_per_az=True)
