"""Compliance for the app: which cdk-nag packs run, the audit report, and the app's own decisions.

``cdk synth -c compliance=all`` runs cdk-nag's AwsSolutions, HIPAA Security, NIST 800-53 rev 5,
PCI DSS 3.2.1 and Serverless packs on every stack; ``-c compliance=none`` runs none; a
comma-separated list runs those packs (``-c compliance=hipaa,serverless``). Without the key,
AwsSolutions alone runs. Any finding nobody acknowledged fails the synth.

Every synth that runs packs writes ``compliance-report.json`` beside the templates, for auditors:
the packs that ran, every acknowledgment of their rules (rule, resource, reason, stack, logical
ID), read from the cloud assembly's metadata files, and every finding left unacknowledged (none,
when the synth passes). cdk-nag 3's own ``validation-report.json`` lists only what failed, and
not which packs ran.

cdk-nag is imported only when a pack runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import (
    Annotations,
    App,
    CfnResource,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    Stack,
    Validations,
)
from constructs import IConstruct

from privatelink_constructs import NO_ALARM_TOPIC_WARNING, acknowledge_findings, rule_ids

if TYPE_CHECKING:
    from aws_cdk import aws_ec2 as ec2

    from privatelink_constructs import ProviderEndpointService

    from .config import ProviderConfig

__all__ = [
    "ALL_PACKS",
    "CONTEXT_KEY",
    "DEFAULT_PACKS",
    "DELETION_PROTECTION_WARNING",
    "REPORT_FILE",
    "ComplianceRun",
    "acknowledge_deletion_protection",
    "acknowledge_missing_alarm_topic",
    "acknowledge_vpc",
    "parse_packs",
    "run_packs",
    "skip_core_provider_checks",
]

CONTEXT_KEY = "compliance"
"""The context key that picks the packs: ``-c compliance=all``."""

REPORT_FILE = "compliance-report.json"
"""The report's file name, in the cloud assembly directory (``cdk.out``)."""

_PACK_CLASSES = {
    "AwsSolutions": "AwsSolutionsChecks",
    "HIPAA.Security": "HIPAASecurityChecks",
    "NIST.800.53.R5": "NIST80053R5Checks",
    "PCI.DSS.321": "PCIDSS321Checks",
    "Serverless": "ServerlessChecks",
}
ALL_PACKS = tuple(_PACK_CLASSES)
"""Every pack ``compliance=all`` runs, named as their rule IDs begin."""
DEFAULT_PACKS = ("AwsSolutions",)
"""The packs every synth runs without ``-c compliance``."""

_ALIASES = {
    "awssolutions": "AwsSolutions",
    "aws-solutions": "AwsSolutions",
    "hipaa": "HIPAA.Security",
    "hipaa.security": "HIPAA.Security",
    "nist": "NIST.800.53.R5",
    "nist.800.53.r5": "NIST.800.53.R5",
    "pci": "PCI.DSS.321",
    "pci.dss.321": "PCI.DSS.321",
    "serverless": "Serverless",
}

_PACK_HINT = (
    "AwsSolutions (or aws-solutions), HIPAA.Security (hipaa), NIST.800.53.R5 (nist), "
    "PCI.DSS.321 (pci), Serverless"
)

DELETION_PROTECTION_WARNING = "@privatelink-cdk/app:deletionProtectionOff"
"""The warning on a provider whose config names its account but not ``deletion_protection``."""

_INLINE_POLICY_REASON = (
    "aws-cdk-lib's flow-log role: its inline policy lets this one role write this VPC's flow logs "
    "to their log group (and pass itself to the flow log), and cannot be attached to any other "
    "principal."
)
_IPV6_SUBNET_REASON = (
    "An isolated subnet of a dual-stack VPC: the IPv6 address AWS assigns on creation is routable "
    "only inside the VPC (no internet or egress-only gateway route, no public IPv4), and the NLB "
    "and endpoint interfaces here need IPv6 addresses for IPv6 consumers."
)


def parse_packs(value: object) -> tuple[str, ...]:
    """The packs ``-c compliance=VALUE`` names; ``None`` (the key absent) is ``DEFAULT_PACKS``.

    Raises:
        ValueError: The value names no known pack, saying what is allowed.
    """
    if value is None:
        return DEFAULT_PACKS
    text = str(value).strip()
    if text.lower() == "all":
        return ALL_PACKS
    if text.lower() == "none":
        return ()
    names = [name.strip() for name in text.split(",")]
    unknown = [name for name in names if name.lower() not in _ALIASES]
    if unknown or not text:
        raise ValueError(
            f"-c {CONTEXT_KEY}: {', '.join(repr(n) for n in unknown) or repr(text)} is not a cdk-nag pack; "
            f"expected all, none, or a comma-separated list of: {_PACK_HINT}"
        )
    return tuple(dict.fromkeys(_ALIASES[name.lower()] for name in names))


@dataclass
class ComplianceRun:
    """The packs registered on one app, what each found, and where the report goes."""

    packs: tuple[str, ...]
    report_path: Path
    findings: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def record(self, pack: str, report: PolicyValidationPluginReport) -> None:
        """Keep one pack's findings; once every pack has reported, write the report."""
        self.findings[pack] = [
            {
                "rule": violation.rule_name,
                "resource": resource.construct_path or "",
                "reason": violation.description,
            }
            for violation in report.violations
            for resource in violation.violating_resources
        ]
        if set(self.findings) == set(self.packs):
            self.report_path.write_text(json.dumps(self.report(), indent=2) + "\n", encoding="utf-8")

    def report(self) -> dict[str, Any]:
        """The report: packs, every acknowledgment of their rules, every finding left."""
        return {
            "packs": list(self.packs),
            "cdk_nag": metadata.version("cdk-nag"),
            "acknowledged": acknowledgments(self.report_path.parent, self.packs),
            "unacknowledged": sorted(
                (finding for pack in self.packs for finding in self.findings.get(pack, [])),
                key=lambda finding: (finding["resource"], finding["rule"]),
            ),
        }


def acknowledgments(assembly: Path, packs: Sequence[str]) -> list[dict[str, str]]:
    """Every acknowledgment of a rule of ``packs``, as cdk-nag 3 reads them, from a cloud assembly.

    The packs run once the assembly is written, and its stacks' metadata holds every construct's
    metadata by path: the acknowledgments (``Validations.ACKNOWLEDGED_RULES_METADATA_KEY``) and
    each resource's logical ID. Reading those files is plain Python; asking the construct tree
    for the same entries over jsii took about a second per synth.
    """
    prefixes = tuple(f"{pack}-" for pack in packs)
    acknowledged_key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY  # one jsii call, not one per entry
    found = []
    for stack_name, by_path in _stack_metadata(assembly):
        for path, entries in by_path.items():
            logical_ids = [entry["data"] for entry in entries if entry["type"] == "aws:cdk:logicalId"]
            where = {"stack": stack_name, "logical_id": str(logical_ids[0])} if logical_ids else {}
            for entry in entries:
                if entry["type"] != acknowledged_key or not entry.get("data"):
                    continue
                for key, reason in dict(entry["data"]).items():
                    rule = re.sub(r"^annotation::", "", str(key), flags=re.IGNORECASE)
                    if rule.startswith(prefixes):
                        found.append(
                            {"rule": rule, "resource": path.lstrip("/"), "reason": str(reason), **where}
                        )
    return sorted(found, key=lambda ack: (ack["resource"], ack["rule"]))


def _stack_metadata(assembly: Path) -> Iterator[tuple[str, dict[str, list[dict[str, Any]]]]]:
    """Each stack of the assembly (and of nested ones, for stages): its name and metadata by path."""
    manifest = json.loads((assembly / "manifest.json").read_text(encoding="utf-8"))
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        properties = artifact.get("properties", {})
        if artifact["type"] == "cdk:cloud-assembly":
            yield from _stack_metadata(assembly / properties["directoryName"])
        elif artifact["type"] == "aws:cloudformation:stack":
            by_path: dict[str, list[dict[str, Any]]] = {
                path: list(entries) for path, entries in artifact.get("metadata", {}).items()
            }
            if "additionalMetadataFile" in artifact:
                extra = json.loads(
                    (assembly / artifact["additionalMetadataFile"]).read_text(encoding="utf-8")
                )
                for path, entries in extra.items():
                    by_path.setdefault(path, []).extend(entries)
            yield properties.get("stackName", artifact_id), by_path


@jsii.implements(IPolicyValidationPlugin)
class _RecordedPack:
    """A cdk-nag pack as a validation plugin whose findings the ``ComplianceRun`` also keeps."""

    def __init__(self, pack: IPolicyValidationPlugin, name: str, run: ComplianceRun) -> None:
        self._pack = pack
        self._name = name
        self._run = run

    @property
    def name(self) -> str:
        """The pack's own plugin name."""
        return self._pack.name

    @property
    def version(self) -> str | None:
        """The pack's own version."""
        return self._pack.version

    @property
    def rule_ids(self) -> list[str] | None:
        """The pack's own rule IDs."""
        return self._pack.rule_ids

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        """Run the pack, keep what it found, hand its report on unchanged."""
        report = self._pack.validate(context)
        self._run.record(self._name, report)
        return report


def run_packs(app: App, packs: Sequence[str]) -> ComplianceRun:
    """Register ``packs`` on ``app``: any unacknowledged finding fails its synth; the synth writes the report.

    With no packs, nothing runs and no report is written; a report an earlier synth left in the
    same directory is removed either way, so it never describes another synth.
    """
    run = ComplianceRun(packs=tuple(packs), report_path=Path(app.outdir) / REPORT_FILE)
    run.report_path.unlink(missing_ok=True)
    if not run.packs:
        return run
    import cdk_nag  # noqa: PLC0415 - loaded only when a pack runs

    for name in run.packs:
        pack = getattr(cdk_nag, _PACK_CLASSES[name])(app)
        Validations.of(app).add_plugins(_RecordedPack(pack, name, run))
    return run


_CORE_PROVIDER_REASON = (
    "aws-cdk-lib's own custom-resource provider function: it runs only while CloudFormation "
    "deploys the stack and CloudFormation waits for its answer (a failure fails the deploy); "
    "it calls AWS APIs only, so it needs no VPC, no dead-letter queue and no reserved "
    "concurrency, and aws-cdk-lib offers no setting for them."
)


def skip_core_provider_checks(scope: IConstruct) -> None:
    """Skip checkov's function checks, with the reason, on aws-cdk-lib's own provider functions in ``scope``.

    aws-cdk-lib's core providers (the VPC's ``Custom::VpcRestrictDefaultSG`` handler, for one)
    are plain ``AWS::Lambda::Function`` resources, not ``aws_lambda`` constructs, so cdk-nag never
    sees them and nothing of ours can configure them; checkov reads every template.

    Call it once the stacks are built: it looks at the constructs there are (one walk of the tree
    in one jsii call, where an aspect would cost a call from Node.js per construct, about 0.8 s
    per synth of the default app).
    """
    for node in scope.node.find_all():
        # exactly CfnResource: aws_lambda's functions are CfnFunction, a subclass
        if type(node) is CfnResource and node.cfn_resource_type == "AWS::Lambda::Function":
            acknowledge_findings(
                node, _CORE_PROVIDER_REASON, checkov=["CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"]
            )


def acknowledge_vpc(vpc: ec2.Vpc, flow_log: ec2.FlowLog, *, ipv6: bool) -> None:
    """The packs' findings on the app's own VPC that do not apply, each with its reason."""
    role = flow_log.node.find_child("IAMRole")
    acknowledge_findings(
        role.node.find_child("DefaultPolicy"),
        _INLINE_POLICY_REASON,
        rules=rule_ids("IAMNoInlinePolicy", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"),
    )
    if ipv6:
        for subnet in vpc.isolated_subnets:
            acknowledge_findings(
                subnet,
                _IPV6_SUBNET_REASON,
                rules=rule_ids(
                    "VPCSubnetAutoAssignPublicIpDisabled", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"
                ),
            )


def acknowledge_deletion_protection(provider: ProviderEndpointService, config: ProviderConfig) -> None:
    """The app's stance on NLB deletion protection: the config's ``deletion_protection`` decides.

    ``true``: protected, nothing to acknowledge. ``false``: the owner's explicit choice,
    acknowledged as such. Unset: off, so that the demo destroys in one step; a config that names
    its account (a real deployment) also gets a warning saying to decide.
    """
    if config.deletion_protection:
        return
    if config.deletion_protection is None:
        if config.env.account is None:
            reason = (
                "deletion_protection is not set in an environment-agnostic config (the demo), so "
                "it is off: the demo destroys in one step. Production configs, which name their "
                "account, set deletion_protection: true or are warned."
            )
        else:
            reason = (
                "deletion_protection is not set in a config that names its account, so it is off, "
                "and the synth warns (@privatelink-cdk/app:deletionProtectionOff) until the owner "
                "sets it: true for production, false to say it is meant."
            )
            Annotations.of(provider).add_warning_v2(
                DELETION_PROTECTION_WARNING,
                "The NLB has no deletion protection: the config names its account but not "
                "deletion_protection. Consumers hold this service's name; set deletion_protection: "
                "true (README: Destroy says how to delete it then), or false to say it is meant.",
            )
    else:
        reason = (
            "deletion_protection: false in the config: the owner chose an NLB that cdk destroy "
            "deletes in one step."
        )
    acknowledge_findings(
        provider.load_balancer,
        reason,
        rules=rule_ids("ELBDeletionProtectionEnabled", "HIPAA.Security", "NIST.800.53.R5"),
    )


def acknowledge_missing_alarm_topic(stack: Stack, config: ProviderConfig) -> None:
    """The app's stance on alarms without a topic: the demo is quiet, a real deployment is told.

    Without ``alarm_topic_arn``, the updater's and the acceptor's alarms notify nobody and each
    construct warns so (``NO_ALARM_TOPIC_WARNING``). For an environment-agnostic config (the demo,
    which has no one to notify) the app acknowledges that warning; a config that names its account
    keeps it.
    """
    if config.alarm_topic_arn is None and config.env.account is None:
        Annotations.of(stack).acknowledge_warning(
            NO_ALARM_TOPIC_WARNING,
            "An environment-agnostic config without alarm_topic_arn (the demo): its alarms show in "
            "CloudWatch only. A config that names its account is warned.",
        )
