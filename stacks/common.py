"""Pieces both stacks use: environments, configured AZs, the VPC, log retentions."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Annotations, Environment, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from privatelink_constructs._function import create_key

from .config import EnvConfig, VpcConfig

__all__ = ["RETENTION_DAYS", "ConfiguredAzStack", "build_vpc", "environment"]


def environment(env: EnvConfig) -> Environment | None:
    """The stack environment, or None for an environment-agnostic stack."""
    if env.account is None and env.region is None:
        return None
    return Environment(account=env.account, region=env.region)


class ConfiguredAzStack(Stack):
    """A stack whose AZs come from the config, so a new VPC needs no AZ lookup (no credentials)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, env: EnvConfig, azs: tuple[str, ...], description: str
    ) -> None:
        """Create the stack in ``env``; ``azs`` replaces the AZ lookup when the region is set."""
        self._configured_azs = list(azs)
        super().__init__(scope, construct_id, env=environment(env), description=description)

    @property
    def availability_zones(self) -> list[str]:
        """The configured AZs when the stack has a region, else CDK's own answer."""
        if self._configured_azs and not self.node.try_get_context("lookupAzs"):
            return self._configured_azs
        return list(super().availability_zones)


def build_vpc(scope: Construct, config: VpcConfig, *, flow_log_retention: logs.RetentionDays) -> ec2.IVpc:
    """A new VPC with isolated subnets and flow logs, or an existing one imported by attributes."""
    if config.vpc_id is not None:
        imported = ec2.Vpc.from_vpc_attributes(
            scope,
            "Vpc",
            vpc_id=config.vpc_id,
            vpc_cidr_block=config.cidr,
            availability_zones=list(config.availability_zones),
            private_subnet_ids=list(config.subnet_ids),
        )
        Annotations.of(imported).acknowledge_warning(
            "@aws-cdk/aws-ec2:noSubnetRouteTableId",
            "The endpoint and the NLB only place network interfaces in these subnets; "
            "nothing here reads or changes their route tables.",
        )
        return imported
    vpc = ec2.Vpc(
        scope,
        "Vpc",
        ip_addresses=ec2.IpAddresses.cidr(config.cidr),
        ip_protocol=ec2.IpProtocol.DUAL_STACK if config.ipv6 else ec2.IpProtocol.IPV4_ONLY,
        max_azs=None if config.availability_zones else config.max_azs,
        availability_zones=list(config.availability_zones) or None,
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
    key = create_key(scope, "FlowLogsKey", description="privatelink-cdk: VPC flow logs")
    log_group = logs.LogGroup(scope, "FlowLogs", retention=flow_log_retention, encryption_key=key)
    vpc.add_flow_log(
        "FlowLog",
        destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group),
        traffic_type=ec2.FlowLogTrafficType.ALL,
    )
    return vpc


RETENTION_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}
"""The CloudWatch Logs retentions the config accepts, by days."""
