"""Builders shared by the construct tests."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_route53 as route53

from privatelink_constructs import ProviderEndpointService
from tests.conftest import new_stack

VPC_CIDR = "10.50.0.0/16"


def imported_vpc(stack: Stack) -> ec2.IVpc:
    """A two-AZ VPC imported by attributes: no lookups, no resources."""
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        vpc_cidr_block=VPC_CIDR,
        availability_zones=["eu-west-1a", "eu-west-1b"],
        private_subnet_ids=["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
        private_subnet_route_table_ids=["rtb-0aaaaaaaaaaaaaaa1", "rtb-0bbbbbbbbbbbbbbb2"],
    )


def zone(stack: Stack, name: str = "example.com") -> route53.IPublicHostedZone:
    """A public hosted zone imported by ID and name."""
    return route53.PublicHostedZone.from_public_hosted_zone_attributes(
        stack, "Zone", hosted_zone_id="Z0123456789ABCDEFGHIJ", zone_name=name
    )


def provider(stack: Stack | None = None, **overrides: Any) -> ProviderEndpointService:
    """A ProviderEndpointService with one port and one principal, plus ``overrides``."""
    stack = stack or new_stack()
    arguments: dict[str, Any] = {
        "vpc": imported_vpc(stack),
        "ports": [5432],
        "allowed_principals": ["111122223333"],
    }
    arguments.update(overrides)
    return ProviderEndpointService(stack, "Provider", **arguments)
