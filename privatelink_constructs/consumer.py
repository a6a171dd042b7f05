"""ConsumerInterfaceEndpoint: connect a VPC to a provider's endpoint service, closed by default."""

from __future__ import annotations

from collections.abc import Sequence

import jsii
from aws_cdk import Fn, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from constructs import Construct

from ._network import closed_security_group, one_private_subnet_per_az
from ._validation import (
    dns_name_problem,
    domain_contains,
    port_problems,
    raise_if_problems,
    region_problem,
    service_name_problem,
)

__all__ = ["ConsumerInterfaceEndpoint"]

_IP_ADDRESS_TYPES = {
    "ipv4": ec2.VpcEndpointIpAddressType.IPV4,
    "dualstack": ec2.VpcEndpointIpAddressType.DUALSTACK,
    "ipv6": ec2.VpcEndpointIpAddressType.IPV6,
}
_DNS_RECORD_IP_TYPES = {
    "ipv4": ec2.VpcEndpointDnsRecordIpType.IPV4,
    "dualstack": ec2.VpcEndpointDnsRecordIpType.DUALSTACK,
    "ipv6": ec2.VpcEndpointDnsRecordIpType.IPV6,
    "service-defined": ec2.VpcEndpointDnsRecordIpType.SERVICE_DEFINED,
}
_OPEN_TO_ALL = ("0.0.0.0/0", "::/0")


@jsii.implements(ec2.IConnectable)
class ConsumerInterfaceEndpoint(Construct):
    """An interface VPC endpoint to a provider's service, with its own closed security group.

    The endpoint's security group has no inbound rule until you name peers in ``allowed_peers``
    (or call ``connections.allow_from``): unlike ``ec2.InterfaceVpcEndpoint``'s default, it is not
    opened to the whole VPC. It needs no outbound rule, and has none.

    Clients reach the service through ``dns_name`` (the endpoint's regional DNS name), through
    the provider's private DNS name when ``private_dns_enabled`` is True, or through names of your
    own in a private hosted zone (``private_hosted_zone_name`` + ``record_names``), which lets a
    client use the provider's hostname so that its TLS certificate matches.
    """

    endpoint: ec2.InterfaceVpcEndpoint
    """The interface VPC endpoint."""
    endpoint_id: str
    """The endpoint's ID (``vpce-...``): what providers ask their consumers for."""
    security_group: ec2.SecurityGroup
    """The endpoint's security group."""
    dns_entries: list[str]
    """The endpoint's DNS entries, each ``<hosted zone ID>:<DNS name>``, the regional one first."""
    dns_name: str
    """The endpoint's regional DNS name (``vpce-...vpce-svc-....<region>.vpce.amazonaws.com``)."""
    hosted_zone: route53.PrivateHostedZone | None
    """The private hosted zone, when ``private_hosted_zone_name`` is given."""

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
        private_dns_enabled: bool = False,
        private_hosted_zone_name: str | None = None,
        record_names: Sequence[str] = (),
        service_region: str | None = None,
        ip_address_type: str | None = None,
        dns_record_ip_type: str | None = None,
        lookup_supported_azs: bool = False,
    ) -> None:
        """Create the endpoint, its security group and, optionally, a private hosted zone.

        :param vpc: The consumer VPC.
        :param service_name: The provider's service name,
            ``com.amazonaws.vpce.<region>.vpce-svc-<17 hex digits>``, or a token (for example the
            provider stack's output in the same app).
        :param ports: The TCP ports the provider listens on; each is opened to every allowed peer.
        :param subnets: Where the endpoint's network interfaces go, at most one per AZ. Defaults
            to one private or isolated subnet per AZ. The provider's service must be offered in
            those AZs, or the deploy fails; see ``lookup_supported_azs``.
        :param allowed_peers: Who may connect: CIDRs (``ec2.Peer.ipv4``), security groups,
            prefix lists. Defaults to nobody. ``0.0.0.0/0`` and ``::/0`` are refused.
        :param private_dns_enabled: Resolve the provider's private DNS name to this endpoint in
            the VPC. Defaults to False. The provider must have set a private DNS name and AWS must
            have verified its domain first; otherwise CloudFormation fails the endpoint with
            "Private DNS can't be enabled because the service ... does not provide a private DNS
            name" (or "... is not verified").
        :param private_hosted_zone_name: Create a private hosted zone of this name in the VPC,
            for ``record_names``. Defaults to none.
        :param record_names: Names in that zone (``db.example.com``) that become alias records
            to the endpoint's regional DNS name (A, and AAAA for IPv6 DNS records).
        :param service_region: The provider's region, for a cross-region endpoint. Defaults to
            this stack's region.
        :param ip_address_type: ``ipv4``, ``dualstack`` or ``ipv6``. Defaults to the EC2 default
            (IPv4).
        :param dns_record_ip_type: ``ipv4``, ``dualstack``, ``ipv6`` or ``service-defined``.
            Defaults to the EC2 default. IPv6 records need a dualstack or IPv6 endpoint.
        :param lookup_supported_azs: Look up the AZs the service is offered in and use only those.
            Defaults to off: it needs an account, a region and AWS credentials at synth time.
        """
        super().__init__(scope, construct_id)
        raise_if_problems(
            self,
            _argument_problems(
                service_name=service_name,
                ports=ports,
                allowed_peers=allowed_peers,
                private_hosted_zone_name=private_hosted_zone_name,
                record_names=record_names,
                service_region=service_region,
                ip_address_type=ip_address_type,
                dns_record_ip_type=dns_record_ip_type,
            ),
        )
        self.security_group = closed_security_group(
            self, vpc, description="privatelink-cdk interface endpoint: ingress from named peers only"
        )
        for peer in allowed_peers:
            for port in ports:
                self.security_group.add_ingress_rule(peer, ec2.Port.tcp(port), f"To the service on {port}")

        self.endpoint = ec2.InterfaceVpcEndpoint(
            self,
            "Endpoint",
            vpc=vpc,
            service=ec2.InterfaceVpcEndpointService(service_name),
            subnets=subnets or one_private_subnet_per_az(vpc),
            security_groups=[self.security_group],
            open=False,
            private_dns_enabled=private_dns_enabled,
            lookup_supported_azs=lookup_supported_azs,
            service_region=service_region,
            ip_address_type=_IP_ADDRESS_TYPES[ip_address_type] if ip_address_type else None,
            dns_record_ip_type=_DNS_RECORD_IP_TYPES[dns_record_ip_type] if dns_record_ip_type else None,
        )
        self.endpoint_id = self.endpoint.vpc_endpoint_id
        self.dns_entries = self.endpoint.vpc_endpoint_dns_entries
        self.dns_name = Fn.select(1, Fn.split(":", Fn.select(0, self.dns_entries)))

        self.hosted_zone = None
        if private_hosted_zone_name is not None:
            self.hosted_zone = route53.PrivateHostedZone(
                self, "Zone", zone_name=private_hosted_zone_name, vpc=vpc
            )
            target = route53.RecordTarget.from_alias(
                route53_targets.InterfaceVpcEndpointTarget(self.endpoint)
            )
            with_ipv6 = dns_record_ip_type in ("dualstack", "ipv6")
            for index, name in enumerate(record_names):
                fqdn = name.rstrip(".") + "."
                route53.ARecord(
                    self, f"Record{index}", zone=self.hosted_zone, record_name=fqdn, target=target
                )
                if with_ipv6:
                    route53.AaaaRecord(
                        self, f"Record{index}Ipv6", zone=self.hosted_zone, record_name=fqdn, target=target
                    )

    @property
    def connections(self) -> ec2.Connections:
        """The endpoint's security group: ``connections.allow_from(peer, port)`` lets a client in."""
        return self.endpoint.connections


def _argument_problems(
    *,
    service_name: str,
    ports: Sequence[int],
    allowed_peers: Sequence[ec2.IPeer],
    private_hosted_zone_name: str | None,
    record_names: Sequence[str],
    service_region: str | None,
    ip_address_type: str | None,
    dns_record_ip_type: str | None,
) -> list[str]:
    problems: list[str] = []
    problem = service_name_problem("service_name", service_name)
    if problem:
        problems.append(problem)
    problems += port_problems("ports", ports, maximum=None)
    for index, peer in enumerate(allowed_peers):
        if peer.unique_id in _OPEN_TO_ALL:
            problems.append(
                f"allowed_peers[{index}]: {peer.unique_id} would open the endpoint to every address; "
                "name your clients' CIDRs, security groups or prefix lists"
            )
    if service_region is not None:
        problem = region_problem("service_region", service_region)
        if problem:
            problems.append(problem)
        elif not Token.is_unresolved(service_name) and not service_name_problem("", service_name):
            named_region = service_name.split(".")[3]
            if named_region != service_region:
                problems.append(
                    f"service_region: {service_region!r} does not match the region in service_name "
                    f"({named_region!r})"
                )
    if ip_address_type is not None and ip_address_type not in _IP_ADDRESS_TYPES:
        problems.append(
            f"ip_address_type: {ip_address_type!r} is not allowed; expected one of {list(_IP_ADDRESS_TYPES)}"
        )
    if dns_record_ip_type is not None and dns_record_ip_type not in _DNS_RECORD_IP_TYPES:
        problems.append(
            f"dns_record_ip_type: {dns_record_ip_type!r} is not allowed; "
            f"expected one of {list(_DNS_RECORD_IP_TYPES)}"
        )
    if dns_record_ip_type in ("ipv6", "dualstack") and ip_address_type in (None, "ipv4"):
        problems.append(
            f"dns_record_ip_type: {dns_record_ip_type!r} records need an endpoint with IPv6 addresses; "
            f"set ip_address_type to 'dualstack' or 'ipv6' (got {ip_address_type or 'the IPv4 default'})"
        )
    if private_hosted_zone_name is None:
        if record_names:
            problems.append("record_names: given without private_hosted_zone_name; set both or neither")
    else:
        problem = dns_name_problem("private_hosted_zone_name", private_hosted_zone_name)
        if problem:
            problems.append(problem)
        if not record_names:
            problems.append(
                "record_names: a private hosted zone needs at least one record name, like "
                f"'db.{private_hosted_zone_name}'"
            )
        for index, name in enumerate(record_names):
            problem = dns_name_problem(f"record_names[{index}]", name)
            if problem:
                problems.append(problem)
            elif not domain_contains(private_hosted_zone_name, name):
                problems.append(
                    f"record_names[{index}]: {name!r} is not in the zone {private_hosted_zone_name!r}"
                )
    return problems
