"""``consumers[].from_handoff``: a consumer filled from a provider's handoff file, checked against it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from privatelink_constructs.cli import Handoff
from stacks import ConfigError, build_app, parse_config
from stacks.config import ConsumerConfig, PrivateZoneConfig
from tests.cli.test_handoff import HANDOFF
from tests.conftest import new_app

SERVICE = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
VERIFIED = replace(HANDOFF, service_name=SERVICE, private_dns_name="db.vendor.example")
"""Ports 5432 and 6432, zones use1-az1 and use1-az2, also offered in eu-west-1, its name verified."""
UNVERIFIED = replace(VERIFIED, private_dns_state="pendingVerification", names_to_alias=("db.vendor.example",))


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # the handoff path is relative to the current directory
    return tmp_path


def handed(handoff: Handoff, name: str = "link.json") -> str:
    Path(name).write_text(handoff.to_json(), encoding="utf-8")
    return name


def consumer(handoff: Handoff = VERIFIED, **values: Any) -> ConsumerConfig:
    config = parse_config({"consumers": [{"from_handoff": handed(handoff), **values}]})
    (found,) = config.consumers
    return found


def problems(handoff: Handoff = VERIFIED, **values: Any) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        consumer(handoff, **values)
    return raised.value.problems


class TestFills:
    def test_service_ports_zones_and_verified_private_dns(self) -> None:
        found = consumer()
        assert found.service_name == SERVICE
        assert found.ports == (5432, 6432)
        assert found.service_availability_zone_ids == ("use1-az1", "use1-az2")
        assert found.private_dns_enabled is True
        assert found.private_hosted_zone is None
        assert found.service_region is None  # an environment-agnostic consumer: the service's region
        assert not found.linked

    def test_service_region_when_the_consumer_is_elsewhere(self) -> None:
        env = {"account": "222233334444", "region": "eu-west-1"}
        found = consumer(env=env, vpc={"availability_zones": ["eu-west-1a", "eu-west-1b"]})
        assert found.service_region == "us-east-1"
        same = consumer(
            env={**env, "region": "us-east-1"}, vpc={"availability_zone_ids": ["use1-az1", "use1-az2"]}
        )
        assert same.service_region is None

    def test_an_unverified_name_is_aliased_in_a_zone_of_its_own(self) -> None:
        found = consumer(UNVERIFIED)
        assert found.private_dns_enabled is None
        assert found.private_hosted_zone == PrivateZoneConfig(
            name="db.vendor.example", records=("db.vendor.example",)
        )

    def test_the_config_says_how_names_resolve(self) -> None:
        zone = {"name": "vendor.example", "records": ["db.vendor.example"]}
        found = consumer(private_hosted_zone=zone)
        assert found.private_dns_enabled is None  # a zone of its own given: private DNS not turned on
        assert found.private_hosted_zone == PrivateZoneConfig(
            name="vendor.example", records=("db.vendor.example",)
        )
        assert consumer(private_dns_enabled=False).private_dns_enabled is False

    def test_values_that_agree_are_kept(self) -> None:
        found = consumer(
            service_name=SERVICE,
            ports=[6432],
            service_availability_zone_ids=["use1-az2", "use1-az1"],
            service_region="us-east-1",
        )
        assert found.ports == (6432,)  # fewer ports than the provider's is fine
        assert found.service_availability_zone_ids == ("use1-az2", "use1-az1")


class TestRefuses:
    @pytest.mark.parametrize(
        ("values", "problem"),
        [
            (
                {"service_name": "com.amazonaws.vpce.us-east-1.vpce-svc-0aaaaaaaaaaaaaaaa"},
                "consumers[0].service_name: 'com.amazonaws.vpce.us-east-1.vpce-svc-0aaaaaaaaaaaaaaaa' is not "
                f"the service in from_handoff 'link.json' ('{SERVICE}'); leave service_name out to take the "
                "handoff's",
            ),
            (
                {"ports": [5432, 3306]},
                "consumers[0].ports: [3306] are not ports of the service in from_handoff 'link.json' "
                "([5432, 6432])",
            ),
            (
                {"service_availability_zone_ids": ["use1-az1", "use1-az4"]},
                "consumers[0].service_availability_zone_ids: ['use1-az1', 'use1-az4'] are not the service's "
                "zones in from_handoff 'link.json' (['use1-az1', 'use1-az2']); leave them out to take the "
                "handoff's",
            ),
            (
                {"service_region": "us-west-2"},
                "consumers[0].service_region: 'us-west-2' is not the service's region in from_handoff "
                "'link.json' ('us-east-1')",
            ),
            (
                {
                    "env": {"account": "222233334444", "region": "ap-south-1"},
                    "vpc": {"availability_zones": ["ap-south-1a"]},
                },
                "consumers[0].env.region: 'ap-south-1' is not a region the service in from_handoff "
                "'link.json' is offered in (['us-east-1', 'eu-west-1']); ask the provider to add it",
            ),
            (
                {"vpc": {"availability_zone_ids": ["euw1-az1", "euw1-az2"]}},
                "consumers[0].env.region: required: vpc.availability_zone_ids ['euw1-az1', 'euw1-az2'] "
                "are in another region than the service in from_handoff 'link.json' (us-east-1",
            ),
            (
                {"ip_address_type": "dualstack", "vpc": {"ipv6": True}},
                "consumers[0].ip_address_type: 'dualstack' needs a service that supports ipv6; the service "
                "in from_handoff 'link.json' supports ['ipv4']",
            ),
        ],
    )
    def test_a_value_the_handoff_contradicts(self, values: dict[str, Any], problem: str) -> None:
        found = problems(**values)
        assert len(found) == 1, found
        assert found[0].startswith(problem), found

    def test_private_dns_on_with_an_unverified_name(self) -> None:
        (found,) = problems(UNVERIFIED, private_dns_enabled=True)
        assert found.startswith(
            "consumers[0].private_dns_enabled: true, but the service in from_handoff 'link.json' has the "
            "private DNS name 'db.vendor.example', pendingVerification, not verified: CloudFormation would "
            "fail the endpoint"
        )

    def test_private_dns_on_without_a_name(self) -> None:
        (found,) = problems(
            replace(VERIFIED, private_dns_name=None, private_dns_state=None), private_dns_enabled=True
        )
        assert "has no private DNS name" in found

    def test_several_names_to_alias_need_a_zone_chosen(self) -> None:
        several = replace(UNVERIFIED, names_to_alias=("db.vendor.example", "eu.db.vendor.example"))
        (found,) = problems(several)
        assert found.startswith(
            "consumers[0].private_hosted_zone: from_handoff 'link.json' names 2 names to alias "
            "(db.vendor.example, eu.db.vendor.example)"
        )
        zone = {"name": "db.vendor.example", "records": ["db.vendor.example", "eu.db.vendor.example"]}
        assert consumer(several, private_hosted_zone=zone).private_hosted_zone is not None


class TestTheFile:
    def test_its_problems_are_reported_at_the_config_path_with_the_others(self) -> None:
        data = json.loads(VERIFIED.to_json())
        data.update(version=2, ports=[70000])
        Path("link.json").write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(ConfigError) as raised:
            parse_config({"provider": {"ports": [0]}, "consumers": [{"from_handoff": "link.json"}]})
        assert raised.value.problems == [
            "provider.ports[0]: 0 is not a TCP port (1-65535)",
            "consumers[0].from_handoff: 'link.json': version: 2 is not supported (this privatelink-cdk reads "
            "version 1; upgrade privatelink-cdk)",
            "consumers[0].from_handoff: 'link.json': ports[0]: 70000 is not a TCP port (1-65535)",
        ]

    def test_a_missing_file_says_where_it_was_looked_for(self, in_tmp: Path) -> None:
        (found,) = problems_of_missing()
        assert found == (
            "consumers[0].from_handoff: 'vendor/link.json': cannot read the file: No such file or "
            f"directory (relative to the current directory, {in_tmp})"
        )

    def test_a_consumer_note_is_not_a_handoff(self) -> None:
        note = {
            "format": "privatelink-cdk/handoff",
            "version": 1,
            "kind": "endpoint",
            "endpoint_id": "vpce-0123456789abcdef0",
            "account": "222233334444",
            "principal": "arn:aws:iam::222233334444:root",
            "region": "us-east-1",
            "service_name": SERVICE,
        }
        Path("note.json").write_text(json.dumps(note), encoding="utf-8")
        with pytest.raises(ConfigError) as raised:
            parse_config({"consumers": [{"from_handoff": "note.json"}]})
        assert (
            "consumers[0].from_handoff: 'note.json': kind: expected 'service', got 'endpoint' "
            "(use read_consumer_note for that one)"
        ) in raised.value.problems

    def test_the_path_is_relative_to_the_current_directory(self, in_tmp: Path) -> None:
        (in_tmp / "vendor").mkdir()
        handed(VERIFIED, "vendor/link.json")
        found = parse_config({"consumers": [{"from_handoff": "vendor/link.json"}]}).consumers[0]
        assert found.service_name == SERVICE


def problems_of_missing() -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse_config({"consumers": [{"from_handoff": "vendor/link.json"}]})
    return raised.value.problems


def test_builds_the_endpoint_the_handoff_describes() -> None:
    config = parse_config(
        {
            "consumers": [
                {
                    "from_handoff": handed(UNVERIFIED),
                    "env": {"account": "222233334444", "region": "eu-west-1"},
                    "vpc": {"availability_zones": ["eu-west-1a", "eu-west-1b"]},
                    "allowed_peers": [{"cidr": "10.60.0.0/16"}],
                }
            ]
        }
    )
    (stack,) = build_app(new_app(), config).consumers
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {"ServiceName": SERVICE, "ServiceRegion": "us-east-1", "PrivateDnsEnabled": False},
    )
    template.has_resource_properties("AWS::Route53::HostedZone", {"Name": "db.vendor.example."})
    template.has_resource_properties("AWS::Route53::RecordSet", {"Name": "db.vendor.example.", "Type": "A"})
    group = next(
        g
        for g in template.find_resources("AWS::EC2::SecurityGroup").values()
        if "SecurityGroupIngress" in g["Properties"]
    )
    assert sorted(rule["FromPort"] for rule in group["Properties"]["SecurityGroupIngress"]) == [5432, 6432]
