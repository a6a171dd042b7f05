"""Checks of the provider side: the service, its NLB and targets, allowlist, DNS, regions, Lambdas.

Each function takes the ``Context`` and returns one ``Check``, or None when it does not apply
(no database behind the NLB, no acceptor, ...).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from privatelink_constructs.cli.facts import (
    FunctionHealth,
    Listener,
    LoadBalancer,
    SecurityGroup,
    ServiceConfig,
    Target,
    TargetGroup,
    Unknown,
    known,
)
from privatelink_constructs.cli.model import Check, failed, passed, warned
from privatelink_constructs.cli.netrules import cidr_covers, security_groups_admit, tcp_ports_opened

from .common import Context, account_of, aws_command, endpoint_state, how_long

__all__ = [
    "check_allowlist",
    "check_connection_requests",
    "check_database_targets",
    "check_functions",
    "check_inbound_rules",
    "check_listeners",
    "check_load_balancer",
    "check_private_dns",
    "check_regions",
    "check_service",
    "check_targets",
]

_GRANT = "grant the provider's credentials read access ({action}), or choose them with --provider-profile"


def _ec2(ctx: Context, command: str) -> str:
    provider = ctx.provider
    assert provider is not None
    return aws_command(f"ec2 {command}", region=provider.region, profile=provider.profile)


def _unknown(check_id: str, what: str, unknown: Unknown, action: str) -> Check:
    return warned(
        check_id, "provider", f"could not read {what}: {unknown.reason}", _GRANT.format(action=action)
    )


def check_service(ctx: Context) -> Check | None:
    """The endpoint service exists, is Available, and is an Interface service."""
    provider = ctx.provider
    if provider is None:
        return None
    service = provider.service
    if isinstance(service, Unknown):
        return _unknown(
            "provider.service",
            "the endpoint service",
            service,
            "ec2:DescribeVpcEndpointServiceConfigurations",
        )
    if service is None:
        return failed(
            "provider.service",
            "provider",
            f"endpoint service {provider.service_id} not found in account {provider.account or '?'}, "
            f"region {provider.region}",
            "check --service-id, --region and --provider-profile, or deploy the provider "
            "(cdk deploy ProviderStack)",
        )
    if "Interface" not in service.types:
        return failed(
            "provider.service",
            "provider",
            f"{service.service_id} is a {'/'.join(service.types) or 'typeless'} service, not an Interface "
            "service: interface endpoints cannot connect to it",
            "publish the service on a Network Load Balancer (ProviderEndpointService does)",
        )
    return _service_state(service)


def _service_state(service: ServiceConfig) -> Check:
    """An Interface service judged by its state: Available, still Pending, or broken."""
    acceptance = (
        "acceptance required" if service.acceptance_required else "connections accepted automatically"
    )
    state = service.state.lower()
    if state == "available":
        return passed(
            "provider.service",
            "provider",
            f"{service.service_id} is Available ({acceptance}, {len(service.availability_zones)} zones)",
        )
    if state == "pending":
        return warned(
            "provider.service",
            "provider",
            f"{service.service_id} is still Pending",
            "wait a minute for the service to become Available, then run the doctor again",
        )
    return failed(
        "provider.service",
        "provider",
        f"{service.service_id} is {service.state}: consumers cannot connect",
        "redeploy the provider (cdk deploy ProviderStack); a Failed service is replaced only by deleting it",
    )


def check_load_balancer(ctx: Context) -> Check | None:
    """The service's NLBs exist and are active."""
    provider = ctx.provider
    if provider is None or ctx.service is None:
        return None
    if isinstance(provider.load_balancers, Unknown):
        return _unknown(
            "provider.nlb",
            "the service's load balancer",
            provider.load_balancers,
            "elasticloadbalancing:Describe*",
        )
    if not provider.load_balancers:
        return failed(
            "provider.nlb",
            "provider",
            f"{ctx.service.service_id} has no Network Load Balancer",
            "attach an NLB to the service (ProviderEndpointService creates one)",
        )
    problems: list[str] = []
    worst_is_failure = False
    for lb in provider.load_balancers:
        if lb.lb_type != "network":
            problems.append(f"{lb.name} is a {lb.lb_type} load balancer, not a network one")
            worst_is_failure = True
        state = lb.state.lower()
        if state == "failed":
            problems.append(f"{lb.name} is failed{': ' + lb.state_reason if lb.state_reason else ''}")
            worst_is_failure = True
        elif state != "active":
            problems.append(f"{lb.name} is {lb.state}{': ' + lb.state_reason if lb.state_reason else ''}")
    if not problems:
        names = ", ".join(f"{lb.name} ({lb.scheme})" for lb in provider.load_balancers)
        return passed("provider.nlb", "provider", f"{names} active")
    summary = "; ".join(problems)
    if worst_is_failure:
        return failed(
            "provider.nlb",
            "provider",
            summary,
            "recreate the load balancer: cdk deploy ProviderStack after fixing the error above",
        )
    return warned(
        "provider.nlb",
        "provider",
        summary,
        "wait for provisioning to finish; if it stays impaired, check the NLB's subnets in the EC2 console",
    )


def check_listeners(ctx: Context) -> Check | None:
    """Every port the provider declares has a listener, and every listener forwards somewhere."""
    provider = ctx.provider
    if provider is None or not ctx.load_balancers:
        return None
    listeners = [listener for lb in ctx.load_balancers for listener in lb.listeners]
    ports = sorted({listener.port for listener in listeners})
    if not listeners:
        return failed(
            "provider.listeners",
            "provider",
            "the NLB has no listener: nothing answers on any port",
            "set provider.ports and deploy (cdk deploy ProviderStack)",
        )
    declared = sorted(set(provider.declared_ports or ()))
    missing = [port for port in declared if port not in ports]
    if missing:
        return failed(
            "provider.listeners",
            "provider",
            f"no listener on port {', '.join(map(str, missing))} (listeners: {', '.join(map(str, ports))})",
            "deploy the provider so its listeners match provider.ports (cdk deploy ProviderStack)",
        )
    no_target_group = sorted({listener.port for listener in listeners if not listener.target_group_arns})
    if no_target_group:
        return failed(
            "provider.listeners",
            "provider",
            f"the listener on {', '.join(map(str, no_target_group))} forwards to no target group",
            "give the listener a forward action to its target group (ProviderEndpointService does)",
        )
    protocols = ", ".join(f"{listener.port}/{listener.protocol}" for listener in listeners)
    return passed("provider.listeners", "provider", f"listeners on {protocols}")


def _target_zone(target: Target, lb: LoadBalancer) -> str | None:
    if target.availability_zone:
        return target.availability_zone
    if target.target_id.startswith("i-"):
        return lb.instance_zones.get(target.target_id)
    try:
        ipaddress.ip_address(target.target_id)
    except ValueError:
        return None
    for subnet in known(lb.subnets) or ():
        if cidr_covers(subnet.cidr, target.target_id):
            return subnet.availability_zone
    return None


def _cross_zone(lb: LoadBalancer, group: TargetGroup) -> bool | None:
    if group.cross_zone == "true":
        return True
    if group.cross_zone == "false":
        return False
    return lb.cross_zone


def _describe_unhealthy(targets: tuple[Target, ...]) -> str:
    reasons = sorted({f"{t.state}{' ' + t.reason if t.reason else ''}" for t in targets})
    return f"{len(targets)} registered: {', '.join(reasons)}" if targets else "none registered"


@dataclass
class _PortTargets:
    """What one listener's target groups hold."""

    healthy: list[Target] = field(default_factory=list)
    registered: list[Target] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    """``<group>: <reason>`` for each group whose health could not be read."""
    cross_zone_everywhere: bool = True


def _port_targets(lb: LoadBalancer, listener: Listener, groups: Mapping[str, TargetGroup]) -> _PortTargets:
    """The targets behind ``listener``, from the groups it forwards to."""
    found = _PortTargets()
    for group in (groups[arn] for arn in listener.target_group_arns if arn in groups):
        if isinstance(group.targets, Unknown):
            found.unknown.append(f"{group.name}: {group.targets.reason}")
            continue
        found.registered.extend(group.targets)
        found.healthy.extend(t for t in group.targets if t.state == "healthy")
        if _cross_zone(lb, group) is not True:
            found.cross_zone_everywhere = False
    return found


def _zone_gaps(lb: LoadBalancer, port: int, targets: _PortTargets) -> list[str]:
    """The NLB's zones with no healthy target for ``port`` (none when cross-zone is on)."""
    if targets.cross_zone_everywhere:
        return []
    zones = {_target_zone(target, lb) for target in targets.healthy}
    if "all" in zones:
        return []
    return [f"port {port} in {zone}" for zone in lb.availability_zones if zone not in zones]


def check_targets(ctx: Context) -> Check | None:
    """Each port has a healthy target, and (with cross-zone off) each enabled zone has one."""
    provider = ctx.provider
    if provider is None or not ctx.load_balancers:
        return None
    failures: list[str] = []
    zone_gaps: list[str] = []
    unknown: list[str] = []
    healthy_counts: list[str] = []
    groups = {group.arn: group for lb in ctx.load_balancers for group in lb.target_groups}
    for lb in ctx.load_balancers:
        for listener in lb.listeners:
            targets = _port_targets(lb, listener, groups)
            unknown += targets.unknown
            if not targets.healthy:
                failures.append(
                    f"port {listener.port}: no healthy target "
                    f"({_describe_unhealthy(tuple(targets.registered))})"
                )
                continue
            healthy_counts.append(f"{listener.port}: {len(targets.healthy)}")
            zone_gaps += _zone_gaps(lb, listener.port, targets)
    if unknown and not failures:
        return _unknown(
            "provider.targets",
            "target health",
            Unknown("; ".join(unknown)),
            "elasticloadbalancing:DescribeTargetHealth",
        )
    return _judge_targets(provider.database is not None, failures, zone_gaps, healthy_counts)


def _judge_targets(
    follows_database: bool, failures: list[str], zone_gaps: list[str], healthy_counts: list[str]
) -> Check:
    if failures:
        fix = (
            "register the service's addresses in the target groups and make sure their security groups admit "
        )
        fix += "the NLB's security group on the service and health-check ports"
        if follows_database:
            fix = "the target updater registers the database's addresses: see provider.updater and "
            fix += "provider.database-targets; the database's security group must admit the NLB's"
        return failed("provider.targets", "provider", "; ".join(failures), fix)
    if zone_gaps:
        return warned(
            "provider.targets",
            "provider",
            f"cross-zone load balancing is off and there is no healthy target for {', '.join(zone_gaps)}: "
            "consumers whose endpoint uses that zone time out",
            "turn cross-zone load balancing on (provider.cross_zone: true) or add targets in those zones",
        )
    return passed("provider.targets", "provider", f"healthy targets per port: {', '.join(healthy_counts)}")


def check_inbound_rules(ctx: Context) -> Check | None:
    """The enforce-inbound-rules-on-PrivateLink trap: when on, rules must admit consumer traffic."""
    provider = ctx.provider
    if provider is None or not ctx.load_balancers:
        return None
    enforcing = [lb for lb in ctx.load_balancers if (lb.enforce_inbound_on_privatelink or "").lower() == "on"]
    if not enforcing:
        return passed(
            "provider.inbound-rules",
            "provider",
            "inbound security group rules are not evaluated for PrivateLink traffic",
        )
    consumer_addresses: tuple[str, ...] = ()
    if ctx.consumer is not None:
        consumer_addresses = known(ctx.consumer.interface_addresses) or ()
    fix = (
        "add inbound rules for every consumer's endpoint addresses (or their VPC CIDRs) on the service ports "
        "to the NLB's security group, or set "
        "provider.enforce_security_group_inbound_rules_on_private_link_traffic: false"
    )
    for lb in enforcing:
        if isinstance(lb.security_groups, Unknown):
            return _unknown(
                "provider.inbound-rules",
                "the NLB's security groups",
                lb.security_groups,
                "ec2:DescribeSecurityGroups",
            )
        gap = _inbound_gap(lb, lb.security_groups, consumer_addresses)
        if gap is not None:
            return failed("provider.inbound-rules", "provider", gap, fix)
    if consumer_addresses:
        return passed(
            "provider.inbound-rules",
            "provider",
            "inbound rules are enforced for PrivateLink traffic and admit the consumer's endpoint addresses",
        )
    return warned(
        "provider.inbound-rules",
        "provider",
        "inbound rules are enforced for PrivateLink traffic: consumers connect only from addresses the rules "
        "admit",
        fix + " (run the doctor with --consumer-stack or --endpoint-id to check a consumer)",
    )


def _inbound_gap(
    lb: LoadBalancer, groups: Sequence[SecurityGroup], consumer_addresses: Sequence[str]
) -> str | None:
    """What an NLB that enforces inbound rules on PrivateLink traffic drops, first port first."""
    for port in (listener.port for listener in lb.listeners):
        if not tcp_ports_opened(groups, [port])[port]:
            return (
                f"{lb.name} evaluates inbound rules for PrivateLink traffic and none admits port {port}: "
                "every connection through PrivateLink times out"
            )
        blocked = [addr for addr in consumer_addresses if not security_groups_admit(groups, addr, port)]
        if blocked:
            return (
                f"{lb.name} evaluates inbound rules for PrivateLink traffic and none admits the "
                "consumer's "
                f"endpoint address {', '.join(blocked)} on {port}"
            )
    return None


def check_allowlist(ctx: Context) -> Check | None:
    """The consumer's account (or any principal) is allowed to connect."""
    provider = ctx.provider
    if provider is None or ctx.service is None:
        return None
    principals = provider.allowed_principals
    if isinstance(principals, Unknown):
        return _unknown(
            "provider.allowlist",
            "the allowed principals",
            principals,
            "ec2:DescribeVpcEndpointServicePermissions",
        )
    if "*" in principals:
        return _open_allowlist(ctx.service)
    account = ctx.consumer_account
    if account is None:
        return _allowlist_alone(principals)
    return _consumer_allowed(ctx, ctx.service, account, principals)


def _open_allowlist(service: ServiceConfig) -> Check:
    """``*`` in the allowlist: fine when each request waits for acceptance."""
    if service.acceptance_required:
        return passed(
            "provider.allowlist",
            "provider",
            "every AWS account may request a connection ('*'); each request waits for acceptance",
        )
    return warned(
        "provider.allowlist",
        "provider",
        "every AWS account may connect ('*') and requests are accepted automatically",
        "name the consumer accounts in provider.allowed_principals, or set provider.acceptance_required: "
        "true",
    )


def _allowlist_alone(principals: Sequence[str]) -> Check:
    """The allowlist with no consumer to look for: someone must be on it."""
    if not principals:
        return warned(
            "provider.allowlist",
            "provider",
            "no principal is allowed: no consumer can connect",
            "add the consumer accounts to provider.allowed_principals and deploy",
        )
    return passed("provider.allowlist", "provider", f"{len(principals)} principal(s) allowed")


def _consumer_allowed(ctx: Context, service: ServiceConfig, account: str, principals: Sequence[str]) -> Check:
    """The consumer's account, or principals of it, on the allowlist."""
    same_account = [p for p in principals if account_of(p) == account]
    if not same_account:
        return failed(
            "provider.allowlist",
            "provider",
            f"the consumer's account {account} is not in the allowlist ({len(principals)} principal(s)): "
            "to it the service does not exist",
            f"add '{account}' to provider.allowed_principals and deploy, or "
            + _ec2(
                ctx,
                f"modify-vpc-endpoint-service-permissions --service-id {service.service_id} "
                f"--add-allowed-principals arn:aws:iam::{account}:root",
            ),
        )
    if any(p.endswith(":root") or p == account for p in same_account):
        return passed("provider.allowlist", "provider", f"the consumer's account {account} is allowed")
    return passed(
        "provider.allowlist",
        "provider",
        f"principals of the consumer's account {account} are allowed: {', '.join(same_account)}",
    )


def check_private_dns(ctx: Context) -> Check | None:
    """The private DNS name is verified, and the verification TXT record is where AWS looks."""
    provider = ctx.provider
    service = ctx.service
    if provider is None or service is None:
        return None
    if not service.private_dns_name:
        return passed(
            "provider.private-dns",
            "provider",
            "no private DNS name: consumers use the endpoint's DNS names or a private hosted zone",
        )
    name = service.private_dns_name
    state = service.private_dns_state or "unknown"
    if state == "verified":
        return passed("provider.private-dns", "provider", f"{name} is verified")
    record = f"{service.private_dns_record_name} TXT {service.private_dns_record_value!r}"
    start = _ec2(
        ctx, f"start-vpc-endpoint-service-private-dns-verification --service-id {service.service_id}"
    )
    lookup = provider.txt_record
    if lookup is not None and lookup.found is True:
        where = f"the TXT record is in place ({lookup.where})"
        fix = f"start verification: rerun with --fix, or {start}"
    elif lookup is not None and lookup.found is False:
        where = f"the TXT record is missing ({lookup.where})"
        fix = f"create {record} in the public zone of {name} (or of a parent domain), then {start}"
    else:
        where = f"the TXT record could not be checked ({lookup.where if lookup else 'not looked up'})"
        fix = f"make sure {record} is published (dig TXT), then {start}"
    summary = f"{name} is {state}: consumers cannot turn private DNS on; {where}"
    if state == "pendingVerification":
        return warned("provider.private-dns", "provider", summary, fix)
    return failed("provider.private-dns", "provider", summary, fix)


def check_regions(ctx: Context) -> Check | None:
    """A consumer in another region is among the service's supported regions."""
    provider = ctx.provider
    service = ctx.service
    if provider is None or service is None:
        return None
    region = ctx.consumer_region
    if region is None:
        return _regions_offered(service)
    if region == provider.region:
        return passed("provider.regions", "provider", f"the consumer is in the service's region {region}")
    return _consumer_region(service, region)


def _regions_offered(service: ServiceConfig) -> Check | None:
    """With no consumer given: the other regions the service is offered in, if any."""
    if not service.supported_regions:
        return None
    listing = ", ".join(f"{name} ({state})" for name, state in sorted(service.supported_regions.items()))
    return passed("provider.regions", "provider", f"offered to consumers in {listing}")


def _consumer_region(service: ServiceConfig, region: str) -> Check:
    """A consumer in ``region``, another than the service's: supported and available there."""
    state = service.supported_regions.get(region)
    if state is None:
        return failed(
            "provider.regions",
            "provider",
            f"the consumer is in {region}, which is not among the service's supported regions "
            f"({', '.join(sorted(service.supported_regions)) or 'its own region only'})",
            f"add {region} to provider.allowed_regions and deploy (the deploying role needs "
            "vpce:AllowMultiRegion)",
        )
    if state.lower() != "available":
        return warned(
            "provider.regions",
            "provider",
            f"the service is {state} in the consumer's region {region}",
            "wait for the region to become Available, then run the doctor again",
        )
    return passed("provider.regions", "provider", f"offered in the consumer's region {region}")


def check_database_targets(ctx: Context) -> Check | None:
    """For an RDS link: every target group holds exactly the database's current addresses."""
    provider = ctx.provider
    if provider is None or provider.database is None or not ctx.load_balancers:
        return None
    database = provider.database
    if database.addresses is None:
        return warned(
            "provider.database-targets",
            "provider",
            f"{database.hostname} does not resolve from here ({database.error or 'no answer'}); "
            "an RDS Proxy name resolves only inside its VPC",
            "run the doctor where the name resolves, or read the target updater's log (provider.updater)",
        )
    wanted = set(database.addresses)
    problems: list[str] = []
    for lb in ctx.load_balancers:
        for group in lb.target_groups:
            if isinstance(group.targets, Unknown):
                problems.append(f"{group.name}: {group.targets.reason}")
                continue
            registered = {
                t.target_id for t in group.targets if t.state not in ("draining", "unhealthy.draining")
            }
            missing = sorted(wanted - registered)
            stale = sorted(registered - wanted)
            label = f"port {group.port}" if group.port else group.name
            if missing:
                problems.append(f"{label}: {', '.join(missing)} not registered")
            if stale:
                problems.append(f"{label}: {', '.join(stale)} no longer the database's")
    if problems:
        updater = next((f for f in provider.functions if f.role == "target updater"), None)
        fix = "the target updater converges within a minute of an RDS event; if it does not, read its log"
        if updater is not None:
            fix += f" and run it now: aws lambda invoke --function-name {updater.name} /dev/stdout"
        return failed(
            "provider.database-targets",
            "provider",
            f"targets differ from {database.hostname} ({', '.join(sorted(wanted))}): {'; '.join(problems)}",
            fix,
        )
    return passed(
        "provider.database-targets",
        "provider",
        f"targets match {database.hostname} ({', '.join(sorted(wanted))})",
    )


def _function_check(ctx: Context, function: FunctionHealth) -> Check:
    check_id = "provider.updater" if function.role == "target updater" else "provider.acceptor"
    log_group = function.log_group or f"/aws/lambda/{function.name}"
    logs = f"aws logs tail {log_group} --since {function.window_minutes}m"
    provider = ctx.provider
    if provider is not None:
        logs = aws_command(logs.removeprefix("aws "), region=provider.region, profile=provider.profile)
    if function.state is not None and function.state.lower() not in ("active", "pending"):
        return failed(
            check_id,
            "provider",
            f"the {function.role} {function.name} is {function.state}"
            f"{': ' + function.state_reason if function.state_reason else ''}",
            f"redeploy the provider (cdk deploy ProviderStack); {logs}",
        )
    if function.errors is None:
        return warned(
            check_id,
            "provider",
            f"could not read the {function.role}'s error count",
            _GRANT.format(action="cloudwatch:GetMetricStatistics"),
        )
    if function.errors:
        return failed(
            check_id,
            "provider",
            f"the {function.role} {function.name} failed {function.errors} time(s) "
            f"in the last {function.window_minutes} minutes",
            f"read why: {logs}",
        )
    if function.role == "target updater" and function.invocations == 0:
        return warned(
            check_id,
            "provider",
            f"the {function.role} {function.name} did not run in the last {function.window_minutes} minutes, "
            "although its schedule runs it every minute",
            "check that its EventBridge schedule rule is enabled ("
            + aws_command(
                f"events list-rule-names-by-target --target-arn {function.arn or '<the function ARN>'}",
                region=provider.region if provider else None,
                profile=provider.profile if provider else None,
            )
            + f"), then {logs}",
        )
    runs = f"{function.invocations} run(s), " if function.invocations is not None else ""
    return passed(
        check_id,
        "provider",
        f"the {function.role}: {runs}no errors in the last {function.window_minutes} minutes",
    )


def check_functions(ctx: Context) -> list[Check]:
    """The target updater's and the connection acceptor's recent errors."""
    if ctx.provider is None:
        return []
    return [_function_check(ctx, function) for function in ctx.provider.functions]


def check_connection_requests(ctx: Context) -> Check | None:
    """Connection requests waiting for the provider (other than the consumer's own, judged there)."""
    provider = ctx.provider
    service = ctx.service
    if provider is None or service is None:
        return None
    connections = provider.connections
    if isinstance(connections, Unknown):
        return _unknown(
            "provider.connections",
            "the connection requests",
            connections,
            "ec2:DescribeVpcEndpointConnections",
        )
    own = ctx.consumer.endpoint_id if ctx.consumer is not None else None
    pending = [
        c for c in connections if endpoint_state(c.state) == "pendingacceptance" and c.endpoint_id != own
    ]
    if pending:
        oldest = min((c.created for c in pending if c.created is not None), default=None)
        listing = ", ".join(f"{c.endpoint_id} ({c.owner})" for c in pending[:5])
        more = f" and {len(pending) - 5} more" if len(pending) > 5 else ""
        accept = _ec2(
            ctx,
            f"accept-vpc-endpoint-connections --service-id {service.service_id} "
            f"--vpc-endpoint-ids {' '.join(c.endpoint_id for c in pending)}",
        )
        return warned(
            "provider.connections",
            "provider",
            f"{len(pending)} connection request(s) waiting, the oldest for {how_long(oldest, ctx.now)}: "
            f"{listing}{more}",
            f"accept the ones you expect ({accept}; --fix accepts those of allowlisted accounts) "
            "or reject the others",
        )
    available = sum(1 for c in connections if endpoint_state(c.state) == "available")
    other = " other" if own is not None else ""
    return passed(
        "provider.connections",
        "provider",
        f"no{other} connection request waiting ({available} connected endpoint(s))",
    )
