"""Benchmark ``cdk synth`` of the default app against the raw app: ``make bench-synth``.

The raw app (``scripts/bench_raw_app.py``) builds the same resources with aws-cdk-lib alone, from
the templates the default app synthesized; this script first checks that its templates are the
default app's, resource for resource. Then it runs the real CDK CLI's ``cdk synth`` on both,
interleaved (the order alternates each round, so a machine getting slower or faster does not
favour one), and prints each round, the medians and the median of the rounds' ratios against
the budget: at most 1.05 times the raw app. Exit status 1 when over budget.

    python scripts/bench_synth.py [--rounds N]    (default 7)

A benchmark, not a test: on a busy machine the figures move; read the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CDK = ROOT / "node_modules" / ".bin" / "cdk"
BUDGET = 1.05
"""``cdk synth`` of the default app may take at most this many times the raw app's."""


def _environment() -> dict[str, str]:
    """The project's Python and Node.js first on PATH, as ``cdk.json``'s app command has them."""
    environment = dict(os.environ)
    environment["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
    return environment


def _synth(outdir: Path, app: str | None, environment: dict[str, str]) -> float:
    """Run ``cdk synth`` into ``outdir``; its wall time in seconds."""
    shutil.rmtree(outdir, ignore_errors=True)
    command = [str(CDK), "synth", "--quiet", "--no-notices", "--output", str(outdir)]
    if app is not None:
        command += ["--app", app]
    start = time.perf_counter()
    # our own CDK CLI with our own arguments: nothing untrusted reaches the command line
    result = subprocess.run(  # noqa: S603
        command, check=False, cwd=ROOT, env=environment, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"bench-synth: {' '.join(command)} failed:\n{result.stderr}")
    return elapsed


def _resources(outdir: Path) -> dict[str, Any]:
    """Every stack's template without what aws-cdk-lib adds on its own (metadata, CDK::Metadata)."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    templates = {}
    for name, artifact in manifest["artifacts"].items():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        template = json.loads((outdir / f"{name}.template.json").read_text())
        resources = {
            logical_id: {key: value for key, value in resource.items() if key != "Metadata"}
            for logical_id, resource in template["Resources"].items()
            if resource["Type"] != "AWS::CDK::Metadata"
        }
        templates[name] = {**template, "Resources": resources}
    return templates


def main() -> int:
    """Check the raw app is equivalent, run the interleaved rounds, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    environment = _environment()
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as work:
        source = Path(work) / "source"
        _synth(source, None, environment)
        environment["BENCH_RAW_FROM"] = str(source)
        raw_app = f"python {ROOT / 'scripts' / 'bench_raw_app.py'}"
        _synth(Path(work) / "raw", raw_app, environment)
        if _resources(Path(work) / "raw") != _resources(source):
            sys.exit("bench-synth: the raw app's templates differ from the default app's")
        default_times: list[float] = []
        raw_times: list[float] = []
        print(f"cdk synth, {rounds} interleaved rounds (default app vs raw aws-cdk-lib app):")
        for number in range(rounds):
            runs = [("default", None), ("raw", raw_app)]
            if number % 2:
                runs.reverse()
            times = {label: _synth(Path(work) / label, app, environment) for label, app in runs}
            default_times.append(times["default"])
            raw_times.append(times["raw"])
            print(
                f"  round {number + 1}: default {times['default']:.2f} s, raw {times['raw']:.2f} s, "
                f"ratio {times['default'] / times['raw']:.3f}"
            )
    ratio = statistics.median(d / r for d, r in zip(default_times, raw_times, strict=True))
    print(
        f"median: default {statistics.median(default_times):.2f} s, "
        f"raw {statistics.median(raw_times):.2f} s; median ratio {ratio:.3f} (budget {BUDGET})"
    )
    if ratio > BUDGET:
        print(f"bench-synth: over budget: {ratio:.3f} > {BUDGET}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
