"""The README's "Use it as a library" section says what the packaging does."""

from __future__ import annotations

import ast
import re

import privatelink_constructs
from tests.packaging.distributions import ROOT, declared_floor, pyproject

README = (ROOT / "README.md").read_text(encoding="utf-8")


def library_section() -> str:
    found = re.search(r"^## Use it as a library\n(.*?)^## ", README, flags=re.MULTILINE | re.DOTALL)
    assert found, "README has no '## Use it as a library' section"
    return found.group(1)


def test_library_section_comes_first() -> None:
    assert README.index("## Use it as a library") == README.index("\n## ") + 1


def test_install_line_names_this_version() -> None:
    version = pyproject()["project"]["version"]
    assert f"dist/privatelink_cdk-{version}-py3-none-any.whl" in library_section()


def test_supported_versions_name_the_declared_floor() -> None:
    row = next(line for line in library_section().splitlines() if line.startswith("| aws-cdk-lib |"))
    assert f"{declared_floor()} and newer, below 3" in row


def test_example_is_python_that_imports_the_public_api() -> None:
    (example,) = re.findall(r"```python\n(.*?)```", library_section(), flags=re.DOTALL)
    tree = ast.parse(example)
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "privatelink_constructs"
        for alias in node.names
    }
    assert imported == {"ConsumerInterfaceEndpoint", "ProviderEndpointService", "RdsTargetGroupUpdater"}
    assert imported <= set(privatelink_constructs.__all__)
