"""cdk-nag acknowledgments that both cdk-nag majors read, and checkov skips, without importing either.

A library cannot know which cdk-nag its user runs, or whether any:

- cdk-nag 3 (``Validations.of(app).add_plugins(AwsSolutionsChecks(app))``) reads aws-cdk-lib's
  own acknowledgments, ``Validations.of(construct).acknowledge(...)``, on the resource or any
  construct above it. A granular finding is part of the ID: ``AwsSolutions-IAM5[Resource::*]``.
- cdk-nag 2 (``Aspects.of(app).add(AwsSolutionsChecks())``) reads only the CloudFormation
  metadata of the resource itself: ``cdk_nag: {rules_to_suppress: [{id, reason, applies_to}]}``,
  with the rule in ``id`` and the granular findings in ``applies_to``. It rejects a reason shorter
  than 10 characters and an ``id`` that holds a finding.

``acknowledge`` writes both, so the same resource passes either pack with the same reason.
Rule IDs are ``<pack>-<rule>``, with the pack as cdk-nag names it (``AwsSolutions``,
``HIPAA.Security``, ``NIST.800.53.R5``, ``PCI.DSS.321``, ``Serverless``): ``rule_ids`` spells one
rule in several packs.

checkov reads ``checkov: {skip: [{id, comment}]}`` in a resource's CloudFormation metadata;
``acknowledge_findings`` gives one reason to every pack's rule and checkov check it names, so a
reviewer reads each decision once, beside its resource.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct

__all__ = [
    "AWS_SOLUTIONS",
    "HIPAA",
    "NIST_800_53_R5",
    "PCI_DSS_321",
    "SERVERLESS",
    "acknowledge",
    "acknowledge_findings",
    "resource_finding",
    "rule_ids",
    "skip_checkov",
]

AWS_SOLUTIONS = "AwsSolutions"
"""cdk-nag's AWS Solutions pack, as it prefixes its rule IDs."""
HIPAA = "HIPAA.Security"
"""cdk-nag's HIPAA Security pack."""
NIST_800_53_R5 = "NIST.800.53.R5"
"""cdk-nag's NIST 800-53 rev 5 pack."""
PCI_DSS_321 = "PCI.DSS.321"
"""cdk-nag's PCI DSS 3.2.1 pack."""
SERVERLESS = "Serverless"
"""cdk-nag's Serverless pack."""

_RULE_ID = re.compile(r"[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*-[A-Za-z0-9]+", re.ASCII)
_CHECKOV_ID = re.compile(r"CKV2?_AWS_[0-9]+", re.ASCII)
_MIN_REASON = 10  # cdk-nag 2 refuses shorter reasons


def acknowledge(construct: IConstruct, rule_id: str, reason: str, *, applies_to: Sequence[str] = ()) -> None:
    """Acknowledge a cdk-nag rule on one resource, for cdk-nag 2 and cdk-nag 3 alike.

    Args:
        construct: The CloudFormation resource, or an L2 construct whose default child is one
            (an ``iam.Policy``, an ``sqs.Queue``, a load balancer). Only that resource is covered.
        rule_id: The rule, without a finding: ``"AwsSolutions-IAM5"``.
        reason: Why the finding is acceptable here (at least 10 characters).
        applies_to: The granular findings covered (``["Resource::*"]``). Defaults to the whole
            rule, for rules that have no findings.

    Raises:
        ValueError: ``rule_id`` holds a finding or is not ``Pack-Rule``; ``reason`` is too short.
        TypeError: ``construct`` is not a CloudFormation resource and has none as default child.
    """
    _acknowledge_rules(construct, [(rule_id, tuple(applies_to))], reason)


def _acknowledge_rules(
    construct: IConstruct, rules: Sequence[tuple[str, Sequence[str]]], reason: str
) -> None:
    """``acknowledge`` for several rules with one reason: the resource's metadata written once."""
    problems = [
        f"rule_id must be '<pack>-<rule>' with findings in applies_to "
        f"(e.g. 'AwsSolutions-IAM5', applies_to=['Resource::*']), got {rule_id!r}"
        for rule_id, _ in rules
        if not _RULE_ID.fullmatch(rule_id)
    ]
    problems += _reason_problems(reason)
    if problems:
        raise ValueError(f"{construct.node.path}: " + "; ".join(problems))
    resource = _resource_of(construct)
    metadata = resource.get_metadata("cdk_nag") or {}
    existing = metadata.get("rules_to_suppress", [])
    added: list[dict[str, Any]] = []
    for rule_id, applies_to in rules:
        suppression: dict[str, Any] = {"id": rule_id, "reason": reason}
        if applies_to:
            suppression["applies_to"] = list(applies_to)
        if suppression not in existing and suppression not in added:
            added.append(suppression)
    if not added:
        return  # both forms are there already
    resource.add_metadata("cdk_nag", {**metadata, "rules_to_suppress": [*existing, *added]})
    Validations.of(resource).acknowledge(
        *(
            Acknowledgment(id=ack_id, reason=reason)
            for suppression in added
            for ack_id in _ack_ids(suppression)
        )
    )


def _ack_ids(suppression: Mapping[str, Any]) -> list[str]:
    """The IDs cdk-nag 3 knows a suppression by: one per finding (``Rule[Finding]``), else the rule."""
    findings = suppression.get("applies_to", [])
    return [f"{suppression['id']}[{finding}]" for finding in findings] or [suppression["id"]]


def _reason_problems(reason: str) -> list[str]:
    """A reason cdk-nag 2 would refuse: too short."""
    if len(reason.strip()) < _MIN_REASON:
        return [f"reason must be at least {_MIN_REASON} characters, got {reason!r}"]
    return []


def rule_ids(rule: str, *packs: str) -> list[str]:
    """The IDs one rule has in several packs: ``rule_ids("LambdaDLQ", HIPAA, SERVERLESS)``."""
    return [f"{pack}-{rule}" for pack in packs]


def acknowledge_findings(
    construct: IConstruct, reason: str, *, rules: Sequence[str] = (), checkov: Sequence[str] = ()
) -> None:
    """One reason for several findings on one resource: cdk-nag rules (both majors) and checkov checks.

    Args:
        construct: The CloudFormation resource, or an L2 construct whose default child is one.
        reason: Why the findings are acceptable here (at least 10 characters).
        rules: cdk-nag rule IDs without findings (``rule_ids(...)`` spells one rule in several packs).
        checkov: checkov check IDs (``CKV_AWS_115``).
    """
    resource = _resource_of(construct)  # once, for both
    if rules:
        _acknowledge_rules(resource, [(rule_id, ()) for rule_id in rules], reason)
    if checkov:
        skip_checkov(resource, checkov, reason)


def skip_checkov(construct: IConstruct, check_ids: Sequence[str], reason: str) -> None:
    """Skip checkov checks on one resource: ``Metadata: checkov: skip: [{id, comment}]``.

    A check already skipped on the resource keeps its first reason.

    Raises:
        ValueError: A check ID is not ``CKV_AWS_<n>`` or ``CKV2_AWS_<n>``; ``reason`` is too short.
        TypeError: ``construct`` is not a CloudFormation resource and has none as default child.
    """
    problems = [
        f"checkov check IDs look like 'CKV_AWS_115', got {check!r}"
        for check in check_ids
        if not _CHECKOV_ID.fullmatch(check)
    ]
    problems += _reason_problems(reason)
    if problems:
        raise ValueError(f"{construct.node.path}: " + "; ".join(problems))
    resource = _resource_of(construct)
    metadata = resource.get_metadata("checkov") or {}
    skips: list[dict[str, str]] = list(metadata.get("skip", []))
    skipped = {skip["id"] for skip in skips}
    skips += [{"id": check, "comment": reason} for check in dict.fromkeys(check_ids) if check not in skipped]
    resource.add_metadata("checkov", {**metadata, "skip": skips})


def resource_finding(scope: IConstruct, arn: str) -> str:
    """The granular finding cdk-nag reports for a policy resource ``arn`` (``Resource::...``).

    cdk-nag names a finding by the resolved value: literals stay (a concrete account, region or
    partition), references become ``<AWS::AccountId>``-style placeholders. So the same statement
    gives a different finding in an environment-agnostic stack than in one with an account.
    """
    return f"Resource::{_rendered(Stack.of(scope).resolve(arn))}"


def _rendered(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return f"<{logical_id}.{attribute}>"
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_rendered(part) for part in parts)
    raise ValueError(f"cannot name a cdk-nag finding for {value!r}")


def _resource_of(construct: IConstruct) -> CfnResource:
    """The CloudFormation resource cdk-nag 2 reads the metadata of."""
    if isinstance(construct, CfnResource):
        return construct
    child = construct.node.default_child
    if isinstance(child, CfnResource):
        return child
    raise TypeError(
        f"{construct.node.path}: a cdk-nag acknowledgment needs a CloudFormation resource, or a "
        f"construct whose default child is one; got {type(construct).__name__}"
    )
