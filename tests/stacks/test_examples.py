"""Every example config in examples/ is valid and builds."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from stacks import build_app, parse_config
from stacks.config_files import read_config_file
from tests.conftest import ROOT, new_app

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_builds(path: Path) -> None:
    built = build_app(new_app(), parse_config(read_config_file(path)))
    stacks = [*([built.provider] if built.provider else []), *built.consumers]
    assert stacks
    for stack in stacks:
        assert Template.from_stack(stack).to_json()["Resources"]
