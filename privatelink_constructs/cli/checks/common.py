"""What every check reads: the ``Context`` (both sides' facts and the time), and small helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from privatelink_constructs._patterns import ACCOUNT_ID
from privatelink_constructs.cli.facts import (
    ConsumerFacts,
    LoadBalancer,
    ProviderFacts,
    ServiceConfig,
    Unknown,
    known,
)
from privatelink_constructs.cli.netrules import rule_ports

__all__ = [
    "Context",
    "account_of",
    "aws_command",
    "consumer_ports",
    "endpoint_state",
    "how_long",
    "provider_ports",
    "service_zone_ids",
]

_ACCOUNT_IN_ARN = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):")


@dataclass(frozen=True)
class Context:
    """The input of every check: what was read on each side (None when a side was not asked for)."""

    now: datetime
    provider: ProviderFacts | None = None
    consumer: ConsumerFacts | None = None

    @property
    def service(self) -> ServiceConfig | None:
        """The provider's service configuration, when it was read."""
        if self.provider is None:
            return None
        service = self.provider.service
        return None if service is None or isinstance(service, Unknown) else service

    @property
    def load_balancers(self) -> tuple[LoadBalancer, ...]:
        """The provider's NLBs, when they were read."""
        if self.provider is None:
            return ()
        return known(self.provider.load_balancers) or ()

    @property
    def consumer_account(self) -> str | None:
        """The account that owns the consumer's endpoint."""
        if self.consumer is None:
            return None
        endpoint = known(self.consumer.endpoint)
        if endpoint is not None and endpoint.owner:
            return endpoint.owner
        return self.consumer.account

    @property
    def consumer_region(self) -> str | None:
        """The consumer's region."""
        return self.consumer.region if self.consumer is not None else None


def aws_command(command: str, *, region: str | None, profile: str | None) -> str:
    """An AWS CLI command line for this side: ``aws <command> --region R [--profile P]``."""
    line = f"aws {command}"
    if region:
        line += f" --region {region}"
    if profile:
        line += f" --profile {profile}"
    return line


def how_long(since: datetime | None, now: datetime) -> str:
    """A short human duration since ``since`` (``3d 4h``, ``12m``), or ``an unknown time``."""
    if since is None:
        return "an unknown time"
    seconds = max(0, int((now - since).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m"
    return f"{seconds}s"


def account_of(principal: str) -> str | None:
    """The 12-digit account of an IAM principal ARN (or of a bare account ID)."""
    if ACCOUNT_ID.fullmatch(principal):
        return principal
    match = _ACCOUNT_IN_ARN.match(principal)
    return match.group(1) if match else None


def endpoint_state(state: str) -> str:
    """An endpoint or connection state in one spelling (the API writes ``pendingAcceptance``)."""
    return state.replace("_", "").replace("-", "").lower()


def provider_ports(ctx: Context) -> tuple[int, ...]:
    """The ports the provider serves: its ``Ports`` output, else its NLB listeners.

    ``provider.listeners`` says when the listeners do not match the output.
    """
    if ctx.provider is not None and ctx.provider.declared_ports:
        return tuple(sorted(ctx.provider.declared_ports))
    return tuple(sorted({listener.port for lb in ctx.load_balancers for listener in lb.listeners}))


def consumer_ports(ctx: Context) -> tuple[int, ...]:
    """The ports the consumer uses: its ``Ports`` output, else its endpoint's single-port rules."""
    consumer = ctx.consumer
    if consumer is None:
        return ()
    if consumer.declared_ports:
        return tuple(sorted(consumer.declared_ports))
    groups = known(consumer.security_groups) or ()
    ports: set[int] = set()
    for group in groups:
        for rule in group.ingress:
            span = rule_ports(rule)
            if span is not None and span[0] == span[1]:
                ports.add(span[0])
    return tuple(sorted(ports))


def service_zone_ids(ctx: Context) -> tuple[str, ...] | None:
    """The zone IDs the service is offered in: first the provider's ``AvailabilityZoneIds`` output.

    Without it: the service's own (by ID, or its zone names mapped in the provider's account),
    else the consumer's view of the service.
    """
    if ctx.provider is not None and ctx.provider.declared_zone_ids:
        return tuple(sorted(ctx.provider.declared_zone_ids))
    service = ctx.service
    if service is not None:
        if service.availability_zone_ids:
            return tuple(sorted(service.availability_zone_ids))
        zone_ids = known(ctx.provider.zone_ids) if ctx.provider is not None else None
        if zone_ids and all(name in zone_ids for name in service.availability_zones):
            return tuple(sorted(zone_ids[name] for name in service.availability_zones))
    if ctx.consumer is not None:
        view = known(ctx.consumer.service_view) if ctx.consumer.service_view is not None else None
        if view is not None:
            if view.availability_zone_ids:
                return tuple(sorted(view.availability_zone_ids))
            zone_ids = known(ctx.consumer.zone_ids)
            if zone_ids and all(name in zone_ids for name in view.availability_zones):
                return tuple(sorted(zone_ids[name] for name in view.availability_zones))
    return None
