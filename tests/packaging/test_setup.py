"""Set-up hints: the Makefile without uv or pip, and cdk.json's app before `make setup`."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.distributions import ROOT

BARE_PATH = "/usr/bin:/bin"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.skipif(shutil.which("uv", path=BARE_PATH) is not None, reason="uv is installed system-wide")
def test_make_names_what_to_install_without_uv_or_pip(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "Makefile", project / "Makefile")
    for name in ("pyproject.toml", "uv.lock", "package.json", "package-lock.json"):
        shutil.copy(ROOT / name, project / name)
    no_pip = tmp_path / "no-pip"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(no_pip)], check=True)
    result = subprocess.run(
        ["make", "--no-print-directory", "synth", f"BOOT_PYTHON={no_pip / 'bin' / 'python3'}"],
        cwd=project,
        env={"PATH": BARE_PATH, "HOME": str(tmp_path)},  # no uv anywhere on it
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "set-up needs uv, or python3 with pip to install uv, and this machine has neither" in result.stderr
    assert "apt-get install python3-pip" in result.stderr
    assert "No module named pip" not in result.stderr + result.stdout


def test_cdk_app_before_setup_says_to_run_make_setup(tmp_path: Path) -> None:
    command = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["app"]
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "cdk-app.sh", tmp_path / "scripts" / "cdk-app.sh")
    # The CDK CLI runs the app command through a shell; so does this test.
    result = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "no .venv here yet. Run `make setup` first" in result.stderr
    assert "not found" not in result.stderr


def test_aws_cdk_lib_owns_its_cloud_assembly_schema_module() -> None:
    # aws-cdk.cloud-assembly-schema ships a module at the same path; when its file wins the
    # install race, Annotations.find_warning cannot read the metadata (see the Makefile's
    # cdk-lib-wins).
    schema = importlib.import_module("aws_cdk.cloud_assembly_schema")
    assert schema.MetadataEntry.__jsii_type__ == "aws-cdk-lib.cloud_assembly_schema.MetadataEntry"
