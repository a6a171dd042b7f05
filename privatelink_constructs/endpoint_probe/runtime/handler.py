"""Lambda adapter of the endpoint probe: resolve names in the VPC, open TCP, try TLS, report.

Invoked by ``privatelink-cdk doctor --probe`` (or by hand) with a JSON request; keys it leaves
out come from the environment the construct set (``PROBE_NAMES``, ``PROBE_PORTS``,
``PROBE_TIMEOUT_SECONDS``, ``PROBE_TLS_SERVER_NAME``, ``PROBE_TLS_PORT``, ``PROBE_STARTTLS``)::

    {"names": ["db.example.internal"], "ports": [5432], "expected_addresses": ["10.60.0.12"],
     "tls": {"server_name": "db.example.com", "port": 5432, "starttls": "postgres"}}

It only reads DNS and opens connections (closed at once, no payload sent beyond a TLS handshake
and, for ``starttls: postgres``, the 8-byte SSLRequest). A bad request raises; a failed
resolution or connection is a result, not an error.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
import struct
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

from .plan import DnsResult, ProbeRequest, TlsRequest, addresses_to_try, judge_dns

__all__ = ["Connector", "Resolver", "handler", "request_defaults_from_env", "run"]

Resolver = Callable[[str], list[str]]
"""Resolves a name to its addresses; raises OSError when it cannot."""
Connector = Callable[[tuple[str, int], float], socket.socket]
"""Opens a TCP connection to (host, port) within a timeout."""

_POSTGRES_SSL_REQUEST = struct.pack("!II", 8, 80877103)


LOGGER = logging.getLogger("privatelink_cdk.endpoint_probe")
"""Written as JSON lines with the request ID by Lambda's JSON log format, as the other functions'."""


def resolve(name: str) -> list[str]:
    """Every address ``name`` resolves to here (the VPC's resolver when run in the VPC)."""
    infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def connect(address: tuple[str, int], timeout: float) -> socket.socket:
    """A TCP connection to ``address``."""
    return socket.create_connection(address, timeout=timeout)


def request_defaults_from_env(environ: Mapping[str, str] | None = None) -> ProbeRequest:
    """The request used for keys an invocation leaves out, from the construct's environment."""
    env = os.environ if environ is None else environ

    def listing(key: str) -> tuple[str, ...]:
        return tuple(item.strip() for item in env.get(key, "").split(",") if item.strip())

    tls = None
    if env.get("PROBE_TLS_SERVER_NAME"):
        tls = TlsRequest(
            server_name=env["PROBE_TLS_SERVER_NAME"],
            port=int(env.get("PROBE_TLS_PORT") or listing("PROBE_PORTS")[0]),
            starttls=env.get("PROBE_STARTTLS", "none") or "none",
        )
    return ProbeRequest(
        names=listing("PROBE_NAMES"),
        ports=tuple(int(port) for port in listing("PROBE_PORTS")),
        timeout_seconds=float(env.get("PROBE_TIMEOUT_SECONDS", "3")),
        tls=tls,
    )


def _error_text(error: BaseException) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.gaierror):
        return str(error.strerror or error)
    return f"{type(error).__name__}: {error}"


def _resolve_all(request: ProbeRequest, resolver: Resolver) -> list[DnsResult]:
    results = []
    for name in request.names:
        try:
            results.append(judge_dns(name, resolver(name), None, request.expected_addresses))
        except OSError as error:
            results.append(judge_dns(name, [], _error_text(error), request.expected_addresses))
    return results


def _tcp(address: str, port: int, timeout: float, connector: Connector) -> dict[str, Any]:
    started = time.monotonic()
    try:
        connection = connector((address, port), timeout)
    except OSError as error:
        elapsed = round((time.monotonic() - started) * 1000, 1)
        return {
            "address": address,
            "port": port,
            "connected": False,
            "milliseconds": elapsed,
            "error": _error_text(error),
        }
    connection.close()
    elapsed = round((time.monotonic() - started) * 1000, 1)
    return {"address": address, "port": port, "connected": True, "milliseconds": elapsed, "error": None}


def _tls(
    request: TlsRequest, timeout: float, connector: Connector, context: ssl.SSLContext | None
) -> dict[str, Any]:
    host = request.host or request.server_name
    result: dict[str, Any] = {
        "host": host,
        "port": request.port,
        "server_name": request.server_name,
        "starttls": request.starttls,
        "handshake": False,
        "verified": None,
        "protocol": None,
        "error": None,
    }
    if context is None:
        context = ssl.create_default_context()
        if not request.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    try:
        raw = connector((host, request.port), timeout)
    except OSError as error:
        result["error"] = f"cannot connect: {_error_text(error)}"
        return result
    try:
        raw.settimeout(timeout)
        if request.starttls == "postgres":
            raw.sendall(_POSTGRES_SSL_REQUEST)
            answer = raw.recv(1)
            if answer != b"S":
                result["error"] = f"the server refused TLS (answered {answer!r} to SSLRequest)"
                return result
        with context.wrap_socket(raw, server_hostname=request.server_name) as tls:
            result.update(handshake=True, verified=True if request.verify else None, protocol=tls.version())
    except ssl.SSLCertVerificationError as error:
        result.update(
            handshake=True, verified=False, error=f"certificate not accepted: {error.verify_message}"
        )
    except (ssl.SSLError, OSError) as error:
        result["error"] = f"handshake failed: {_error_text(error)}"
    finally:
        raw.close()
    return result


def run(
    request: ProbeRequest,
    *,
    resolver: Resolver = resolve,
    connector: Connector = connect,
    tls_context: ssl.SSLContext | None = None,
) -> dict[str, Any]:
    """Resolve every name, connect to every address on every port, try TLS when asked."""
    started = time.monotonic()
    dns = _resolve_all(request, resolver)
    addresses = addresses_to_try(dns, request.expected_addresses)
    tcp = [
        _tcp(address, port, request.timeout_seconds, connector)
        for port in request.ports
        for address in addresses
    ]
    tls = _tls(request.tls, request.timeout_seconds, connector, tls_context) if request.tls else None
    return {
        "dns": [asdict(result) for result in dns],
        "tcp": tcp,
        "tls": tls,
        "milliseconds": round((time.monotonic() - started) * 1000, 1),
    }


def handler(event: Mapping[str, Any] | None, context: object) -> dict[str, Any]:
    """Lambda entry point."""
    request = ProbeRequest.from_event(event or {}, request_defaults_from_env())
    LOGGER.info(
        "invoked",
        extra={"names": list(request.names), "ports": list(request.ports), "tls": request.tls is not None},
    )
    result = run(request)
    tls = result["tls"]
    LOGGER.info(
        "probed",
        extra={
            "unresolved": [d["name"] for d in result["dns"] if d["error"]],
            "unexpected": [d["name"] for d in result["dns"] if d["unexpected"]],
            "unreachable": [f"{t['address']}:{t['port']}" for t in result["tcp"] if not t["connected"]],
            "tls": tls and {"handshake": tls["handshake"], "verified": tls["verified"]},
            "milliseconds": result["milliseconds"],
        },
    )
    return result
