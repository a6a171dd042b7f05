"""Lambda adapter of the connection acceptor: settings, the EC2 client, the run.

Triggered by the endpoint service's connection notifications (SNS) and by a scheduled sweep
(EventBridge, every 5 minutes by default) that catches requests whose notification was lost.
Either way the event is only a trigger: the function lists the service's pending requests
itself, reads the service's live permissions, and accepts requests whose owner account is both
listed and still allowed. It never rejects. Another run having accepted a request first is not
a failure; any other failure raises, so Lambda's Errors metric (and its alarm) sees it, and the
invocation goes to the failure queue after Lambda's retries.

Logs go through ``logging``: with Lambda's JSON log format, each call is one JSON object with
the request ID and the ``extra`` fields.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

from .plan import PENDING, ConnectionRequest, allowlist, decide

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

MAX_IDS_PER_CALL = 100

LOGGER = logging.getLogger("privatelink_cdk.connection_acceptor")

_SERVICE_ID = re.compile(r"^vpce-svc-[0-9a-f]{8,17}$")
_ACCOUNT = re.compile(r"^\d{12}$")


class AcceptFailedError(RuntimeError):
    """EC2 refused to accept at least one connection request that is still pending."""


class InputError(ValueError):
    """The environment or the event is not what this function handles."""


@dataclass(frozen=True)
class Settings:
    """The function's configuration, read from its environment."""

    service_id: str
    auto_accept_accounts: frozenset[str]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``SERVICE_ID`` and ``AUTO_ACCEPT_ACCOUNTS`` (comma-separated account IDs)."""
        env = os.environ if environ is None else environ
        problems = []
        service_id = env.get("SERVICE_ID", "")
        if not _SERVICE_ID.match(service_id):
            problems.append(f"SERVICE_ID: {service_id!r} is not an endpoint service ID (vpce-svc-...)")
        accounts = frozenset(a.strip() for a in env.get("AUTO_ACCEPT_ACCOUNTS", "").split(",") if a.strip())
        bad = sorted(a for a in accounts if not _ACCOUNT.match(a))
        if bad or not accounts:
            problems.append(f"AUTO_ACCEPT_ACCOUNTS: expected 12-digit account IDs, got {sorted(accounts)}")
        if problems:
            raise InputError("invalid environment: " + "; ".join(problems))
        return cls(service_id=service_id, auto_accept_accounts=accounts)


def trigger_of(event: object) -> str:
    """``notification`` (SNS), ``sweep`` (the schedule) or ``manual`` (``{}``); else ``InputError``."""
    if not isinstance(event, Mapping):
        raise InputError(f"event: expected a JSON object, got {type(event).__name__}")
    if not event:
        return "manual"
    records = event.get("Records")
    if (
        isinstance(records, list)
        and records
        and all(isinstance(r, Mapping) and r.get("EventSource") == "aws:sns" for r in records)
    ):
        return "notification"
    if event.get("source") == "aws.events":
        return "sweep"
    raise InputError("event: expected SNS notification records, a scheduled event or {}")


def _requests(ec2: EC2Client, filters: list[Any]) -> list[ConnectionRequest]:
    pages = ec2.get_paginator("describe_vpc_endpoint_connections").paginate(Filters=filters)
    return [
        ConnectionRequest(
            endpoint_id=connection["VpcEndpointId"],
            owner=connection["VpcEndpointOwner"],
            state=connection["VpcEndpointState"],
        )
        for page in pages
        for connection in page.get("VpcEndpointConnections", [])
    ]


def pending_requests(ec2: EC2Client, service_id: str) -> list[ConnectionRequest]:
    """All connection requests of the service that wait for acceptance."""
    return _requests(
        ec2,
        [
            {"Name": "service-id", "Values": [service_id]},
            {"Name": "vpc-endpoint-state", "Values": [PENDING]},
        ],
    )


def allowed_principals(ec2: EC2Client, service_id: str) -> list[str]:
    """The service's allowed principals now (not as the last deploy left them)."""
    pages = ec2.get_paginator("describe_vpc_endpoint_service_permissions").paginate(ServiceId=service_id)
    return [p["Principal"] for page in pages for p in page.get("AllowedPrincipals", []) if "Principal" in p]


def _still_pending(ec2: EC2Client, service_id: str, endpoint_ids: list[str]) -> set[str]:
    requests = _requests(
        ec2,
        [
            {"Name": "service-id", "Values": [service_id]},
            {"Name": "vpc-endpoint-id", "Values": endpoint_ids},
        ],
    )
    return {r.endpoint_id for r in requests if r.state == PENDING}


def _accept(ec2: EC2Client, settings: Settings, endpoint_ids: tuple[str, ...]) -> list[dict[str, Any]]:
    """Accept in batches; returns the failures of requests that are still pending afterwards."""
    failures: list[dict[str, Any]] = []
    for start in range(0, len(endpoint_ids), MAX_IDS_PER_CALL):
        batch = list(endpoint_ids[start : start + MAX_IDS_PER_CALL])
        response = ec2.accept_vpc_endpoint_connections(ServiceId=settings.service_id, VpcEndpointIds=batch)
        failed = {str(item.get("ResourceId")): dict(item) for item in response.get("Unsuccessful", [])}
        # A concurrent run (a notification and the sweep) may have accepted it first: not a failure.
        pending = _still_pending(ec2, settings.service_id, sorted(failed)) if failed else set()
        for endpoint_id in batch:
            if endpoint_id in pending:
                failures.append(failed[endpoint_id])
            else:
                event = "already_handled" if endpoint_id in failed else "accepted"
                LOGGER.info(event, extra={"service_id": settings.service_id, "endpoint_id": endpoint_id})
    return failures


def run(settings: Settings, ec2: EC2Client, *, trigger: str = "manual") -> dict[str, Any]:
    """List pending requests, check the live allowlist, accept, report what was done."""
    pending = pending_requests(ec2, settings.service_id)
    candidates = [r for r in pending if r.owner in settings.auto_accept_accounts]
    principals = allowed_principals(ec2, settings.service_id) if candidates else []
    decision = decide(pending, settings.auto_accept_accounts, allowlist(principals))
    for request, reason in decision.leave_pending:
        LOGGER.info(
            "left_pending",
            extra={
                "service_id": settings.service_id,
                "endpoint_id": request.endpoint_id,
                "owner": request.owner,
                "reason": reason,
            },
        )
    failures = _accept(ec2, settings, decision.accept)
    if failures:
        LOGGER.error("accept_failed", extra={"service_id": settings.service_id, "failures": failures})
        raise AcceptFailedError(f"could not accept {len(failures)} connection request(s): {failures}")
    LOGGER.info(
        "swept" if trigger == "sweep" else "handled",
        extra={"service_id": settings.service_id, "trigger": trigger, "pending": len(pending)},
    )
    return {
        "accepted": list(decision.accept),
        "left_pending": [request.endpoint_id for request, _ in decision.leave_pending],
    }


def handle(
    event: object,
    *,
    environ: Mapping[str, str] | None = None,
    client: Callable[[], EC2Client] | None = None,
) -> dict[str, Any]:
    """The handler with its environment and client as parameters (the tests replace them)."""
    try:
        trigger = trigger_of(event)
        settings = Settings.from_env(environ)
    except InputError as error:
        LOGGER.error("invalid_input", extra={"error": str(error)})
        raise
    ec2 = client() if client is not None else boto3.client("ec2")
    return run(settings, ec2, trigger=trigger)


def handler(event: object, context: object) -> dict[str, Any]:
    """Lambda entry point."""
    return handle(event)
