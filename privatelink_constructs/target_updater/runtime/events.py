"""What started a run: the invocation event, parsed strictly before any AWS call.

The function is fed by an SQS FIFO queue (one message group, batch size 1) that EventBridge
fills with the schedule's events and the database's RDS events; it may also be invoked directly
with an EventBridge event, or with ``{}`` for a manual run. Anything else is refused with a
clear error and no AWS call is made.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

FAILOVER_CATEGORIES = frozenset({"failover", "failure", "availability", "recovery", "maintenance"})
"""RDS event categories after which the database's addresses are expected to change soon."""


class EventError(ValueError):
    """The invocation event has a shape this function does not handle."""


@dataclass(frozen=True)
class Trigger:
    """Why this run happens."""

    sources: tuple[str, ...]
    """The EventBridge ``source`` of each event (``aws.events``, ``aws.rds``), or ``manual``."""
    failover: bool = False
    """An RDS event says the database moved: wait (bounded) for the new addresses to show."""


def _eventbridge_event(value: object, where: str) -> tuple[str, bool]:
    if not isinstance(value, Mapping):
        raise EventError(
            f"{where}: expected an EventBridge event (a JSON object), got {type(value).__name__}"
        )
    source = value.get("source")
    if not isinstance(source, str) or not source:
        raise EventError(f"{where}: an EventBridge event needs a 'source' string, got {source!r}")
    detail = value.get("detail", {})
    if not isinstance(detail, Mapping):
        raise EventError(f"{where}.detail: expected a JSON object, got {type(detail).__name__}")
    categories = detail.get("EventCategories", [])
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise EventError(f"{where}.detail.EventCategories: expected a list of strings, got {categories!r}")
    failover = source == "aws.rds" and any(c.lower() in FAILOVER_CATEGORIES for c in categories)
    return source, failover


def _sqs_records(records: object) -> list[tuple[str, bool]]:
    if not isinstance(records, list) or not records:
        raise EventError(f"Records: expected a non-empty list of SQS messages, got {records!r}")
    parsed = []
    for index, record in enumerate(records):
        where = f"Records[{index}]"
        if not isinstance(record, Mapping) or record.get("eventSource") != "aws:sqs":
            raise EventError(f"{where}: expected an SQS message (eventSource 'aws:sqs')")
        body = record.get("body")
        if not isinstance(body, str):
            raise EventError(f"{where}.body: expected a string, got {type(body).__name__}")
        try:
            message = json.loads(body)
        except json.JSONDecodeError as error:
            raise EventError(f"{where}.body: not JSON ({error})") from error
        parsed.append(_eventbridge_event(message, f"{where}.body"))
    return parsed


def parse_event(event: object) -> Trigger:
    """The trigger of this run; raises ``EventError`` on any shape it does not know."""
    if not isinstance(event, Mapping):
        raise EventError(f"event: expected a JSON object, got {type(event).__name__}")
    if not event:
        return Trigger(sources=("manual",))
    parsed = _sqs_records(event["Records"]) if "Records" in event else [_eventbridge_event(event, "event")]
    return Trigger(sources=tuple(s for s, _ in parsed), failover=any(f for _, f in parsed))
