"""Lambda's Python runtime, as far as the handlers' tests need it: the context and the JSON logs.

With the JSON log format, the runtime's formatter writes every ``logging`` call as one JSON object
with ``timestamp``, ``level``, ``message``, ``logger`` and ``requestId`` (set by a filter from
the current invocation), plus every ``extra`` field as a top-level key; the values must be JSON
(its encoder has no fallback). ``lambda_logging`` installs the same on the root logger.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass
class FakeContext:
    """Lambda's context object: a request ID and the time left."""

    aws_request_id: str = "11111111-2222-3333-4444-555555555555"
    remaining_ms: int = 90_000

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left (fixed)."""
        return self.remaining_ms


class LambdaJsonFormatter(logging.Formatter):
    """Lambda's JSON log format for Python: fixed keys, the request ID, and every ``extra`` field."""

    _RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "aws_request_id"}

    def format(self, record: logging.LogRecord) -> str:
        """One JSON object, as the runtime's formatter writes it."""
        result: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", None),
        }
        result |= {k: v for k, v in vars(record).items() if k not in self._RESERVED and k not in result}
        # Lambda's encoder has no fallback for other types: a value it cannot write is a bug.
        return json.dumps(result)


class _RequestId(logging.Filter):
    def __init__(self, request_id: str) -> None:
        super().__init__()
        self.request_id = request_id

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


@contextmanager
def lambda_logging(request_id: str = FakeContext.aws_request_id) -> Iterator[None]:
    """Logs as Lambda writes them with the JSON log format and level INFO: to stdout, one object a line."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(LambdaJsonFormatter())
    handler.addFilter(_RequestId(request_id))
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
