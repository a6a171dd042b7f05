"""The handoff file: written by the command, read back by ``read_handoff`` and by a YAML loader."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path

import pytest
import yaml
from moto import mock_aws

from privatelink_constructs.cli import ConsumerNote, Handoff, HandoffError, read_consumer_note, read_handoff
from privatelink_constructs.cli.commands import consumer_note, service_handoff
from privatelink_constructs.cli.main import main
from tests.cli.healthy import (
    CONSUMER_ACCOUNT,
    ENDPOINT_ID,
    SERVICE_NAME,
    consumer,
    context,
    provider,
    service,
)
from tests.cli.world import ACCOUNT, World, build_world

HANDOFF = Handoff(
    service_name=SERVICE_NAME,
    region="us-east-1",
    ports=(5432, 6432),
    availability_zone_ids=("use1-az1", "use1-az2"),
    supported_regions=("eu-west-1",),
    private_dns_name="db.example.com",
    private_dns_state="verified",
    acceptance_required=True,
    provider_account="111122223333",
)


def write(tmp_path: Path, text: str, name: str = "link.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_round_trips_through_the_file(tmp_path: Path) -> None:
    assert read_handoff(write(tmp_path, HANDOFF.to_json())) == HANDOFF


def test_the_file_is_json_and_yaml_with_the_same_content(tmp_path: Path) -> None:
    text = HANDOFF.to_json()
    assert json.loads(text) == yaml.safe_load(text)
    assert yaml.safe_load(text)["service_name"] == SERVICE_NAME
    assert yaml.safe_load(text)["version"] == 1


def test_full_line_comments_are_allowed(tmp_path: Path) -> None:
    text = "# from the vendor, 2030-01-01\n" + HANDOFF.to_json().replace(
        '  "ports"', '  # both ports, the pooler too\n  "ports"'
    )
    assert read_handoff(write(tmp_path, text)) == HANDOFF
    assert yaml.safe_load(text)["ports"] == [5432, 6432]


def test_reports_every_problem_at_once(tmp_path: Path) -> None:
    data = json.loads(HANDOFF.to_json())
    data.update(ports=[5432, 70000], region="us-west-2", private_dns_state="maybe", prots=[1])
    with pytest.raises(HandoffError) as raised:
        read_handoff(write(tmp_path, json.dumps(data)))
    problems = raised.value.problems
    assert "ports[1]: 70000 is not a TCP port (1-65535)" in problems
    assert "region: 'us-west-2' does not match the service name's region 'us-east-1'" in problems
    assert "private_dns_state: 'maybe' is not allowed" in problems
    assert any(p.startswith("prots: unknown key") for p in problems)
    assert str(tmp_path / "link.yaml") in str(raised.value)


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (2, "version: 2 is not supported (this privatelink-cdk reads version 1; upgrade privatelink-cdk)"),
        (None, "version: None is not supported (this privatelink-cdk reads version 1)"),
    ],
)
def test_refuses_other_versions(tmp_path: Path, version: int | None, message: str) -> None:
    data = {**json.loads(HANDOFF.to_json()), "version": version}
    with pytest.raises(HandoffError) as raised:
        read_handoff(write(tmp_path, json.dumps(data)))
    assert message in raised.value.problems


def test_refuses_yaml_that_is_not_json(tmp_path: Path) -> None:
    with pytest.raises(HandoffError, match="not JSON"):
        read_handoff(write(tmp_path, "format: privatelink-cdk/handoff\nversion: 1\n"))


def test_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HandoffError, match="cannot read the file"):
        read_handoff(tmp_path / "nope.yaml")


def test_a_consumer_note_is_not_a_handoff(tmp_path: Path) -> None:
    note = ConsumerNote(
        ENDPOINT_ID, CONSUMER_ACCOUNT, f"arn:aws:iam::{CONSUMER_ACCOUNT}:root", "us-east-1", SERVICE_NAME
    )
    path = write(tmp_path, note.to_json())
    assert read_consumer_note(path) == note
    with pytest.raises(HandoffError, match="kind: expected 'service', got 'endpoint'"):
        read_handoff(path)


def test_a_note_whose_principal_is_another_account_is_refused(tmp_path: Path) -> None:
    note = ConsumerNote(
        ENDPOINT_ID, CONSUMER_ACCOUNT, "arn:aws:iam::999988887777:root", "us-east-1", SERVICE_NAME
    )
    with pytest.raises(HandoffError, match="is not the root of account"):
        read_consumer_note(write(tmp_path, note.to_json()))


class TestFromFacts:
    def test_a_verified_private_dns_name_is_usable(self) -> None:
        facts = provider(service=service(private_dns_name="db.example.com", private_dns_state="verified"))
        handoff = service_handoff(context(provider_facts=facts), ["orders.vendor.example"])
        assert handoff.private_dns_usable
        assert handoff.names_to_alias == ("orders.vendor.example",)
        assert handoff.availability_zone_ids == ("use1-az1", "use1-az2")
        assert handoff.ports == (5432,)

    def test_an_unverified_name_becomes_a_name_to_alias(self) -> None:
        facts = provider(service=service(private_dns_name="db.example.com", private_dns_state="failed"))
        handoff = service_handoff(context(provider_facts=facts), [])
        assert not handoff.private_dns_usable
        assert handoff.names_to_alias == ("db.example.com",)

    def test_zone_names_are_mapped_to_ids_in_the_providers_account(self) -> None:
        facts = provider(
            service=service(availability_zone_ids=()),
            zone_ids={"us-east-1a": "use1-az4", "us-east-1b": "use1-az6"},
        )
        assert service_handoff(context(provider_facts=facts), []).availability_zone_ids == (
            "use1-az4",
            "use1-az6",
        )

    def test_the_consumer_note_names_the_root_principal_and_zones(self) -> None:
        note = consumer_note(context(consumer_facts=consumer()))
        assert note.principal == f"arn:aws:iam::{CONSUMER_ACCOUNT}:root"
        assert note.availability_zone_ids == ("use1-az1", "use1-az2")
        assert note.endpoint_id == ENDPOINT_ID

    def test_a_china_region_note_uses_its_partition(self) -> None:
        facts = replace(consumer(), region="cn-north-1")
        assert consumer_note(context(consumer_facts=facts)).principal.startswith("arn:aws-cn:iam::")


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield from build_world()


def test_handoff_command_writes_a_file_read_handoff_accepts(world: World, tmp_path: Path) -> None:
    world.stub_stack("ProviderStack", {"ServiceId": world.service_id})
    world.stub_connections()
    out = io.StringIO()
    code = main(
        ["handoff", "--provider-stack", "ProviderStack", "--alias-name", "DB.Example.com."],
        clients=lambda profile, region: world.clients,
        out=out,
    )
    assert code == 0
    path = write(tmp_path, out.getvalue())
    handoff = read_handoff(path)
    assert handoff.service_name == world.service_name
    assert handoff.ports == (5432,)
    assert handoff.availability_zone_ids == ("use1-az1", "use1-az6")  # mapped with the provider's zone names
    assert handoff.names_to_alias == ("db.example.com",)
    assert handoff.provider_account == ACCOUNT
    assert yaml.safe_load(out.getvalue()) == {
        "format": "privatelink-cdk/handoff",
        "version": 1,
        "kind": "service",
        **{k: list(v) if isinstance(v, tuple) else v for k, v in asdict(handoff).items()},
    }


def test_handoff_command_writes_the_consumer_note(world: World, tmp_path: Path) -> None:
    world.stub_service_view()
    out = io.StringIO()
    code = main(
        ["handoff", "--endpoint-id", world.endpoint_id],
        clients=lambda profile, region: world.clients,
        out=out,
    )
    assert code == 0
    note = read_consumer_note(write(tmp_path, out.getvalue()))
    assert note.principal == f"arn:aws:iam::{ACCOUNT}:root"
    assert note.endpoint_id == world.endpoint_id


def test_handoff_describes_one_side(world: World) -> None:
    err = io.StringIO()
    code = main(
        ["handoff", "--service-id", world.service_id, "--endpoint-id", world.endpoint_id],
        clients=lambda profile, region: world.clients,
        out=io.StringIO(),
        err=err,
    )
    assert code == 2
    assert "not both" in err.getvalue()
