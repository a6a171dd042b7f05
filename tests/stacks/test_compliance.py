"""The app's compliance: ``-c compliance=...``, the audit report, and the app's own acknowledgments.

`make test` also runs the five packs on the default app and every example (`make compliance`:
scripts/compliance.py, then checkov over the templates) and `cdk synth -c compliance=all`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnResource, Stack, Validations
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match

import app as entry_point
from stacks import build_app, parse_config, provider_stack, with_nag
from stacks.compliance import (
    ALL_PACKS,
    DEFAULT_PACKS,
    DELETION_PROTECTION_WARNING,
    REPORT_FILE,
    parse_packs,
)
from stacks.provider_stack import ProviderStack
from tests.conftest import CDK_JSON, default_config, feature_flags, new_app


@pytest.mark.parametrize(
    ("value", "packs"),
    [
        (None, ("AwsSolutions",)),
        ("all", ALL_PACKS),
        ("ALL", ALL_PACKS),
        ("none", ()),
        ("hipaa", ("HIPAA.Security",)),
        ("HIPAA.Security,serverless", ("HIPAA.Security", "Serverless")),
        (" nist , pci ,nist", ("NIST.800.53.R5", "PCI.DSS.321")),
        ("aws-solutions", ("AwsSolutions",)),
    ],
)
def test_compliance_names_the_packs(value: str | None, packs: tuple[str, ...]) -> None:
    assert parse_packs(value) == packs


def test_all_is_the_five_packs_and_the_default_is_aws_solutions() -> None:
    assert ALL_PACKS == ("AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321", "Serverless")
    assert DEFAULT_PACKS == ("AwsSolutions",)


@pytest.mark.parametrize(
    ("value", "named"),
    [("hippa", "'hippa'"), ("hipaa,sox", "'sox'"), ("", "''"), ("nist,", "''")],
)
def test_an_unknown_pack_is_refused_saying_what_is_allowed(value: str, named: str) -> None:
    with pytest.raises(ValueError, match=r"^-c compliance: ") as error:
        parse_packs(value)
    assert f"{named} is not a cdk-nag pack; expected all, none, or a comma-separated list of: " in str(
        error.value
    )
    assert "HIPAA.Security (hipaa)" in str(error.value)


def test_the_app_refuses_an_unknown_pack_before_building(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = App(context={**CDK_JSON["context"], "compliance": "sox"}, outdir=str(tmp_path))
    assert entry_point.main(app) == 1
    assert "-c compliance: 'sox' is not a cdk-nag pack" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def default_app_with_packs(tmp_path_factory: pytest.TempPathFactory) -> tuple[App, Path]:
    """The default app through its entry point with ``-c compliance=all``: the app and cdk.out."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    context = {**CDK_JSON["context"], **feature_flags(), "compliance": "all"}
    app = App(context=context, outdir=str(outdir))
    assert entry_point.main(app) == 0
    return app, outdir


@pytest.fixture(scope="module")
def default_report(default_app_with_packs: tuple[App, Path]) -> tuple[dict[str, Any], Path]:
    """The default app's compliance report, and its cdk.out."""
    _, outdir = default_app_with_packs
    report: dict[str, Any] = json.loads((outdir / REPORT_FILE).read_text(encoding="utf-8"))
    return report, outdir


def test_the_report_holds_every_acknowledgment_in_the_construct_tree(
    default_app_with_packs: tuple[App, Path], default_report: tuple[dict[str, Any], Path]
) -> None:
    # The report reads the assembly's metadata files (fast); the construct tree, where cdk-nag 3
    # reads acknowledgments, must say the same, construct by construct.
    app, _ = default_app_with_packs
    report, _ = default_report
    prefixes = tuple(f"{pack}-" for pack in ALL_PACKS)
    in_tree = set()
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY and entry.data:
                for key, reason in dict(entry.data).items():
                    rule = str(key).removeprefix("Annotation::")
                    if rule.startswith(prefixes):
                        in_tree.add((construct.node.path, rule, str(reason)))
    assert len(in_tree) > 50
    assert {(a["resource"], a["rule"], a["reason"]) for a in report["acknowledged"]} == in_tree


def test_the_report_names_the_packs_and_leaves_nothing_unacknowledged(
    default_report: tuple[dict[str, Any], Path],
) -> None:
    report, _ = default_report
    assert report["packs"] == list(ALL_PACKS)
    assert report["unacknowledged"] == []
    assert {ack["rule"].split("-")[0] for ack in report["acknowledged"]} == set(ALL_PACKS)
    for ack in report["acknowledged"]:
        assert set(ack) == {"rule", "resource", "reason", "stack", "logical_id"}, ack
        assert len(ack["reason"]) >= 40, ack


def test_the_report_matches_the_templates_acknowledgments(
    default_report: tuple[dict[str, Any], Path],
) -> None:
    # What the report says was acknowledged is what the templates' cdk_nag metadata holds (for
    # the packs that ran), resource by resource: the same acknowledgments, read two ways.
    report, outdir = default_report
    in_templates = set()
    for path in outdir.glob("*.template.json"):
        template = json.loads(path.read_text(encoding="utf-8"))
        for logical_id, resource in template["Resources"].items():
            for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
                for finding in rule.get("applies_to", [None]):
                    rule_id = f"{rule['id']}[{finding}]" if finding else rule["id"]
                    in_templates.add(
                        (path.name.removesuffix(".template.json"), logical_id, rule_id, rule["reason"])
                    )
    in_report = {(a["stack"], a["logical_id"], a["rule"], a["reason"]) for a in report["acknowledged"]}
    assert in_report == in_templates


def test_the_default_apps_nlb_deletion_protection_is_acknowledged_as_the_demos_choice(
    default_report: tuple[dict[str, Any], Path],
) -> None:
    report, _ = default_report
    (hipaa, nist) = [a for a in report["acknowledged"] if a["rule"].endswith("-ELBDeletionProtectionEnabled")]
    assert (hipaa["resource"], nist["resource"]) == ("ProviderStack/Provider/Nlb/Resource",) * 2
    assert "deletion_protection is not set in an environment-agnostic config (the demo)" in hipaa["reason"]


def test_a_finding_fails_the_synth_and_the_report_lists_it(tmp_path: Path) -> None:
    app = with_nag(App(context=feature_flags(), outdir=str(tmp_path)), ["AwsSolutions", "Serverless"])
    sns.Topic(Stack(app, "Bad"), "Plain")
    with pytest.raises(RuntimeError, match="AwsSolutions-SNS3"):
        app.synth()
    report = json.loads((tmp_path / REPORT_FILE).read_text(encoding="utf-8"))
    assert report["packs"] == ["AwsSolutions", "Serverless"]
    (finding,) = report["unacknowledged"]
    assert (finding["rule"], finding["resource"]) == ("AwsSolutions-SNS3", "Bad/Plain/Resource")
    assert "does not require publishers to use SSL" in finding["reason"]


def test_without_packs_no_report_and_an_old_one_is_removed(tmp_path: Path) -> None:
    (tmp_path / REPORT_FILE).write_text("{}", encoding="utf-8")
    app = with_nag(App(context=feature_flags(), outdir=str(tmp_path)), [])
    sns.Topic(Stack(app, "Bad"), "Plain")
    app.synth()  # no pack: nothing fails
    assert not (tmp_path / REPORT_FILE).exists()


def provider(**overrides: Any) -> ProviderStack:
    config = {**default_config()["provider"], **overrides}
    stack = build_app(new_app(), parse_config({"provider": config})).provider
    assert stack is not None
    return stack


def deletion_acknowledgments(stack: ProviderStack) -> list[str]:
    nlb = stack.provider.load_balancer.node.default_child
    assert isinstance(nlb, CfnResource)
    rules = (nlb.get_metadata("cdk_nag") or {}).get("rules_to_suppress", [])
    return [rule["reason"] for rule in rules if rule["id"].endswith("-ELBDeletionProtectionEnabled")]


def deletion_warnings(stack: ProviderStack) -> list[Any]:
    return Annotations.from_stack(stack).find_warning(
        "/ProviderStack/Provider", Match.string_like_regexp("The NLB has no deletion protection")
    )


ACCOUNT = {
    "env": {"account": "111122223333", "region": "eu-west-1"},
    "vpc": {"cidr": "10.40.0.0/16", "availability_zones": ["eu-west-1a", "eu-west-1b"]},
}


def test_deletion_protection_on_needs_no_acknowledgment_and_no_warning() -> None:
    stack = provider(deletion_protection=True, **ACCOUNT)
    assert deletion_acknowledgments(stack) == []
    assert not deletion_warnings(stack)


def test_deletion_protection_explicitly_off_is_acknowledged_as_the_owners_choice() -> None:
    stack = provider(deletion_protection=False, **ACCOUNT)
    assert [reason.split(":")[0] for reason in deletion_acknowledgments(stack)] == ["deletion_protection"] * 2
    assert all("the owner chose" in reason for reason in deletion_acknowledgments(stack))
    assert not deletion_warnings(stack)


def test_deletion_protection_unset_in_a_config_with_an_account_warns() -> None:
    stack = provider(**ACCOUNT)
    reasons = deletion_acknowledgments(stack)
    assert len(reasons) == 2
    assert all("a config that names its account" in reason for reason in reasons)
    (warning,) = deletion_warnings(stack)
    assert DELETION_PROTECTION_WARNING in json.dumps(Stack.of(stack).resolve(warning.entry.data))


def test_the_environment_agnostic_demo_does_not_warn(synthesized_default_app: App) -> None:
    stack = synthesized_default_app.node.find_child("ProviderStack")
    assert isinstance(stack, ProviderStack)
    assert not deletion_warnings(stack)
    reasons = deletion_acknowledgments(stack)
    assert len(reasons) == 2
    assert all("an environment-agnostic config (the demo)" in reason for reason in reasons)


def test_aws_cdk_libs_own_provider_functions_carry_checkov_skips(synthesized_default_app: App) -> None:
    handlers = [
        construct
        for construct in synthesized_default_app.node.find_all()
        if isinstance(construct, CfnResource) and construct.cfn_resource_type == "AWS::Lambda::Function"
    ]
    helpers = [h for h in handlers if "CustomResourceProvider" in h.node.path]
    assert len(helpers) == 2  # the VPC's RestrictDefaultSecurityGroup handler, in each stack
    for handler in helpers:
        skips = {skip["id"] for skip in handler.get_metadata("checkov")["skip"]}
        assert skips == {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"}
        assert (
            "aws-cdk-lib's own custom-resource provider"
            in handler.get_metadata("checkov")["skip"][0]["comment"]
        )
    (updater,) = [h for h in handlers if "TargetUpdater" in h.node.path]
    comments = {skip["comment"] for skip in updater.get_metadata("checkov")["skip"]}
    assert not any("aws-cdk-lib's own" in comment for comment in comments)


def alarm_warnings(stack: ProviderStack) -> list[str]:
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("alarms notify nobody"))
    return sorted(warning.id for warning in found)


def test_a_config_with_an_account_and_no_alarm_topic_is_warned_for_each_construct() -> None:
    assert alarm_warnings(provider(auto_accept_principals=["111122223333"], **ACCOUNT)) == [
        "/ProviderStack/Provider/AutoAccept",
        "/ProviderStack/TargetUpdater",
    ]


def test_with_an_alarm_topic_nothing_warns() -> None:
    topic = "arn:aws:sns:eu-west-1:111122223333:ops"
    stack = provider(alarm_topic_arn=topic, auto_accept_principals=["111122223333"], **ACCOUNT)
    assert alarm_warnings(stack) == []


def test_the_environment_agnostic_demo_acknowledges_its_missing_alarm_topic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stack = provider(auto_accept_principals=["111122223333"])
    assert stack.config.env.account is None
    assert stack.config.alarm_topic_arn is None
    assert alarm_warnings(stack) == []
    # the silence is the app's acknowledgment: without it the same demo warns
    monkeypatch.setattr(provider_stack, "acknowledge_missing_alarm_topic", lambda *_: None)
    assert len(alarm_warnings(provider(auto_accept_principals=["111122223333"]))) == 2
