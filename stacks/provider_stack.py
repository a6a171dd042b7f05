"""ProviderStack: a VPC and a ProviderEndpointService, built from ``ProviderConfig``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_sns as sns
from constructs import Construct

from privatelink_constructs import (
    FollowMode,
    ProviderEndpointService,
    RdsTargetGroupUpdater,
    default_health_check,
    rules,
)

from .common import ConfiguredAzStack, arguments_from, build_vpc, given, private_subnets
from .compliance import acknowledge_deletion_protection, acknowledge_missing_alarm_topic

if TYPE_CHECKING:
    from aws_cdk import aws_ec2 as ec2

    from .config import DatabaseConfig, HealthCheckConfig, ProviderConfig

__all__ = ["ProviderStack", "health_check"]


def health_check(config: HealthCheckConfig) -> elbv2.HealthCheck:
    """The ELB health check the config describes; keys left out keep the construct's defaults."""
    return default_health_check(
        **given(
            protocol=rules.HEALTH_CHECK_PROTOCOLS[config.protocol] if config.protocol else None,
            port=str(config.port) if config.port is not None else None,
            path=config.path,
            interval=Duration.seconds(config.interval_seconds)
            if config.interval_seconds is not None
            else None,
            healthy_threshold_count=config.healthy_threshold,
            unhealthy_threshold_count=config.unhealthy_threshold,
        )
    )


class ProviderStack(ConfiguredAzStack):
    """The provider side of the link: ``cdk deploy ProviderStack``."""

    SERVICE_NAME_OUTPUT = "ServiceName"
    """The output that holds the service name: what consumers (and a linked consumer stack) read."""

    config: ProviderConfig
    """The config the stack was built from."""
    provider: ProviderEndpointService
    """The endpoint service and its NLB."""
    vpc: ec2.IVpc
    """The provider VPC."""
    updater: RdsTargetGroupUpdater | None
    """The target updater, when the config names a database."""

    def __init__(self, scope: Construct, construct_id: str, *, config: ProviderConfig) -> None:
        """Build the provider from its validated config."""
        self.config = config
        super().__init__(
            scope,
            construct_id,
            env=config.env,
            azs=config.vpc.zones,
            description="privatelink-cdk provider: internal NLB + VPC endpoint service",
            tags=config.tags,
            removal_policy=config.removal_policy,
            log_retention_days=config.log_retention_days,
        )
        self.vpc = build_vpc(self, config.vpc)
        self._vpc_config = config.vpc
        self._alarm_topic = (
            sns.Topic.from_topic_arn(self, "AlarmTopic", config.alarm_topic_arn)
            if config.alarm_topic_arn
            else None
        )
        self.provider = ProviderEndpointService(self, "Provider", **self._arguments(config))
        acknowledge_deletion_protection(self.provider, config)
        acknowledge_missing_alarm_topic(self, config)
        self.updater = self._updater(config, config.database) if config.database is not None else None
        self._outputs()

    def _arguments(self, config: ProviderConfig) -> dict[str, Any]:
        """The construct's keyword arguments: the config's own fields, and what the stack makes."""
        zone = config.public_hosted_zone
        notifications = config.notifications
        return arguments_from(
            config,
            ProviderEndpointService.__init__,
            vpc=self.vpc,
            target_type=rules.TARGET_TYPES[config.target_type] if config.target_type else None,
            ip_address_type=elbv2.IpAddressType.DUAL_STACK if config.dualstack else None,
            cross_zone_enabled=config.cross_zone,
            deregistration_delay=(
                Duration.seconds(config.deregistration_delay_seconds)
                if config.deregistration_delay_seconds is not None
                else None
            ),
            health_check=health_check(config.health_check) if config.health_check else None,
            public_hosted_zone=(
                route53.PublicHostedZone.from_public_hosted_zone_attributes(
                    self, "Zone", hosted_zone_id=zone.zone_id, zone_name=zone.zone_name
                )
                if zone is not None
                else None
            ),
            connection_notifications=notifications.enabled if notifications else None,
            notification_topic=(
                sns.Topic.from_topic_arn(self, "NotificationTopic", notifications.topic_arn)
                if notifications and notifications.topic_arn
                else None
            ),
            notification_events=notifications.events if notifications else None,
            encryption_key=self.encryption_key,
            log_retention=self.log_retention,
            removal_policy=self.removal_policy,
            alarm_topic=self._alarm_topic,
        )

    def _updater(self, config: ProviderConfig, database: DatabaseConfig) -> RdsTargetGroupUpdater:
        self._database_hostname = database.hostname
        return RdsTargetGroupUpdater(
            self,
            "TargetUpdater",
            **arguments_from(
                database,
                RdsTargetGroupUpdater.__init__,
                vpc=self.vpc,
                target_groups=self.provider.target_groups,
                schedule=Duration.minutes(database.schedule_minutes) if database.schedule_minutes else None,
                failover_wait=(
                    Duration.seconds(database.failover_wait_seconds)
                    if database.failover_wait_seconds is not None
                    else None
                ),
                alarm_topic=self._alarm_topic,
                vpc_subnets=private_subnets(self._vpc_config) if database.in_vpc else None,
                encryption_key=self.encryption_key,
                log_retention=self.log_retention,
                removal_policy=self.removal_policy,
                target_cidrs=config.target_cidrs,
                mode=FollowMode(database.mode) if database.mode not in (None, "auto") else None,
                database_identifier=database.identifier,
                reserved_concurrent_executions=database.reserved_concurrency,
            ),
        )

    def _outputs(self) -> None:
        provider = self.provider
        outputs = {
            "ServiceName": (
                provider.service_name,
                "Give this to consumers: they create their endpoint to it",
            ),
            "ServiceId": (provider.service_id, "The endpoint service ID"),
            "NlbDnsName": (
                provider.load_balancer.load_balancer_dns_name,
                "The internal NLB's DNS name (for tests from inside the VPC)",
            ),
            "Ports": (",".join(map(str, provider.ports)), "The service's TCP ports"),
        }
        if provider.availability_zone_ids is not None:
            # Known when the config names the zones by ID; otherwise `privatelink-cdk handoff`
            # reads them from the live service.
            outputs["AvailabilityZoneIds"] = (
                ",".join(provider.availability_zone_ids),
                "The zones (IDs, the same in every account) consumers can connect in: give them to consumers",
            )
        if provider.private_dns_name is not None:
            outputs["PrivateDnsName"] = (
                provider.private_dns_name,
                "The name consumers resolve with private DNS on",
            )
        if provider.private_dns_verification_name is not None:
            outputs["DomainVerificationName"] = (
                provider.private_dns_verification_name,
                "TXT record name AWS checks to verify the private DNS name's domain",
            )
            outputs["DomainVerificationValue"] = (
                provider.private_dns_verification_value or "",
                "TXT record value AWS checks to verify the private DNS name's domain",
            )
        if self.updater is not None:
            outputs["DatabaseHostname"] = (self._database_hostname, "The database the target groups follow")
            outputs["TargetUpdaterFunction"] = (
                self.updater.function.function_name,
                "The Lambda that keeps the target groups in step with the database",
            )
        for output_id, (value, description) in outputs.items():
            CfnOutput(self, output_id, value=value, description=description)
        self.publish_acceptor()

    def publish_acceptor(self) -> None:
        """The ConnectionAcceptorFunction output, once the provider has an acceptor (link adds one late)."""
        acceptor = self.provider.acceptor
        if acceptor is not None and self.node.try_find_child("ConnectionAcceptorFunction") is None:
            CfnOutput(
                self,
                "ConnectionAcceptorFunction",
                value=acceptor.function.function_name,
                description="The Lambda that accepts allowlisted accounts' connection requests",
            )
