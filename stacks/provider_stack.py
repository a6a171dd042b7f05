"""ProviderStack: a VPC and a ProviderEndpointService, built from ``ProviderConfig``."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnOutput, Duration, Environment, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_sns as sns
from constructs import Construct

from privatelink_constructs import ProviderEndpointService
from privatelink_constructs._function import create_key

from .config import EnvConfig, HealthCheckConfig, ProviderConfig, VpcConfig

__all__ = ["ProviderStack", "environment"]

_TARGET_TYPES = {
    "ip": elbv2.TargetType.IP,
    "instance": elbv2.TargetType.INSTANCE,
    "alb": elbv2.TargetType.ALB,
}
_PROTOCOLS = {"tcp": elbv2.Protocol.TCP, "http": elbv2.Protocol.HTTP, "https": elbv2.Protocol.HTTPS}


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
        return ec2.Vpc.from_vpc_attributes(
            scope,
            "Vpc",
            vpc_id=config.vpc_id,
            vpc_cidr_block=config.cidr,
            availability_zones=list(config.availability_zones),
            private_subnet_ids=list(config.subnet_ids),
        )
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


def health_check(config: HealthCheckConfig) -> elbv2.HealthCheck:
    """The ELB health check the config describes."""
    return elbv2.HealthCheck(
        protocol=_PROTOCOLS[config.protocol],
        port=str(config.port) if config.port is not None else "traffic-port",
        path=config.path,
        interval=Duration.seconds(config.interval_seconds),
        healthy_threshold_count=config.healthy_threshold,
        unhealthy_threshold_count=config.unhealthy_threshold,
    )


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


class ProviderStack(ConfiguredAzStack):
    """The provider side of the link: ``cdk deploy ProviderStack``."""

    provider: ProviderEndpointService
    """The endpoint service and its NLB."""
    vpc: ec2.IVpc
    """The provider VPC."""

    def __init__(self, scope: Construct, construct_id: str, *, config: ProviderConfig) -> None:
        """Build the provider from its validated config."""
        super().__init__(
            scope,
            construct_id,
            env=config.env,
            azs=config.vpc.availability_zones,
            description="privatelink-cdk provider: internal NLB + VPC endpoint service",
        )
        log_retention = RETENTION_DAYS[config.log_retention_days]
        self.vpc = build_vpc(self, config.vpc, flow_log_retention=log_retention)
        zone = None
        if config.public_hosted_zone is not None:
            zone = route53.PublicHostedZone.from_public_hosted_zone_attributes(
                self,
                "Zone",
                hosted_zone_id=config.public_hosted_zone.zone_id,
                zone_name=config.public_hosted_zone.zone_name,
            )
        notifications = config.notifications
        topic = None
        if notifications.topic_arn is not None:
            topic = sns.Topic.from_topic_arn(self, "NotificationTopic", notifications.topic_arn)
        self.provider = ProviderEndpointService(
            self,
            "Provider",
            vpc=self.vpc,
            ports=config.ports,
            target_type=_TARGET_TYPES[config.target_type],
            allowed_principals=config.allowed_principals,
            allow_all_principals=config.allow_all_principals,
            acceptance_required=config.acceptance_required,
            auto_accept_principals=config.auto_accept_principals,
            allowed_regions=config.allowed_regions,
            supported_ip_address_types=config.supported_ip_address_types,
            ip_address_type=(
                elbv2.IpAddressType.DUAL_STACK if config.dualstack else elbv2.IpAddressType.IPV4
            ),
            cross_zone_enabled=config.cross_zone,
            deletion_protection=config.deletion_protection,
            deregistration_delay=(
                Duration.seconds(config.deregistration_delay_seconds)
                if config.deregistration_delay_seconds is not None
                else None
            ),
            connection_termination=config.connection_termination,
            enforce_security_group_inbound_rules_on_private_link_traffic=(
                config.enforce_security_group_inbound_rules_on_private_link_traffic
            ),
            contributor_insights=config.contributor_insights,
            health_check=health_check(config.health_check),
            private_dns_name=config.private_dns_name,
            public_hosted_zone=zone,
            connection_notifications=notifications.enabled,
            notification_topic=topic,
            notification_events=notifications.events,
            log_retention=log_retention,
        )
        CfnOutput(
            self,
            "ServiceName",
            value=self.provider.service_name,
            description="Give this to consumers: they create their interface endpoint to it",
        )
        CfnOutput(self, "ServiceId", value=self.provider.service_id, description="The endpoint service ID")
        CfnOutput(
            self,
            "NlbDnsName",
            value=self.provider.load_balancer.load_balancer_dns_name,
            description="The internal NLB's DNS name (for tests from inside the VPC)",
        )
        if self.provider.private_dns_verification_name is not None:
            CfnOutput(
                self,
                "DomainVerificationName",
                value=self.provider.private_dns_verification_name,
                description="TXT record name AWS checks to verify the private DNS name's domain",
            )
            CfnOutput(
                self,
                "DomainVerificationValue",
                value=self.provider.private_dns_verification_value or "",
                description="TXT record value AWS checks to verify the private DNS name's domain",
            )
