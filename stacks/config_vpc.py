"""The config sections both stacks have: where a stack deploys (``env``) and its VPC (``vpc``)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import StrictBool, StrictInt, model_validator

from privatelink_constructs import rules
from privatelink_constructs.rules import Problem

from .config_errors import raise_problems
from .config_types import Account, Model, Region, Text, Texts, VpcCidr, ZoneIds, rule

__all__ = ["ConsumerVpcConfig", "EnvConfig", "VpcConfig", "zone_problems"]


class EnvConfig(Model):
    """Where a stack deploys. Both empty means environment-agnostic (synthesizes offline)."""

    account: Account | None = None
    region: Region | None = None


class VpcConfig(Model):
    """A new VPC (the default), or an existing one imported by attributes when ``vpc_id`` is set.

    Its zones are named by ID (``availability_zone_ids``, the same zones in every account:
    what PrivateLink partners exchange) or by name (``availability_zones``), not both.
    """

    cidr: VpcCidr = "10.40.0.0/16"
    """The new VPC's CIDR; for an existing VPC, its CIDR (the NLB's egress rules use it)."""
    max_azs: Annotated[StrictInt, rule(lambda v: rules.check_range(v, argument="", low=1, high=6))] | None = (
        None
    )
    """How many AZs a new VPC spans when no zones are listed: two unless given."""
    ipv6: StrictBool = False
    """Give a new VPC an Amazon-provided IPv6 block (needed for a dualstack NLB or endpoint)."""
    vpc_id: Text | None = None
    """An existing VPC's ID: import it instead of creating one."""
    availability_zones: Texts = ()
    """Zone names: of ``subnet_ids`` (existing VPC), or of a new VPC in a stack with a region."""
    availability_zone_ids: ZoneIds = ()
    """Zone IDs (``use1-az1``): of ``subnet_ids`` (existing VPC), or where a new VPC's subnets go."""
    subnet_ids: Texts = ()
    """An existing VPC's private subnets, one per listed zone."""

    @property
    def existing(self) -> bool:
        """Whether the VPC is imported rather than created."""
        return self.vpc_id is not None

    @property
    def zones(self) -> tuple[str, ...]:
        """The zones as listed: IDs or names (what aws-cdk-lib gets as the VPC's zone labels)."""
        return self.availability_zone_ids or self.availability_zones

    @model_validator(mode="after")
    def _zones_and_subnets(self) -> Self:
        problems = []
        if self.availability_zones and self.availability_zone_ids:
            problems.append(
                Problem("availability_zone_ids", "give zone IDs or availability_zones (names), not both")
            )
        if self.max_azs is not None and self.zones:
            problems.append(Problem("max_azs", "the listed zones decide how many there are; drop max_azs"))
        if self.existing and not self.subnet_ids:
            problems.append(Problem("subnet_ids", "an existing VPC needs its private subnet IDs, got none"))
        if self.existing and len(self.subnet_ids) != len(self.zones):
            key = "availability_zone_ids" if self.availability_zone_ids else "availability_zones"
            problems.append(
                Problem(
                    key,
                    f"list the zone of each subnet in subnet_ids ({len(self.subnet_ids)} subnets, "
                    f"{len(self.zones)} zones)",
                )
            )
        if self.existing and self.ipv6:
            problems.append(Problem("ipv6", "applies to a new VPC only; an existing VPC keeps its blocks"))
        raise_problems(problems)
        return self


class ConsumerVpcConfig(VpcConfig):
    """A consumer's VPC: as ``VpcConfig``, with its own default CIDR."""

    cidr: VpcCidr = "10.60.0.0/16"


def zone_problems(env: EnvConfig, vpc: VpcConfig) -> list[Problem]:
    """Zones of a stack's VPC that its region refutes, or that a new VPC needs listed."""
    if env.region is not None and vpc.availability_zone_ids:
        return rules.check_zone_ids(
            vpc.availability_zone_ids, argument="vpc.availability_zone_ids", region=env.region
        )
    if vpc.availability_zones and not vpc.existing and env.region is None:
        return [
            Problem(
                "vpc.availability_zones",
                "naming AZs for a new VPC needs env.region; or list zone IDs in vpc.availability_zone_ids",
            )
        ]
    if env.region is not None and not vpc.existing and not vpc.zones:
        return [
            Problem(
                "vpc.availability_zone_ids",
                "a stack with env.region needs the new VPC's zones listed, by ID (or by name in "
                "vpc.availability_zones); CDK would otherwise look them up with AWS credentials",
            )
        ]
    return []
