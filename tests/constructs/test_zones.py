"""Availability Zones by ID: placing subnets, selecting them, matching consumer and service zones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Annotations, Match, Template

from privatelink_constructs import (
    ConsumerInterfaceEndpoint,
    ProviderEndpointService,
    ZoneIdStack,
    subnets_in_zones,
)
from privatelink_constructs.rules import check_zone_ids, check_zone_overlap
from privatelink_constructs.zones import is_zone_id, zone_id_prefix, zone_ids_of
from tests.conftest import feature_flags, new_stack

SERVICE = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"


def isolated_vpc(stack: Stack, zones: list[str] | None = None) -> ec2.Vpc:
    return ec2.Vpc(
        stack,
        "Vpc",
        availability_zones=zones or stack.availability_zones,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)
        ],
    )


def zone_id_stack(zones: list[str], outdir: Path | None = None) -> ZoneIdStack:
    app = App(context=feature_flags(), outdir=str(outdir) if outdir else None)
    return ZoneIdStack(
        app,
        "Zoned",
        availability_zone_ids=zones,
        env=Environment(account="111122223333", region="us-east-1"),
    )


def subnet_placements(stack: Stack) -> list[tuple[Any, Any]]:
    return [
        (subnet["Properties"].get("AvailabilityZone"), subnet["Properties"].get("AvailabilityZoneId"))
        for subnet in Template.from_stack(stack).find_resources("AWS::EC2::Subnet").values()
    ]


@pytest.mark.parametrize(
    ("region", "prefix"),
    [
        ("us-east-1", "use1"),
        ("us-west-2", "usw2"),
        ("eu-west-1", "euw1"),
        ("eu-central-1", "euc1"),
        ("ap-northeast-1", "apne1"),
        ("ap-southeast-2", "apse2"),
        ("ap-south-1", "aps1"),
        ("ca-central-1", "cac1"),
        ("sa-east-1", "sae1"),
        ("us-gov-west-1", "usgw1"),
        ("cn-north-1", "cnn1"),
        ("cn-northwest-1", "cnnw1"),
        ("us-iso-east-1", None),
    ],
)
def test_zone_id_prefix_of_a_region(region: str, prefix: str | None) -> None:
    assert zone_id_prefix(region) == prefix


def test_zone_ids_and_names_are_told_apart() -> None:
    assert is_zone_id("use1-az4")
    assert not is_zone_id("us-east-1a")
    assert not is_zone_id("use1-az4\n")
    assert not is_zone_id(Stack(App(), "S").availability_zones[0])  # a token


class TestZoneIdStack:
    def test_subnets_are_placed_by_zone_id_without_any_lookup(self, tmp_path: Path) -> None:
        stack = zone_id_stack(["use1-az1", "use1-az4"], tmp_path)
        vpc = isolated_vpc(stack)
        assert subnet_placements(stack) == [(None, "use1-az1"), (None, "use1-az4")]
        assert zone_ids_of(vpc.isolated_subnets) == ("use1-az1", "use1-az4")
        App.of(stack).synth()  # type: ignore[union-attr]
        manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
        assert "missing" not in manifest  # no availability-zones context lookup: no credentials

    def test_subnets_in_zones_selects_by_id(self) -> None:
        stack = zone_id_stack(["use1-az1", "use1-az2", "use1-az4"])
        vpc = isolated_vpc(stack)
        built = ProviderEndpointService(
            stack, "Provider", vpc=vpc, ports=[5432], subnets=subnets_in_zones(["use1-az4", "use1-az2"])
        )
        assert built.availability_zone_ids == ("use1-az2", "use1-az4")
        nlb = next(
            iter(
                Template.from_stack(stack)
                .find_resources("AWS::ElasticLoadBalancingV2::LoadBalancer")
                .values()
            )
        )
        assert len(nlb["Properties"]["Subnets"]) == 2

    def test_refuses_zone_names(self) -> None:
        with pytest.raises(ValueError, match=r"availability_zone_ids: expected zone IDs like 'use1-az1'"):
            zone_id_stack(["us-east-1a"])

    def test_names_stay_names(self) -> None:
        # A VPC given zone names is left alone: only zone IDs are moved to AvailabilityZoneId.
        stack = Stack(
            App(context=feature_flags()), "Named", env=Environment(account="111122223333", region="eu-west-1")
        )
        isolated_vpc(stack, ["eu-west-1a", "eu-west-1b"])
        assert subnet_placements(stack) == [("eu-west-1a", None), ("eu-west-1b", None)]


class TestProviderZones:
    def test_provider_knows_its_zone_ids_only_when_built_from_ids(self) -> None:
        built = ProviderEndpointService(
            new_stack(), "Provider", vpc=isolated_vpc(new_stack("Other")), ports=[1]
        )
        assert built.availability_zone_ids is None  # an environment-agnostic VPC: zone tokens


class TestConsumerZones:
    def consumer(self, stack: Stack, service_zones: list[str], **overrides: Any) -> ConsumerInterfaceEndpoint:
        arguments: dict[str, Any] = {
            "vpc": isolated_vpc(stack),
            "service_name": SERVICE,
            "ports": [5432],
            "service_availability_zone_ids": service_zones,
        }
        arguments.update(overrides)
        return ConsumerInterfaceEndpoint(stack, "Consumer", **arguments)

    def endpoint_subnets(self, stack: Stack) -> int:
        endpoint = next(iter(Template.from_stack(stack).find_resources("AWS::EC2::VPCEndpoint").values()))
        return len(endpoint["Properties"]["SubnetIds"])

    def test_endpoint_only_in_shared_zones_and_a_warning_for_the_rest(self) -> None:
        stack = zone_id_stack(["use1-az1", "use1-az2", "use1-az4"])
        self.consumer(stack, ["use1-az2", "use1-az4", "use1-az6"])
        assert self.endpoint_subnets(stack) == 2
        Annotations.from_stack(stack).has_warning(
            "/Zoned/Consumer", Match.string_like_regexp(r"No endpoint in \['use1-az1'\]")
        )

    def test_no_shared_zone_is_refused(self) -> None:
        stack = zone_id_stack(["use1-az1", "use1-az2"])
        with pytest.raises(
            ValueError,
            match=r"subnets: \['use1-az1', 'use1-az2'\] share no zone with the service's "
            r"service_availability_zone_ids \['use1-az4', 'use1-az6'\]",
        ):
            self.consumer(stack, ["use1-az4", "use1-az6"])

    def test_subnets_known_by_name_get_a_warning_and_every_subnet(self) -> None:
        stack = Stack(
            App(context=feature_flags()), "Named", env=Environment(account="1" * 12, region="us-east-1")
        )
        vpc = isolated_vpc(stack, ["us-east-1a", "us-east-1b"])
        ConsumerInterfaceEndpoint(
            stack,
            "Consumer",
            vpc=vpc,
            service_name=SERVICE,
            ports=[1],
            service_availability_zone_ids=["use1-az1"],
        )
        assert self.endpoint_subnets(stack) == 2
        Annotations.from_stack(stack).has_warning(
            "/Named/Consumer", Match.string_like_regexp("carry zone names")
        )

    def test_cross_region_zones_are_not_matched(self) -> None:
        stack = zone_id_stack(["use1-az1", "use1-az2"])
        self.consumer(
            stack,
            ["euw1-az1"],
            service_name="com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0",
            service_region="eu-west-1",
        )
        assert self.endpoint_subnets(stack) == 2
        Annotations.from_stack(stack).has_info("/Zoned/Consumer", Match.string_like_regexp("cross-region"))


@pytest.mark.parametrize(
    ("zones", "region", "message"),
    [
        (["use1-az1", "us-east-1a"], None, "[1]: 'us-east-1a' is not an Availability Zone ID"),
        (["use1-az1", "use1-az1"], None, "[1]: 'use1-az1' is listed more than once"),
        (["use1-az1", "use2-az1"], None, ": zones of one region only; got zones of ['use1', 'use2']"),
        (
            ["euw1-az1"],
            "us-east-1",
            ": ['euw1-az1'] are not zones of us-east-1 (its zone IDs start with 'use1-')",
        ),
    ],
)
def test_zone_id_rule(zones: list[str], region: str | None, message: str) -> None:
    (problem,) = check_zone_ids(zones, argument="zones", region=region)
    assert problem.render().startswith("zones" + message)


def test_zone_overlap_rule() -> None:
    assert (
        check_zone_overlap(["use1-az1"], ["use1-az1", "use1-az2"], argument="a", service_argument="b") == []
    )
    assert (
        check_zone_overlap(["use1-az1"], ["euw1-az1"], argument="a", service_argument="b") == []
    )  # other region
    (problem,) = check_zone_overlap(["use1-az1"], ["use1-az2"], argument="a", service_argument="b")
    assert problem.render() == (
        "a: ['use1-az1'] share no zone with the service's b ['use1-az2']: "
        "PrivateLink connects only in zones both sides are in"
    )
