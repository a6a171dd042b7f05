"""Checks of the consumer side: the endpoint, its zones, security group, NACLs and DNS."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from privatelink_constructs.cli.facts import (
    ConsumerFacts,
    Endpoint,
    HostedZone,
    NetworkAcl,
    Record,
    SecurityGroup,
    Unknown,
    known,
)
from privatelink_constructs.cli.model import Check, failed, passed, warned
from privatelink_constructs.cli.netrules import (
    EPHEMERAL_PORTS,
    LINUX_EPHEMERAL_PORTS,
    AclVerdict,
    acl_verdict,
    security_groups_admit,
    tcp_ports_opened,
)

from .common import (
    Context,
    aws_command,
    consumer_ports,
    endpoint_state,
    how_long,
    provider_ports,
    service_zone_ids,
)

__all__ = [
    "check_availability_zones",
    "check_dns_entries",
    "check_endpoint",
    "check_network_acls",
    "check_private_dns",
    "check_security_group",
    "check_vpc_dns",
]

_OPEN_TO_ALL = ("0.0.0.0/0", "::/0")
_VPC_DNS_OPTIONS = {
    "enableDnsSupport": "--enable-dns-support",
    "enableDnsHostnames": "--enable-dns-hostnames",
}
_GRANT = "grant the consumer's credentials read access ({action}), or choose them with --consumer-profile"


def _unknown(check_id: str, what: str, unknown: Unknown, action: str) -> Check:
    return warned(
        check_id, "consumer", f"could not read {what}: {unknown.reason}", _GRANT.format(action=action)
    )


def _endpoint(ctx: Context) -> tuple[ConsumerFacts, Endpoint] | None:
    consumer = ctx.consumer
    if consumer is None:
        return None
    endpoint = known(consumer.endpoint)
    return (consumer, endpoint) if endpoint is not None else None


def _ports(ctx: Context) -> tuple[int, ...]:
    return provider_ports(ctx) or consumer_ports(ctx)


def check_endpoint(ctx: Context) -> Check | None:
    """The endpoint exists and is available; pendingAcceptance, rejected or failed say how long."""
    consumer = ctx.consumer
    if consumer is None:
        return None
    if isinstance(consumer.endpoint, Unknown):
        return _unknown("consumer.endpoint", "the endpoint", consumer.endpoint, "ec2:DescribeVpcEndpoints")
    if consumer.endpoint is None:
        return failed(
            "consumer.endpoint",
            "consumer",
            f"endpoint {consumer.endpoint_id} not found in account {consumer.account or '?'}, region "
            f"{consumer.region}",
            "check --endpoint-id, --consumer-region and --consumer-profile, or deploy the consumer "
            "(cdk deploy ConsumerStack)",
        )
    if consumer.endpoint.endpoint_type.lower() != "interface":
        return failed(
            "consumer.endpoint",
            "consumer",
            f"{consumer.endpoint.endpoint_id} is a {consumer.endpoint.endpoint_type} endpoint, not an "
            "interface endpoint",
            "create an interface endpoint (ConsumerInterfaceEndpoint does)",
        )
    judge = _ENDPOINT_STATES.get(endpoint_state(consumer.endpoint.state), _endpoint_other)
    return judge(ctx, consumer.endpoint)


def _age(ctx: Context, endpoint: Endpoint) -> str:
    return how_long(endpoint.created, ctx.now)


def _last_error(endpoint: Endpoint) -> str:
    return f": {endpoint.last_error}" if endpoint.last_error else ""


def _endpoint_available(_: Context, endpoint: Endpoint) -> Check:
    return passed("consumer.endpoint", "consumer", f"{endpoint.endpoint_id} is available")


def _endpoint_pending_acceptance(ctx: Context, endpoint: Endpoint) -> Check:
    return failed(
        "consumer.endpoint",
        "consumer",
        f"{endpoint.endpoint_id} has waited {_age(ctx, endpoint)} for the provider to accept it "
        "(pendingAcceptance)",
        _accept_fix(ctx, endpoint),
    )


def _endpoint_pending(ctx: Context, endpoint: Endpoint) -> Check:
    return warned(
        "consumer.endpoint",
        "consumer",
        f"{endpoint.endpoint_id} is still being created ({_age(ctx, endpoint)})",
        "wait a minute, then run the doctor again",
    )


def _endpoint_refused(ctx: Context, endpoint: Endpoint) -> Check:
    state = endpoint_state(endpoint.state)
    return failed(
        "consumer.endpoint",
        "consumer",
        f"{endpoint.endpoint_id} was {state} by the provider ({_age(ctx, endpoint)} since it was created)"
        f"{_last_error(endpoint)}",
        "a rejected or expired request cannot be accepted later: once the provider agrees, delete and "
        "recreate the endpoint (cdk destroy ConsumerStack, then cdk deploy ConsumerStack)",
    )


def _endpoint_failed(ctx: Context, endpoint: Endpoint) -> Check:
    return failed(
        "consumer.endpoint",
        "consumer",
        f"{endpoint.endpoint_id} failed ({_age(ctx, endpoint)} since it was created){_last_error(endpoint)}",
        "fix the cause above (often: subnets in zones the service is not offered in, see "
        "consumer.availability-zones), then recreate the endpoint (cdk deploy ConsumerStack)",
    )


def _endpoint_other(_: Context, endpoint: Endpoint) -> Check:
    return failed(
        "consumer.endpoint",
        "consumer",
        f"{endpoint.endpoint_id} is {endpoint.state}{_last_error(endpoint)}",
        "recreate the endpoint (cdk deploy ConsumerStack)",
    )


_ENDPOINT_STATES: dict[str, Callable[[Context, Endpoint], Check]] = {
    "available": _endpoint_available,
    "pendingacceptance": _endpoint_pending_acceptance,
    "pending": _endpoint_pending,
    "rejected": _endpoint_refused,
    "expired": _endpoint_refused,
    "failed": _endpoint_failed,
}
"""How each endpoint state (in ``endpoint_state``'s spelling) is judged; any other is broken."""


def _accept_fix(ctx: Context, endpoint: Endpoint) -> str:
    provider = ctx.provider
    # A service name ends with the service ID: com.amazonaws.vpce.<region>.vpce-svc-...
    service_id = provider.service_id if provider is not None else endpoint.service_name.rsplit(".", 1)[-1]
    region = provider.region if provider is not None else endpoint.service_region or ctx.consumer_region
    accept = aws_command(
        f"ec2 accept-vpc-endpoint-connections --service-id {service_id} --vpc-endpoint-ids "
        f"{endpoint.endpoint_id}",
        region=region,
        profile=provider.profile if provider is not None else None,
    )
    again = (
        "rerun with --fix"
        if provider is not None
        else "rerun with --fix and the provider's side (--service-id)"
    )
    fix = f"the provider accepts it: {again}, or (provider account) {accept}"
    owner = endpoint.owner or ctx.consumer_account
    if provider is not None and owner and owner not in provider.auto_accept_accounts:
        fix += (
            f"; to accept this account automatically from now on, add '{owner}' to "
            "provider.auto_accept_principals"
        )
    return fix


def check_availability_zones(ctx: Context) -> Check | None:
    """The endpoint's subnets are in zones (by zone ID) where the service is offered."""
    found = _endpoint(ctx)
    if found is None:
        return None
    consumer, endpoint = found
    if endpoint.service_region and endpoint.service_region != consumer.region:
        return passed(
            "consumer.availability-zones",
            "consumer",
            f"cross-region endpoint to {endpoint.service_region}: AWS serves it from the service's zones",
        )
    if isinstance(consumer.subnets, Unknown):
        return _unknown(
            "consumer.availability-zones", "the endpoint's subnets", consumer.subnets, "ec2:DescribeSubnets"
        )
    zone_ids = known(consumer.zone_ids) or {}
    subnet_zones = {
        subnet.subnet_id: subnet.availability_zone_id or zone_ids.get(subnet.availability_zone, "")
        for subnet in consumer.subnets
        if subnet.subnet_id in endpoint.subnet_ids
    }
    return _judge_zones(subnet_zones, service_zone_ids(ctx))


def _judge_zones(subnet_zones: dict[str, str], offered: tuple[str, ...] | None) -> Check:
    """The endpoint's zones (subnet -> zone ID) against the service's (None: unknown)."""
    if offered is None:
        return warned(
            "consumer.availability-zones",
            "consumer",
            f"the endpoint is in {', '.join(sorted(set(subnet_zones.values())))}; the service's zone IDs are "
            "unknown",
            "run the doctor with the provider too (--provider-stack or --service-id), or ask the provider "
            "for "
            "its zone IDs (privatelink-cdk handoff)",
        )
    outside = sorted(f"{subnet} ({zone})" for subnet, zone in subnet_zones.items() if zone not in offered)
    if outside:
        return failed(
            "consumer.availability-zones",
            "consumer",
            f"endpoint subnet(s) {', '.join(outside)} are in zones the service is not offered in "
            f"(service: {', '.join(offered)})",
            "place the endpoint only in subnets of the shared zone IDs (the consumer's subnets or "
            "vpc.availability_zone_ids), or ask the provider to add an NLB subnet in those zones",
        )
    zones = sorted(set(subnet_zones.values()))
    if len(zones) < 2 and len(offered) > 1:
        return warned(
            "consumer.availability-zones",
            "consumer",
            f"the endpoint is in one zone only ({', '.join(zones) or 'none'}) of the service's "
            f"{', '.join(offered)}: a zone outage cuts the link",
            "give the endpoint a subnet in a second shared zone",
        )
    return passed(
        "consumer.availability-zones",
        "consumer",
        f"endpoint zones {', '.join(zones)} are all offered by the service ({', '.join(offered)})",
    )


def check_security_group(ctx: Context) -> Check | None:
    """The endpoint's security groups admit the clients (``--peer``) on every port."""
    found = _endpoint(ctx)
    if found is None:
        return None
    consumer, endpoint = found
    if isinstance(consumer.security_groups, Unknown):
        return _unknown(
            "consumer.security-group",
            "the endpoint's security groups",
            consumer.security_groups,
            "ec2:DescribeSecurityGroups",
        )
    ports = _ports(ctx)
    if not ports:
        return warned(
            "consumer.security-group",
            "consumer",
            "the link's ports are unknown, so the security group cannot be judged",
            "run the doctor with the provider too, or give the consumer stack a Ports output",
        )
    groups = [g for g in consumer.security_groups if g.group_id in endpoint.security_group_ids]
    return _judge_groups(groups, ", ".join(endpoint.security_group_ids), ports, consumer.peers)


def _judge_groups(
    groups: Sequence[SecurityGroup], group_ids: str, ports: tuple[int, ...], peers: Sequence[str]
) -> Check:
    """The endpoint's groups: every port open, every named peer admitted, not open to all."""
    opened = tcp_ports_opened(groups, ports)
    closed = [port for port, sources in opened.items() if not sources]
    if closed:
        return failed(
            "consumer.security-group",
            "consumer",
            f"no inbound rule of {group_ids} admits port {', '.join(map(str, closed))}: no client can "
            "connect",
            "name the clients in the consumer's allowed_peers (CIDRs, security groups or prefix lists), or "
            "endpoint.connections.allow_from(clients, port)",
        )
    missing = [
        f"{peer} on {port}"
        for peer in peers
        for port in ports
        if not security_groups_admit(groups, peer, port)
    ]
    if missing:
        return failed(
            "consumer.security-group",
            "consumer",
            f"{group_ids} does not admit {', '.join(missing)}",
            "add those peers to the consumer's allowed_peers and deploy (cdk deploy ConsumerStack)",
        )
    everyone = sorted({source for sources in opened.values() for source in sources if source in _OPEN_TO_ALL})
    if everyone:
        return warned(
            "consumer.security-group",
            "consumer",
            f"{group_ids} admits every address ({', '.join(everyone)})",
            "name the clients' CIDRs or security groups in allowed_peers instead of 0.0.0.0/0",
        )
    listing = "; ".join(f"{port} from {', '.join(sorted(set(sources)))}" for port, sources in opened.items())
    return passed("consumer.security-group", "consumer", f"open on {listing}")


def _client_cidrs(consumer: ConsumerFacts, ports: tuple[int, ...], groups_known: bool) -> list[str]:
    peers = [peer for peer in consumer.peers if not peer.startswith(("sg-", "pl-"))]
    if peers:
        return peers
    if groups_known:
        groups = known(consumer.security_groups) or ()
        cidrs = sorted(
            {c for sources in tcp_ports_opened(groups, ports).values() for c in sources if "/" in c}
        )
        if cidrs:
            return cidrs
    vpc = known(consumer.vpc) if consumer.vpc is not None else None
    return list(vpc.cidrs) if vpc is not None else []


def check_network_acls(ctx: Context) -> Check | None:
    """The endpoint subnets' NACLs admit the clients on every port, and the return traffic."""
    found = _endpoint(ctx)
    if found is None:
        return None
    consumer, endpoint = found
    if isinstance(consumer.network_acls, Unknown):
        return _unknown(
            "consumer.nacls", "the network ACLs", consumer.network_acls, "ec2:DescribeNetworkAcls"
        )
    ports = _ports(ctx)
    cidrs = _client_cidrs(consumer, ports, not isinstance(consumer.security_groups, Unknown))
    if not ports or not cidrs:
        return None
    denied: list[str] = []
    partial: list[str] = []
    for acl in consumer.network_acls:
        if any(subnet in endpoint.subnet_ids for subnet in acl.subnet_ids):
            for cidr in cidrs:
                _inbound_flows(acl, cidr, ports, denied, partial)
                _return_flow(acl, cidr, denied, partial)
    return _judge_acls(denied, partial, ports, cidrs)


def _inbound_flows(
    acl: NetworkAcl, cidr: str, ports: tuple[int, ...], denied: list[str], partial: list[str]
) -> None:
    """Adds the service ports ``acl`` blocks (or limits) inbound from ``cidr``."""
    for port in ports:
        verdict = acl_verdict(acl, egress=False, cidr=cidr, ports=(port, port))
        flow = f"{acl.acl_id} inbound TCP {port} from {cidr}"
        if verdict is AclVerdict.DENIED:
            denied.append(flow)
        elif verdict is AclVerdict.PARTIAL:
            partial.append(flow + " (in part)")


def _return_flow(acl: NetworkAcl, cidr: str, denied: list[str], partial: list[str]) -> None:
    """Adds the return traffic to ``cidr`` if ``acl`` blocks it (or allows Linux's range only)."""
    verdict = acl_verdict(acl, egress=True, cidr=cidr, ports=EPHEMERAL_PORTS)
    flow = f"{acl.acl_id} outbound TCP {EPHEMERAL_PORTS[0]}-{EPHEMERAL_PORTS[1]} to {cidr}"
    if verdict is AclVerdict.DENIED:
        denied.append(flow)
    elif verdict is AclVerdict.PARTIAL:
        linux = acl_verdict(acl, egress=True, cidr=cidr, ports=LINUX_EPHEMERAL_PORTS)
        if linux is AclVerdict.ALLOWED:
            partial.append(f"{flow}: only {LINUX_EPHEMERAL_PORTS[0]}-{LINUX_EPHEMERAL_PORTS[1]} allowed")
        else:
            denied.append(flow + " (in part)")


def _judge_acls(denied: list[str], partial: list[str], ports: tuple[int, ...], cidrs: list[str]) -> Check:
    fix = (
        "add allow rules, numbered below any deny rule, to the endpoint subnets' network ACL: inbound TCP on "
        "the "
        f"service ports from the clients, outbound TCP {EPHEMERAL_PORTS[0]}-{EPHEMERAL_PORTS[1]} to them "
        "(return traffic)"
    )
    if denied:
        return failed("consumer.nacls", "consumer", "network ACLs block " + "; ".join(denied), fix)
    if partial:
        return warned("consumer.nacls", "consumer", "network ACLs limit " + "; ".join(partial), fix)
    return passed(
        "consumer.nacls",
        "consumer",
        f"network ACLs of the endpoint subnets allow {', '.join(map(str, ports))} from {', '.join(cidrs)} "
        "and the return traffic",
    )


def check_vpc_dns(ctx: Context) -> Check | None:
    """DNS support and hostnames are on in the VPC when private DNS or a private zone is used."""
    found = _endpoint(ctx)
    if found is None:
        return None
    consumer, endpoint = found
    if not endpoint.private_dns_enabled and consumer.hosted_zone is None:
        return None
    if consumer.vpc is None:
        return None
    if isinstance(consumer.vpc, Unknown):
        return _unknown(
            "consumer.vpc-dns", "the VPC's DNS attributes", consumer.vpc, "ec2:DescribeVpcAttribute"
        )
    vpc = consumer.vpc
    off = [
        name
        for name, value in (("enableDnsSupport", vpc.dns_support), ("enableDnsHostnames", vpc.dns_hostnames))
        if value is False
    ]
    if off:
        commands = "; ".join(
            aws_command(
                f"ec2 modify-vpc-attribute --vpc-id {vpc.vpc_id} {_VPC_DNS_OPTIONS[name]} "
                + "'{\"Value\":true}'",
                region=consumer.region,
                profile=consumer.profile,
            )
            for name in off
        )
        return failed(
            "consumer.vpc-dns",
            "consumer",
            f"{' and '.join(off)} {'is' if len(off) == 1 else 'are'} off in {vpc.vpc_id}: private DNS names "
            "and private hosted zone records do not resolve there",
            commands,
        )
    return passed("consumer.vpc-dns", "consumer", f"{vpc.vpc_id} has DNS support and DNS hostnames on")


def _norm(name: str) -> str:
    return name.rstrip(".").lower()


def check_dns_entries(ctx: Context) -> Check | None:
    """The endpoint has DNS names, and the private hosted zone's records alias to them."""
    found = _endpoint(ctx)
    if found is None:
        return None
    consumer, endpoint = found
    names = {_norm(entry.dns_name) for entry in endpoint.dns_entries}
    if not names:
        return _no_dns_names(endpoint)
    zone = consumer.hosted_zone
    if isinstance(zone, Unknown):
        return _unknown(
            "consumer.dns-entries", "the private hosted zone", zone, "route53:ListResourceRecordSets"
        )
    regional = _norm(endpoint.dns_entries[0].dns_name)
    if zone is None:
        return passed("consumer.dns-entries", "consumer", f"{len(names)} DNS name(s), regional {regional}")
    aliases = [r for r in zone.records if r.record_type in ("A", "AAAA", "CNAME")]
    record_names = {_norm(r.name) for r in aliases}
    problems = _zone_problems(zone, endpoint, aliases, names)
    hostname = consumer.client_hostname
    if hostname and _norm(hostname) not in record_names | names:
        problems.append(f"the client hostname {hostname} is not a record of {zone.name}")
    if problems:
        return failed(
            "consumer.dns-entries",
            "consumer",
            "; ".join(problems),
            "deploy the consumer so its private hosted zone holds alias records to the endpoint's regional "
            "DNS "
            "name and is associated with the endpoint's VPC (consumer private_hosted_zone)",
        )
    listing = ", ".join(sorted(record_names))
    return passed("consumer.dns-entries", "consumer", f"{listing} alias to {regional} in zone {zone.name}")


def _no_dns_names(endpoint: Endpoint) -> Check | None:
    """An endpoint without DNS names: expected until it is available, a failure after."""
    if endpoint_state(endpoint.state) != "available":
        return None
    return failed(
        "consumer.dns-entries",
        "consumer",
        f"{endpoint.endpoint_id} has no DNS names",
        "recreate the endpoint (cdk deploy ConsumerStack)",
    )


def _zone_problems(
    zone: HostedZone, endpoint: Endpoint, aliases: Sequence[Record], names: set[str]
) -> list[str]:
    """What is wrong with the private hosted zone: its VPC, and records that miss the endpoint."""
    problems: list[str] = []
    if endpoint.vpc_id not in zone.vpc_ids:
        problems.append(f"zone {zone.name} is not associated with {endpoint.vpc_id}")
    for record in aliases:
        target = record.alias_dns_name or (record.values[0] if record.values else "")
        if _norm(target).removeprefix("dualstack.") not in names:
            problems.append(
                f"{_norm(record.name)} points to {_norm(target) or 'nothing'}, not to this endpoint"
            )
    if not aliases:
        problems.append(f"zone {zone.name} has no record for the service")
    return problems


def check_private_dns(ctx: Context) -> Check | None:
    """Private DNS is on only when the provider's name is verified (and used when it could be)."""
    found = _endpoint(ctx)
    if found is None:
        return None
    consumer, endpoint = found
    service = ctx.service
    view = known(consumer.service_view) if consumer.service_view is not None else None
    name = service.private_dns_name if service is not None else view.private_dns_name if view else None
    state = service.private_dns_state if service is not None else view.private_dns_state if view else None
    if endpoint.private_dns_enabled:
        if not name:
            return failed(
                "consumer.private-dns",
                "consumer",
                "private DNS is on but the provider's service has no private DNS name",
                "turn it off (private_dns_enabled: false) and use a private hosted zone, or ask the provider "
                "to "
                "set private_dns_name",
            )
        if state != "verified":
            return failed(
                "consumer.private-dns",
                "consumer",
                f"private DNS is on but the provider's name {name} is {state or 'not verified'}",
                "the provider verifies its domain (provider.private-dns); until then use the endpoint's "
                "regional "
                "name or a private hosted zone",
            )
        return passed(
            "consumer.private-dns", "consumer", f"private DNS is on: {name} resolves to the endpoint"
        )
    if name and state == "verified" and consumer.hosted_zone is None:
        return warned(
            "consumer.private-dns",
            "consumer",
            f"the provider offers the verified name {name}, but private DNS is off: clients must use the "
            "endpoint's own DNS name",
            "set private_dns_enabled: true on the consumer and deploy, or alias the name in a private hosted "
            "zone",
        )
    return passed(
        "consumer.private-dns",
        "consumer",
        "private DNS is off; clients use "
        + ("the private hosted zone" if consumer.hosted_zone else "the endpoint's DNS names"),
    )
