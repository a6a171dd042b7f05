"""ConsumerStack: a VPC and a ConsumerInterfaceEndpoint, built from ``ConsumerConfig``."""

from __future__ import annotations

from aws_cdk import CfnOutput
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from privatelink_constructs import ConsumerInterfaceEndpoint
from privatelink_constructs._network import cidr_peer

from .common import RETENTION_DAYS, ConfiguredAzStack, build_vpc
from .config import ConsumerConfig, PeerConfig

__all__ = ["ConsumerStack"]


class ConsumerStack(ConfiguredAzStack):
    """The consumer side of the link: ``cdk deploy ConsumerStack`` (or ``ConsumerStack-<name>``)."""

    endpoint: ConsumerInterfaceEndpoint
    """The interface endpoint and its security group."""
    vpc: ec2.IVpc
    """The consumer VPC."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: ConsumerConfig,
        service_name: str | None = None,
    ) -> None:
        """Build the consumer; ``service_name`` overrides the config's (the linked provider's)."""
        super().__init__(
            scope,
            construct_id,
            env=config.env,
            azs=config.vpc.availability_zones,
            description="privatelink-cdk consumer: interface VPC endpoint to a provider's service",
        )
        name = service_name or config.service_name
        if name is None:
            raise ValueError(f"{construct_id}: no service_name given and none in the config")
        self.vpc = build_vpc(self, config.vpc, flow_log_retention=RETENTION_DAYS[config.log_retention_days])
        zone = config.private_hosted_zone
        self.endpoint = ConsumerInterfaceEndpoint(
            self,
            "Consumer",
            vpc=self.vpc,
            service_name=name,
            ports=config.ports,
            allowed_peers=[self._peer(index, peer) for index, peer in enumerate(config.allowed_peers)],
            private_dns_enabled=config.private_dns_enabled,
            private_hosted_zone_name=zone.name if zone else None,
            record_names=zone.records if zone else (),
            service_region=config.service_region,
            ip_address_type=config.ip_address_type,
            dns_record_ip_type=config.dns_record_ip_type,
        )
        CfnOutput(
            self,
            "EndpointId",
            value=self.endpoint.endpoint_id,
            description="Give this to the provider: it accepts or allowlists this endpoint",
        )
        CfnOutput(
            self, "DnsName", value=self.endpoint.dns_name, description="The endpoint's regional DNS name"
        )
        CfnOutput(
            self,
            "SecurityGroupId",
            value=self.endpoint.security_group.security_group_id,
            description="The endpoint's security group: allow your clients here",
        )
        if self.endpoint.hosted_zone is not None:
            CfnOutput(
                self,
                "HostedZoneId",
                value=self.endpoint.hosted_zone.hosted_zone_id,
                description="The private hosted zone with the service's names",
            )

    def _peer(self, index: int, peer: PeerConfig) -> ec2.IPeer:
        if peer.cidr is not None:
            return cidr_peer(peer.cidr)
        if peer.security_group_id is not None:
            return ec2.SecurityGroup.from_security_group_id(
                self, f"Peer{index}", peer.security_group_id, allow_all_outbound=False, mutable=False
            )
        assert peer.prefix_list_id is not None
        return ec2.Peer.prefix_list(peer.prefix_list_id)
