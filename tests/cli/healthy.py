"""A healthy link as plain facts: each check test changes one thing and expects one verdict."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from privatelink_constructs.cli.checks import Context, run_checks
from privatelink_constructs.cli.facts import (
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
    Vpc,
)
from privatelink_constructs.cli.model import Check, Status

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
PROVIDER_ACCOUNT = "111122223333"
CONSUMER_ACCOUNT = "444455556666"
SERVICE_ID = "vpce-svc-0123456789abcdef0"
SERVICE_NAME = f"com.amazonaws.vpce.us-east-1.{SERVICE_ID}"
ENDPOINT_ID = "vpce-0aaaabbbbccccdddd"
REGIONAL_NAME = f"{ENDPOINT_ID}-abcd1234.{SERVICE_ID}.us-east-1.vpce.amazonaws.com"
DB_HOST = "orders.cluster-abcdefghijkl.us-east-1.rds.amazonaws.com"


def tcp_rule(port: int, *cidrs: str, groups: tuple[str, ...] = ()) -> SecurityGroupRule:
    return SecurityGroupRule("tcp", port, port, cidrs=cidrs, group_ids=groups)


def default_acl(subnets: tuple[str, ...]) -> NetworkAcl:
    """The default network ACL: allow everything, then the final deny."""
    return NetworkAcl(
        "acl-default",
        subnets,
        (
            AclEntry(100, False, "-1", True, "0.0.0.0/0"),
            AclEntry(32767, False, "-1", False, "0.0.0.0/0"),
            AclEntry(100, True, "-1", True, "0.0.0.0/0"),
            AclEntry(32767, True, "-1", False, "0.0.0.0/0"),
        ),
    )


def target_group(
    port: int, *targets: Target, cross_zone: str = "use_load_balancer_configuration"
) -> TargetGroup:
    return TargetGroup(f"arn:tg/port{port}", f"port{port}", port, "TCP", "ip", cross_zone, targets)


def healthy_target(address: str, port: int = 5432, zone: str | None = None) -> Target:
    return Target(address, port, zone, "healthy")


def service(**overrides: Any) -> ServiceConfig:
    values: dict[str, Any] = {
        "service_id": SERVICE_ID,
        "service_name": SERVICE_NAME,
        "state": "Available",
        "types": ("Interface",),
        "acceptance_required": True,
        "availability_zones": ("us-east-1a", "us-east-1b"),
        "availability_zone_ids": ("use1-az1", "use1-az2"),
        "network_load_balancer_arns": ("arn:nlb",),
    }
    values.update(overrides)
    return ServiceConfig(**values)


def load_balancer(**overrides: Any) -> LoadBalancer:
    values: dict[str, Any] = {
        "arn": "arn:nlb",
        "name": "provider-nlb",
        "lb_type": "network",
        "scheme": "internal",
        "state": "active",
        "state_reason": None,
        "vpc_id": "vpc-provider",
        "availability_zones": ("us-east-1a", "us-east-1b"),
        "security_group_ids": ("sg-nlb",),
        "enforce_inbound_on_privatelink": "off",
        "cross_zone": True,
        "listeners": (Listener(5432, "TCP", ("arn:tg/port5432",)),),
        "target_groups": (target_group(5432, healthy_target("10.40.0.10"), healthy_target("10.40.1.10")),),
        "security_groups": (SecurityGroup("sg-nlb"),),
        "subnets": (
            Subnet("subnet-pa", "vpc-provider", "us-east-1a", "use1-az1", "10.40.0.0/24"),
            Subnet("subnet-pb", "vpc-provider", "us-east-1b", "use1-az2", "10.40.1.0/24"),
        ),
    }
    values.update(overrides)
    return LoadBalancer(**values)


def provider(**overrides: Any) -> ProviderFacts:
    values: dict[str, Any] = {
        "region": "us-east-1",
        "account": PROVIDER_ACCOUNT,
        "service_id": SERVICE_ID,
        "service": service(),
        "allowed_principals": (f"arn:aws:iam::{CONSUMER_ACCOUNT}:root",),
        "connections": (Connection(ENDPOINT_ID, CONSUMER_ACCOUNT, "available", NOW - timedelta(days=1)),),
        "load_balancers": (load_balancer(),),
        "zone_ids": {"us-east-1a": "use1-az1", "us-east-1b": "use1-az2"},
    }
    values.update(overrides)
    return ProviderFacts(**values)


def endpoint(**overrides: Any) -> Endpoint:
    values: dict[str, Any] = {
        "endpoint_id": ENDPOINT_ID,
        "endpoint_type": "Interface",
        "state": "available",
        "created": NOW - timedelta(days=1),
        "service_name": SERVICE_NAME,
        "vpc_id": "vpc-consumer",
        "owner": CONSUMER_ACCOUNT,
        "subnet_ids": ("subnet-ca", "subnet-cb"),
        "security_group_ids": ("sg-endpoint",),
        "private_dns_enabled": False,
        "dns_entries": (DnsEntry(REGIONAL_NAME, "Z7HUB22UULQXV"),),
        "network_interface_ids": ("eni-a", "eni-b"),
    }
    values.update(overrides)
    return Endpoint(**values)


def consumer(**overrides: Any) -> ConsumerFacts:
    values: dict[str, Any] = {
        "region": "us-east-1",
        "account": CONSUMER_ACCOUNT,
        "endpoint_id": ENDPOINT_ID,
        "endpoint": endpoint(),
        # The consumer's zone names differ from the provider's; the zone IDs are what match.
        "subnets": (
            Subnet("subnet-ca", "vpc-consumer", "us-east-1c", "use1-az1", "10.60.0.0/24"),
            Subnet("subnet-cb", "vpc-consumer", "us-east-1d", "use1-az2", "10.60.1.0/24"),
        ),
        "zone_ids": {"us-east-1c": "use1-az1", "us-east-1d": "use1-az2"},
        "network_acls": (default_acl(("subnet-ca", "subnet-cb")),),
        "security_groups": (SecurityGroup("sg-endpoint", ingress=(tcp_rule(5432, "10.60.0.0/16"),)),),
        "vpc": Vpc("vpc-consumer", ("10.60.0.0/16",), True, True),
        "service_view": ServiceView(
            SERVICE_NAME, ("us-east-1c", "us-east-1d"), (), None, None, True, PROVIDER_ACCOUNT
        ),
        "hosted_zone": HostedZone(
            "Z0PHZ",
            "example.internal",
            True,
            ("vpc-consumer",),
            (Record("db.example.internal.", "A", REGIONAL_NAME + "."),),
        ),
        "interface_addresses": ("10.60.0.12", "10.60.1.12"),
    }
    values.update(overrides)
    return ConsumerFacts(**values)


def context(
    *, provider_facts: ProviderFacts | None = None, consumer_facts: ConsumerFacts | None = None
) -> Context:
    return Context(now=NOW, provider=provider_facts or provider(), consumer=consumer_facts or consumer())


def only(checks: list[Check], check_id: str) -> Check:
    found = [c for c in checks if c.id == check_id]
    assert len(found) == 1, f"expected one {check_id}, got {[c.id for c in checks]}"
    return found[0]


def verdict(ctx: Context, check_id: str) -> Check:
    """The one check of ``check_id`` in a full run over ``ctx``."""
    return only(run_checks(ctx), check_id)


def with_database(
    facts: ProviderFacts, addresses: tuple[str, ...] | None = ("10.40.0.10", "10.40.1.10")
) -> ProviderFacts:
    return replace(facts, database=DatabaseAddresses(DB_HOST, addresses, None if addresses else "NXDOMAIN"))


def function(role: str, **overrides: Any) -> FunctionHealth:
    values: dict[str, Any] = {
        "role": role,
        "name": role.replace(" ", "-"),
        "state": "Active",
        "state_reason": None,
        "errors": 0,
        "invocations": 60,
        "window_minutes": 60,
        "log_group": f"/aws/lambda/{role.replace(' ', '-')}",
    }
    values.update(overrides)
    return FunctionHealth(**values)


__all__ = ["NOW", "Status"]
