"""The thin AWS adapter: read both sides' facts with boto3 (read APIs only), and run the two fixes.

Everything here turns API responses into the plain data of ``facts``; nothing here judges. A call
refused for a reason other than credentials becomes an ``Unknown`` fact (the check then says what it
could not read); missing or expired credentials raise ``UsageError`` (exit code 2).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from .facts import (
    AclEntry,
    Connection,
    ConsumerFacts,
    DatabaseAddresses,
    DnsEntry,
    Endpoint,
    FunctionHealth,
    HostedZone,
    Listener,
    LoadBalancer,
    NetworkAcl,
    ProviderFacts,
    Record,
    SecurityGroup,
    SecurityGroupRule,
    ServiceConfig,
    ServiceView,
    Subnet,
    Target,
    TargetGroup,
    TxtLookup,
    Unknown,
    Vpc,
    known,
)

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_route53 import Route53Client
    from mypy_boto3_sts import STSClient

__all__ = [
    "Clients",
    "Resolver",
    "StackInfo",
    "UsageError",
    "accept_connections",
    "default_resolver",
    "find_function",
    "gather_consumer",
    "gather_provider",
    "invoke_function",
    "log_group_of",
    "open_session",
    "read_stack",
    "start_private_dns_verification",
]

_T = TypeVar("_T")

CREDENTIAL_ERROR_CODES = frozenset(
    {
        "AuthFailure",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "RequestExpired",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
    }
)
"""Error codes that mean "these credentials do not work", not "this call is not allowed"."""

METRIC_WINDOW_MINUTES = 60
"""How far back the Lambdas' Errors and Invocations metrics are read."""

Resolver = Callable[[str], tuple[str, ...]]
"""Resolves a hostname to its addresses; raises OSError when it cannot."""


class UsageError(Exception):
    """A usage or credential problem: printed as one message, exit code 2."""


def default_resolver(hostname: str) -> tuple[str, ...]:
    """Every address ``hostname`` resolves to from this machine (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(hostname, None, proto=socket.IPPROTO_TCP)
    return tuple(sorted({str(info[4][0]) for info in infos}))


@dataclass(frozen=True)
class Clients:
    """The boto3 clients of one side (one account and region)."""

    ec2: EC2Client
    elbv2: ElasticLoadBalancingv2Client
    route53: Route53Client
    cloudwatch: CloudWatchClient
    lambda_: LambdaClient
    sts: STSClient
    cloudformation: CloudFormationClient
    region: str
    profile: str | None = None

    @classmethod
    def from_session(cls, session: boto3.Session, profile: str | None) -> Clients:
        """All clients of ``session``, in its region."""
        region = session.region_name
        if not region:
            raise UsageError(
                "no AWS region: pass --region (and --consumer-region for a consumer elsewhere), "
                "or set AWS_REGION / a profile's region"
            )
        return cls(
            ec2=session.client("ec2"),
            elbv2=session.client("elbv2"),
            route53=session.client("route53"),
            cloudwatch=session.client("cloudwatch"),
            lambda_=session.client("lambda"),
            sts=session.client("sts"),
            cloudformation=session.client("cloudformation"),
            region=region,
            profile=profile,
        )


def open_session(profile: str | None, region: str | None) -> boto3.Session:
    """A boto3 session for one side; an unknown profile is a ``UsageError``."""
    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as error:
        raise UsageError(f"AWS profile not found: {error}") from error


def _credential_error(error: Exception) -> UsageError | None:
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return UsageError(
            f"no usable AWS credentials ({error}): set a profile with --provider-profile/--consumer-profile"
        )
    if isinstance(error, NoRegionError):
        return UsageError("no AWS region: pass --region, or set AWS_REGION")
    if isinstance(error, EndpointConnectionError):
        return UsageError(f"cannot reach AWS: {error}")
    if (
        isinstance(error, ClientError)
        and error.response.get("Error", {}).get("Code") in CREDENTIAL_ERROR_CODES
    ):
        message = error.response.get("Error", {}).get("Message", "")
        return UsageError(f"AWS refused the credentials: {message or error}")
    return None


def _must(call: Callable[[], _T]) -> _T:
    """``call()``; credential and connection problems become ``UsageError``."""
    try:
        return call()
    except (ClientError, BotoCoreError) as error:
        usage = _credential_error(error)
        if usage is not None:
            raise usage from error
        raise


def _read(what: str, call: Callable[[], _T]) -> _T | Unknown:
    """``call()``, or ``Unknown`` when AWS refuses it for a reason other than credentials."""
    try:
        return _must(call)
    except ClientError as error:
        details = error.response.get("Error", {})
        return Unknown(f"{what}: {details.get('Code', '?')}: {details.get('Message', '')}".rstrip(": "))
    except BotoCoreError as error:
        return Unknown(f"{what}: {error}")


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


# ---- stacks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackInfo:
    """A deployed stack's outputs and resources (logical ID, physical ID, type)."""

    name: str
    outputs: Mapping[str, str]
    resources: tuple[tuple[str, str, str], ...] = ()

    def physical_ids(self, resource_type: str) -> list[str]:
        """The physical IDs of the stack's resources of one type."""
        return [physical for _, physical, kind in self.resources if kind == resource_type and physical]


def read_stack(cloudformation: CloudFormationClient, name: str, region: str) -> StackInfo:
    """The outputs and resources of a deployed stack; a missing stack is a ``UsageError``."""
    try:
        stacks = _must(lambda: cloudformation.describe_stacks(StackName=name))["Stacks"]
    except ClientError as error:
        if _error_code(error) == "ValidationError":
            raise UsageError(
                f"stack {name!r} not found in {region}: deploy it, or pass the right "
                "--region/--consumer-region "
                "and profile"
            ) from error
        raise UsageError(f"cannot read stack {name!r}: {error}") from error
    if not stacks:
        raise UsageError(f"stack {name!r} not found in {region}")
    stack = stacks[0]
    outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in stack.get("Outputs", []) if "OutputKey" in o}
    resources: list[tuple[str, str, str]] = []
    paginator = cloudformation.get_paginator("list_stack_resources")
    listed = _read("cloudformation:ListStackResources", lambda: list(paginator.paginate(StackName=name)))
    for page in known(listed) or []:
        for summary in page.get("StackResourceSummaries", []):
            resources.append(
                (summary["LogicalResourceId"], summary.get("PhysicalResourceId", ""), summary["ResourceType"])
            )
    return StackInfo(name=name, outputs=outputs, resources=tuple(resources))


def _ports(value: str | None) -> tuple[int, ...] | None:
    if not value:
        return None
    try:
        return tuple(sorted({int(part) for part in value.replace(" ", "").split(",") if part}))
    except ValueError:
        return None


def _listed(value: str | None) -> tuple[str, ...] | None:
    """A comma-separated output (``use1-az1,use1-az2``) as a tuple, or None when it is absent."""
    items = tuple(item for item in (value or "").replace(" ", "").split(",") if item)
    return items or None


# ---- shared readers -----------------------------------------------------------------------


def _account(sts: STSClient) -> str:
    return str(_must(sts.get_caller_identity)["Account"])


def _zone_ids(ec2: EC2Client) -> Mapping[str, str] | Unknown:
    def call() -> Mapping[str, str]:
        zones = ec2.describe_availability_zones()["AvailabilityZones"]
        return {z["ZoneName"]: z["ZoneId"] for z in zones if "ZoneName" in z and "ZoneId" in z}

    return _read("ec2:DescribeAvailabilityZones", call)


def _rule(permission: Mapping[str, Any]) -> SecurityGroupRule:
    return SecurityGroupRule(
        protocol=str(permission.get("IpProtocol", "-1")),
        from_port=permission.get("FromPort"),
        to_port=permission.get("ToPort"),
        cidrs=tuple(
            [r["CidrIp"] for r in permission.get("IpRanges", []) if "CidrIp" in r]
            + [r["CidrIpv6"] for r in permission.get("Ipv6Ranges", []) if "CidrIpv6" in r]
        ),
        group_ids=tuple(p["GroupId"] for p in permission.get("UserIdGroupPairs", []) if "GroupId" in p),
        prefix_list_ids=tuple(
            p["PrefixListId"] for p in permission.get("PrefixListIds", []) if "PrefixListId" in p
        ),
    )


def _security_groups(ec2: EC2Client, group_ids: Sequence[str]) -> tuple[SecurityGroup, ...] | Unknown:
    if not group_ids:
        return ()

    def call() -> tuple[SecurityGroup, ...]:
        groups = ec2.describe_security_groups(GroupIds=list(group_ids))["SecurityGroups"]
        return tuple(
            SecurityGroup(
                group_id=g["GroupId"],
                ingress=tuple(_rule(p) for p in g.get("IpPermissions", [])),
                egress=tuple(_rule(p) for p in g.get("IpPermissionsEgress", [])),
            )
            for g in groups
        )

    return _read("ec2:DescribeSecurityGroups", call)


def _subnets(
    ec2: EC2Client, *, subnet_ids: Sequence[str] = (), vpc_id: str | None = None
) -> tuple[Subnet, ...] | Unknown:
    def call() -> tuple[Subnet, ...]:
        if vpc_id is not None:
            found = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
        else:
            found = ec2.describe_subnets(SubnetIds=list(subnet_ids))["Subnets"]
        return tuple(
            Subnet(
                subnet_id=s["SubnetId"],
                vpc_id=s["VpcId"],
                availability_zone=s["AvailabilityZone"],
                availability_zone_id=s.get("AvailabilityZoneId"),
                cidr=s.get("CidrBlock", ""),
            )
            for s in found
        )

    if not subnet_ids and vpc_id is None:
        return ()
    return _read("ec2:DescribeSubnets", call)


# ---- provider ------------------------------------------------------------------------------


def _service(ec2: EC2Client, service_id: str) -> ServiceConfig | Unknown | None:
    def call() -> ServiceConfig | None:
        try:
            found = ec2.describe_vpc_endpoint_service_configurations(ServiceIds=[service_id])
        except ClientError as error:
            if "NotFound" in _error_code(error):
                return None
            raise
        configs = found.get("ServiceConfigurations", [])
        if not configs:
            return None
        c = configs[0]
        dns = c.get("PrivateDnsNameConfiguration", {})
        return ServiceConfig(
            service_id=c.get("ServiceId", service_id),
            service_name=c.get("ServiceName", ""),
            state=str(c.get("ServiceState", "")),
            types=tuple(str(t["ServiceType"]) for t in c.get("ServiceType", []) if "ServiceType" in t),
            acceptance_required=bool(c.get("AcceptanceRequired", False)),
            availability_zones=tuple(c.get("AvailabilityZones", [])),
            availability_zone_ids=tuple(c.get("AvailabilityZoneIds", [])),
            network_load_balancer_arns=tuple(c.get("NetworkLoadBalancerArns", [])),
            gateway_load_balancer_arns=tuple(c.get("GatewayLoadBalancerArns", [])),
            supported_regions={
                r["Region"]: str(r.get("ServiceState", ""))
                for r in c.get("SupportedRegions", [])
                if "Region" in r
            },
            private_dns_name=c.get("PrivateDnsName"),
            private_dns_state=str(dns["State"]) if "State" in dns else None,
            private_dns_record_name=dns.get("Name"),
            private_dns_record_value=dns.get("Value"),
            supported_ip_address_types=tuple(str(t) for t in c.get("SupportedIpAddressTypes", [])),
        )

    return _read("ec2:DescribeVpcEndpointServiceConfigurations", call)


def _principals(ec2: EC2Client, service_id: str) -> tuple[str, ...] | Unknown:
    def call() -> tuple[str, ...]:
        paginator = ec2.get_paginator("describe_vpc_endpoint_service_permissions")
        return tuple(
            p["Principal"]
            for page in paginator.paginate(ServiceId=service_id)
            for p in page.get("AllowedPrincipals", [])
            if "Principal" in p
        )

    return _read("ec2:DescribeVpcEndpointServicePermissions", call)


def _connections(ec2: EC2Client, service_id: str) -> tuple[Connection, ...] | Unknown:
    def call() -> tuple[Connection, ...]:
        paginator = ec2.get_paginator("describe_vpc_endpoint_connections")
        pages = paginator.paginate(Filters=[{"Name": "service-id", "Values": [service_id]}])
        return tuple(
            Connection(
                endpoint_id=c["VpcEndpointId"],
                owner=c.get("VpcEndpointOwner", ""),
                state=str(c.get("VpcEndpointState", "")),
                created=c.get("CreationTimestamp"),
                region=c.get("VpcEndpointRegion"),
            )
            for page in pages
            for c in page.get("VpcEndpointConnections", [])
            if "VpcEndpointId" in c
        )

    return _read("ec2:DescribeVpcEndpointConnections", call)


def _attributes(pairs: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {str(a["Key"]): str(a.get("Value", "")) for a in pairs if "Key" in a}


def _forwarded_groups(action: Mapping[str, Any]) -> list[str]:
    arns = [action["TargetGroupArn"]] if action.get("TargetGroupArn") else []
    arns += [
        g["TargetGroupArn"]
        for g in action.get("ForwardConfig", {}).get("TargetGroups", [])
        if "TargetGroupArn" in g
    ]
    return list(dict.fromkeys(arns))


def _target_group(elbv2: ElasticLoadBalancingv2Client, group: Mapping[str, Any]) -> TargetGroup:
    arn = group["TargetGroupArn"]
    attributes = known(
        _read(
            "elasticloadbalancing:DescribeTargetGroupAttributes",
            lambda: _attributes(elbv2.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]),
        )
    )

    def health() -> tuple[Target, ...]:
        found = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        return tuple(
            Target(
                target_id=d["Target"]["Id"],
                port=d["Target"].get("Port"),
                availability_zone=d["Target"].get("AvailabilityZone"),
                state=str(d.get("TargetHealth", {}).get("State", "unknown")),
                reason=d.get("TargetHealth", {}).get("Reason"),
                description=d.get("TargetHealth", {}).get("Description"),
            )
            for d in found
        )

    return TargetGroup(
        arn=arn,
        name=group.get("TargetGroupName", arn.rsplit("/", 2)[-2] if "/" in arn else arn),
        port=group.get("Port"),
        protocol=group.get("Protocol"),
        target_type=group.get("TargetType"),
        cross_zone=attributes.get("load_balancing.cross_zone.enabled") if attributes else None,
        targets=_read("elasticloadbalancing:DescribeTargetHealth", health),
    )


def _load_balancer(
    ec2: EC2Client, elbv2: ElasticLoadBalancingv2Client, lb: Mapping[str, Any]
) -> LoadBalancer:
    arn = lb["LoadBalancerArn"]
    attributes = known(
        _read(
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
            lambda: _attributes(elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]),
        )
    )
    listeners_found = known(
        _read(
            "elasticloadbalancing:DescribeListeners",
            lambda: elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"],
        )
    )
    listeners = tuple(
        Listener(
            port=int(item.get("Port", 0)),
            protocol=str(item.get("Protocol", "")),
            target_group_arns=tuple(
                arn for action in item.get("DefaultActions", []) for arn in _forwarded_groups(action)
            ),
        )
        for item in listeners_found or []
    )
    group_arns = list(dict.fromkeys(arn for listener in listeners for arn in listener.target_group_arns))
    groups_found = known(
        _read(
            "elasticloadbalancing:DescribeTargetGroups",
            lambda: (
                elbv2.describe_target_groups(TargetGroupArns=group_arns)["TargetGroups"] if group_arns else []
            ),
        )
    )
    target_groups = tuple(_target_group(elbv2, group) for group in groups_found or [])
    cross_zone = attributes.get("load_balancing.cross_zone.enabled") if attributes else None
    needs_zones = any(
        (group.cross_zone == "false" or (group.cross_zone != "true" and cross_zone != "true"))
        and not isinstance(group.targets, Unknown)
        and group.targets
        for group in target_groups
    )
    subnets: tuple[Subnet, ...] | Unknown = ()
    instance_zones: dict[str, str] = {}
    if needs_zones:
        subnets = _subnets(ec2, vpc_id=lb.get("VpcId"))
        instances = sorted(
            {
                t.target_id
                for g in target_groups
                for t in known(g.targets) or ()
                if t.target_id.startswith("i-")
            }
        )
        if instances:
            reservations = known(
                _read(
                    "ec2:DescribeInstances",
                    lambda: ec2.describe_instances(InstanceIds=instances)["Reservations"],
                )
            )
            for reservation in reservations or []:
                for instance in reservation.get("Instances", []):
                    zone = instance.get("Placement", {}).get("AvailabilityZone")
                    if zone:
                        instance_zones[instance["InstanceId"]] = zone
    state = lb.get("State", {})
    return LoadBalancer(
        arn=arn,
        name=lb.get("LoadBalancerName", arn),
        lb_type=str(lb.get("Type", "")),
        scheme=str(lb.get("Scheme", "")),
        state=str(state.get("Code", "unknown")),
        state_reason=state.get("Reason"),
        vpc_id=lb.get("VpcId", ""),
        availability_zones=tuple(z["ZoneName"] for z in lb.get("AvailabilityZones", []) if "ZoneName" in z),
        security_group_ids=tuple(lb.get("SecurityGroups", [])),
        enforce_inbound_on_privatelink=lb.get("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"),
        cross_zone=None if cross_zone is None else cross_zone == "true",
        listeners=listeners,
        target_groups=target_groups,
        security_groups=_security_groups(ec2, lb.get("SecurityGroups", [])),
        subnets=subnets,
        instance_zones=instance_zones,
    )


def _load_balancers(
    ec2: EC2Client, elbv2: ElasticLoadBalancingv2Client, arns: Sequence[str]
) -> tuple[LoadBalancer, ...] | Unknown:
    if not arns:
        return ()
    found = _read(
        "elasticloadbalancing:DescribeLoadBalancers",
        lambda: elbv2.describe_load_balancers(LoadBalancerArns=list(arns))["LoadBalancers"],
    )
    if isinstance(found, Unknown):
        return found
    return tuple(_load_balancer(ec2, elbv2, lb) for lb in found)


def _txt_lookup(route53: Route53Client, service: ServiceConfig) -> TxtLookup | None:
    name, value = service.private_dns_name, service.private_dns_record_value
    if not name or service.private_dns_state == "verified" or not service.private_dns_record_name:
        return None
    labels = name.rstrip(".").lower().split(".")
    domains = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    zones = _read("route53:ListHostedZones", lambda: _public_zones(route53))
    if isinstance(zones, Unknown):
        return TxtLookup(found=None, where=zones.reason)
    zone = next(((zid, zname) for domain in domains for zid, zname in zones if zname == domain), None)
    if zone is None:
        return TxtLookup(
            found=None,
            where=f"no public hosted zone of {name} or a parent domain in this account; check with "
            f"dig TXT {service.private_dns_record_name}.{domains[-1]}",
        )
    zone_id, zone_name = zone
    candidates = [f"{service.private_dns_record_name}.{d}" for d in domains if d.endswith(zone_name)]
    for candidate in candidates:
        records = _read(
            "route53:ListResourceRecordSets",
            lambda candidate=candidate: route53.list_resource_record_sets(  # type: ignore[misc]
                HostedZoneId=zone_id, StartRecordName=candidate, StartRecordType="TXT", MaxItems="1"
            )["ResourceRecordSets"],
        )
        if isinstance(records, Unknown):
            return TxtLookup(found=None, where=records.reason)
        for record in records:
            if record["Name"].rstrip(".").lower() == candidate and record["Type"] == "TXT":
                texts = [r["Value"].strip('"') for r in record.get("ResourceRecords", [])]
                if value in texts:
                    return TxtLookup(found=True, where=f"{candidate} in zone {zone_name}")
    return TxtLookup(found=False, where=f"looked for {' and '.join(candidates)} in zone {zone_name}")


def _public_zones(route53: Route53Client) -> list[tuple[str, str]]:
    paginator = route53.get_paginator("list_hosted_zones")
    return [
        (zone["Id"].rsplit("/", 1)[-1], zone["Name"].rstrip(".").lower())
        for page in paginator.paginate()
        for zone in page.get("HostedZones", [])
        if not zone.get("Config", {}).get("PrivateZone", False)
    ]


def _metric_sum(cloudwatch: CloudWatchClient, metric: str, function: str, now: datetime) -> int | None:
    found = _read(
        "cloudwatch:GetMetricStatistics",
        lambda: cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName=metric,
            Dimensions=[{"Name": "FunctionName", "Value": function}],
            StartTime=now - timedelta(minutes=METRIC_WINDOW_MINUTES),
            EndTime=now,
            Period=METRIC_WINDOW_MINUTES * 60,
            Statistics=["Sum"],
        )["Datapoints"],
    )
    if isinstance(found, Unknown):
        return None
    return int(sum(point.get("Sum", 0.0) for point in found))


@dataclass(frozen=True)
class _Function:
    role: str
    name: str
    environment: Mapping[str, str]
    health: FunctionHealth


def _function(clients: Clients, role: str, name: str, now: datetime) -> _Function:
    config = _read(
        "lambda:GetFunctionConfiguration",
        lambda: clients.lambda_.get_function_configuration(FunctionName=name),
    )
    if isinstance(config, Unknown):
        health = FunctionHealth(role, name, None, config.reason, None, None, METRIC_WINDOW_MINUTES)
        return _Function(role, name, {}, health)
    short = config.get("FunctionName", name)
    health = FunctionHealth(
        role=role,
        name=short,
        state=config.get("State"),
        state_reason=config.get("StateReason"),
        errors=_metric_sum(clients.cloudwatch, "Errors", short, now),
        invocations=_metric_sum(clients.cloudwatch, "Invocations", short, now),
        window_minutes=METRIC_WINDOW_MINUTES,
        log_group=config.get("LoggingConfig", {}).get("LogGroup"),
        arn=config.get("FunctionArn"),
    )
    return _Function(role, short, dict(config.get("Environment", {}).get("Variables", {})), health)


_ROLE_OUTPUTS = {
    "target updater": "TargetUpdaterFunction",
    "connection acceptor": "ConnectionAcceptorFunction",
}
_ROLE_ENVIRONMENT = {"target updater": "MAPPINGS", "connection acceptor": "AUTO_ACCEPT_ACCOUNTS"}


def find_function(clients: Clients, stack: StackInfo, variable: str) -> str | None:
    """The stack's Lambda function whose environment has ``variable`` (when no output names it)."""
    for name in stack.physical_ids("AWS::Lambda::Function"):
        config = known(
            _read(
                "lambda:GetFunctionConfiguration",
                lambda name=name: clients.lambda_.get_function_configuration(FunctionName=name),  # type: ignore[misc]
            )
        )
        if config is not None and variable in config.get("Environment", {}).get("Variables", {}):
            return name
    return None


def _provider_functions(clients: Clients, stack: StackInfo | None, now: datetime) -> list[_Function]:
    """The updater and acceptor: named by the stack's outputs, else found among its functions."""
    if stack is None:
        return []
    found: list[_Function] = []
    for role, output in _ROLE_OUTPUTS.items():
        name = stack.outputs.get(output) or find_function(clients, stack, _ROLE_ENVIRONMENT[role])
        if name:
            found.append(_function(clients, role, name, now))
    return found


def _database(
    outputs: Mapping[str, str], functions: Sequence[_Function], resolver: Resolver
) -> DatabaseAddresses | None:
    hostname = outputs.get("DatabaseHostname")
    if not hostname:
        updater = next((f for f in functions if f.role == "target updater"), None)
        if updater is not None:
            try:
                mappings = json.loads(updater.environment.get("MAPPINGS", "[]"))
                hostname = next((str(m["hostname"]) for m in mappings if m.get("hostname")), None)
            except (ValueError, TypeError, KeyError):
                hostname = None
    if not hostname:
        return None
    try:
        return DatabaseAddresses(hostname=hostname, addresses=resolver(hostname))
    except OSError as error:
        return DatabaseAddresses(hostname=hostname, addresses=None, error=str(error) or type(error).__name__)


def gather_provider(
    clients: Clients,
    service_id: str,
    *,
    stack: StackInfo | None = None,
    resolver: Resolver = default_resolver,
    now: datetime,
) -> ProviderFacts:
    """Read everything the provider checks need (about 10 + 4 per port read calls)."""
    account = _account(clients.sts)
    service = _service(clients.ec2, service_id)
    config = known(service) if service is not None else None
    outputs = stack.outputs if stack is not None else {}
    declared_zones = _listed(outputs.get("AvailabilityZoneIds"))
    functions = _provider_functions(clients, stack, now)
    acceptor = next((f for f in functions if f.role == "connection acceptor"), None)
    auto_accept = (
        tuple(a for a in acceptor.environment.get("AUTO_ACCEPT_ACCOUNTS", "").split(",") if a)
        if acceptor
        else ()
    )
    if config is None:
        return ProviderFacts(
            region=clients.region,
            account=account,
            service_id=service_id,
            service=service,
            profile=clients.profile,
        )
    return ProviderFacts(
        region=clients.region,
        account=account,
        service_id=service_id,
        service=config,
        allowed_principals=_principals(clients.ec2, service_id),
        connections=_connections(clients.ec2, service_id),
        load_balancers=_load_balancers(clients.ec2, clients.elbv2, config.network_load_balancer_arns),
        zone_ids=_zone_ids(clients.ec2) if not (config.availability_zone_ids or declared_zones) else {},
        txt_record=_txt_lookup(clients.route53, config),
        functions=tuple(f.health for f in functions),
        database=_database(outputs, functions, resolver),
        auto_accept_accounts=auto_accept,
        declared_ports=_ports(outputs.get("Ports")),
        declared_zone_ids=declared_zones,
        profile=clients.profile,
    )


# ---- consumer ------------------------------------------------------------------------------


def _endpoint(ec2: EC2Client, endpoint_id: str) -> Endpoint | Unknown | None:
    def call() -> Endpoint | None:
        try:
            found = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"]
        except ClientError as error:
            if "NotFound" in _error_code(error):
                return None
            raise
        if not found:
            return None
        e = found[0]
        last = e.get("LastError", {})
        return Endpoint(
            endpoint_id=e["VpcEndpointId"],
            endpoint_type=str(e.get("VpcEndpointType", "")),
            state=str(e.get("State", "")),
            created=e.get("CreationTimestamp"),
            service_name=e.get("ServiceName", ""),
            vpc_id=e.get("VpcId", ""),
            owner=e.get("OwnerId"),
            subnet_ids=tuple(e.get("SubnetIds", [])),
            security_group_ids=tuple(g["GroupId"] for g in e.get("Groups", []) if "GroupId" in g),
            private_dns_enabled=bool(e.get("PrivateDnsEnabled", False)),
            dns_entries=tuple(
                DnsEntry(d["DnsName"], d.get("HostedZoneId"))
                for d in e.get("DnsEntries", [])
                if "DnsName" in d
            ),
            network_interface_ids=tuple(e.get("NetworkInterfaceIds", [])),
            service_region=e.get("ServiceRegion"),
            last_error=f"{last.get('Code', '')}: {last.get('Message', '')}".strip(": ") or None,
        )

    return _read("ec2:DescribeVpcEndpoints", call)


def _network_acls(ec2: EC2Client, subnet_ids: Sequence[str]) -> tuple[NetworkAcl, ...] | Unknown:
    def call() -> tuple[NetworkAcl, ...]:
        paginator = ec2.get_paginator("describe_network_acls")
        pages = paginator.paginate(Filters=[{"Name": "association.subnet-id", "Values": list(subnet_ids)}])
        return tuple(
            NetworkAcl(
                acl_id=acl["NetworkAclId"],
                subnet_ids=tuple(a["SubnetId"] for a in acl.get("Associations", []) if "SubnetId" in a),
                entries=tuple(
                    AclEntry(
                        rule_number=int(entry.get("RuleNumber", 32767)),
                        egress=bool(entry.get("Egress", False)),
                        protocol=str(entry.get("Protocol", "-1")),
                        allow=entry.get("RuleAction") == "allow",
                        cidr=entry.get("CidrBlock") or entry.get("Ipv6CidrBlock", ""),
                        port_from=entry.get("PortRange", {}).get("From"),
                        port_to=entry.get("PortRange", {}).get("To"),
                    )
                    for entry in acl.get("Entries", [])
                ),
            )
            for page in pages
            for acl in page.get("NetworkAcls", [])
        )

    if not subnet_ids:
        return ()
    return _read("ec2:DescribeNetworkAcls", call)


def _vpc(ec2: EC2Client, vpc_id: str) -> Vpc | Unknown:
    def call() -> Vpc:
        vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
        cidrs = [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet", []) if "CidrBlock" in a]
        cidrs += [
            a["Ipv6CidrBlock"] for a in vpc.get("Ipv6CidrBlockAssociationSet", []) if "Ipv6CidrBlock" in a
        ]
        if not cidrs and vpc.get("CidrBlock"):
            cidrs = [vpc["CidrBlock"]]
        support = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")
        hostnames = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
        return Vpc(
            vpc_id=vpc_id,
            cidrs=tuple(dict.fromkeys(cidrs)),
            dns_support=support.get("EnableDnsSupport", {}).get("Value"),
            dns_hostnames=hostnames.get("EnableDnsHostnames", {}).get("Value"),
        )

    return _read("ec2:DescribeVpcs", call)


def _service_view(ec2: EC2Client, endpoint: Endpoint, region: str) -> ServiceView | Unknown | None:
    def call() -> ServiceView | None:
        arguments: dict[str, Any] = {"ServiceNames": [endpoint.service_name]}
        if endpoint.service_region and endpoint.service_region != region:
            arguments["ServiceRegions"] = [endpoint.service_region]
        details = ec2.describe_vpc_endpoint_services(**arguments).get("ServiceDetails", [])
        detail = next((d for d in details if d.get("ServiceName") == endpoint.service_name), None)
        if detail is None:
            return None
        return ServiceView(
            service_name=endpoint.service_name,
            availability_zones=tuple(detail.get("AvailabilityZones", [])),
            availability_zone_ids=tuple(detail.get("AvailabilityZoneIds", [])),
            private_dns_name=detail.get("PrivateDnsName"),
            private_dns_state=detail.get("PrivateDnsNameVerificationState"),
            acceptance_required=detail.get("AcceptanceRequired"),
            owner=detail.get("Owner"),
            service_region=detail.get("ServiceRegion"),
        )

    return _read("ec2:DescribeVpcEndpointServices", call)


def _hosted_zone(route53: Route53Client, zone_id: str) -> HostedZone | Unknown:
    def call() -> HostedZone:
        zone = route53.get_hosted_zone(Id=zone_id)
        paginator = route53.get_paginator("list_resource_record_sets")
        records = [
            Record(
                name=r["Name"],
                record_type=str(r["Type"]),
                alias_dns_name=r.get("AliasTarget", {}).get("DNSName"),
                values=tuple(v["Value"] for v in r.get("ResourceRecords", [])),
            )
            for page in paginator.paginate(HostedZoneId=zone_id)
            for r in page.get("ResourceRecordSets", [])
            if r["Type"] in ("A", "AAAA", "CNAME")
        ]
        return HostedZone(
            zone_id=zone_id,
            name=zone["HostedZone"]["Name"].rstrip("."),
            private=bool(zone["HostedZone"].get("Config", {}).get("PrivateZone", False)),
            vpc_ids=tuple(v["VPCId"] for v in zone.get("VPCs", []) if "VPCId" in v),
            records=tuple(records),
        )

    return _read("route53:GetHostedZone", call)


def _interface_addresses(ec2: EC2Client, interface_ids: Sequence[str]) -> tuple[str, ...] | Unknown:
    def call() -> tuple[str, ...]:
        found = ec2.describe_network_interfaces(NetworkInterfaceIds=list(interface_ids))["NetworkInterfaces"]
        addresses = [
            a["PrivateIpAddress"]
            for i in found
            for a in i.get("PrivateIpAddresses", [])
            if "PrivateIpAddress" in a
        ]
        addresses += [
            a["Ipv6Address"] for i in found for a in i.get("Ipv6Addresses", []) if "Ipv6Address" in a
        ]
        return tuple(dict.fromkeys(addresses))

    if not interface_ids:
        return ()
    return _read("ec2:DescribeNetworkInterfaces", call)


def gather_consumer(
    clients: Clients,
    endpoint_id: str,
    *,
    stack: StackInfo | None = None,
    peers: Sequence[str] = (),
) -> ConsumerFacts:
    """Read everything the consumer checks need (about 12 read calls)."""
    account = _account(clients.sts)
    endpoint = _endpoint(clients.ec2, endpoint_id)
    outputs = stack.outputs if stack is not None else {}
    found = known(endpoint) if endpoint is not None else None
    if found is None:
        return ConsumerFacts(
            region=clients.region,
            account=account,
            endpoint_id=endpoint_id,
            endpoint=endpoint,
            peers=tuple(peers),
            profile=clients.profile,
        )
    zone_id = outputs.get("HostedZoneId") or next(
        iter(stack.physical_ids("AWS::Route53::HostedZone") if stack is not None else []), None
    )
    return ConsumerFacts(
        region=clients.region,
        account=account,
        endpoint_id=endpoint_id,
        endpoint=found,
        subnets=_subnets(clients.ec2, subnet_ids=found.subnet_ids),
        zone_ids=_zone_ids(clients.ec2),
        network_acls=_network_acls(clients.ec2, found.subnet_ids),
        security_groups=_security_groups(clients.ec2, found.security_group_ids),
        vpc=_vpc(clients.ec2, found.vpc_id),
        service_view=_service_view(clients.ec2, found, clients.region),
        hosted_zone=_hosted_zone(clients.route53, zone_id) if zone_id else None,
        interface_addresses=_interface_addresses(clients.ec2, found.network_interface_ids),
        declared_ports=_ports(outputs.get("Ports")),
        client_hostname=outputs.get("ClientHostname") or None,
        peers=tuple(peers),
        profile=clients.profile,
    )


# ---- actions (only with --fix / --probe) ------------------------------------------------------


def accept_connections(ec2: EC2Client, service_id: str, endpoint_ids: Sequence[str]) -> list[str]:
    """Accept pending connection requests; returns one line per endpoint saying what happened."""
    response = _must(
        lambda: ec2.accept_vpc_endpoint_connections(ServiceId=service_id, VpcEndpointIds=list(endpoint_ids))
    )
    failures = {
        item.get("ResourceId", ""): item.get("Error", {}).get("Message", "refused")
        for item in response.get("Unsuccessful", [])
    }
    return [
        f"could not accept {endpoint_id}: {failures[endpoint_id]}"
        if endpoint_id in failures
        else f"accepted {endpoint_id} on {service_id}"
        for endpoint_id in endpoint_ids
    ]


def start_private_dns_verification(ec2: EC2Client, service_id: str) -> str:
    """Ask AWS to check the domain-verification TXT record again."""
    _must(lambda: ec2.start_vpc_endpoint_service_private_dns_verification(ServiceId=service_id))
    return f"started private DNS verification of {service_id} (AWS checks the TXT record within minutes)"


@dataclass(frozen=True)
class InvokeResult:
    """What a Lambda invocation returned."""

    payload: Any
    error: str | None = None
    log_tail: str | None = field(default=None, repr=False)


def log_group_of(lambda_: LambdaClient, name: str) -> str:
    """The function's log group: its logging configuration's, else the default one."""
    config = known(
        _read(
            "lambda:GetFunctionConfiguration", lambda: lambda_.get_function_configuration(FunctionName=name)
        )
    )
    log_group = config.get("LoggingConfig", {}).get("LogGroup") if config is not None else None
    return log_group or f"/aws/lambda/{name}"


def invoke_function(lambda_: LambdaClient, name: str, payload: Mapping[str, Any]) -> InvokeResult:
    """Invoke a function synchronously with a JSON payload; a function error is reported, not raised."""
    response = _must(
        lambda: lambda_.invoke(
            FunctionName=name, InvocationType="RequestResponse", Payload=json.dumps(payload)
        )
    )
    body = response["Payload"].read().decode("utf-8") if "Payload" in response else ""
    try:
        decoded: Any = json.loads(body) if body else None
    except ValueError:
        decoded = body
    if response.get("FunctionError"):
        message = decoded.get("errorMessage", body) if isinstance(decoded, dict) else body
        return InvokeResult(payload=decoded, error=str(message))
    return InvokeResult(payload=decoded)
