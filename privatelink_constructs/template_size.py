"""A synth-time check that every template fits CloudFormation's size limit.

aws-cdk-lib only warns when a template is over the limit; the deploy then fails. The check is
an aws-cdk-lib validation plugin: it reads each synthesized template and fails the synth,
naming the stack, its size and the limit. The constructs of this library register it on their
stage themselves (once per stage);
``Validations.of(app).add_plugins(privatelink_constructs.TemplateSizeLimit())`` adds it to an
app of your own for every stack.
"""

from __future__ import annotations

import weakref
from pathlib import Path

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Stage,
    Validations,
)
from constructs import IConstruct

from .rules import check_template_size

__all__ = ["TemplateSizeLimit", "enforce_template_size_limit"]

RULE_ID = "TemplateSize"

_REGISTERED: weakref.WeakSet[Stage] = weakref.WeakSet()


@jsii.implements(IPolicyValidationPlugin)
class TemplateSizeLimit:
    """Fails the synth when a stack's template is over CloudFormation's limit (1,000,000 bytes)."""

    @property
    def name(self) -> str:
        """The plugin's name in the validation report (``privatelink-cdk::TemplateSize``)."""
        return "privatelink-cdk"

    @property
    def version(self) -> str | None:
        """No version of its own: it is part of privatelink-cdk."""
        return None

    @property
    def rule_ids(self) -> list[str]:
        """The one rule this plugin checks."""
        return [RULE_ID]

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        """Measure every template of the stage as written, in bytes."""
        violations = []
        for stack in context.stack_templates:
            for problem in check_template_size(Path(stack.template_path).stat().st_size):
                violations.append(
                    PolicyViolation(
                        rule_name=RULE_ID,
                        description=f"{stack.stack_construct_path}: the template is {problem.message}",
                        severity="error",
                        violating_resources=[
                            PolicyViolatingResource(
                                locations=[],
                                construct_path=stack.stack_construct_path,
                                template_path=stack.template_path,
                                resource_logical_id="",
                            )
                        ],
                    )
                )
        return PolicyValidationPluginReport(success=not violations, violations=violations)


def enforce_template_size_limit(scope: IConstruct) -> None:
    """Register ``TemplateSizeLimit`` on the stage of ``scope``, unless it is there already."""
    stage = Stage.of(scope)
    if stage is None or stage in _REGISTERED:
        return
    Validations.of(stage).add_plugins(TemplateSizeLimit())
    _REGISTERED.add(stage)
