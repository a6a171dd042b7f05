"""Synthesize the default app and every example with all five cdk-nag packs: ``make compliance``.

    python scripts/compliance.py OUTDIR

Runs the app's entry point (``app.main``) once per config, in one process, with cdk.json's
context plus ``compliance=all`` (and ``config=examples/<name>.yaml``), into ``OUTDIR/<name>/``:
the templates (which ``make compliance`` then gives to checkov) and each app's
``compliance-report.json``. Prints one line (apps, acknowledgments, findings left, seconds), and
exits 1, naming each problem, when an app fails to synthesize or leaves a finding unacknowledged.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from aws_cdk import App

import app as entry_point
from stacks.compliance import ALL_PACKS, CONTEXT_KEY, REPORT_FILE

ROOT = Path(__file__).resolve().parent.parent


def configs() -> dict[str, str | None]:
    """Each app to check: the default (cdk.json's own config), then every example by name."""
    examples = {path.stem: str(path.relative_to(ROOT)) for path in sorted((ROOT / "examples").glob("*.yaml"))}
    return {"default": None, **examples}


def check(name: str, config: str | None, outdir: Path, context: dict[str, Any]) -> tuple[int, list[str]]:
    """Synthesize one app into ``outdir / name``: its acknowledgments and its problems (none: it passes)."""
    extra = {CONTEXT_KEY: "all", **({"config": config} if config else {})}
    target = outdir / name
    try:
        status = entry_point.main(App(context={**context, **extra}, outdir=str(target)))
    except RuntimeError as error:  # aws-cdk-lib raises when a pack's finding fails the synth
        status = 1
        print(str(error).splitlines()[0], file=sys.stderr)
    report_path = target / REPORT_FILE
    if not report_path.is_file():
        return 0, [f"{name}: no {REPORT_FILE} (the synth stopped before the packs ran)"]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    problems = [f"{name}: {finding['rule']} on {finding['resource']}" for finding in report["unacknowledged"]]
    if status != 0 and not problems:
        problems.append(f"{name}: the synth failed")
    if report["packs"] != list(ALL_PACKS):
        problems.append(f"{name}: ran {report['packs']}, expected {list(ALL_PACKS)}")
    return len(report["acknowledged"]), problems


def main(argv: list[str]) -> int:
    """Check every config; print the problems and return 1 if there are any."""
    if len(argv) != 1:
        print("usage: python scripts/compliance.py OUTDIR", file=sys.stderr)
        return 2
    outdir = Path(argv[0])
    context = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    started = time.monotonic()
    acknowledged, problems = 0, []
    apps = configs()
    for name, config in apps.items():
        count, found = check(name, config, outdir, context)
        acknowledged += count
        problems += found
    for problem in problems:
        print(problem, file=sys.stderr)
    print(
        f"compliance: {len(apps)} apps (the default and every example), {len(ALL_PACKS)} cdk-nag packs: "
        f"{acknowledged} acknowledged, {len(problems)} problems ({time.monotonic() - started:.0f} s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
