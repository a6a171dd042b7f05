"""Pure decisions of the connection acceptor: which pending requests to accept.

No boto3 here: plain data in, plain data out, so the rules can be tested exhaustively. A request
is accepted only when it is pending, its owner account is in the acceptor's list, and the
service's live permissions still allow that account (an account just removed from the
allowlist is never accepted, even while a deploy is under way).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

PENDING = "pendingAcceptance"

_PRINCIPAL_ACCOUNT = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):")

NOT_LISTED = "owner account is not in auto_accept_principals"
NOT_ALLOWED = "owner account is no longer in the service's allowed principals"


@dataclass(frozen=True)
class ConnectionRequest:
    """One endpoint connection to the service, as DescribeVpcEndpointConnections reports it."""

    endpoint_id: str
    owner: str
    state: str


@dataclass(frozen=True)
class Allowlist:
    """Who the service's permissions allow right now."""

    everyone: bool = False
    accounts: frozenset[str] = frozenset()

    def allows(self, account: str) -> bool:
        """Whether a principal of ``account`` may connect."""
        return self.everyone or account in self.accounts


def allowlist(principals: Iterable[str]) -> Allowlist:
    """The accounts of the allowed principals (account roots, roles and users), or everyone."""
    listed = list(principals)
    accounts = set()
    for principal in listed:
        match = _PRINCIPAL_ACCOUNT.match(principal)
        if match:
            accounts.add(match.group(1))
    return Allowlist(everyone="*" in listed, accounts=frozenset(accounts))


@dataclass(frozen=True)
class Decision:
    """What to do with the requests seen in one run."""

    accept: tuple[str, ...]
    """Endpoint IDs to accept: pending, owned by a listed account the service still allows."""
    leave_pending: tuple[tuple[ConnectionRequest, str], ...]
    """Other pending requests, each with the reason: left for a human, never rejected."""


def decide(
    requests: Iterable[ConnectionRequest], auto_accept_accounts: frozenset[str], allowed: Allowlist
) -> Decision:
    """Accept pending requests of listed, still-allowed accounts; leave every other one alone."""
    accept: set[str] = set()
    leave: list[tuple[ConnectionRequest, str]] = []
    for request in requests:
        if request.state != PENDING:
            continue
        if request.owner not in auto_accept_accounts:
            leave.append((request, NOT_LISTED))
        elif not allowed.allows(request.owner):
            leave.append((request, NOT_ALLOWED))
        else:
            accept.add(request.endpoint_id)
    return Decision(accept=tuple(sorted(accept)), leave_pending=tuple(leave))
