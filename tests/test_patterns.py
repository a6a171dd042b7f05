"""One shape per AWS name: the rules (CDK) and the handoff reader (no CDK) accept the same values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk.region_info import RegionInfo

from privatelink_constructs import _patterns, rules
from privatelink_constructs.cli import HandoffError, read_handoff
from tests.cli.test_handoff import HANDOFF

SERVICE_NAMES = [
    "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
    "cn.com.amazonaws.vpce.cn-north-1.vpce-svc-0123456789abcdef0",
    "com.amazonaws.vpce.us-gov-west-1.vpce-svc-0123456789abcdef0",
    "com.amazonaws.vpce.us-east-1.vpce-svc-5723d6a8",  # moto's 8 digits: not AWS's shape
    "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789ABCDEF0",
    "org.example.vpce.us-east-1.vpce-svc-0123456789abcdef0",
    "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0\n",
]
DNS_NAMES = ["db.example.com", "db.example.com.", "a-b.c1.example", "example", "DB.example.com", "-a.example"]
REGIONS = ["eu-west-1", "us-gov-west-1", "cn-northwest-1", "eu-west", "EU-WEST-1", "us-east-1 "]
ZONE_IDS = ["use1-az1", "euw2-az3", "cnn1-az2", "us-east-1a", "use1-bos1-az1"]


def test_the_partition_facts_are_aws_cdk_libs() -> None:
    """The tables restate RegionInfo for every region it knows: a new partition fails here."""
    prefixes: dict[str, set[str]] = {}
    domains: dict[str, set[str]] = {}
    for region in RegionInfo.regions:
        assert region.partition is not None
        prefixes.setdefault(region.partition, set()).add(str(region.vpc_endpoint_service_name_prefix))
        domains.setdefault(region.partition, set()).add(str(region.domain_suffix))
    assert prefixes == {p: {prefix} for p, prefix in _patterns.SERVICE_NAME_PREFIX_BY_PARTITION.items()}
    assert domains == {p: {domain} for p, domain in _patterns.DOMAIN_SUFFIX_BY_PARTITION.items()}
    assert set(_patterns.SERVICE_NAME_PREFIXES) == set().union(*prefixes.values())
    assert rules.SERVICE_NAME_PREFIXES == _patterns.SERVICE_NAME_PREFIXES
    assert tuple(sorted(prefixes)) == rules.PARTITIONS
    assert set(rules.AWS_DOMAINS) == set().union(*domains.values())


def _handoff_problems(tmp_path: Path, **values: object) -> list[str]:
    data = {**json.loads(HANDOFF.to_json()), **values}
    path = tmp_path / "link.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        read_handoff(path)
    except HandoffError as error:
        return error.problems
    return []


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_service_names_the_handoff_accepts_are_those_the_rules_accept(tmp_path: Path, name: str) -> None:
    region = _patterns.region_of_service_name(name) or "us-east-1"
    handoff_ok = not _handoff_problems(tmp_path, service_name=name, region=region)
    assert handoff_ok == (rules.check_service_name(name) == [])


@pytest.mark.parametrize("name", DNS_NAMES)
def test_dns_names_the_handoff_accepts_are_those_the_rules_accept(tmp_path: Path, name: str) -> None:
    handoff_ok = not _handoff_problems(tmp_path, names_to_alias=[name])
    assert handoff_ok == (rules.check_dns_name(name, argument="names") == [])


@pytest.mark.parametrize("region", REGIONS)
def test_regions_the_handoff_accepts_are_those_the_rules_accept(tmp_path: Path, region: str) -> None:
    handoff_ok = not _handoff_problems(tmp_path, supported_regions=[region])
    assert handoff_ok == (rules.check_region(region, argument="region") == [])


@pytest.mark.parametrize("zone_id", ZONE_IDS)
def test_zone_ids_the_handoff_accepts_are_those_the_rules_accept(tmp_path: Path, zone_id: str) -> None:
    handoff_ok = not _handoff_problems(tmp_path, availability_zone_ids=[zone_id])
    assert handoff_ok == (rules.check_zone_ids([zone_id], argument="zones") == [])


def test_a_china_service_names_its_region(tmp_path: Path) -> None:
    name = "cn.com.amazonaws.vpce.cn-north-1.vpce-svc-0123456789abcdef0"
    assert _handoff_problems(tmp_path, service_name=name, region="cn-north-1") == []
    assert _handoff_problems(tmp_path, service_name=name, region="cn-northwest-1") == [
        "region: 'cn-northwest-1' does not match the service name's region 'cn-north-1'"
    ]
