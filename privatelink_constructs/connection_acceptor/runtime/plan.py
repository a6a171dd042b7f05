"""Pure decisions of the connection acceptor: which pending requests to accept.

No boto3 here: plain data in, plain data out, so the rules can be tested exhaustively.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PENDING = "pendingAcceptance"


@dataclass(frozen=True)
class ConnectionRequest:
    """One endpoint connection to the service, as DescribeVpcEndpointConnections reports it."""

    endpoint_id: str
    owner: str
    state: str


@dataclass(frozen=True)
class Decision:
    """What to do with the requests seen in one run."""

    accept: tuple[str, ...]
    """Endpoint IDs to accept: pending, and owned by an allowlisted account."""
    leave_pending: tuple[ConnectionRequest, ...]
    """Pending requests from other accounts: left for a human, never rejected."""


def decide(requests: Iterable[ConnectionRequest], auto_accept_accounts: frozenset[str]) -> Decision:
    """Accept pending requests whose owner account is allowlisted; leave every other one alone."""
    accept: list[str] = []
    leave: list[ConnectionRequest] = []
    for request in requests:
        if request.state != PENDING:
            continue
        if request.owner in auto_accept_accounts:
            if request.endpoint_id not in accept:
                accept.append(request.endpoint_id)
        else:
            leave.append(request)
    return Decision(accept=tuple(sorted(accept)), leave_pending=tuple(leave))
