"""The doctor's output: readable text (grouped by side, failures first) or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .model import SIDES, Check, Status

__all__ = ["as_json", "as_text"]

_LABELS = {Status.FAIL: "FAIL", Status.WARN: "WARN", Status.PASS: "ok  "}
_ID_COLUMN = 28
"""The widest ID column: a longer ID (``probe.dns:<an endpoint's regional name>``) has its summary
on the next line rather than pushing every other summary to the right."""


def _ordered(checks: Sequence[Check]) -> list[Check]:
    position = {id(check): index for index, check in enumerate(checks)}
    return sorted(checks, key=lambda c: (SIDES.index(c.side), c.status.rank, position[id(c)]))


def _totals(checks: Sequence[Check]) -> dict[str, int]:
    return {status.value: sum(1 for c in checks if c.status is status) for status in Status}


def as_text(checks: Sequence[Check], *, title: str, actions: Sequence[str] = ()) -> str:
    """Checks grouped by side, failures first, each non-pass with its fix on the next line."""
    lines = [title]
    if actions:
        lines += ["", "--fix:"] + [f"  {line}" for line in actions]
    ordered = _ordered(checks)
    width = min(max((len(c.id) for c in ordered), default=0), _ID_COLUMN)
    indent = " " * (8 + width + 2)
    for side in SIDES:
        group = [c for c in ordered if c.side == side]
        if not group:
            continue
        lines += ["", side]
        for check in group:
            if len(check.id) <= width:
                lines.append(f"  {_LABELS[check.status]}  {check.id.ljust(width)}  {check.summary}")
            else:
                lines += [f"  {_LABELS[check.status]}  {check.id}", indent + check.summary]
            if check.fix:
                lines.append(f"{indent}fix: {check.fix}")
    totals = _totals(checks)
    lines += ["", f"{totals['fail']} failed, {totals['warn']} warning(s), {totals['pass']} passed"]
    return "\n".join(lines) + "\n"


def as_json(checks: Sequence[Check], *, actions: Sequence[str] = ()) -> str:
    """``{"checks": [{"id", "side", "status", "summary", "fix"}], "summary": {...}, "fixed": [...]}``."""
    document = {
        "checks": [check.as_dict() for check in _ordered(checks)],
        "summary": _totals(checks),
        "fixed": list(actions),
    }
    return json.dumps(document, indent=2) + "\n"
