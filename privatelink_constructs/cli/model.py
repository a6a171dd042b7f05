"""What the doctor reports: one ``Check`` per finding, each pass, warn or fail.

Plain data only. A check that is not a pass always carries a fix: the command to run or the
config key to change, so a reader never meets a problem without a next step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

__all__ = ["SIDES", "Check", "Side", "Status", "exit_code", "failed", "passed", "warned"]

Side = Literal["provider", "consumer", "link"]
"""Which side of the link a check looks at; ``link`` needs both."""

SIDES: tuple[Side, ...] = ("provider", "consumer", "link")
"""The sides in report order."""


class Status(StrEnum):
    """A check's outcome, ordered from worst to best by ``rank``."""

    FAIL = "fail"
    WARN = "warn"
    PASS = "pass"  # noqa: S105 - a status, not a password

    @property
    def rank(self) -> int:
        """0 for fail, 1 for warn, 2 for pass: sort by it to put failures first."""
        return {"fail": 0, "warn": 1, "pass": 2}[self.value]


@dataclass(frozen=True)
class Check:
    """One finding about a live link."""

    id: str
    """Stable identifier, ``<side>.<topic>`` (``consumer.endpoint``), or ``probe.tcp:5432``."""
    side: Side
    status: Status
    summary: str
    """One line: what was found."""
    fix: str | None = None
    """What to do about it; required unless the check passed."""

    def __post_init__(self) -> None:
        """Refuse a non-pass without a fix, and multi-line summaries."""
        if self.status is not Status.PASS and not self.fix:
            raise ValueError(f"{self.id}: a {self.status} check needs a fix")
        if "\n" in self.summary:
            raise ValueError(f"{self.id}: the summary must be one line")

    def as_dict(self) -> dict[str, str | None]:
        """The JSON form: ``{"id", "side", "status", "summary", "fix"}``."""
        return {
            "id": self.id,
            "side": self.side,
            "status": self.status.value,
            "summary": self.summary,
            "fix": self.fix,
        }


def passed(check_id: str, side: Side, summary: str) -> Check:
    """A passing check."""
    return Check(check_id, side, Status.PASS, summary)


def warned(check_id: str, side: Side, summary: str, fix: str) -> Check:
    """A warning: the link may work, but something needs attention."""
    return Check(check_id, side, Status.WARN, summary, fix)


def failed(check_id: str, side: Side, summary: str, fix: str) -> Check:
    """A failure: the link does not work (or will not) until it is fixed."""
    return Check(check_id, side, Status.FAIL, summary, fix)


def exit_code(checks: Iterable[Check]) -> int:
    """0 when nothing failed, 1 when any check failed (warnings do not fail)."""
    return 1 if any(check.status is Status.FAIL for check in checks) else 0
