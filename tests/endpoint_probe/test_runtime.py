"""The probe's runtime through its entry point: local TCP and TLS servers, a stub resolver.

The doctor's reading of the answer (``privatelink_constructs.cli.probe``) is tested here too, on
the runtime's real output, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime
import json
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from privatelink_constructs.cli.model import Status
from privatelink_constructs.cli.probe import probe_checks
from privatelink_constructs.endpoint_probe.runtime import handler as probe
from privatelink_constructs.endpoint_probe.runtime.plan import (
    ProbeRequest,
    TlsRequest,
    addresses_to_try,
    judge_dns,
)
from tests.runtime.lambda_runtime import FakeContext, lambda_logging

EMPTY = ProbeRequest(names=(), ports=())


class Server:
    """A local TCP server on 127.0.0.1; with a TLS context it completes a handshake on each connection."""

    def __init__(self, tls: ssl.SSLContext | None = None, postgres_answer: bytes | None = None) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.tls = tls
        self.postgres_answer = postgres_answer
        self.requests: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    if self.postgres_answer is not None:
                        self.requests.append(connection.recv(8))
                        connection.sendall(self.postgres_answer)
                        if self.postgres_answer != b"S":
                            continue
                    if self.tls is not None:
                        with self.tls.wrap_socket(connection, server_side=True) as tls:
                            tls.recv(1)
                except (OSError, ssl.SSLError):
                    continue

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.close()


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


def stub_resolver(answers: dict[str, list[str]]) -> Callable[[str], list[str]]:
    def resolve(name: str) -> list[str]:
        if name not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers[name]

    return resolve


class TestRequest:
    def test_takes_what_the_event_gives_and_the_rest_from_the_environment(self) -> None:
        defaults = probe.request_defaults_from_env(
            {"PROBE_PORTS": "5432,6432", "PROBE_NAMES": "db.example.internal", "PROBE_TIMEOUT_SECONDS": "2"}
        )
        request = ProbeRequest.from_event({"expected_addresses": ["10.60.0.12"]}, defaults)
        assert request == ProbeRequest(
            names=("db.example.internal",),
            ports=(5432, 6432),
            expected_addresses=("10.60.0.12",),
            timeout_seconds=2.0,
        )

    def test_reads_tls_from_the_environment(self) -> None:
        defaults = probe.request_defaults_from_env(
            {"PROBE_PORTS": "5432", "PROBE_TLS_SERVER_NAME": "db.example.com", "PROBE_STARTTLS": "postgres"}
        )
        assert defaults.tls == TlsRequest("db.example.com", 5432, starttls="postgres")

    def test_refuses_a_bad_request_naming_every_problem(self) -> None:
        event = {
            "names": "db",
            "ports": [0, "x"],
            "expected_addresses": ["10.0.0.300"],
            "timeout_seconds": 60,
            "tls": {"port": 70000, "starttls": "smtp"},
        }
        with pytest.raises(ValueError, match="bad probe request") as raised:
            ProbeRequest.from_event(event, EMPTY)
        message = str(raised.value)
        for expected in (
            "names: expected a list of non-empty strings, got 'db'",
            "ports: 0 is not a TCP port",
            "ports: 'x' is not a TCP port",
            "expected_addresses: '10.0.0.300' is not an IP address",
            "timeout_seconds: 60 must be a number in (0, 10]",
            "tls.server_name: required",
            "tls.port: 70000 is not a TCP port",
            "tls.starttls: 'smtp' is not one of ['none', 'postgres']",
        ):
            assert expected in message

    def test_needs_something_to_probe(self) -> None:
        with pytest.raises(ValueError, match="give at least one name"):
            ProbeRequest.from_event({"ports": [5432]}, EMPTY)


class TestPlan:
    def test_a_name_on_the_endpoint_matches(self) -> None:
        result = judge_dns("db", ["10.60.0.12"], None, ["10.60.0.12", "10.60.1.12"])
        assert result.matches is True
        assert result.unexpected == ()

    def test_a_name_elsewhere_does_not(self) -> None:
        result = judge_dns("db", ["10.60.0.12", "52.1.2.3"], None, ["10.60.0.12"])
        assert result.matches is False
        assert result.unexpected == ("52.1.2.3",)

    def test_an_unresolved_name_fails(self) -> None:
        assert judge_dns("db", [], None, ["10.60.0.12"]).error == "no address"

    def test_addresses_are_compared_in_canonical_form(self) -> None:
        assert judge_dns("db", ["fd00:0::1"], None, ["fd00::1"]).matches is True

    def test_tcp_goes_to_the_endpoints_addresses_else_to_resolved_ones(self) -> None:
        elsewhere = judge_dns("db", ["192.0.2.7"], None, ["10.60.1.12"])
        assert addresses_to_try([elsewhere], ["10.60.1.12", "10.60.0.12"]) == ("10.60.1.12", "10.60.0.12")
        resolved = judge_dns("db", ["10.60.0.12"], None, [])
        assert addresses_to_try([resolved], []) == ("10.60.0.12",)


class TestRun:
    def test_resolves_and_connects_and_judges(self, server: Server) -> None:
        refused = closed_port()
        request = ProbeRequest(
            names=("db.example.internal", "missing.example.internal"),
            ports=(server.port, refused),
            expected_addresses=("127.0.0.1",),
            timeout_seconds=1,
        )
        result = probe.run(request, resolver=stub_resolver({"db.example.internal": ["127.0.0.1"]}))
        assert [(d["name"], d["addresses"], d["matches"]) for d in result["dns"]] == [
            ("db.example.internal", ("127.0.0.1",), True),
            ("missing.example.internal", (), False),
        ]
        assert result["dns"][1]["error"] == "Name or service not known"
        tcp = {t["port"]: t for t in result["tcp"]}
        assert tcp[server.port]["connected"] is True
        assert tcp[refused] == {**tcp[refused], "connected": False, "error": "connection refused"}

    def test_a_timeout_is_reported_as_such(self) -> None:
        def slow(address: tuple[str, int], timeout: float) -> socket.socket:
            raise TimeoutError

        request = ProbeRequest(names=(), ports=(5432,), expected_addresses=("10.60.0.12",), timeout_seconds=1)
        result = probe.run(request, connector=slow)
        assert result["tcp"] == [
            {
                "address": "10.60.0.12",
                "port": 5432,
                "connected": False,
                "milliseconds": result["tcp"][0]["milliseconds"],
                "error": "timed out",
            }
        ]

    def test_the_entry_point_reads_the_environment(
        self, server: Server, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("PROBE_PORTS", str(server.port))
        monkeypatch.setenv("PROBE_NAMES", "127.0.0.1")
        result = probe.handler({"expected_addresses": ["127.0.0.1"]}, None)
        assert result["dns"][0]["matches"] is True
        assert result["tcp"][0]["connected"] is True
        assert result["tls"] is None

    def test_the_entry_point_logs_json_lines_with_the_request_id(
        self, server: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("PROBE_PORTS", str(server.port))
        monkeypatch.setenv("PROBE_NAMES", "127.0.0.1")
        with lambda_logging("req-9"):
            probe.handler({}, FakeContext(aws_request_id="req-9"))
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [line["message"] for line in lines] == ["invoked", "probed"]
        assert all(line["requestId"] == "req-9" for line in lines)
        assert lines[0]["ports"] == [server.port]
        assert lines[1]["unreachable"] == []

    def test_the_entry_point_raises_on_a_bad_request(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("PROBE_PORTS", "5432")
        with pytest.raises(ValueError, match="ports: 'x'"):
            probe.handler({"ports": ["x"], "names": ["db"]}, None)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for db.example.com, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "db.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("db.example.com")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def tls_server(certificate: tuple[Path, Path], postgres_answer: bytes | None = None) -> Server:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return Server(tls=context, postgres_answer=postgres_answer)


def trusting(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


class TestTls:
    def test_a_matching_name_is_verified(self, certificate: tuple[Path, Path]) -> None:
        server = tls_server(certificate)
        tls = TlsRequest("db.example.com", server.port, host="127.0.0.1")
        result = probe.run(
            ProbeRequest((), (server.port,), ("127.0.0.1",), tls, 2), tls_context=trusting(certificate)
        )
        server.close()
        assert result["tls"]["handshake"] is True
        assert result["tls"]["verified"] is True
        assert result["tls"]["protocol"].startswith("TLSv1")

    def test_a_name_the_certificate_does_not_cover_is_reported(self, certificate: tuple[Path, Path]) -> None:
        server = tls_server(certificate)
        tls = TlsRequest("vpce-0abc.vpce.amazonaws.com", server.port, host="127.0.0.1")
        result = probe.run(ProbeRequest((), (), ("127.0.0.1",), tls, 2), tls_context=trusting(certificate))
        server.close()
        assert result["tls"]["verified"] is False
        assert "Hostname mismatch" in result["tls"]["error"]
        [check] = probe_checks(result, {})
        assert check.id == "probe.tls"
        assert check.status is Status.FAIL
        assert "private hosted zone" in (check.fix or "")

    def test_an_untrusted_certificate_is_reported_unless_not_verifying(
        self, certificate: tuple[Path, Path]
    ) -> None:
        server = tls_server(certificate)
        tls = TlsRequest("db.example.com", server.port, host="127.0.0.1")
        untrusted = probe.run(ProbeRequest((), (), ("127.0.0.1",), tls, 2))
        unchecked = probe.run(
            ProbeRequest((), (), ("127.0.0.1",), TlsRequest(**{**tls.__dict__, "verify": False}), 2)
        )
        server.close()
        assert untrusted["tls"]["verified"] is False
        assert "self-signed" in untrusted["tls"]["error"] or "self signed" in untrusted["tls"]["error"]
        assert unchecked["tls"]["handshake"] is True
        assert unchecked["tls"]["verified"] is None
        [check] = probe_checks(unchecked, {})
        assert check.status is Status.PASS
        assert "certificate not checked" in check.summary

    def test_postgres_starts_tls_after_its_ssl_request(self, certificate: tuple[Path, Path]) -> None:
        server = tls_server(certificate, postgres_answer=b"S")
        tls = TlsRequest("db.example.com", server.port, host="127.0.0.1", starttls="postgres")
        result = probe.run(ProbeRequest((), (), ("127.0.0.1",), tls, 2), tls_context=trusting(certificate))
        server.close()
        assert server.requests == [struct.pack("!II", 8, 80877103)]
        assert result["tls"]["verified"] is True

    def test_a_postgres_server_without_tls_is_reported(self, certificate: tuple[Path, Path]) -> None:
        server = tls_server(certificate, postgres_answer=b"N")
        tls = TlsRequest("db.example.com", server.port, host="127.0.0.1", starttls="postgres")
        result = probe.run(ProbeRequest((), (), ("127.0.0.1",), tls, 2), tls_context=trusting(certificate))
        server.close()
        assert result["tls"]["handshake"] is False
        assert result["tls"]["error"] == "the server refused TLS (answered b'N' to SSLRequest)"


class TestDoctorReading:
    def test_the_runtimes_answer_becomes_one_check_per_name_and_port(self, server: Server) -> None:
        refused = closed_port()
        request = {
            "names": ["db.example.internal", "old.example.internal"],
            "ports": [server.port, refused],
            "expected_addresses": ["127.0.0.1"],
        }
        result = probe.run(
            ProbeRequest.from_event(request, EMPTY),
            resolver=stub_resolver(
                {"db.example.internal": ["127.0.0.1"], "old.example.internal": ["192.0.2.7"]}
            ),
        )
        checks = {c.id: c for c in probe_checks(result, request)}
        assert checks["probe.dns:db.example.internal"].status is Status.PASS
        assert checks["probe.dns:old.example.internal"].status is Status.FAIL
        assert (
            "resolves to 192.0.2.7 in the VPC, not to the endpoint (127.0.0.1)"
            in checks["probe.dns:old.example.internal"].summary
        )
        assert checks[f"probe.tcp:{server.port}"].status is Status.PASS
        assert checks[f"probe.tcp:{refused}"].status is Status.FAIL
        assert "a refusal means" in (checks[f"probe.tcp:{refused}"].fix or "")
        assert {c.side for c in checks.values()} == {"consumer", "link"}
