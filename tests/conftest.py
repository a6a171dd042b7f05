"""Shared test helpers: cdk.json's context, and apps built once per session."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from stacks import build_app, parse_config

ROOT = Path(__file__).resolve().parent.parent
CDK_JSON: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")


def feature_flags(*, validation: bool = False) -> dict[str, Any]:
    """cdk.json's feature flags (a bare App() would not apply them), without our own config.

    aws-cdk-lib's built-in CloudFormation validator costs 1.5-2 s per process; unit tests turn it
    off, the real synth in `make test` keeps it on.
    """
    context = {key: value for key, value in CDK_JSON["context"].items() if key.startswith("@")}
    context["@aws-cdk/core:validateAgainstDefaultRules"] = validation
    return context


def default_config() -> Mapping[str, Any]:
    """The app's embedded default config, as cdk.json holds it."""
    config: Mapping[str, Any] = CDK_JSON["context"]["privatelink"]
    return config


def new_app(**context: Any) -> App:
    """An App with cdk.json's feature flags (and the given extra context)."""
    return App(context={**feature_flags(), **context})


def new_stack(name: str = "Test") -> Stack:
    """A fresh environment-agnostic stack in its own app."""
    return Stack(new_app(), name)


_ASSET_KEY = re.compile(r"^[0-9a-f]{64}(\.zip|\.json)?$")


def masked(template: Template) -> dict[str, Any]:
    """The template with asset hashes masked, for snapshots."""

    def mask(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        if isinstance(value, str) and _ASSET_KEY.match(value):
            return "<asset-hash>" + (Path(value).suffix or "")
        return value

    result: dict[str, Any] = mask(template.to_json())
    return result


def only(template: Template, resource_type: str) -> Mapping[str, Any]:
    """The one resource of a type in the template; fails if there are none or several."""
    found = template.find_resources(resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {list(found)}"
    return next(iter(found.values()))


@pytest.fixture(scope="session")
def cdk_json() -> dict[str, Any]:
    """cdk.json as loaded."""
    return CDK_JSON


@pytest.fixture(scope="session")
def synthesized_default_app() -> App:
    """The default app (cdk.json's config and feature flags), built and synthesized once per session.

    Building and synthesizing it costs about a second: share this rather than build it again.
    """
    app = new_app()
    build_app(app, parse_config(default_config()))
    app.synth()
    return app
