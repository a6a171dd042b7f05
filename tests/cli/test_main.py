"""The command line: exit codes, messages without tracebacks, text and JSON, and what it imports."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from moto import mock_aws

from privatelink_constructs.cli.main import INSTALL_HINT, main
from privatelink_constructs.cli.model import Check, Status, exit_code, failed, passed, warned
from privatelink_constructs.cli.report import as_json, as_text
from tests.cli.world import DB_ADDRESSES, World, build_world

CHECKS = [
    passed("link.ports", "link", "both sides use 5432"),
    passed("provider.service", "provider", "vpce-svc-1 is Available"),
    warned("provider.connections", "provider", "1 request waiting", "accept it"),
    failed("consumer.endpoint", "consumer", "vpce-1 is pendingAcceptance", "accept it"),
    failed("provider.targets", "provider", "no healthy target", "register one"),
]


def run_python(code: str, env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    clean = {key: value for key, value in environment.items() if value is not None}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=clean
    )


class TestModel:
    def test_a_non_pass_without_a_fix_is_refused(self) -> None:
        with pytest.raises(ValueError, match="a fail check needs a fix"):
            Check("x", "link", Status.FAIL, "broken")

    def test_a_summary_is_one_line(self) -> None:
        with pytest.raises(ValueError, match="one line"):
            passed("x", "link", "two\nlines")

    def test_exit_code_is_1_only_when_something_failed(self) -> None:
        assert exit_code(CHECKS) == 1
        assert exit_code([c for c in CHECKS if c.status is not Status.FAIL]) == 0


class TestReport:
    def test_text_groups_by_side_with_failures_first(self) -> None:
        text = as_text(CHECKS, title="privatelink-cdk doctor: test")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[1] == "provider"
        assert lines[2].startswith("FAIL  provider.targets")
        assert lines[3] == "fix: register one"
        assert lines[4].startswith("WARN  provider.connections")
        assert lines[-1] == "2 failed, 1 warning(s), 2 passed"
        assert text.index("\nprovider\n") < text.index("\nconsumer\n") < text.index("\nlink\n")

    def test_a_long_id_puts_its_summary_below_and_keeps_the_column(self) -> None:
        long_id = "probe.dns:vpce-0123456789abcdef0-abcdefgh.vpce-svc-0123456789abcdef0.us-east-1.vpce.aws"
        checks = [*CHECKS, failed(long_id, "consumer", "does not resolve", "check the zone")]
        lines = as_text(checks, title="t").splitlines()
        at = lines.index(f"  FAIL  {long_id}")
        column = lines[at + 1].index("does not resolve")
        assert lines[at + 2].index("fix: check the zone") == column
        targets = next(line for line in lines if "provider.targets" in line)
        assert targets.index("no healthy target") == column <= 2 + 4 + 2 + 28 + 2

    def test_json_has_the_documented_shape(self) -> None:
        document = json.loads(as_json(CHECKS, actions=["accepted vpce-1"]))
        assert document["checks"][0] == {
            "id": "provider.targets",
            "side": "provider",
            "status": "fail",
            "summary": "no healthy target",
            "fix": "register one",
        }
        assert document["summary"] == {"fail": 2, "warn": 1, "pass": 2}
        assert document["fixed"] == ["accepted vpce-1"]


class TestUsage:
    def test_no_side_is_a_usage_error(self) -> None:
        err = io.StringIO()
        assert main(["doctor"], err=err) == 2
        assert err.getvalue().startswith("privatelink-cdk: error: name at least one side")

    def test_an_unknown_option_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as raised:
            main(["doctor", "--nope"])
        assert raised.value.code == 2
        assert "unrecognized arguments: --nope" in capsys.readouterr().err

    def test_fix_needs_the_provider(self) -> None:
        err = io.StringIO()
        assert main(["doctor", "--endpoint-id", "vpce-1", "--fix"], err=err) == 2
        assert "--fix changes the provider side" in err.getvalue()

    def test_probe_needs_the_consumer(self) -> None:
        err = io.StringIO()
        assert main(["doctor", "--service-id", "vpce-svc-1", "--probe"], err=err) == 2
        assert "--probe runs in the consumer's VPC" in err.getvalue()

    def test_an_unknown_profile_is_a_usage_error(self) -> None:
        err = io.StringIO()
        code = main(
            ["doctor", "--service-id", "vpce-svc-1", "--provider-profile", "no-such-profile"], err=err
        )
        assert code == 2
        assert (
            "AWS profile not found: The config profile (no-such-profile) could not be found" in err.getvalue()
        )


def test_missing_credentials_exit_2_with_one_line_and_no_traceback(tmp_path: object) -> None:
    result = run_python(
        "import sys; from privatelink_constructs.cli.main import main; "
        "sys.exit(main(['doctor', '--service-id', 'vpce-svc-1', '--region', 'us-east-1']))",
        env={
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_ACCESS_KEY_ID": None,
            "AWS_SECRET_ACCESS_KEY": None,
            "AWS_SESSION_TOKEN": None,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PROFILE": None,
        },
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("privatelink-cdk: error: no usable AWS credentials")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_without_boto3_prints_the_install_hint_and_exits_2() -> None:
    result = run_python(
        "import sys; sys.modules['boto3'] = None; sys.modules['botocore'] = None; "
        "from privatelink_constructs.cli.main import main; sys.exit(main(['doctor', '--service-id', 'x']))"
    )
    assert result.returncode == 2
    assert result.stderr == f"privatelink-cdk: {INSTALL_HINT}\n"
    assert "pip install 'privatelink-cdk[cli]'" in result.stderr


def test_help_works_without_boto3() -> None:
    result = run_python(
        "import sys; sys.modules['boto3'] = None; sys.modules['botocore'] = None; "
        "from privatelink_constructs.cli.main import main; main(['doctor', '--help'])"
    )
    assert result.returncode == 0
    assert "--provider-stack" in result.stdout


def test_the_command_never_loads_aws_cdk() -> None:
    modules = [
        "privatelink_constructs.cli",
        "privatelink_constructs.cli.main",
        "privatelink_constructs.cli.commands",
        "privatelink_constructs.cli.aws",
        "privatelink_constructs.cli.handoff",
        "privatelink_constructs.endpoint_probe.runtime.handler",
    ]
    result = run_python(
        "import sys, importlib\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "from privatelink_constructs.cli import read_handoff, main\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'constructs', 'jsii')))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_python_dash_m_runs_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "privatelink_constructs.cli", "doctor"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "name at least one side" in result.stderr


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield from build_world()


def test_text_output_names_both_sides_and_exits_1_on_a_failure(world: World) -> None:
    world.endpoint_backend().state = "pendingAcceptance"
    world.stub_checks()
    out = io.StringIO()
    code = main(
        ["doctor", "--service-id", world.service_id, "--endpoint-id", world.endpoint_id],
        clients=lambda profile, region: world.clients,
        resolver=lambda host: DB_ADDRESSES,
        out=out,
    )
    text = out.getvalue()
    assert code == 1
    assert text.startswith(f"privatelink-cdk doctor: provider {world.service_id} (us-east-1), account ")
    assert "FAIL  consumer.endpoint" in text
    assert "fix: the provider accepts it: rerun with --fix" in text
