"""The ELB and EC2 facts the updater needs, read once per warm container.

A target group's ARN, IP address type and VPC never change (CloudFormation replaces the group
to change them), so they are read at the first run of a container and kept. The VPC's CIDR
blocks can grow (a secondary block, an IPv6 block); they are kept too, and read again whenever
an address falls outside them, before that address is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .plan import RegisteredTarget, Target

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_elbv2.type_defs import TargetDescriptionTypeDef


class TargetGroupsNotFoundError(RuntimeError):
    """Some configured target groups do not exist in this account and region."""


@dataclass(frozen=True)
class GroupRef:
    """A target group as the function's environment names it: its port and its ARN's ID."""

    port: int
    group_id: str


@dataclass(frozen=True)
class TargetGroup:
    """A target group as ELB describes it."""

    arn: str
    port: int
    """The port its targets are registered with."""
    family: int
    """4 or 6: the IP family of its targets (ELB refuses the other)."""
    vpc_id: str

    @property
    def short_name(self) -> str:
        """``targetgroup/<name>/<id>``, the metric dimension ELB itself uses."""
        return self.arn.split(":")[-1]


@dataclass
class Inventory:
    """Target groups and VPC CIDR blocks, cached for the life of the container."""

    groups: dict[str, TargetGroup] = field(default_factory=dict)
    vpc_cidrs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def target_groups(
        self, elbv2: ElasticLoadBalancingv2Client, refs: Sequence[GroupRef]
    ) -> list[TargetGroup]:
        """The configured target groups; described (one paginated call) the first time only."""
        missing = [ref for ref in refs if ref.group_id not in self.groups]
        if missing:
            self._describe(elbv2, missing)
        return [self.groups[ref.group_id] for ref in refs]

    def _describe(self, elbv2: ElasticLoadBalancingv2Client, refs: Sequence[GroupRef]) -> None:
        by_id = {ref.group_id: ref for ref in refs}
        for page in elbv2.get_paginator("describe_target_groups").paginate(
            PaginationConfig={"PageSize": 400}
        ):
            for group in page.get("TargetGroups", []):
                group_id = group["TargetGroupArn"].rsplit("/", 1)[-1]
                ref = by_id.get(group_id)
                if ref is None:
                    continue
                address_type = group.get("IpAddressType", "ipv4")
                self.groups[group_id] = TargetGroup(
                    arn=group["TargetGroupArn"],
                    port=ref.port,
                    family=6 if address_type == "ipv6" else 4,
                    vpc_id=group["VpcId"],
                )
        absent = sorted(set(by_id) - set(self.groups))
        if absent:
            raise TargetGroupsNotFoundError(
                f"no target group with ID {', '.join(absent)} in this account and region; nothing was changed"
            )

    def cidrs(self, ec2: EC2Client, vpc_id: str, *, refresh: bool = False) -> tuple[str, ...]:
        """Every associated CIDR block of the VPC, IPv4 and IPv6."""
        if refresh or vpc_id not in self.vpc_cidrs:
            (vpc,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
            blocks = [
                a["CidrBlock"]
                for a in vpc.get("CidrBlockAssociationSet", [])
                if a.get("CidrBlockState", {}).get("State") == "associated"
            ]
            blocks += [
                a["Ipv6CidrBlock"]
                for a in vpc.get("Ipv6CidrBlockAssociationSet", [])
                if a.get("Ipv6CidrBlockState", {}).get("State") == "associated"
            ]
            self.vpc_cidrs[vpc_id] = tuple(blocks or [vpc["CidrBlock"]])
        return self.vpc_cidrs[vpc_id]


def current_targets(elbv2: ElasticLoadBalancingv2Client, arn: str) -> list[RegisteredTarget]:
    """The target group's targets: the only state the updater keeps."""
    response = elbv2.describe_target_health(TargetGroupArn=arn)
    return [
        RegisteredTarget(
            ip=description["Target"]["Id"],
            port=int(description["Target"].get("Port", 0)),
            state=description.get("TargetHealth", {}).get("State", "unknown"),
            availability_zone=description["Target"].get("AvailabilityZone"),
        )
        for description in response.get("TargetHealthDescriptions", [])
    ]


def descriptions(targets: Sequence[Target]) -> list[TargetDescriptionTypeDef]:
    """Targets as RegisterTargets and DeregisterTargets take them: address, port, zone if any."""
    result: list[TargetDescriptionTypeDef] = []
    for target in targets:
        description: TargetDescriptionTypeDef = {"Id": target.ip, "Port": target.port}
        if target.availability_zone:
            description["AvailabilityZone"] = target.availability_zone
        result.append(description)
    return result
