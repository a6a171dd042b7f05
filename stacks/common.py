"""Pieces both stacks use: environments, configured AZs, the VPC, the stack's one KMS key."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, Annotations, Aspects, Environment, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct
from pydantic import BaseModel

from privatelink_constructs import DEFAULT_LOG_RETENTION, create_encryption_key, zones

from .choices import LOG_RETENTIONS, REMOVAL_POLICIES
from .compliance import acknowledge_vpc

if TYPE_CHECKING:
    from .config import EnvConfig, VpcConfig

__all__ = ["ConfiguredAzStack", "arguments_from", "build_vpc", "environment", "given", "private_subnets"]


def environment(env: EnvConfig) -> Environment | None:
    """The stack environment, or None for an environment-agnostic stack."""
    if env.account is None and env.region is None:
        return None
    return Environment(account=env.account, region=env.region)


def given(**arguments: object) -> dict[str, Any]:
    """The keyword arguments that have a value: the rest keep the construct's own default."""
    return {name: value for name, value in arguments.items() if value is not None}


def arguments_from(config: BaseModel, construct: Callable[..., object], **made: object) -> dict[str, Any]:
    """A construct's keyword arguments from a config section: ``made`` and the fields it takes as they are.

    Every field named as one of ``construct``'s arguments goes to it unchanged; ``made`` holds what
    the stack makes itself (converted values, resources, renamed fields) and wins over a field of
    the same name. A value left out (None) keeps the construct's own default. So an option the
    construct takes as the config holds it needs no line in the stack: a rule, a model field named
    as the argument, and the argument.

    Raises:
        TypeError: A field that is a config section (or a tuple of them) would go to the construct
            as it is: the stack must make that argument (a line dropped from ``made``).
    """
    parameters = inspect.signature(construct).parameters
    fields = {
        name: getattr(config, name)
        for name in type(config).model_fields
        if name in parameters and name not in made
    }
    sections = [name for name, value in fields.items() if _is_section(value)]
    if sections:
        raise TypeError(
            f"{type(config).__name__}: the stack must make {sections} for {construct.__qualname__}"
        )
    return given(**fields, **made)


def _is_section(value: object) -> bool:
    items = value if isinstance(value, tuple) else (value,)
    return any(isinstance(item, BaseModel) for item in items)


class ConfiguredAzStack(Stack):
    """A stack built from config: its environment, tags, AZs (no lookup), and one KMS key.

    ``encryption_key`` encrypts every log group and topic of the stack (one key per stack).
    """

    encryption_key: kms.Key
    """The stack's KMS key."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        env: EnvConfig,
        azs: tuple[str, ...],
        description: str,
        tags: Mapping[str, str],
        removal_policy: str | None,
        log_retention_days: int | None,
    ) -> None:
        """Create the stack in ``env``; ``azs`` (zone IDs or names) replaces the AZ lookup."""
        self._configured_azs = list(azs)
        super().__init__(scope, construct_id, env=environment(env), description=description, tags=dict(tags))
        if any(zones.is_zone_id(zone) for zone in azs):
            Aspects.of(self).add(zones.PlaceSubnetsByZoneId())
        self.removal_policy = REMOVAL_POLICIES[removal_policy] if removal_policy else None
        self.log_retention = LOG_RETENTIONS[log_retention_days] if log_retention_days else None
        self.encryption_key = create_encryption_key(
            self,
            "Key",
            description=f"privatelink-cdk {construct_id}: logs and notifications",
            **given(removal_policy=self.removal_policy),
        )

    @property
    def availability_zones(self) -> list[str]:
        """The configured zones (IDs or names), else CDK's own answer."""
        if self._configured_azs and not self.node.try_get_context("lookupAzs"):
            return self._configured_azs
        return list(super().availability_zones)


def build_vpc(stack: ConfiguredAzStack, config: VpcConfig) -> ec2.IVpc:
    """A new VPC with isolated subnets and flow logs, or an existing one imported by attributes."""
    if config.vpc_id is not None:
        imported = ec2.Vpc.from_vpc_attributes(
            stack,
            "Vpc",
            vpc_id=config.vpc_id,
            vpc_cidr_block=config.cidr,
            availability_zones=list(config.zones),
            private_subnet_ids=list(config.subnet_ids),
        )
        Annotations.of(imported).acknowledge_warning(
            "@aws-cdk/aws-ec2:noSubnetRouteTableId",
            "The endpoint and the NLB only place network interfaces in these subnets; "
            "nothing here reads or changes their route tables.",
        )
        return imported
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        ip_addresses=ec2.IpAddresses.cidr(config.cidr),
        ip_protocol=ec2.IpProtocol.DUAL_STACK if config.ipv6 else ec2.IpProtocol.IPV4_ONLY,
        max_azs=None if config.zones else config.max_azs or 2,
        availability_zones=list(config.zones) or None,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)
        ],
    )
    if config.availability_zones:
        Validations.of(vpc).acknowledge(
            Acknowledgment(
                id="CloudFormation-Validate::W3010",
                reason="The AZs come from the config on purpose: listing them lets a stack with "
                "an account and region synthesize without AWS credentials.",
            )
        )
    log_group = logs.LogGroup(
        stack,
        "FlowLogs",
        retention=stack.log_retention or DEFAULT_LOG_RETENTION,
        encryption_key=stack.encryption_key,
        removal_policy=stack.removal_policy or RemovalPolicy.RETAIN,
    )
    flow_log = vpc.add_flow_log(
        "FlowLog",
        destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group),
        traffic_type=ec2.FlowLogTrafficType.ALL,
    )
    acknowledge_vpc(vpc, flow_log, ipv6=config.ipv6)
    return vpc


def private_subnets(config: VpcConfig) -> ec2.SubnetSelection:
    """One subnet per AZ of the stack's VPC: isolated ones of a new VPC, the given ones of an existing one."""
    subnet_type = ec2.SubnetType.PRIVATE_WITH_EGRESS if config.existing else ec2.SubnetType.PRIVATE_ISOLATED
    return ec2.SubnetSelection(subnet_type=subnet_type, one_per_az=True)
