"""Checks that need both sides: the endpoint connects to this service, on the same ports."""

from __future__ import annotations

from privatelink_constructs.cli.facts import known
from privatelink_constructs.cli.model import Check, failed, passed, warned

from .common import Context, consumer_ports, provider_ports

__all__ = ["check_ports", "check_service_name"]


def check_service_name(ctx: Context) -> Check | None:
    """The consumer's endpoint connects to the provider's service, not to another one."""
    service = ctx.service
    if service is None or ctx.consumer is None:
        return None
    endpoint = known(ctx.consumer.endpoint)
    if endpoint is None:
        return None
    if endpoint.service_name != service.service_name:
        return failed(
            "link.service",
            "link",
            f"{endpoint.endpoint_id} connects to {endpoint.service_name}, not to {service.service_name}",
            "check that --provider-stack/--service-id and --consumer-stack/--endpoint-id name the two sides "
            "of "
            "one link, or point the consumer's service_name at this service",
        )
    return passed("link.service", "link", f"{endpoint.endpoint_id} connects to {service.service_name}")


def check_ports(ctx: Context) -> Check | None:
    """The ports the consumer opens are the ports the provider listens on."""
    if ctx.provider is None or ctx.consumer is None:
        return None
    served = set(provider_ports(ctx))
    used = set(consumer_ports(ctx))
    if not served or not used:
        return warned(
            "link.ports",
            "link",
            f"cannot compare ports (provider: {sorted(served) or 'unknown'}, consumer: "
            f"{sorted(used) or 'unknown'})",
            "give both stacks a Ports output, or run the doctor with access to the NLB and the endpoint's "
            "security group",
        )
    extra = sorted(used - served)
    if extra:
        return failed(
            "link.ports",
            "link",
            f"the consumer uses port {', '.join(map(str, extra))}, where the provider has no listener "
            f"(provider: {', '.join(map(str, sorted(served)))})",
            "add the port to provider.ports, or remove it from the consumer's ports",
        )
    unused = sorted(served - used)
    if unused:
        return warned(
            "link.ports",
            "link",
            f"the provider also serves {', '.join(map(str, unused))}, which the consumer does not open",
            "add the port to the consumer's ports if its clients need it",
        )
    return passed("link.ports", "link", f"both sides use {', '.join(map(str, sorted(served)))}")
