"""Benchmark ``cdk synth`` of the default app against aws-cdk-lib alone: ``make bench-synth``.

Baselines with no privatelink-cdk code:

- the L2 app (``scripts/bench_l2_app.py``): the default config's link written by hand with
  aws-cdk-lib's L2s, as a user without this project would. This script first checks that each of
  its stacks has the default app's resources, type for type and count for count. The budget
  applies to it, started as a hand-written app is: the default app may take at most 1.05 times
  as long.
- the same L2 app started as ``app.py`` is (``--app-py-gc``: the garbage collector kept out of
  the imports). The default app against this one is like for like: the ratio is the work
  privatelink-cdk itself adds (config, rules, acknowledgments), printed for reference.
- the raw replay (``scripts/bench_raw_app.py``): the default app's own templates rebuilt as plain
  ``CfnResource``s, checked equal resource for resource. It does no L2 work at all, so it is a
  floor, printed for reference.

It runs the real CDK CLI's ``cdk synth`` on each, interleaved (the order rotates each round, so a
machine getting slower or faster favours none), and prints each round's wall time, the medians
of wall and CPU time (user + system of the CLI, the app and its Node.js kernel), and the median
of the rounds' ratios. The budget is on wall time; CPU time moves less on a shared machine and
says whether a ratio is noise. Exit status 1 when over budget.

    python scripts/bench_synth.py [--rounds N]    (default 7)

A benchmark, not a test: on a busy machine the figures move; read the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CDK = ROOT / "node_modules" / ".bin" / "cdk"
BUDGET = 1.05
"""``cdk synth`` of the default app may take at most this many times the hand-written L2 app's."""


def _environment() -> dict[str, str]:
    """The project's Python and Node.js first on PATH, as ``cdk.json``'s app command has them."""
    environment = dict(os.environ)
    environment["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
    return environment


@dataclass(frozen=True)
class _Run:
    """One ``cdk synth``: wall time and CPU time (user + system, every process it waited for)."""

    wall: float
    cpu: float


def _synth(outdir: Path, app: str | None, environment: dict[str, str]) -> _Run:
    """Run ``cdk synth`` into ``outdir`` and time it."""
    shutil.rmtree(outdir, ignore_errors=True)
    command = [str(CDK), "synth", "--quiet", "--no-notices", "--output", str(outdir)]
    if app is not None:
        command += ["--app", app]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # our own CDK CLI with our own arguments: nothing untrusted reaches the command line
    result = subprocess.run(  # noqa: S603
        command, check=False, cwd=ROOT, env=environment, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"bench-synth: {' '.join(command)} failed:\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return _Run(wall=wall, cpu=cpu)


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


def _resource_types(outdir: Path) -> dict[str, Counter[str]]:
    """How many resources of each type every stack has."""
    return {
        name: Counter(resource["Type"] for resource in template["Resources"].values())
        for name, template in _resources(outdir).items()
    }


def main() -> int:
    """Check the baselines are equivalent, run the interleaved rounds, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    environment = _environment()
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as work:
        source = Path(work) / "source"
        _synth(source, None, environment)
        environment["BENCH_RAW_FROM"] = str(source)
        apps: dict[str, str | None] = {
            "default": None,
            "l2": f"python {ROOT / 'scripts' / 'bench_l2_app.py'}",
            "l2+gc": f"python {ROOT / 'scripts' / 'bench_l2_app.py'} --app-py-gc",
            "raw": f"python {ROOT / 'scripts' / 'bench_raw_app.py'}",
        }
        for label in ("l2", "raw"):
            _synth(Path(work) / label, apps[label], environment)
        if _resource_types(Path(work) / "l2") != _resource_types(source):
            sys.exit("bench-synth: the L2 app's stacks differ from the default app's in their resource types")
        if _resources(Path(work) / "raw") != _resources(source):
            sys.exit("bench-synth: the raw app's templates differ from the default app's")
        runs: dict[str, list[_Run]] = {label: [] for label in apps}
        print(
            f"cdk synth, {rounds} interleaved rounds (default app; hand-written L2 app, plain and with"
            " app.py's start-up; raw replay):"
        )
        for number in range(rounds):
            order = list(apps)
            order = order[number % len(order) :] + order[: number % len(order)]
            measured = {label: _synth(Path(work) / label, apps[label], environment) for label in order}
            for label, run in measured.items():
                runs[label].append(run)
            print(
                f"  round {number + 1}: "
                + ", ".join(f"{label} {measured[label].wall:.2f} s" for label in apps)
                + f"; default / L2 {measured['default'].wall / measured['l2'].wall:.3f}"
            )

    def ratio(label: str, measure: str) -> float:
        pairs = zip(runs["default"], runs[label], strict=True)
        return statistics.median(float(getattr(d, measure)) / float(getattr(b, measure)) for d, b in pairs)

    for measure in ("wall", "cpu"):
        medians = ", ".join(
            f"{label} {statistics.median(getattr(run, measure) for run in values):.2f} s"
            for label, values in runs.items()
        )
        print(
            f"median {measure}: {medians}; default / L2 {ratio('l2', measure):.3f},"
            f" default / L2+gc (like for like) {ratio('l2+gc', measure):.3f},"
            f" default / raw {ratio('raw', measure):.3f}"
        )
    wall_ratio = ratio("l2", "wall")
    print(f"budget: default / L2 wall time at most {BUDGET}: {wall_ratio:.3f}")
    if wall_ratio > BUDGET:
        print(f"bench-synth: over budget: {wall_ratio:.3f} > {BUDGET}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
