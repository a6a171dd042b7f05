"""Importing a Lambda runtime or a subpackage must not load aws-cdk-lib (a second or more)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


_BUILD_THE_DEFAULT_APP = """
import json, sys
from pathlib import Path
from aws_cdk import App
from stacks import build_app, load_config, with_nag
context = json.loads(Path("cdk.json").read_text())["context"]
app = App(context=context)
build_app(app, load_config(app.node.try_get_context))
with_nag(app, ())
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in ("aws_cdk", "cdk_nag", "yaml")
                        or name.startswith("privatelink_constructs.endpoint_probe"))))
"""


def test_building_the_default_app_loads_only_what_it_uses() -> None:
    # Type-only modules stay unloaded (aws_rds; aws_s3 is loaded by aws_lambda's own module),
    # cdk-nag loads only when a pack runs, PyYAML only for a YAML config file, the endpoint probe
    # only for a consumer that has one.
    result = subprocess.run(
        [sys.executable, "-c", _BUILD_THE_DEFAULT_APP],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,  # the project: its cdk.json and stacks/
    )
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "aws_cdk.aws_ec2" in loaded  # the check can fail: it sees what was loaded
    for unused in (
        "aws_cdk.aws_rds",
        "cdk_nag",
        "yaml",
        "privatelink_constructs.endpoint_probe.construct",
    ):
        assert unused not in loaded, unused
