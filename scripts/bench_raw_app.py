"""The raw app for ``scripts/bench_synth.py``: the default app's resources, built with aws-cdk-lib alone.

It reads the cloud assembly the default app synthesized (directory in ``BENCH_RAW_FROM``) and
builds the same stacks from aws-cdk-lib's own classes, with no privatelink-cdk code and no
decisions: every resource as a ``CfnResource`` with its logical ID, type, properties and options,
the mappings and outputs, and every file asset staged again with ``aws_s3_assets.Asset`` (so
hashing and copying the Lambda code costs the same). It imports the aws-cdk-lib module of every
service in the templates, as a hand-written app building them would, and runs the cdk-nag pack the
default app runs (the acknowledgments travel in the resources' metadata). This is a lower bound on
what a hand-written app with the same resources costs: it makes one call per resource where an
L2 makes several.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    App,
    CfnMapping,
    CfnOutput,
    CfnResource,
    IResolvable,
    IResolveContext,
    Stack,
    Token,
    Validations,
)
from aws_cdk import aws_s3_assets as s3_assets
from cdk_nag import AwsSolutionsChecks

_MODULES = {"ElasticLoadBalancingV2": "aws_elasticloadbalancingv2"}
"""aws-cdk-lib module names that are not ``aws_`` + the lower-cased CloudFormation namespace."""


def _service_modules(types: set[str]) -> list[str]:
    """The aws-cdk-lib modules a hand-written app creating these resource types imports."""
    modules = set()
    for resource_type in types:
        match = re.fullmatch(r"AWS::(\w+)::\w+", resource_type)
        if match and match[1] != "CDK":
            modules.add(_MODULES.get(match[1], f"aws_{match[1].lower()}"))
        elif resource_type.startswith("Custom::"):
            modules.add("custom_resources")
    return sorted(modules)


@jsii.implements(IResolvable)
class _Literal:
    """A template value as it stands (an intrinsic function's JSON), for arguments typed ``str``."""

    def __init__(self, value: object) -> None:
        self._value = value
        self.creation_stack: list[str] = []

    def resolve(self, _context: IResolveContext) -> object:
        return self._value

    def to_string(self) -> str:
        return Token.as_string(self)


def _replay(app: App, name: str, assembly: Path) -> None:
    template: dict[str, Any] = json.loads((assembly / f"{name}.template.json").read_text())
    stack = Stack(app, name, description=template.get("Description"))
    for logical_id, mapping in template.get("Mappings", {}).items():
        CfnMapping(stack, logical_id, mapping=mapping)
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::CDK::Metadata":
            continue  # aws-cdk-lib adds its own
        cfn = CfnResource(stack, logical_id, type=resource["Type"], properties=resource.get("Properties"))
        cfn.override_logical_id(logical_id)
        for key in ("DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "Condition", "Metadata"):
            if key in resource:
                cfn.add_override(key, resource[key])
    for logical_id, output in template.get("Outputs", {}).items():
        cfn_output = CfnOutput(
            stack,
            logical_id,
            value=Token.as_string(_Literal(output["Value"])),
            description=output.get("Description"),
            export_name=output.get("Export", {}).get("Name"),
        )
        cfn_output.override_logical_id(logical_id)
    assets = json.loads((assembly / f"{name}.assets.json").read_text())["files"]
    for index, asset in enumerate(sorted(assets.values(), key=lambda a: a["source"]["path"])):
        if asset["source"].get("packaging") == "zip":
            s3_assets.Asset(stack, f"Asset{index}", path=str(assembly / asset["source"]["path"]))


def main() -> None:
    """Synthesize the replay of every stack in ``BENCH_RAW_FROM``."""
    assembly = Path(os.environ["BENCH_RAW_FROM"])
    manifest = json.loads((assembly / "manifest.json").read_text())
    stacks = [
        name
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    ]
    types = {
        resource["Type"]
        for name in stacks
        for resource in json.loads((assembly / f"{name}.template.json").read_text())["Resources"].values()
    }
    for module in _service_modules(types):
        importlib.import_module(f"aws_cdk.{module}")
    app = App()
    for name in stacks:
        _replay(app, name, assembly)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()


if __name__ == "__main__":
    main()
