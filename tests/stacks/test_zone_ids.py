"""Availability Zone IDs through the app's config: both sides placed by ID, published, matched."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Annotations, Match, Template

from stacks import build_app, parse_config
from stacks.config import ConfigError
from stacks.config_files import read_config_file
from tests.conftest import ROOT, new_app

ENV = {"account": "111122223333", "region": "us-east-1"}


def app_of(config: dict[str, Any]) -> Any:
    return build_app(new_app(), parse_config(config))


def problems_of(config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    return caught.value.problems


def linked(provider_zones: list[str], consumer_zones: list[str]) -> dict[str, Any]:
    return {
        "provider": {"env": ENV, "vpc": {"availability_zone_ids": provider_zones}},
        "consumers": [
            {"env": ENV, "vpc": {"cidr": "10.60.0.0/16", "availability_zone_ids": consumer_zones}},
        ],
    }


def test_both_sides_are_placed_by_zone_id_and_the_provider_publishes_them() -> None:
    built = app_of(linked(["use1-az1", "use1-az4"], ["use1-az4", "use1-az1"]))
    for stack in (built.provider, *built.consumers):
        subnets = Template.from_stack(stack).find_resources("AWS::EC2::Subnet").values()
        assert sorted(s["Properties"]["AvailabilityZoneId"] for s in subnets) == ["use1-az1", "use1-az4"]
        assert all("AvailabilityZone" not in s["Properties"] for s in subnets)
    outputs = Template.from_stack(built.provider).find_outputs("AvailabilityZoneIds")
    assert outputs["AvailabilityZoneIds"]["Value"] == "use1-az1,use1-az4"


def test_zones_by_name_are_not_published() -> None:
    # Zone names mean different zones in each account: only IDs are worth handing over (the
    # handoff command reads them from the live service when the config has none).
    built = app_of({"provider": {"env": ENV, "vpc": {"availability_zones": ["us-east-1a", "us-east-1b"]}}})
    assert Template.from_stack(built.provider).find_outputs("AvailabilityZoneIds") == {}


def test_a_linked_consumer_with_no_shared_zone_is_refused() -> None:
    assert problems_of(linked(["use1-az1", "use1-az2"], ["use1-az4", "use1-az6"])) == [
        "consumers[0].vpc.availability_zone_ids: ['use1-az4', 'use1-az6'] share no zone with the service's "
        "provider.vpc.availability_zone_ids ['use1-az1', 'use1-az2']: PrivateLink connects only in zones "
        "both sides are in"
    ]


def test_a_partial_overlap_warns_and_uses_the_shared_zones_only() -> None:
    built = app_of(linked(["use1-az1", "use1-az2"], ["use1-az2", "use1-az6"]))
    (consumer,) = built.consumers
    endpoint = next(iter(Template.from_stack(consumer).find_resources("AWS::EC2::VPCEndpoint").values()))
    assert len(endpoint["Properties"]["SubnetIds"]) == 1
    Annotations.from_stack(consumer).has_warning(
        "/ConsumerStack/Consumer", Match.string_like_regexp(r"No endpoint in \['use1-az6'\]")
    )


def test_a_foreign_consumer_matches_the_zones_its_provider_gave() -> None:
    config = {
        "consumers": [
            {
                "env": ENV,
                "vpc": {"availability_zone_ids": ["use1-az1", "use1-az2"]},
                "service_name": "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
                "ports": [8883],
                "service_availability_zone_ids": ["use1-az5"],
            }
        ]
    }
    assert problems_of(config)[0].startswith(
        "consumers[0].vpc.availability_zone_ids: ['use1-az1', 'use1-az2'] share no zone with the service's "
        "service_availability_zone_ids ['use1-az5']"
    )


@pytest.mark.parametrize(
    ("vpc", "env", "problem"),
    [
        (
            {"availability_zones": ["us-east-1a"], "availability_zone_ids": ["use1-az1"]},
            ENV,
            "provider.vpc.availability_zone_ids: give zone IDs or availability_zones (names), not both",
        ),
        (
            {"availability_zone_ids": ["use1-az1"], "max_azs": 3},
            ENV,
            "provider.vpc.max_azs: the listed zones decide how many there are; drop max_azs",
        ),
        (
            {"availability_zone_ids": ["euw1-az1", "euw1-az2"]},
            ENV,
            "provider.vpc.availability_zone_ids: ['euw1-az1', 'euw1-az2'] are not zones of us-east-1",
        ),
        (
            {"availability_zone_ids": ["use1-az1", "us-east-1b"]},
            {},
            "provider.vpc.availability_zone_ids[1]: 'us-east-1b' is not an Availability Zone ID",
        ),
        (
            {
                "vpc_id": "vpc-1",
                "subnet_ids": ["subnet-1", "subnet-2"],
                "availability_zone_ids": ["use1-az1"],
            },
            {},
            "provider.vpc.availability_zone_ids: list the zone of each subnet in subnet_ids "
            "(2 subnets, 1 zones)",
        ),
    ],
)
def test_zone_problems_name_their_key(vpc: dict[str, Any], env: dict[str, Any], problem: str) -> None:
    problems = problems_of({"provider": {"env": env, "vpc": vpc}})
    assert any(p.startswith(problem) for p in problems), problems


def test_environment_agnostic_stacks_may_name_zone_ids() -> None:
    built = app_of({"provider": {"vpc": {"availability_zone_ids": ["use1-az1", "use1-az2"]}}})
    subnets = Template.from_stack(built.provider).find_resources("AWS::EC2::Subnet").values()
    assert sorted(s["Properties"]["AvailabilityZoneId"] for s in subnets) == ["use1-az1", "use1-az2"]


def test_an_existing_vpc_states_each_subnets_zone_id() -> None:
    built = app_of(
        {
            "provider": {
                "vpc": {
                    "vpc_id": "vpc-0123",
                    "cidr": "10.1.0.0/16",
                    "subnet_ids": ["subnet-a", "subnet-b"],
                    "availability_zone_ids": ["use1-az1", "use1-az4"],
                }
            }
        }
    )
    assert built.provider.provider.availability_zone_ids == ("use1-az1", "use1-az4")
    outputs = Template.from_stack(built.provider).find_outputs("AvailabilityZoneIds")
    assert outputs["AvailabilityZoneIds"]["Value"] == "use1-az1,use1-az4"


def test_the_emqx_example_meets_the_partner_in_its_zones() -> None:
    config = parse_config(read_config_file(ROOT / "examples" / "emqx-mqtt-provider.yaml"))
    provider = build_app(new_app(), config).provider
    assert provider is not None
    template = Template.from_stack(provider)
    subnets = template.find_resources("AWS::EC2::Subnet").values()
    zones = sorted(s["Properties"]["AvailabilityZoneId"] for s in subnets)
    assert zones == ["use1-az1", "use1-az2", "use1-az4"]
    groups = template.find_resources("AWS::ElasticLoadBalancingV2::TargetGroup").values()
    # Both MQTT ports, each checked on the plain MQTT port.
    assert sorted((g["Properties"]["Port"], g["Properties"]["HealthCheckPort"]) for g in groups) == [
        (1883, "1883"),
        (8883, "1883"),
    ]
    assert template.find_outputs("AvailabilityZoneIds")["AvailabilityZoneIds"]["Value"] == (
        "use1-az1,use1-az2,use1-az4"
    )
