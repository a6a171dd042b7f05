"""Build the library's distributions, and read what pyproject.toml declares."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "privatelink_constructs"


def pyproject() -> dict[str, Any]:
    """pyproject.toml, parsed."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def declared_floor() -> str:
    """The lowest aws-cdk-lib the library declares (``aws-cdk-lib>=X,<3``)."""
    for requirement in pyproject()["project"]["dependencies"]:
        found = re.fullmatch(r"aws-cdk-lib>=([0-9.]+),<3", requirement)
        if found:
            return found.group(1)
    raise AssertionError("pyproject.toml declares no aws-cdk-lib>=X,<3")


def build(out_dir: Path) -> tuple[Path, Path]:
    """Build the sdist, then the wheel from it, with ``uv build`` (isolated, like any frontend).

    Returns (sdist, wheel). Building the wheel from the sdist proves the sdist is complete.
    """
    uv = shutil.which("uv")
    assert uv, "uv is not on PATH: run the tests through make"
    result = subprocess.run(
        [uv, "build", "--quiet", "--out-dir", str(out_dir), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"uv build failed:\n{result.stdout}\n{result.stderr}"
    (sdist,) = out_dir.glob("*.tar.gz")
    (wheel,) = out_dir.glob("*.whl")
    return sdist, wheel
