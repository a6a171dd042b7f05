"""``doctor --fix``: the only two changes the doctor makes, decided as a pure function.

1. Accept a pending connection request whose owner account is named in the service's allowlist
   (never through ``*``): the consumer's own request when a consumer was given, else every such
   request, as the auto-acceptor would.
2. Start private DNS verification when the name is not verified and the TXT record is not known
   to be missing.
Everything else is reported with its fix for a human to apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .checks.common import Context, account_of, endpoint_state
from .facts import known

__all__ = ["FixAction", "plan_fixes"]


@dataclass(frozen=True)
class FixAction:
    """One change to make on the provider side."""

    kind: Literal["accept", "verify-private-dns"]
    service_id: str
    endpoint_ids: tuple[str, ...] = ()
    reason: str = ""


def plan_fixes(ctx: Context) -> tuple[list[FixAction], list[str]]:
    """The safe changes to make, and a line for each one that was wanted but is not safe."""
    provider = ctx.provider
    service = ctx.service
    if provider is None or service is None:
        return [], ["--fix changes only the provider side: give --provider-stack or --service-id"]
    actions: list[FixAction] = []
    skipped: list[str] = []
    principals = known(provider.allowed_principals) or ()
    allowed_accounts = {account for p in principals if p != "*" for account in [account_of(p)] if account}
    pending: list[tuple[str, str]] = []
    consumer_endpoint = (
        known(ctx.consumer.endpoint) if ctx.consumer is not None and ctx.consumer.endpoint else None
    )
    if consumer_endpoint is not None:
        if endpoint_state(consumer_endpoint.state) == "pendingacceptance":
            pending.append(
                (consumer_endpoint.endpoint_id, consumer_endpoint.owner or ctx.consumer_account or "")
            )
    elif ctx.consumer is None:
        connections = known(provider.connections) or ()
        pending = [
            (c.endpoint_id, c.owner) for c in connections if endpoint_state(c.state) == "pendingacceptance"
        ]
    accept = tuple(endpoint for endpoint, owner in pending if owner in allowed_accounts)
    for endpoint, owner in pending:
        if owner not in allowed_accounts:
            skipped.append(
                f"not accepting {endpoint}: its account {owner or '?'} is not named in the allowlist"
                + (" ('*' does not count)" if "*" in principals else "")
            )
    if accept:
        actions.append(
            FixAction("accept", service.service_id, accept, "pending, from an allowlisted account")
        )
    state = service.private_dns_state
    if service.private_dns_name and state in ("pendingVerification", "failed"):
        if provider.txt_record is not None and provider.txt_record.found is False:
            skipped.append(
                f"not starting verification of {service.private_dns_name}: the TXT record is missing "
                f"({provider.txt_record.where})"
            )
        else:
            actions.append(
                FixAction(
                    "verify-private-dns", service.service_id, reason=f"{service.private_dns_name} is {state}"
                )
            )
    return actions, skipped
