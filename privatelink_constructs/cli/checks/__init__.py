"""Every check of a link, as pure functions of both sides' facts: ``run_checks(context)``."""

from __future__ import annotations

from collections.abc import Callable

from privatelink_constructs.cli.model import Check

from . import consumer, link, provider
from .common import Context

__all__ = ["CHECKS", "Context", "run_checks"]

CHECKS: tuple[Callable[[Context], Check | None], ...] = (
    provider.check_service,
    provider.check_load_balancer,
    provider.check_listeners,
    provider.check_targets,
    provider.check_inbound_rules,
    provider.check_allowlist,
    provider.check_connection_requests,
    provider.check_private_dns,
    provider.check_regions,
    provider.check_database_targets,
    consumer.check_endpoint,
    consumer.check_availability_zones,
    consumer.check_security_group,
    consumer.check_network_acls,
    consumer.check_vpc_dns,
    consumer.check_dns_entries,
    consumer.check_private_dns,
    link.check_service_name,
    link.check_ports,
)
"""The single-result checks, in report order within each side."""


def run_checks(context: Context) -> list[Check]:
    """Run every check that applies to what was read."""
    results = [check(context) for check in CHECKS]
    found = [result for result in results if result is not None]
    found.extend(provider.check_functions(context))
    return found
