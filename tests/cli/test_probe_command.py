"""``doctor --probe``: what it asks the probe, and how the answer joins the report.

moto runs Lambda functions only in Docker, so the invocation goes through botocore's Stubber,
which checks the request (function name, payload) against the real API model.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber
from moto import mock_aws

from privatelink_constructs.cli.main import main
from privatelink_constructs.cli.probe import TlsOptions, probe_request
from tests.cli.healthy import REGIONAL_NAME, consumer, context, endpoint, provider, service
from tests.cli.world import DB_ADDRESSES, World, build_world, offline_client


def test_asks_for_the_client_names_the_endpoint_addresses_and_the_ports() -> None:
    facts = provider(service=service(private_dns_name="db.example.com", private_dns_state="verified"))
    ctx = context(
        provider_facts=facts,
        consumer_facts=consumer(
            client_hostname="db.example.internal", endpoint=endpoint(private_dns_enabled=True)
        ),
    )
    request = probe_request(
        ctx, extra_names=["Extra.Example.com."], tls=TlsOptions("db.example.com", starttls="postgres")
    )
    assert request == {
        "names": ["db.example.internal", "db.example.com", REGIONAL_NAME, "extra.example.com"],
        "ports": [5432],
        "expected_addresses": ["10.60.0.12", "10.60.1.12"],
        "tls": {"server_name": "db.example.com", "port": 5432, "starttls": "postgres", "verify": True},
    }


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield from build_world()


def probe_answer(**overrides: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "dns": [
            {
                "name": "db.example.internal",
                "addresses": ["10.60.0.12"],
                "error": None,
                "unexpected": [],
                "matches": True,
            }
        ],
        "tcp": [
            {"address": "10.60.0.12", "port": 5432, "connected": True, "milliseconds": 1.5, "error": None}
        ],
        "tls": None,
        "milliseconds": 12.0,
    }
    answer.update(overrides)
    return answer


def run_probe(
    world: World, answer: dict[str, Any], *, function_error: bool = False
) -> tuple[int, dict[str, Any]]:
    functions = offline_client("lambda")
    stub = Stubber(functions)
    body = json.dumps(answer).encode()
    response: dict[str, Any] = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(body), len(body))}
    if function_error:
        response["FunctionError"] = "Unhandled"
    stub.add_response(
        "invoke",
        response,
        {"FunctionName": "ConsumerStack-Probe", "InvocationType": "RequestResponse", "Payload": ANY},
    )
    if function_error:
        stub.add_response(
            "get_function_configuration",
            {
                "FunctionName": "ConsumerStack-Probe",
                "LoggingConfig": {"LogGroup": "ConsumerStack-ProbeLogs1A2B"},
            },
            {"FunctionName": "ConsumerStack-Probe"},
        )
    world.stub_stack(
        "ConsumerStack", {"EndpointId": world.endpoint_id, "ProbeFunction": "ConsumerStack-Probe"}
    )
    world.stub_checks()
    out = io.StringIO()
    with stub:
        code = main(
            [
                "doctor",
                "--json",
                "--service-id",
                world.service_id,
                "--consumer-stack",
                "ConsumerStack",
                "--probe",
            ],
            clients=lambda profile, region: replace(world.clients, lambda_=functions),
            resolver=lambda host: DB_ADDRESSES,
            out=out,
        )
        stub.assert_no_pending_responses()
    return code, json.loads(out.getvalue())


def test_the_probe_answer_joins_the_report(world: World) -> None:
    code, document = run_probe(world, probe_answer())
    checks = {c["id"]: c for c in document["checks"]}
    assert code == 0
    assert checks["probe.dns:db.example.internal"]["status"] == "pass"
    assert checks["probe.tcp:5432"]["status"] == "pass"
    assert checks["probe.tcp:5432"]["side"] == "link"


def test_a_port_the_probe_cannot_reach_fails_the_run(world: World) -> None:
    broken = probe_answer(
        tcp=[
            {
                "address": "10.60.0.12",
                "port": 5432,
                "connected": False,
                "milliseconds": 3000,
                "error": "timed out",
            }
        ]
    )
    code, document = run_probe(world, broken)
    checks = {c["id"]: c for c in document["checks"]}
    assert code == 1
    assert (
        checks["probe.tcp:5432"]["summary"]
        == "TCP 5432 fails from the VPC on 1 of 1 address(es): 10.60.0.12: timed out"
    )


def test_a_failed_invocation_is_a_failed_check(world: World) -> None:
    code, document = run_probe(
        world,
        {"errorMessage": "bad probe request: ports: 'x'", "errorType": "ValueError"},
        function_error=True,
    )
    [check] = [c for c in document["checks"] if c["id"] == "probe"]
    assert code == 1
    assert check["summary"] == "the probe ConsumerStack-Probe failed: bad probe request: ports: 'x'"
    assert (
        check["fix"]
        == "read its log: aws logs tail ConsumerStack-ProbeLogs1A2B --since 10m --region us-east-1"
    )


def test_without_a_probe_function_it_is_a_usage_error(world: World) -> None:
    world.stub_stack("ConsumerStack", {"EndpointId": world.endpoint_id})
    world.stub_service_view()
    err = io.StringIO()
    code = main(
        ["doctor", "--consumer-stack", "ConsumerStack", "--probe"],
        clients=lambda profile, region: world.clients,
        out=io.StringIO(),
        err=err,
    )
    assert code == 2
    assert "deploy the consumer with probe: true" in err.getvalue()
