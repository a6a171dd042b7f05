"""``consumers[].probe``: the endpoint probe from the config, its output, and its stack's key."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks import ConfigError, build_app, parse_config, with_nag
from tests.conftest import default_config, new_app, only


def consumer_template(**consumer: Any) -> Template:
    config = dict(default_config())
    config["consumers"] = [{**config["consumers"][0], **consumer}]
    (stack,) = build_app(new_app(), parse_config(config)).consumers
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def probed() -> Template:
    return consumer_template(probe=True)


def probe_function(template: Template) -> str:
    (function,) = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "runtime.handler.handler"}}
    )
    return function


def test_probe_true_outputs_the_function_the_doctor_invokes(probed: Template) -> None:
    outputs = probed.find_outputs("ProbeFunction")
    assert outputs["ProbeFunction"]["Value"] == {"Ref": probe_function(probed)}


def probe_log_group(template: Template) -> dict[str, Any]:
    function = template.find_resources("AWS::Lambda::Function")[probe_function(template)]
    resources: dict[str, dict[str, Any]] = template.to_json()["Resources"]
    return resources[function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]


def test_the_probe_logs_with_the_stacks_one_key(probed: Template) -> None:
    (key,) = probed.find_resources("AWS::KMS::Key")  # still one key in the stack
    properties = probe_log_group(probed)["Properties"]
    assert properties["KmsKeyId"] == {"Fn::GetAtt": [key, "Arn"]}
    assert properties["RetentionInDays"] == 90


def test_the_consumers_removal_policy_reaches_the_probes_logs() -> None:
    template = consumer_template(probe=True, removal_policy="retain", log_retention_days=30)
    log_group = probe_log_group(template)
    assert log_group["DeletionPolicy"] == "Retain"
    assert log_group["Properties"]["RetentionInDays"] == 30


@pytest.mark.parametrize("probe", [False, None])
def test_no_probe_unless_asked(probe: bool | None) -> None:
    template = consumer_template(**({} if probe is None else {"probe": probe}))
    assert "ProbeFunction" not in template.find_outputs("*")
    assert not template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "runtime.handler.handler"}}
    )


def test_probe_must_be_true_or_false() -> None:
    config = dict(default_config())
    config["consumers"] = [{**config["consumers"][0], "probe": "yes"}]
    with pytest.raises(ConfigError) as raised:
        parse_config(config)
    assert raised.value.problems == ["consumers[0].probe: expected true or false, got 'yes' (a string)"]


def test_the_probe_runs_in_the_endpoints_subnets(probed: Template) -> None:
    function = probed.find_resources("AWS::Lambda::Function")[probe_function(probed)]["Properties"]
    endpoint = only(probed, "AWS::EC2::VPCEndpoint")["Properties"]
    assert function["VpcConfig"]["SubnetIds"] == endpoint["SubnetIds"]
    assert len(endpoint["SubnetIds"]) == 2


def test_a_consumer_stack_with_the_probe_passes_aws_solutions_checks() -> None:
    config = dict(default_config())
    config["consumers"] = [{**config["consumers"][0], "probe": True}]
    app = with_nag(new_app())
    build_app(app, parse_config(config))
    app.synth()  # raises "ValidationFailed" on any unacknowledged finding
