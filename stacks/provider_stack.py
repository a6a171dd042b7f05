"""ProviderStack: a VPC and a ProviderEndpointService, built from ``ProviderConfig``."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_sns as sns
from constructs import Construct

from privatelink_constructs import ProviderEndpointService, RdsTargetGroupUpdater
from privatelink_constructs._network import one_private_subnet_per_az

from .common import RETENTION_DAYS, ConfiguredAzStack, build_vpc
from .config import DatabaseConfig, HealthCheckConfig, ProviderConfig

__all__ = ["ProviderStack", "health_check"]

_TARGET_TYPES = {
    "ip": elbv2.TargetType.IP,
    "instance": elbv2.TargetType.INSTANCE,
    "alb": elbv2.TargetType.ALB,
}
_PROTOCOLS = {"tcp": elbv2.Protocol.TCP, "http": elbv2.Protocol.HTTP, "https": elbv2.Protocol.HTTPS}


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


class ProviderStack(ConfiguredAzStack):
    """The provider side of the link: ``cdk deploy ProviderStack``."""

    provider: ProviderEndpointService
    """The endpoint service and its NLB."""
    vpc: ec2.IVpc
    """The provider VPC."""
    updater: RdsTargetGroupUpdater | None
    """The target updater, when the config names a database."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: ProviderConfig,
        allow_own_account: bool = False,
    ) -> None:
        """Build the provider from its validated config.

        ``allow_own_account`` adds this stack's own account to the allowed principals: the app
        sets it when a consumer stack of the same app (same account and region) links to it.
        """
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
            allowed_principals=[
                *config.allowed_principals,
                *([f"arn:{self.partition}:iam::{self.account}:root"] if allow_own_account else []),
            ],
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
            target_cidrs=config.target_cidrs,
            contributor_insights=config.contributor_insights,
            health_check=health_check(config.health_check),
            private_dns_name=config.private_dns_name,
            public_hosted_zone=zone,
            connection_notifications=notifications.enabled,
            notification_topic=topic,
            notification_events=notifications.events,
            log_retention=log_retention,
        )
        self.updater = None
        if config.database is not None:
            self.updater = self._updater(config.database, log_retention, config.target_cidrs)
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

    def _updater(
        self, database: DatabaseConfig, log_retention: logs.RetentionDays, target_cidrs: tuple[str, ...]
    ) -> RdsTargetGroupUpdater:
        alarm_topic = (
            sns.Topic.from_topic_arn(self, "AlarmTopic", database.alarm_topic_arn)
            if database.alarm_topic_arn
            else None
        )
        return RdsTargetGroupUpdater(
            self,
            "TargetUpdater",
            vpc=self.vpc,
            hostname=database.hostname,
            target_groups=self.provider.target_groups,
            source_identifiers=database.source_identifiers,
            schedule=Duration.minutes(database.schedule_minutes),
            max_removals_per_run=database.max_removals_per_run,
            failover_wait=Duration.seconds(database.failover_wait_seconds),
            alarm_topic=alarm_topic,
            vpc_subnets=one_private_subnet_per_az(self.vpc) if database.in_vpc else None,
            create_elb_endpoint=database.create_elb_endpoint,
            log_retention=log_retention,
            target_cidrs=target_cidrs,
        )
