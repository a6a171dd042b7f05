"""``doctor --probe``: what to ask the in-VPC probe, and its answer as checks (pure functions).

The probe (``privatelink_constructs.endpoint_probe``) runs in the endpoint's subnets: it resolves
the names clients use and connects to the endpoint on every port, which no API call can show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .checks.common import Context, consumer_ports, provider_ports
from .facts import known
from .model import Check, failed, passed, warned

__all__ = ["TlsOptions", "probe_checks", "probe_request"]


@dataclass(frozen=True)
class TlsOptions:
    """A TLS handshake to ask the probe for (``--tls-server-name``)."""

    server_name: str
    port: int | None = None
    """Defaults to the link's first port."""
    starttls: str = "none"
    verify: bool = True


def _names(ctx: Context, extra: Sequence[str]) -> list[str]:
    consumer = ctx.consumer
    names: list[str] = []
    if consumer is not None:
        if consumer.client_hostname:
            names.append(consumer.client_hostname)
        zone = known(consumer.hosted_zone) if consumer.hosted_zone is not None else None
        if zone is not None:
            names.extend(r.name.rstrip(".") for r in zone.records if r.record_type in ("A", "AAAA", "CNAME"))
        endpoint = known(consumer.endpoint) if consumer.endpoint is not None else None
        if endpoint is not None:
            service = ctx.service
            if endpoint.private_dns_enabled and service is not None and service.private_dns_name:
                names.append(service.private_dns_name)
            if endpoint.dns_entries:
                names.append(endpoint.dns_entries[0].dns_name)
    names.extend(extra)
    return list(dict.fromkeys(name.rstrip(".").lower() for name in names if name))


def probe_request(
    ctx: Context, *, extra_names: Sequence[str] = (), tls: TlsOptions | None = None
) -> dict[str, Any]:
    """The probe's request: the client names, the endpoint's addresses, the link's ports."""
    ports = list(provider_ports(ctx) or consumer_ports(ctx))
    expected: list[str] = []
    if ctx.consumer is not None:
        expected = list(known(ctx.consumer.interface_addresses) or ())
    request: dict[str, Any] = {
        "names": _names(ctx, extra_names),
        "ports": ports,
        "expected_addresses": expected,
    }
    if tls is not None:
        request["tls"] = {
            "server_name": tls.server_name,
            "port": tls.port or (ports[0] if ports else 443),
            "starttls": tls.starttls,
            "verify": tls.verify,
        }
    return request


def _dns_check(item: Mapping[str, Any], expected: Sequence[str]) -> Check:
    name = str(item.get("name"))
    addresses = ", ".join(item.get("addresses") or []) or "nothing"
    check_id = f"probe.dns:{name}"
    if item.get("error"):
        return failed(
            check_id,
            "consumer",
            f"{name} does not resolve in the VPC: {item['error']}",
            "check consumer.vpc-dns and consumer.dns-entries: the private hosted zone must hold the name and "
            "be "
            "associated with the VPC, or private DNS must be on",
        )
    unexpected = item.get("unexpected") or []
    if unexpected:
        return failed(
            check_id,
            "consumer",
            f"{name} resolves to {', '.join(unexpected)} in the VPC, not to the endpoint "
            f"({', '.join(expected)})",
            "alias the name to the endpoint's regional DNS name in the consumer's private hosted zone (or "
            "turn "
            "private DNS on); another record or zone answers it now",
        )
    if item.get("matches") is None:
        return warned(
            check_id,
            "consumer",
            f"{name} resolves to {addresses} in the VPC; the endpoint's addresses are unknown",
            "grant ec2:DescribeNetworkInterfaces to the consumer's credentials so the doctor can compare",
        )
    return passed(check_id, "consumer", f"{name} resolves to the endpoint ({addresses}) in the VPC")


def _tcp_checks(items: Sequence[Mapping[str, Any]]) -> list[Check]:
    by_port: dict[int, list[Mapping[str, Any]]] = {}
    for item in items:
        by_port.setdefault(int(item["port"]), []).append(item)
    checks = []
    for port, attempts in sorted(by_port.items()):
        broken = [a for a in attempts if not a.get("connected")]
        if broken:
            listing = "; ".join(f"{a['address']}: {a.get('error')}" for a in broken)
            refused = any("refused" in str(a.get("error")) for a in broken)
            hint = (
                "a refusal means the provider has no listener on the port or no target answers "
                "(provider.listeners, "
                "provider.targets)"
                if refused
                else "a timeout means a security group or network ACL drops it (consumer.security-group, "
                "consumer.nacls, provider.inbound-rules) or the endpoint is not accepted (consumer.endpoint)"
            )
            checks.append(
                failed(
                    f"probe.tcp:{port}",
                    "link",
                    f"TCP {port} fails from the VPC on {len(broken)} of {len(attempts)} address(es): "
                    f"{listing}",
                    hint,
                )
            )
        else:
            slowest = max(float(a.get("milliseconds") or 0) for a in attempts)
            checks.append(
                passed(
                    f"probe.tcp:{port}",
                    "link",
                    f"TCP {port} connects from the VPC on {len(attempts)} address(es) (slowest {slowest:g} "
                    "ms)",
                )
            )
    return checks


def _tls_check(item: Mapping[str, Any]) -> Check:
    target = f"{item.get('server_name')} on {item.get('host')}:{item.get('port')}"
    if item.get("handshake") and item.get("verified") is False:
        return failed(
            "probe.tls",
            "link",
            f"TLS to {target}: {item.get('error')}",
            "connect with a name the provider's certificate covers: alias that name in the consumer's "
            "private "
            "hosted zone, or turn private DNS on",
        )
    if not item.get("handshake"):
        return failed(
            "probe.tls",
            "link",
            f"TLS to {target}: {item.get('error')}",
            "check that the port speaks TLS (use --starttls postgres for PostgreSQL) and that probe.tcp "
            "passes",
        )
    checked = "certificate verified" if item.get("verified") else "certificate not checked (--tls-no-verify)"
    return passed("probe.tls", "link", f"TLS to {target}: {item.get('protocol')}, {checked}")


def probe_checks(result: Mapping[str, Any], request: Mapping[str, Any]) -> list[Check]:
    """The probe's answer as checks: one per name, one per port, one for TLS."""
    expected = list(request.get("expected_addresses") or [])
    checks = [_dns_check(item, expected) for item in result.get("dns") or []]
    checks += _tcp_checks(result.get("tcp") or [])
    if result.get("tls"):
        checks.append(_tls_check(result["tls"]))
    return checks
