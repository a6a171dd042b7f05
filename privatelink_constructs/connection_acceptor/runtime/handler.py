"""Lambda adapter of the connection acceptor: settings, the EC2 client, logging.

Triggered by the endpoint service's connection notifications (SNS). The message is only a
trigger: the function lists the service's pending connection requests itself, so a lost or
reordered notification is repaired by the next one. It accepts requests from allowlisted accounts
and never rejects. Any failure raises, so Lambda's Errors metric (and its alarm) sees it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

from .plan import ConnectionRequest, decide

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

MAX_IDS_PER_CALL = 100


class AcceptFailedError(RuntimeError):
    """EC2 refused to accept at least one connection request."""


@dataclass(frozen=True)
class Settings:
    """The function's configuration, read from its environment."""

    service_id: str
    auto_accept_accounts: frozenset[str]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``SERVICE_ID`` and ``AUTO_ACCEPT_ACCOUNTS`` (comma-separated account IDs)."""
        env = os.environ if environ is None else environ
        accounts = frozenset(a.strip() for a in env["AUTO_ACCEPT_ACCOUNTS"].split(",") if a.strip())
        return cls(service_id=env["SERVICE_ID"], auto_accept_accounts=accounts)


def log(event: str, **fields: object) -> None:
    """Write one JSON object per line to the function's log."""
    sys.stdout.write(json.dumps({"event": event, **fields}, sort_keys=True, default=str) + "\n")


def pending_requests(ec2: EC2Client, service_id: str) -> list[ConnectionRequest]:
    """All connection requests of the service that wait for acceptance."""
    paginator = ec2.get_paginator("describe_vpc_endpoint_connections")
    pages = paginator.paginate(
        Filters=[
            {"Name": "service-id", "Values": [service_id]},
            {"Name": "vpc-endpoint-state", "Values": ["pendingAcceptance"]},
        ]
    )
    return [
        ConnectionRequest(
            endpoint_id=connection["VpcEndpointId"],
            owner=connection["VpcEndpointOwner"],
            state=connection["VpcEndpointState"],
        )
        for page in pages
        for connection in page.get("VpcEndpointConnections", [])
    ]


def run(settings: Settings, ec2: EC2Client) -> dict[str, Any]:
    """List pending requests, accept the allowlisted ones, report what was done."""
    decision = decide(pending_requests(ec2, settings.service_id), settings.auto_accept_accounts)
    for request in decision.leave_pending:
        log(
            "left_pending",
            service_id=settings.service_id,
            endpoint_id=request.endpoint_id,
            owner=request.owner,
            reason="owner account is not in auto_accept_principals",
        )
    failures: list[dict[str, Any]] = []
    for start in range(0, len(decision.accept), MAX_IDS_PER_CALL):
        batch = list(decision.accept[start : start + MAX_IDS_PER_CALL])
        response = ec2.accept_vpc_endpoint_connections(ServiceId=settings.service_id, VpcEndpointIds=batch)
        failed = response.get("Unsuccessful", [])
        failures.extend(dict(item) for item in failed)
        failed_ids = {item.get("ResourceId") for item in failed}
        for endpoint_id in batch:
            if endpoint_id not in failed_ids:
                log("accepted", service_id=settings.service_id, endpoint_id=endpoint_id)
    if failures:
        log("accept_failed", service_id=settings.service_id, failures=failures)
        raise AcceptFailedError(f"could not accept {len(failures)} connection request(s): {failures}")
    return {
        "accepted": list(decision.accept),
        "left_pending": [request.endpoint_id for request in decision.leave_pending],
    }


def handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    """Lambda entry point."""
    settings = Settings.from_env()
    log("invoked", service_id=settings.service_id, records=len(event.get("Records", [])))
    return run(settings, boto3.client("ec2"))
