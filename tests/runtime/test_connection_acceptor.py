"""The connection acceptor: the decisions as plain Python, the entry point against a stubbed EC2.

moto does not implement DescribeVpcEndpointConnections or AcceptVpcEndpointConnections, so the
entry point runs against botocore's Stubber, which checks every request's parameters and fails
on any call that was not queued.
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
from privatelink_constructs.connection_acceptor.runtime.plan import (
    NOT_ALLOWED,
    NOT_LISTED,
    PENDING,
    Allowlist,
    ConnectionRequest,
    allowlist,
    decide,
)
from tests.runtime.lambda_runtime import lambda_logging

SERVICE = "vpce-svc-0123456789abcdef0"
ALLOWED = "111122223333"
OTHER = "999988887777"
ENV = {"SERVICE_ID": SERVICE, "AUTO_ACCEPT_ACCOUNTS": ALLOWED}
EVERYONE_LISTED = Allowlist(accounts=frozenset({ALLOWED, OTHER}))
NOTIFICATION: dict[str, Any] = {
    "Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps({"eventType": "Connect"})}}]
}
SWEEP: dict[str, Any] = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


def request(endpoint: str, owner: str, state: str = PENDING) -> ConnectionRequest:
    return ConnectionRequest(endpoint_id=endpoint, owner=owner, state=state)


class TestPlan:
    def test_accepts_pending_requests_from_allowlisted_accounts(self) -> None:
        decision = decide([request("vpce-1", ALLOWED)], frozenset({ALLOWED}), EVERYONE_LISTED)
        assert decision.accept == ("vpce-1",)
        assert decision.leave_pending == ()

    def test_leaves_other_accounts_pending(self) -> None:
        other = request("vpce-2", OTHER)
        decision = decide([request("vpce-1", ALLOWED), other], frozenset({ALLOWED}), EVERYONE_LISTED)
        assert decision.accept == ("vpce-1",)
        assert decision.leave_pending == ((other, NOT_LISTED),)

    def test_never_accepts_an_account_the_service_no_longer_allows(self) -> None:
        removed = request("vpce-1", ALLOWED)
        decision = decide([removed], frozenset({ALLOWED}), Allowlist(accounts=frozenset({OTHER})))
        assert decision.accept == ()
        assert decision.leave_pending == ((removed, NOT_ALLOWED),)

    @pytest.mark.parametrize("state", ["available", "rejected", "deleted", "failed", "pending"])
    def test_ignores_requests_that_are_not_pending_acceptance(self, state: str) -> None:
        decision = decide([request("vpce-1", ALLOWED, state)], frozenset({ALLOWED}), EVERYONE_LISTED)
        assert decision.accept == ()
        assert decision.leave_pending == ()

    def test_accepts_each_endpoint_once(self) -> None:
        requests = [request("vpce-1", ALLOWED), request("vpce-1", ALLOWED)]
        assert decide(requests, frozenset({ALLOWED}), EVERYONE_LISTED).accept == ("vpce-1",)

    @pytest.mark.parametrize(
        ("principals", "allowed", "refused"),
        [
            ([f"arn:aws:iam::{ALLOWED}:root"], ALLOWED, OTHER),
            ([f"arn:aws:iam::{ALLOWED}:role/etl"], ALLOWED, OTHER),
            ([f"arn:aws-cn:iam::{ALLOWED}:user/ops"], ALLOWED, OTHER),
            (["*"], OTHER, None),
            ([], None, ALLOWED),
        ],
    )
    def test_allowlist_reads_accounts_from_principals(
        self, principals: list[str], allowed: str | None, refused: str | None
    ) -> None:
        live = allowlist(principals)
        if allowed:
            assert live.allows(allowed)
        if refused:
            assert not live.allows(refused)

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
        st.frozensets(st.sampled_from([ALLOWED, OTHER, "222233334444"])),
    )
    def test_only_ever_accepts_listed_still_allowed_pending_requests(
        self, requests: list[ConnectionRequest], listed: frozenset[str], live: frozenset[str]
    ) -> None:
        decision = decide(requests, listed, Allowlist(accounts=live))
        for endpoint_id in decision.accept:
            assert any(
                r.endpoint_id == endpoint_id and r.owner in listed and r.owner in live and r.state == PENDING
                for r in requests
            )
        assert all(r.state == PENDING for r, _ in decision.leave_pending)


@pytest.fixture
def ec2() -> Iterator[tuple[Any, Stubber]]:
    session = boto3.session.Session(region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    client = session.client("ec2")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def describe(
    stub: Stubber, connections: list[dict[str, str]], extra_filter: dict[str, Any] | None = None
) -> None:
    second = extra_filter or {"Name": "vpc-endpoint-state", "Values": [PENDING]}
    stub.add_response(
        "describe_vpc_endpoint_connections",
        {"VpcEndpointConnections": connections},
        {"Filters": [{"Name": "service-id", "Values": [SERVICE]}, second]},
    )


def permissions(stub: Stubber, *principals: str) -> None:
    stub.add_response(
        "describe_vpc_endpoint_service_permissions",
        {"AllowedPrincipals": [{"Principal": p, "PrincipalType": "Account"} for p in principals]},
        {"ServiceId": SERVICE},
    )


def accept(stub: Stubber, ids: list[str], unsuccessful: list[dict[str, Any]] | None = None) -> None:
    stub.add_response(
        "accept_vpc_endpoint_connections",
        {"Unsuccessful": unsuccessful or []},
        {"ServiceId": SERVICE, "VpcEndpointIds": ids},
    )


def connection(endpoint: str, owner: str, state: str = PENDING) -> dict[str, str]:
    return {
        "VpcEndpointId": endpoint,
        "VpcEndpointOwner": owner,
        "VpcEndpointState": state,
        "ServiceId": SERVICE,
    }


def run(event: object, client: Any) -> dict[str, Any]:
    return acceptor.handle(event, environ=ENV, client=lambda: client)


class TestEntryPoint:
    def test_accepts_allowlisted_and_logs_the_rest_with_the_request_id(
        self, ec2: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
    ) -> None:
        client, stub = ec2
        describe(stub, [connection("vpce-1", ALLOWED), connection("vpce-2", OTHER)])
        permissions(stub, f"arn:aws:iam::{ALLOWED}:root", f"arn:aws:iam::{OTHER}:root")
        accept(stub, ["vpce-1"])
        with lambda_logging("req-7"):
            result = run(NOTIFICATION, client)
        assert result == {"accepted": ["vpce-1"], "left_pending": ["vpce-2"]}
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [line["message"] for line in lines] == ["left_pending", "accepted", "handled"]
        assert lines[0]["owner"] == OTHER
        assert lines[0]["reason"] == NOT_LISTED
        assert all(line["requestId"] == "req-7" for line in lines)

    def test_checks_the_live_allowlist_before_accepting(self, ec2: tuple[Any, Stubber]) -> None:
        client, stub = ec2
        describe(stub, [connection("vpce-1", ALLOWED)])
        permissions(stub, f"arn:aws:iam::{OTHER}:root")  # ALLOWED was just removed from the service
        # No accept response queued: an accept call would make the Stubber raise.
        assert run(SWEEP, client) == {"accepted": [], "left_pending": ["vpce-1"]}

    def test_the_sweep_accepts_what_notifications_missed(self, ec2: tuple[Any, Stubber]) -> None:
        client, stub = ec2
        describe(stub, [connection("vpce-9", ALLOWED)])
        permissions(stub, "*")
        accept(stub, ["vpce-9"])
        assert run(SWEEP, client)["accepted"] == ["vpce-9"]

    def test_nothing_pending_makes_one_call(self, ec2: tuple[Any, Stubber]) -> None:
        client, stub = ec2
        describe(stub, [])
        assert run(SWEEP, client) == {"accepted": [], "left_pending": []}

    def test_never_calls_accept_for_unknown_accounts(self, ec2: tuple[Any, Stubber]) -> None:
        client, stub = ec2
        describe(stub, [connection("vpce-2", OTHER)])
        assert run(NOTIFICATION, client)["accepted"] == []

    def test_a_request_another_run_accepted_first_is_not_a_failure(self, ec2: tuple[Any, Stubber]) -> None:
        client, stub = ec2
        describe(stub, [connection("vpce-1", ALLOWED)])
        permissions(stub, f"arn:aws:iam::{ALLOWED}:root")
        accept(
            stub, ["vpce-1"], [{"ResourceId": "vpce-1", "Error": {"Code": "InvalidState", "Message": "x"}}]
        )
        describe(
            stub,
            [connection("vpce-1", ALLOWED, "available")],
            {"Name": "vpc-endpoint-id", "Values": ["vpce-1"]},
        )
        assert run(SWEEP, client)["accepted"] == ["vpce-1"]

    def test_unsuccessful_accept_of_a_still_pending_request_raises(self, ec2: tuple[Any, Stubber]) -> None:
        client, stub = ec2
        describe(stub, [connection("vpce-1", ALLOWED)])
        permissions(stub, f"arn:aws:iam::{ALLOWED}:root")
        accept(
            stub, ["vpce-1"], [{"ResourceId": "vpce-1", "Error": {"Code": "InvalidState", "Message": "gone"}}]
        )
        describe(stub, [connection("vpce-1", ALLOWED)], {"Name": "vpc-endpoint-id", "Values": ["vpce-1"]})
        with pytest.raises(acceptor.AcceptFailedError, match="could not accept 1 connection request"):
            run(NOTIFICATION, client)

    def test_api_errors_propagate(self, ec2: tuple[Any, Stubber]) -> None:
        client, stub = ec2
        stub.add_client_error(
            "describe_vpc_endpoint_connections", "RequestLimitExceeded", http_status_code=503
        )
        with pytest.raises(client.exceptions.ClientError, match="RequestLimitExceeded"):
            run(NOTIFICATION, client)

    @pytest.mark.parametrize(
        "event", [None, [], "x", {"Records": [{"EventSource": "aws:sqs"}]}, {"source": "aws.rds"}]
    )
    def test_bad_events_fail_before_any_call(self, event: object) -> None:
        def no_client() -> Any:
            raise AssertionError("no client may be created for a bad event")

        with pytest.raises(acceptor.InputError, match="event: expected"):
            acceptor.handle(event, environ=ENV, client=no_client)

    def test_settings_from_environment(self) -> None:
        settings = acceptor.Settings.from_env(
            {"SERVICE_ID": SERVICE, "AUTO_ACCEPT_ACCOUNTS": "111122223333, 444455556666,"}
        )
        assert settings.auto_accept_accounts == frozenset({"111122223333", "444455556666"})

    def test_bad_settings_name_every_problem(self) -> None:
        with pytest.raises(acceptor.InputError) as caught:
            acceptor.Settings.from_env({"SERVICE_ID": "svc-1", "AUTO_ACCEPT_ACCOUNTS": "12345"})
        assert "SERVICE_ID: 'svc-1'" in str(caught.value)
        assert "AUTO_ACCEPT_ACCOUNTS" in str(caught.value)
