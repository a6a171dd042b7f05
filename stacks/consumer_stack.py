"""ConsumerStack: a VPC and a ConsumerInterfaceEndpoint, built from ``ConsumerConfig``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_cdk import CfnOutput
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from privatelink_constructs import ConsumerInterfaceEndpoint

from .common import ConfiguredAzStack, arguments_from, build_vpc

if TYPE_CHECKING:
    from .config import ConsumerConfig, PeerConfig

__all__ = ["ConsumerStack"]


class ConsumerStack(ConfiguredAzStack):
    """The consumer side of the link: ``cdk deploy ConsumerStack`` (or ``ConsumerStack-<name>``)."""

    endpoint: ConsumerInterfaceEndpoint
    """The interface endpoint and its security group."""
    vpc: ec2.IVpc
    """The consumer VPC."""
    client_hostname: str
    """The name clients connect to: a private hosted zone record, the provider's private DNS
    name, or the endpoint's regional DNS name."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: ConsumerConfig,
        service_name: str | None = None,
        provider_dns_name: str | None = None,
        service_zone_ids: Sequence[str] = (),
    ) -> None:
        """Build the consumer.

        ``service_name`` overrides the config's (a linked provider's token); ``provider_dns_name``
        is the provider's private DNS name when it is known (a linked provider);
        ``service_zone_ids`` the linked provider's zone IDs (else the config's).
        """
        super().__init__(
            scope,
            construct_id,
            env=config.env,
            azs=config.vpc.zones,
            description="privatelink-cdk consumer: interface VPC endpoint to a provider's service",
            tags=config.tags,
            removal_policy=config.removal_policy,
            log_retention_days=config.log_retention_days,
        )
        name = service_name or config.service_name
        if name is None:
            raise ValueError(f"{construct_id}: no service_name given and none in the config")
        self.vpc = build_vpc(self, config.vpc)
        zone = config.private_hosted_zone
        self.endpoint = ConsumerInterfaceEndpoint(
            self,
            "Consumer",
            **arguments_from(
                config,
                ConsumerInterfaceEndpoint.__init__,
                vpc=self.vpc,
                service_name=name,
                allowed_peers=[self._peer(index, peer) for index, peer in enumerate(config.allowed_peers)],
                private_hosted_zone_name=zone.name if zone else None,
                record_names=zone.records if zone else None,
                service_availability_zone_ids=service_zone_ids or config.service_availability_zone_ids,
                encryption_key=self.encryption_key,
                log_retention=self.log_retention,
                removal_policy=self.removal_policy,
            ),
        )
        self.client_hostname = self._client_hostname(config, provider_dns_name)
        self._outputs()

    def _client_hostname(self, config: ConsumerConfig, provider_dns_name: str | None) -> str:
        if config.private_hosted_zone is not None:
            return config.private_hosted_zone.records[0]
        if config.private_dns_enabled and provider_dns_name is not None:
            return provider_dns_name
        return self.endpoint.dns_name

    def _outputs(self) -> None:
        endpoint = self.endpoint
        outputs = {
            "EndpointId": (
                endpoint.endpoint_id,
                "Give this to the provider: it accepts or allowlists this endpoint",
            ),
            "DnsName": (endpoint.dns_name, "The endpoint's regional DNS name"),
            "ClientHostname": (self.client_hostname, "The hostname clients connect to"),
            "Ports": (",".join(map(str, endpoint.ports)), "The service's TCP ports"),
            "SecurityGroupId": (endpoint.security_group.security_group_id, "The endpoint's security group"),
        }
        if endpoint.hosted_zone is not None:
            outputs["HostedZoneId"] = (
                endpoint.hosted_zone.hosted_zone_id,
                "The private hosted zone with the service's names",
            )
        if endpoint.probe is not None:
            outputs["ProbeFunction"] = (
                endpoint.probe.function.function_name,
                "The endpoint probe: privatelink-cdk doctor --probe invokes it",
            )
        for output_id, (value, description) in outputs.items():
            CfnOutput(self, output_id, value=value, description=description)

    def _peer(self, index: int, peer: PeerConfig) -> ec2.IPeer:
        if peer.cidr is not None:
            return ec2.Peer.ipv6(peer.cidr) if ":" in peer.cidr else ec2.Peer.ipv4(peer.cidr)
        if peer.security_group_id is not None:
            return ec2.SecurityGroup.from_security_group_id(
                self, f"Peer{index}", peer.security_group_id, allow_all_outbound=False, mutable=False
            )
        assert peer.prefix_list_id is not None
        return ec2.Peer.prefix_list(peer.prefix_list_id)
