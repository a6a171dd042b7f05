"""The stacks' outputs come first; the describe APIs fill in where an output is missing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from privatelink_constructs.cli import read_handoff
from privatelink_constructs.cli.aws import gather_provider, read_stack
from privatelink_constructs.cli.checks import run_checks
from privatelink_constructs.cli.checks.common import provider_ports, service_zone_ids
from privatelink_constructs.cli.main import main
from tests.cli.healthy import consumer, context, provider, service
from tests.cli.test_doctor_moto import doctor, status
from tests.cli.world import DB_ADDRESSES, NOW, World, build_world


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield from build_world()


class TestPorts:
    def test_the_ports_output_comes_before_the_listeners(self) -> None:
        facts = provider(declared_ports=(6432, 5432))  # its NLB listens on 5432 only
        ctx = context(provider_facts=facts)
        assert provider_ports(ctx) == (5432, 6432)
        checks = {check.id: check for check in run_checks(ctx)}
        assert checks["provider.listeners"].status == "fail"  # the output names a missing listener

    def test_without_the_output_the_listeners_say(self) -> None:
        assert provider_ports(context(provider_facts=provider(declared_ports=None))) == (5432,)


class TestZoneIds:
    def test_the_zone_ids_output_comes_before_the_services_own(self) -> None:
        facts = provider(declared_zone_ids=("use1-az6", "use1-az4"))
        assert service(availability_zone_ids=("use1-az1", "use1-az2")) == facts.service
        assert service_zone_ids(context(provider_facts=facts)) == ("use1-az4", "use1-az6")

    def test_without_the_output_the_services_zones_say(self) -> None:
        assert service_zone_ids(context(provider_facts=provider())) == ("use1-az1", "use1-az2")

    def test_the_consumers_zones_are_judged_against_the_output(self) -> None:
        facts = provider(declared_zone_ids=("use1-az4", "use1-az6"))
        checks = {
            check.id: check for check in run_checks(context(provider_facts=facts, consumer_facts=consumer()))
        }
        assert checks["consumer.availability-zones"].status == "fail"
        assert "service: use1-az4, use1-az6" in checks["consumer.availability-zones"].summary

    def test_read_from_the_stack_it_spares_the_zone_lookup(self, world: World) -> None:
        world.stub_stack(
            "ProviderStack", {"ServiceId": world.service_id, "AvailabilityZoneIds": "use1-az4, use1-az6"}
        )
        world.stub_connections()
        stack = read_stack(world.clients.cloudformation, "ProviderStack", world.clients.region)
        facts = gather_provider(world.clients, world.service_id, stack=stack, now=NOW)
        assert facts.declared_zone_ids == ("use1-az4", "use1-az6")
        assert facts.zone_ids == {}  # no DescribeAvailabilityZones: the output says it all

    def test_the_handoff_hands_over_the_output(self, world: World, tmp_path: Path) -> None:
        world.stub_stack(
            "ProviderStack", {"ServiceId": world.service_id, "AvailabilityZoneIds": "use1-az4,use1-az6"}
        )
        world.stub_connections()
        out = io.StringIO()
        code = main(
            ["handoff", "--provider-stack", "ProviderStack"],
            clients=lambda profile, region: world.clients,
            out=out,
        )
        assert code == 0
        path = tmp_path / "link.json"
        path.write_text(out.getvalue(), encoding="utf-8")
        # moto's own zone mapping would say use1-az1, use1-az6: the output wins.
        assert read_handoff(path).availability_zone_ids == ("use1-az4", "use1-az6")


class TestConsumerOutputs:
    def test_the_client_hostname_output_must_be_a_record_of_the_zone(self, world: World) -> None:
        outputs: dict[str, Any] = {
            "EndpointId": world.endpoint_id,
            "HostedZoneId": world.zone_id,
            "ClientHostname": "orders.example.internal",
            "Ports": "5432",
        }
        world.stub_stack("ConsumerStack", outputs)
        world.stub_service_view()
        code, checks = doctor(
            world, "--consumer-stack", "ConsumerStack", sides=(), resolver=lambda host: DB_ADDRESSES
        )
        assert code == 1
        assert status(checks, "consumer.dns-entries") == "fail"
        assert (
            "the client hostname orders.example.internal is not a record"
            in checks["consumer.dns-entries"]["summary"]
        )
