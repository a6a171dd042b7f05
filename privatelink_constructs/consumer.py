"""ConsumerInterfaceEndpoint: connect a VPC to a provider's endpoint service, closed by default."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import jsii
from aws_cdk import Annotations, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from constructs import Construct

from ._defaults import DEFAULT_LOG_RETENTION
from ._network import closed_security_group, one_private_subnet_per_az, selected
from .rules import (
    ENDPOINT_DNS_RECORD_IP_TYPES,
    ENDPOINT_IP_ADDRESS_TYPES,
    SECURITY_GROUP_RULES_QUOTA,
    Problem,
    check_endpoint_ip_types,
    check_peers,
    check_ports,
    check_private_zone,
    check_region_partitions,
    check_rule_quota,
    check_security_group_rules,
    check_service_name,
    check_service_region,
    check_zone_ids,
    check_zone_overlap,
    endpoint_enum,
    partition_of,
    peer_families,
    raise_if_problems,
)
from .template_size import enforce_template_size_limit
from .zones import region_of_zone_id, zone_ids_of

if TYPE_CHECKING:
    from .endpoint_probe.construct import EndpointProbe

__all__ = ["ConsumerInterfaceEndpoint", "record_construct_id"]

METRICS_NAMESPACE = "AWS/PrivateLinkEndpoints"
"""Where AWS PrivateLink publishes an interface endpoint's metrics."""

_WITH_IPV6_RECORDS = (ec2.VpcEndpointDnsRecordIpType.DUALSTACK, ec2.VpcEndpointDnsRecordIpType.IPV6)


@jsii.implements(ec2.IConnectable)
class ConsumerInterfaceEndpoint(Construct):
    """An interface VPC endpoint to a provider's service, with its own closed security group.

    The endpoint's security group has no inbound rule until you name peers in ``allowed_peers``
    (or call ``add_allowed_peers`` or ``connections.allow_from``): unlike
    ``ec2.InterfaceVpcEndpoint``'s default, it is not opened to the whole VPC. It needs no
    outbound rule, and has none.

    Clients reach the service through ``dns_name`` (the endpoint's regional DNS name), through
    the provider's private DNS name when ``private_dns_enabled`` is True, or through names of your
    own in a private hosted zone (``private_hosted_zone_name`` + ``record_names``), which lets a
    client use the provider's hostname so that its TLS certificate matches.

    With ``probe=True`` an ``EndpointProbe`` runs beside the endpoint, in its subnets, for
    ``privatelink-cdk doctor --probe``: it resolves the endpoint's names and opens TCP to every
    port from inside the VPC, which no API call can show.
    """

    endpoint: ec2.InterfaceVpcEndpoint
    """The interface VPC endpoint."""
    endpoint_id: str
    """The endpoint's ID (``vpce-...``): what providers ask their consumers for."""
    security_group: ec2.SecurityGroup
    """The endpoint's security group."""
    ports: tuple[int, ...]
    """The provider's TCP ports, each open to every allowed peer."""
    service_name: str
    """The provider's service name this endpoint connects to."""
    dns_entries: list[str]
    """The endpoint's DNS entries, each ``<hosted zone ID>:<DNS name>``, the regional one first."""
    dns_name: str
    """The endpoint's regional DNS name (``vpce-...vpce-svc-....<region>.vpce.amazonaws.com``)."""
    hosted_zone: route53.PrivateHostedZone | None
    """The private hosted zone, when ``private_hosted_zone_name`` is given."""
    record_names: tuple[str, ...]
    """The names in the private hosted zone that lead to the endpoint."""
    probe: EndpointProbe | None
    """The endpoint probe, when ``probe`` is True (its ``function`` is what the doctor invokes)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        service_name: str,
        ports: Sequence[int],
        subnets: ec2.SubnetSelection | None = None,
        allowed_peers: Sequence[ec2.IPeer] = (),
        allow_broad_cidrs: bool = False,
        security_group_rule_quota: int = SECURITY_GROUP_RULES_QUOTA,
        private_dns_enabled: bool = False,
        private_hosted_zone_name: str | None = None,
        record_names: Sequence[str] = (),
        service_region: str | None = None,
        ip_address_type: ec2.VpcEndpointIpAddressType | str | None = None,
        dns_record_ip_type: ec2.VpcEndpointDnsRecordIpType | str | None = None,
        lookup_supported_azs: bool = False,
        service_availability_zone_ids: Sequence[str] = (),
        probe: bool = False,
        encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = DEFAULT_LOG_RETENTION,
        removal_policy: RemovalPolicy | None = None,
    ) -> None:
        """Create the endpoint, its security group and, optionally, a private hosted zone and a probe.

        :param vpc: The consumer VPC.
        :param service_name: The provider's service name,
            ``com.amazonaws.vpce.<region>.vpce-svc-<17 hex digits>`` (``cn.com.amazonaws.vpce...``
            in China), or a token (for example the provider stack's output in the same app).
        :param ports: The TCP ports the provider listens on; each is opened to every allowed peer.
            With one port, it is also ``connections``' default port.
        :param subnets: Where the endpoint's network interfaces go, at most one per AZ. Defaults
            to one private or isolated subnet per AZ. The provider's service must be offered in
            those AZs, or the deploy fails; see ``lookup_supported_azs``.
        :param allowed_peers: Who may connect: CIDRs (``ec2.Peer.ipv4``), security groups,
            prefix lists. Defaults to nobody. A CIDR peer must be canonical (``10.20.8.0/22``,
            not ``10.20.8.1/22``); ``0.0.0.0/0`` and ``::/0`` (however written) are refused, and
            so are prefixes shorter than /8 (IPv4) or /16 (IPv6) unless ``allow_broad_cidrs``.
        :param allow_broad_cidrs: Accept CIDR peers shorter than /8 (IPv4) or /16 (IPv6), nearly
            every address. Defaults to False.
        :param security_group_rule_quota: Your account's VPC quota of inbound rules per security
            group (per IP version). Every peer on every port is one rule (a security group or
            prefix list counts in both IP versions, a prefix list once, whatever its size);
            more would fail the deploy. Defaults to AWS's default, 60.
        :param private_dns_enabled: Resolve the provider's private DNS name to this endpoint in
            the VPC. Defaults to False. The provider must have set a private DNS name and AWS must
            have verified its domain first; otherwise CloudFormation fails the endpoint with
            "Private DNS can't be enabled because the service ... does not provide a private DNS
            name" (or "... is not verified").
        :param private_hosted_zone_name: Create a private hosted zone of this name in the VPC,
            for ``record_names``. Defaults to none.
        :param record_names: Names in that zone (``db.example.com``) that become alias records
            to the endpoint's regional DNS name (A, and AAAA for IPv6 DNS records). Each record's
            logical ID follows its name, so reordering the list changes nothing.
        :param service_region: The provider's region, for a cross-region endpoint. Defaults to
            this stack's region.
        :param ip_address_type: ``VpcEndpointIpAddressType.IPV4``, ``DUALSTACK`` or ``IPV6`` (or
            their names ``ipv4``, ``dualstack``, ``ipv6``). Defaults to the EC2 default (IPv4).
        :param dns_record_ip_type: ``VpcEndpointDnsRecordIpType.IPV4``, ``DUALSTACK``, ``IPV6`` or
            ``SERVICE_DEFINED`` (or ``ipv4``, ``dualstack``, ``ipv6``, ``service-defined``).
            Defaults to the EC2 default. IPv6 records need a dualstack or IPv6 endpoint.
        :param lookup_supported_azs: Look up the AZs the service is offered in and use only those.
            Defaults to off: it needs an account, a region and AWS credentials at synth time.
        :param service_availability_zone_ids: The zone IDs the provider's service is in (what the
            provider publishes, like ``["use1-az1", "use1-az4"]``). With a VPC built from zone IDs
            (see ``zones``), the endpoint goes only into shared zones: none shared is an error,
            zones of yours left out get a warning. A cross-region endpoint is not matched (its
            zones are in another region). Defaults to none: every selected subnet.
        :param probe: Deploy an ``EndpointProbe`` (a small Lambda, invoked only by
            ``privatelink-cdk doctor --probe`` or by hand) in the endpoint's subnets. It knows the
            endpoint's regional DNS name, the private hosted zone's record names and the ports;
            the endpoint's security group admits it on every port. Defaults to False: no probe.
        :param encryption_key: KMS key for the probe's log group (one key per stack is enough).
            Defaults to a new key, made only for a probe.
        :param log_retention: How long the probe's logs are kept. Defaults to three months.
        :param removal_policy: What happens to the probe's log group and the KMS key it creates
            when they leave the stack. Defaults to deleting the log group and keeping the key.
        """
        super().__init__(scope, construct_id)
        self.ports = tuple(ports)
        self._allow_broad_cidrs = allow_broad_cidrs
        self._rule_quota = security_group_rule_quota
        self._peers: dict[str, tuple[str, ...]] = {}
        raise_if_problems(
            self,
            [
                *check_service_name(service_name),
                *check_ports(ports, maximum=None),
                *self._peer_problems(allowed_peers),
                *(check_service_region(service_name, service_region) if service_region is not None else []),
                *check_region_partitions(
                    [service_region] if service_region is not None else [],
                    partition=partition_of(Stack.of(self).region),
                    argument="service_region",
                    listed=False,
                ),
                *check_endpoint_ip_types(ip_address_type, dns_record_ip_type),
                *check_private_zone(private_hosted_zone_name, record_names),
                *check_zone_ids(service_availability_zone_ids, argument="service_availability_zone_ids"),
            ],
        )
        self.service_name = service_name
        self.record_names = tuple(record_names)
        address_type = endpoint_enum(ip_address_type, ENDPOINT_IP_ADDRESS_TYPES)
        record_type = endpoint_enum(dns_record_ip_type, ENDPOINT_DNS_RECORD_IP_TYPES)

        self.security_group = closed_security_group(
            self, vpc, description="privatelink-cdk interface endpoint: ingress from named peers only"
        )
        self._connections = ec2.Connections(
            security_groups=[self.security_group],
            default_port=ec2.Port.tcp(self.ports[0]) if len(self.ports) == 1 else None,
        )
        self.add_allowed_peers(*allowed_peers)
        endpoint_subnets = self._shared_zones(
            vpc, subnets or one_private_subnet_per_az(vpc), service_availability_zone_ids
        )
        self._add_endpoint(
            vpc,
            subnets=endpoint_subnets,
            private_dns_enabled=private_dns_enabled,
            lookup_supported_azs=lookup_supported_azs,
            service_region=service_region,
            ip_address_type=address_type,
            dns_record_ip_type=record_type,
        )
        self.hosted_zone = None
        if private_hosted_zone_name is not None:
            self._add_hosted_zone(vpc, private_hosted_zone_name, with_ipv6=record_type in _WITH_IPV6_RECORDS)
        self.probe = None
        if probe:
            from .endpoint_probe.construct import EndpointProbe  # noqa: PLC0415 - only a probe needs it

            self.probe = EndpointProbe(
                self,
                "Probe",
                vpc=vpc,
                ports=self.ports,
                endpoint=self,
                subnets=endpoint_subnets,
                names=[self.dns_name, *self.record_names],
                encryption_key=encryption_key,
                log_retention=log_retention,
                removal_policy=removal_policy,
            )
        enforce_template_size_limit(self)

    @property
    def connections(self) -> ec2.Connections:
        """The endpoint's security group: ``connections.allow_from(peer, port)`` lets a client in.

        Its default port is the service's port when there is one port, and none with several:
        use ``add_allowed_peers`` to open every port to a client.
        """
        return self._connections

    def add_allowed_peers(self, *peers: ec2.IPeer) -> None:
        """Let more clients reach every port of the service.

        CIDR peers are checked as ``allowed_peers`` are (canonical, never every address), and
        the security group's inbound rules, all peers so far on every port, must fit the quota.
        """
        raise_if_problems(self, self._peer_problems(peers))
        self._peers.update((peer.unique_id, peer_families(peer)) for peer in peers)
        for peer in peers:
            for port in self.ports:
                self.security_group.add_ingress_rule(peer, ec2.Port.tcp(port), f"To the service on {port}")

    def _peer_problems(self, peers: Sequence[ec2.IPeer]) -> list[Problem]:
        """CIDR peers as ``check_peers`` says; every peer on every port within the rule quota."""
        problems = check_peers(peers, argument="allowed_peers", allow_broad=self._allow_broad_cidrs)
        quota_problems = check_rule_quota(self._rule_quota)
        if quota_problems:
            return problems + quota_problems
        known = {**self._peers, **{peer.unique_id: peer_families(peer) for peer in peers}}
        return problems + check_security_group_rules(
            list(known.values()),
            ports=len(set(self.ports)),
            direction="inbound",
            argument="allowed_peers",
            group="the endpoint's security group",
            noun="peers",
            quota=self._rule_quota,
        )

    def metric(
        self,
        metric_name: str,
        *,
        statistic: str | None = None,
        period: Duration | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """A metric AWS PrivateLink publishes for this endpoint (``AWS/PrivateLinkEndpoints``).

        Defaults to the average over 5 minutes, as ``cloudwatch.Metric`` does. AWS publishes no
        endpoint metrics for cross-region endpoints.
        """
        return cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=metric_name,
            dimensions_map={
                "Endpoint Type": "Interface",
                "Service Name": self.service_name,
                "VPC Endpoint Id": self.endpoint_id,
                "VPC Id": self._vpc_id,
            },
            statistic=statistic,
            period=period,
            label=label,
        )

    def metric_active_connections(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Concurrent connections through this endpoint: maximum per period."""
        return self.metric("ActiveConnections", statistic="Maximum", period=period)

    def metric_new_connections(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Connections opened through this endpoint: sum per period."""
        return self.metric("NewConnections", statistic="Sum", period=period)

    def metric_bytes_processed(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Bytes exchanged with the service, both directions (what AWS bills): sum per period."""
        return self.metric("BytesProcessed", statistic="Sum", period=period)

    def metric_packets_dropped(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Packets the endpoint dropped (malformed, or over its limits): sum per period."""
        return self.metric("PacketsDropped", statistic="Sum", period=period)

    def metric_rst_packets_received(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Resets the service sent back (no healthy target, for instance): sum per period."""
        return self.metric("RstPacketsReceived", statistic="Sum", period=period)

    def _add_endpoint(
        self,
        vpc: ec2.IVpc,
        *,
        subnets: ec2.SubnetSelection,
        private_dns_enabled: bool,
        lookup_supported_azs: bool,
        service_region: str | None,
        ip_address_type: ec2.VpcEndpointIpAddressType | None,
        dns_record_ip_type: ec2.VpcEndpointDnsRecordIpType | None,
    ) -> None:
        self.endpoint = ec2.InterfaceVpcEndpoint(
            self,
            "Endpoint",
            vpc=vpc,
            service=ec2.InterfaceVpcEndpointService(self.service_name, port=self.ports[0]),
            subnets=subnets,
            security_groups=[self.security_group],
            open=False,
            private_dns_enabled=private_dns_enabled,
            lookup_supported_azs=lookup_supported_azs,
            service_region=service_region,
            ip_address_type=ip_address_type,
            dns_record_ip_type=dns_record_ip_type,
        )
        self._vpc_id = vpc.vpc_id
        self.endpoint_id = self.endpoint.vpc_endpoint_id
        self.dns_entries = self.endpoint.vpc_endpoint_dns_entries
        self.dns_name = Fn.select(1, Fn.split(":", Fn.select(0, self.dns_entries)))

    def _shared_zones(
        self, vpc: ec2.IVpc, selection: ec2.SubnetSelection, service_zone_ids: Sequence[str]
    ) -> ec2.SubnetSelection:
        """The selected subnets in zones the service is in too (see ``service_availability_zone_ids``)."""
        if not service_zone_ids:
            return selection
        subnets = selected(vpc, selection).subnets
        own = zone_ids_of(subnets)
        if own is None:
            Annotations.of(self).add_warning_v2(
                "privatelink-cdk:zonesUnknown",
                "The endpoint's subnets carry zone names, not zone IDs, so they cannot be matched with "
                f"the service's zones {list(service_zone_ids)} at synth; check them, or build the VPC "
                "from zone IDs.",
            )
            return selection
        if {region_of_zone_id(z) for z in own} != {region_of_zone_id(z) for z in service_zone_ids}:
            Annotations.of(self).add_info(
                f"The service's zones {list(service_zone_ids)} are in another region than the endpoint's "
                f"{list(own)}: a cross-region endpoint is not matched by zone."
            )
            return selection
        raise_if_problems(
            self,
            check_zone_overlap(
                own,
                service_zone_ids,
                argument="subnets",
                service_argument="service_availability_zone_ids",
            ),
        )
        left_out = sorted(set(own) - set(service_zone_ids))
        if left_out:
            Annotations.of(self).add_warning_v2(
                "privatelink-cdk:zonesLeftOut",
                f"No endpoint in {left_out}: the service is not in those zones (it is in "
                f"{sorted(service_zone_ids)}). Clients there reach the endpoint in another zone.",
            )
        return ec2.SubnetSelection(subnets=[s for s in subnets if s.availability_zone in service_zone_ids])

    def _add_hosted_zone(self, vpc: ec2.IVpc, zone_name: str, *, with_ipv6: bool) -> None:
        """A private hosted zone in the VPC with alias records to the endpoint, one per name."""
        self.hosted_zone = route53.PrivateHostedZone(self, "Zone", zone_name=zone_name, vpc=vpc)
        target = route53.RecordTarget.from_alias(route53_targets.InterfaceVpcEndpointTarget(self.endpoint))
        for name in self.record_names:
            fqdn = name.removesuffix(".") + "."
            record_id = record_construct_id(name)
            route53.ARecord(self, record_id, zone=self.hosted_zone, record_name=fqdn, target=target)
            if with_ipv6:
                route53.AaaaRecord(
                    self, f"{record_id}Ipv6", zone=self.hosted_zone, record_name=fqdn, target=target
                )


def record_construct_id(name: str) -> str:
    """The construct ID of a record: from its name, so that list order does not matter."""
    return f"Record-{name.removesuffix('.').lower()}"
