"""Importing a Lambda runtime or a subpackage must not load aws-cdk-lib (a second or more)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import privatelink_constructs


@pytest.mark.parametrize(
    "module",
    [
        "privatelink_constructs",
        "privatelink_constructs.target_updater.runtime.handler",
        "privatelink_constructs.connection_acceptor.runtime.handler",
        "privatelink_constructs._patterns",
        "privatelink_constructs.cli.handoff",
    ],
)
def test_importing_does_not_load_aws_cdk(module: str) -> None:
    code = f"import sys, {module}; print('aws_cdk' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_public_names_resolve_on_first_use() -> None:
    for name in privatelink_constructs.__all__:
        assert getattr(privatelink_constructs, name) is not None
    assert set(privatelink_constructs.__all__) <= set(dir(privatelink_constructs))


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = privatelink_constructs.Nope
