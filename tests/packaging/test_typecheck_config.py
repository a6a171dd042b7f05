"""mypy follows only the aws-cdk-lib modules the code imports: keep that list true."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from tests.packaging.distributions import ROOT, pyproject


def aws_cdk_submodules() -> set[str]:
    spec = importlib.util.find_spec("aws_cdk")  # finds the package without importing it
    assert spec is not None
    assert spec.submodule_search_locations
    (location,) = spec.submodule_search_locations
    return {path.parent.name for path in Path(location).glob("*/__init__.py")}


def imported_aws_cdk_modules() -> set[str]:
    """Every aws_cdk module imported by a file mypy checks."""
    submodules = aws_cdk_submodules()
    files: list[Path] = []
    for entry in pyproject()["tool"]["mypy"]["files"]:
        path = ROOT / entry
        files.extend(path.rglob("*.py") if path.is_dir() else [path])
    found = {"aws_cdk"}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names if alias.name.startswith("aws_cdk."))
            elif isinstance(node, ast.ImportFrom) and node.module == "aws_cdk":
                found.update(f"aws_cdk.{alias.name}" for alias in node.names if alias.name in submodules)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aws_cdk."):
                found.add(str(node.module))
    return found


def followed_aws_cdk_modules() -> set[str]:
    overrides = pyproject()["tool"]["mypy"]["overrides"]
    return {
        module
        for override in overrides
        if override.get("follow_imports") == "normal"
        for module in override["module"]
        if module.startswith("aws_cdk")
    }


def test_mypy_follows_exactly_the_aws_cdk_modules_the_code_imports() -> None:
    imported, followed = imported_aws_cdk_modules(), followed_aws_cdk_modules()
    assert imported - followed == set(), (
        "add these to the follow_imports = 'normal' list in pyproject.toml, or mypy treats them "
        f"as Any: {sorted(imported - followed)}"
    )
    assert followed - imported == set(), (
        f"no longer imported, remove from pyproject.toml: {sorted(followed - imported)}"
    )


def test_everything_else_of_aws_cdk_is_skipped() -> None:
    overrides = pyproject()["tool"]["mypy"]["overrides"]
    assert {"module": ["aws_cdk.*"], "follow_imports": "skip"} in overrides
