"""What an RDS hostname says: the kind of endpoint, the identifier in its first label, the region.

RDS endpoint names follow fixed patterns (``<id>.cluster-<suffix>.<region>.rds.amazonaws.com``
and so on; ``.com.cn`` in China). Anything else is a name the updater can only follow in DNS.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

__all__ = ["RdsHostname", "ip_literal", "parse_rds_hostname"]

_RDS = re.compile(
    r"^(?P<id>[a-z][a-z0-9-]{0,62})"
    r"(?P<endpoint>\.endpoint)?"
    r"\.(?:(?P<kind>cluster-ro|cluster-custom|cluster|proxy)-)?[a-z0-9]{6,20}"
    r"\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d{1,2})"
    r"\.rds\.amazonaws\.com(?:\.cn)?\.?$"
)

KINDS = ("instance", "cluster", "cluster-ro", "cluster-custom", "proxy", "proxy-endpoint")
"""``instance`` (DB instance), ``cluster`` (writer), ``cluster-ro`` (readers), ``cluster-custom``,
``proxy`` (an RDS Proxy's default endpoint), ``proxy-endpoint`` (another proxy endpoint)."""


@dataclass(frozen=True)
class RdsHostname:
    """The parts of an RDS endpoint name."""

    kind: str
    identifier: str
    """The instance, cluster, custom endpoint, proxy or proxy endpoint name in the first label."""
    region: str

    @property
    def source_identifier(self) -> str | None:
        """The identifier RDS events carry for this endpoint's database, when the name shows it."""
        if self.kind in ("cluster-custom", "proxy-endpoint"):
            return None
        return self.identifier


def parse_rds_hostname(hostname: str) -> RdsHostname | None:
    """The parts of an RDS endpoint name, or None for any other name."""
    match = _RDS.match(hostname.lower())
    if match is None:
        return None
    kind = match.group("kind") or "instance"
    if match.group("endpoint"):
        if kind != "proxy":
            return None
        kind = "proxy-endpoint"
    return RdsHostname(kind=kind, identifier=match.group("id"), region=match.group("region"))


def ip_literal(hostname: str) -> bool:
    """Whether ``hostname`` is an IP address rather than a name."""
    try:
        ipaddress.ip_address(hostname.strip("[]"))
    except ValueError:
        return False
    return True
