"""The connection acceptor's runtime: the plan as plain Python, the adapter against a stubbed EC2.

moto does not implement DescribeVpcEndpointConnections or AcceptVpcEndpointConnections, so the
adapter runs against botocore's Stubber, which checks every request's parameters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from privatelink_constructs.connection_acceptor.runtime import handler as acceptor
from privatelink_constructs.connection_acceptor.runtime.plan import PENDING, ConnectionRequest, decide

SERVICE = "vpce-svc-0123456789abcdef0"
ALLOWED = "111122223333"
OTHER = "999988887777"


def request(endpoint: str, owner: str, state: str = PENDING) -> ConnectionRequest:
    return ConnectionRequest(endpoint_id=endpoint, owner=owner, state=state)


class TestPlan:
    def test_accepts_pending_requests_from_allowlisted_accounts(self) -> None:
        decision = decide([request("vpce-1", ALLOWED)], frozenset({ALLOWED}))
        assert decision.accept == ("vpce-1",)
        assert decision.leave_pending == ()

    def test_leaves_other_accounts_pending(self) -> None:
        other = request("vpce-2", OTHER)
        decision = decide([request("vpce-1", ALLOWED), other], frozenset({ALLOWED}))
        assert decision.accept == ("vpce-1",)
        assert decision.leave_pending == (other,)

    @pytest.mark.parametrize("state", ["available", "rejected", "deleted", "failed", "pending"])
    def test_ignores_requests_that_are_not_pending_acceptance(self, state: str) -> None:
        decision = decide([request("vpce-1", ALLOWED, state)], frozenset({ALLOWED}))
        assert decision.accept == ()
        assert decision.leave_pending == ()

    def test_accepts_each_endpoint_once(self) -> None:
        decision = decide([request("vpce-1", ALLOWED), request("vpce-1", ALLOWED)], frozenset({ALLOWED}))
        assert decision.accept == ("vpce-1",)

    @given(
        st.lists(
            st.builds(
                ConnectionRequest,
                endpoint_id=st.from_regex(r"vpce-[0-9a-f]{4}", fullmatch=True),
                owner=st.sampled_from([ALLOWED, OTHER, "222233334444"]),
                state=st.sampled_from([PENDING, "available", "rejected"]),
            )
        ),
        st.frozensets(st.sampled_from([ALLOWED, OTHER])),
    )
    def test_only_ever_accepts_allowlisted_pending_requests(
        self, requests: list[ConnectionRequest], allowed: frozenset[str]
    ) -> None:
        decision = decide(requests, allowed)
        accepted = set(decision.accept)
        for item in requests:
            if item.endpoint_id in accepted:
                assert any(
                    r.endpoint_id == item.endpoint_id and r.owner in allowed and r.state == PENDING
                    for r in requests
                )
        assert all(r.owner not in allowed and r.state == PENDING for r in decision.leave_pending)


@pytest.fixture
def ec2() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("ec2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def describe(stub: Stubber, connections: list[dict[str, str]]) -> None:
    stub.add_response(
        "describe_vpc_endpoint_connections",
        {"VpcEndpointConnections": connections},
        {
            "Filters": [
                {"Name": "service-id", "Values": [SERVICE]},
                {"Name": "vpc-endpoint-state", "Values": ["pendingAcceptance"]},
            ]
        },
    )


def connection(endpoint: str, owner: str) -> dict[str, str]:
    return {
        "VpcEndpointId": endpoint,
        "VpcEndpointOwner": owner,
        "VpcEndpointState": PENDING,
        "ServiceId": SERVICE,
    }


SETTINGS = acceptor.Settings(service_id=SERVICE, auto_accept_accounts=frozenset({ALLOWED}))


class TestAdapter:
    def test_accepts_allowlisted_and_logs_the_rest(
        self, ec2: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
    ) -> None:
        client, stub = ec2
        describe(stub, [connection("vpce-1", ALLOWED), connection("vpce-2", OTHER)])
        stub.add_response(
            "accept_vpc_endpoint_connections",
            {"Unsuccessful": []},
            {"ServiceId": SERVICE, "VpcEndpointIds": ["vpce-1"]},
        )
        result = acceptor.run(SETTINGS, client)
        assert result == {"accepted": ["vpce-1"], "left_pending": ["vpce-2"]}
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [line["event"] for line in lines] == ["left_pending", "accepted"]
        assert lines[0]["owner"] == OTHER

    def test_nothing_pending_makes_one_call(self, ec2: tuple[Any, Stubber]) -> None:
        client, stub = ec2
        describe(stub, [])
        assert acceptor.run(SETTINGS, client) == {"accepted": [], "left_pending": []}

    def test_never_calls_accept_for_unknown_accounts(self, ec2: tuple[Any, Stubber]) -> None:
        client, stub = ec2
        describe(stub, [connection("vpce-2", OTHER)])
        # No accept response queued: any accept call would make the Stubber raise.
        assert acceptor.run(SETTINGS, client)["accepted"] == []

    def test_unsuccessful_accept_raises(self, ec2: tuple[Any, Stubber]) -> None:
        client, stub = ec2
        describe(stub, [connection("vpce-1", ALLOWED)])
        stub.add_response(
            "accept_vpc_endpoint_connections",
            {
                "Unsuccessful": [
                    {"ResourceId": "vpce-1", "Error": {"Code": "InvalidState", "Message": "gone"}}
                ]
            },
            {"ServiceId": SERVICE, "VpcEndpointIds": ["vpce-1"]},
        )
        with pytest.raises(acceptor.AcceptFailedError, match="could not accept 1 connection request"):
            acceptor.run(SETTINGS, client)

    def test_api_errors_propagate(self, ec2: tuple[Any, Stubber]) -> None:
        client, stub = ec2
        stub.add_client_error(
            "describe_vpc_endpoint_connections", "RequestLimitExceeded", http_status_code=503
        )
        with pytest.raises(client.exceptions.ClientError, match="RequestLimitExceeded"):
            acceptor.run(SETTINGS, client)

    def test_settings_from_environment(self) -> None:
        settings = acceptor.Settings.from_env(
            {"SERVICE_ID": SERVICE, "AUTO_ACCEPT_ACCOUNTS": "111122223333, 444455556666,"}
        )
        assert settings.auto_accept_accounts == frozenset({"111122223333", "444455556666"})

    def test_missing_setting_raises(self) -> None:
        with pytest.raises(KeyError, match="SERVICE_ID"):
            acceptor.Settings.from_env({"AUTO_ACCEPT_ACCOUNTS": ALLOWED})
