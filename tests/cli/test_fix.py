"""``doctor --fix``: only the two safe changes, decided as plain Python, made through stubbed EC2.

moto has neither AcceptVpcEndpointConnections nor StartVpcEndpointServicePrivateDnsVerification:
both go through botocore's Stubber, which checks the request's parameters.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from moto import mock_aws

from privatelink_constructs.cli.facts import Connection, TxtLookup
from privatelink_constructs.cli.fixes import FixAction, plan_fixes
from privatelink_constructs.cli.main import main
from tests.cli.healthy import (
    CONSUMER_ACCOUNT,
    ENDPOINT_ID,
    SERVICE_ID,
    consumer,
    context,
    endpoint,
    provider,
    service,
)
from tests.cli.world import DB_ADDRESSES, World, build_world


class TestPlan:
    def test_accepts_the_consumers_pending_request_from_an_allowlisted_account(self) -> None:
        ctx = context(consumer_facts=consumer(endpoint=endpoint(state="pendingAcceptance")))
        actions, skipped = plan_fixes(ctx)
        assert actions == [
            FixAction("accept", SERVICE_ID, (ENDPOINT_ID,), "pending, from an allowlisted account")
        ]
        assert skipped == []

    def test_never_accepts_through_a_wildcard_allowlist(self) -> None:
        ctx = context(
            provider_facts=provider(allowed_principals=("*",)),
            consumer_facts=consumer(endpoint=endpoint(state="pendingAcceptance")),
        )
        actions, skipped = plan_fixes(ctx)
        assert actions == []
        assert skipped == [
            f"not accepting {ENDPOINT_ID}: its account {CONSUMER_ACCOUNT} is not named in the allowlist "
            "('*' does not count)"
        ]

    def test_without_a_consumer_accepts_every_allowlisted_pending_request_only(self) -> None:
        connections = (
            Connection("vpce-0known", CONSUMER_ACCOUNT, "pendingAcceptance", None),
            Connection("vpce-0stranger", "999988887777", "pendingAcceptance", None),
            Connection("vpce-0done", CONSUMER_ACCOUNT, "available", None),
        )
        ctx = replace(context(provider_facts=provider(connections=connections)), consumer=None)
        actions, skipped = plan_fixes(ctx)
        assert [a.endpoint_ids for a in actions] == [("vpce-0known",)]
        assert len(skipped) == 1
        assert "vpce-0stranger" in skipped[0]

    def test_does_nothing_to_an_available_endpoint(self) -> None:
        assert plan_fixes(context()) == ([], [])

    @pytest.mark.parametrize("state", ["pendingVerification", "failed"])
    def test_starts_verification_of_an_unverified_name(self, state: str) -> None:
        facts = provider(service=service(private_dns_name="db.example.com", private_dns_state=state))
        actions, _ = plan_fixes(context(provider_facts=facts))
        assert [a.kind for a in actions] == ["verify-private-dns"]

    def test_does_not_start_verification_while_the_txt_record_is_missing(self) -> None:
        facts = provider(
            service=service(private_dns_name="db.example.com", private_dns_state="failed"),
            txt_record=TxtLookup(found=False, where="looked for _x.example.com"),
        )
        actions, skipped = plan_fixes(context(provider_facts=facts))
        assert actions == []
        assert "the TXT record is missing" in skipped[0]

    def test_needs_the_provider_side(self) -> None:
        actions, skipped = plan_fixes(replace(context(), provider=None))
        assert actions == []
        assert "--provider-stack" in skipped[0]


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield from build_world()


def run(world: World, *args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = main(
        ["doctor", "--json", "--service-id", world.service_id, "--endpoint-id", world.endpoint_id, *args],
        clients=lambda profile, region: world.clients,
        resolver=lambda host: DB_ADDRESSES,
        out=out,
    )
    return code, json.loads(out.getvalue())


def test_fix_accepts_the_pending_endpoint_then_checks_again(world: World) -> None:
    world.endpoint_backend().state = "pendingAcceptance"
    pending = [{**world.connections[0], "VpcEndpointState": "pendingAcceptance"}]
    world.stub_connections(pending)
    world.stub_service_view()
    world.ec2_stub.add_response(
        "accept_vpc_endpoint_connections",
        {"Unsuccessful": []},
        {"ServiceId": world.service_id, "VpcEndpointIds": [world.endpoint_id]},
    )
    # What AWS does on accepting; the Stubber only answers the call.
    world.ec2_plus.after["accept_vpc_endpoint_connections"] = lambda _: setattr(
        world.endpoint_backend(), "state", "available"
    )
    world.stub_checks()
    code, document = run(world, "--fix")
    assert document["fixed"] == [f"accepted {world.endpoint_id} on {world.service_id}"]
    assert code == 0
    assert {c["id"]: c["status"] for c in document["checks"]}["consumer.endpoint"] == "pass"
    world.ec2_stub.assert_no_pending_responses()


def test_fix_reports_a_refused_accept(world: World) -> None:
    world.endpoint_backend().state = "pendingAcceptance"
    world.stub_checks()
    world.ec2_stub.add_response(
        "accept_vpc_endpoint_connections",
        {
            "Unsuccessful": [
                {"ResourceId": world.endpoint_id, "Error": {"Code": "InvalidState", "Message": "not pending"}}
            ]
        },
        {"ServiceId": world.service_id, "VpcEndpointIds": [world.endpoint_id]},
    )
    world.stub_checks()
    code, document = run(world, "--fix")
    assert document["fixed"] == [f"could not accept {world.endpoint_id}: not pending"]
    assert code == 1


def test_fix_starts_private_dns_verification(world: World) -> None:
    world.ec2.modify_vpc_endpoint_service_configuration(
        ServiceId=world.service_id, PrivateDnsName="db.example.com"
    )
    world.ec2_plus.overlays["describe_vpc_endpoint_service_configurations"] = lambda r: r[
        "ServiceConfigurations"
    ][0].update(
        PrivateDnsNameConfiguration={
            "State": "pendingVerification",
            "Name": "_x",
            "Value": "v",
            "Type": "TXT",
        }
    )
    world.stub_checks()
    world.ec2_stub.add_response(
        "start_vpc_endpoint_service_private_dns_verification",
        {"ReturnValue": True},
        {"ServiceId": world.service_id},
    )
    world.stub_checks()
    _code, document = run(world, "--fix")
    assert document["fixed"][0].startswith(f"started private DNS verification of {world.service_id}")
    world.ec2_stub.assert_no_pending_responses()


def test_nothing_to_fix_changes_nothing(world: World) -> None:
    world.stub_checks()
    code, document = run(world, "--fix")
    assert code == 0
    assert document["fixed"] == ["nothing to fix that --fix may change"]
    world.ec2_stub.assert_no_pending_responses()
