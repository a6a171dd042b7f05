"""Pure parts of the endpoint probe: what a request asks for, and how an answer is judged.

No sockets here: plain data in, plain data out.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["STARTTLS_MODES", "DnsResult", "ProbeRequest", "TlsRequest", "addresses_to_try", "judge_dns"]

STARTTLS_MODES = ("none", "postgres")
"""How the TLS handshake starts: directly, or after PostgreSQL's SSLRequest message."""

MAX_NAMES = 20
MAX_PORTS = 50
MAX_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class TlsRequest:
    """A TLS handshake to try: to ``host`` (a name or address) on ``port``, with ``server_name`` as SNI."""

    server_name: str
    port: int
    host: str | None = None
    """Where to connect; defaults to ``server_name``."""
    starttls: str = "none"
    verify: bool = True
    """Check the certificate chain against the runtime's CAs (hostname is always reported)."""


@dataclass(frozen=True)
class ProbeRequest:
    """What one invocation checks."""

    names: tuple[str, ...]
    ports: tuple[int, ...]
    expected_addresses: tuple[str, ...] = ()
    """The endpoint's private addresses: every name must resolve within them."""
    tls: TlsRequest | None = None
    timeout_seconds: float = 3.0

    @classmethod
    def from_event(cls, event: Mapping[str, Any], defaults: ProbeRequest) -> ProbeRequest:
        """The request in ``event``; keys it leaves out come from ``defaults`` (the environment).

        Raises ValueError naming every bad key: a probe must not guess.
        """
        problems: list[str] = []
        names = _strings(event.get("names", list(defaults.names)), "names", problems)
        ports = _ports(event.get("ports", list(defaults.ports)), problems)
        expected = _strings(
            event.get("expected_addresses", list(defaults.expected_addresses)), "expected_addresses", problems
        )
        for address in expected:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                problems.append(f"expected_addresses: {address!r} is not an IP address")
        timeout = event.get("timeout_seconds", defaults.timeout_seconds)
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not 0 < timeout <= MAX_TIMEOUT_SECONDS
        ):
            problems.append(f"timeout_seconds: {timeout!r} must be a number in (0, {MAX_TIMEOUT_SECONDS:g}]")
            timeout = defaults.timeout_seconds
        tls = defaults.tls
        if "tls" in event:
            tls = _tls(event["tls"], problems)
        if not names and not expected:
            problems.append("names: give at least one name (or expected_addresses) to probe")
        if len(names) > MAX_NAMES:
            problems.append(f"names: at most {MAX_NAMES}, got {len(names)}")
        if problems:
            raise ValueError("bad probe request: " + "; ".join(problems))
        return cls(
            names=tuple(names),
            ports=tuple(ports),
            expected_addresses=tuple(expected),
            tls=tls,
            timeout_seconds=float(timeout),
        )


def _strings(value: object, key: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        problems.append(f"{key}: expected a list of non-empty strings, got {value!r}")
        return []
    return list(dict.fromkeys(value))


def _ports(value: object, problems: list[str]) -> list[int]:
    if not isinstance(value, list) or not value:
        problems.append(f"ports: expected a non-empty list of TCP ports, got {value!r}")
        return []
    ports: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= 65535:
            problems.append(f"ports: {item!r} is not a TCP port (1-65535)")
        elif item not in ports:
            ports.append(item)
    if len(ports) > MAX_PORTS:
        problems.append(f"ports: at most {MAX_PORTS}, got {len(ports)}")
    return ports


def _tls(value: object, problems: list[str]) -> TlsRequest | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems.append(f"tls: expected a mapping or null, got {value!r}")
        return None
    server_name = value.get("server_name")
    port = value.get("port")
    starttls = value.get("starttls", "none")
    host = value.get("host")
    verify = value.get("verify", True)
    if not isinstance(server_name, str) or not server_name:
        problems.append("tls.server_name: required (the name the certificate must match)")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        problems.append(f"tls.port: {port!r} is not a TCP port (1-65535)")
    if starttls not in STARTTLS_MODES:
        problems.append(f"tls.starttls: {starttls!r} is not one of {list(STARTTLS_MODES)}")
    if host is not None and (not isinstance(host, str) or not host):
        problems.append(f"tls.host: {host!r} must be a name or an address")
    if not isinstance(verify, bool):
        problems.append(f"tls.verify: {verify!r} must be true or false")
    if not isinstance(server_name, str) or not isinstance(port, int) or isinstance(port, bool):
        return None
    return TlsRequest(
        server_name=server_name,
        port=port,
        host=host if isinstance(host, str) else None,
        starttls=str(starttls),
        verify=bool(verify),
    )


@dataclass(frozen=True)
class DnsResult:
    """What one name resolved to in the VPC, judged against the endpoint's addresses."""

    name: str
    addresses: tuple[str, ...]
    error: str | None
    unexpected: tuple[str, ...]
    """Addresses that are not the endpoint's (only when expected addresses were given)."""
    matches: bool | None
    """True when every address is the endpoint's; None when nothing was expected."""


def judge_dns(name: str, addresses: Sequence[str], error: str | None, expected: Iterable[str]) -> DnsResult:
    """Judge one resolution: it must succeed and (when known) land on the endpoint's addresses."""
    wanted = {_canonical(a) for a in expected}
    found = tuple(sorted({_canonical(a) for a in addresses}))
    if error is not None or not found:
        return DnsResult(name, found, error or "no address", (), False if wanted else None)
    if not wanted:
        return DnsResult(name, found, None, (), None)
    unexpected = tuple(a for a in found if a not in wanted)
    return DnsResult(name, found, None, unexpected, not unexpected)


def addresses_to_try(results: Iterable[DnsResult], expected: Sequence[str]) -> tuple[str, ...]:
    """Where to open TCP: the endpoint's own addresses (one per zone), else what the names resolved to.

    A name that resolves elsewhere is reported by its DNS result; connecting there would test
    something other than the link.
    """
    if expected:
        return tuple(dict.fromkeys(_canonical(a) for a in expected))
    return tuple(dict.fromkeys(address for result in results for address in result.addresses))


def _canonical(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address
