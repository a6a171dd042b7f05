"""The handoff between a provider and a consumer: a small, versioned file both sides can read.

``privatelink-cdk handoff --provider-stack ProviderStack > link.yaml`` writes what a provider
gives a consumer (``kind: service``); ``--consumer-stack`` writes the reverse note (``kind:
endpoint``: the principal to allow, the endpoint to accept). The file is JSON, which is also
YAML, so a YAML config loader reads it as it is, and this module reads it with the standard
library alone. Full-line ``#`` comments are allowed, so a person can annotate the file::

    {
      "format": "privatelink-cdk/handoff",
      "version": 1,
      "kind": "service",
      "service_name": "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
      "region": "us-east-1",
      "ports": [5432],
      "availability_zone_ids": ["use1-az1", "use1-az2"],
      "supported_regions": [],
      "private_dns_name": "db.example.com",
      "private_dns_state": "verified",
      "names_to_alias": [],
      "acceptance_required": true,
      "supported_ip_address_types": ["ipv4"],
      "provider_account": "111122223333"
    }

Version rule: a reader refuses a version it does not know and any key it does not know (a typo
must not pass silently); any new key means a new version.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from privatelink_constructs._patterns import (
    ACCOUNT_ID,
    REGION_NAME,
    SERVICE_NAME,
    ZONE_ID,
    is_dns_name,
    region_of_service_name,
)

__all__ = [
    "FORMAT",
    "VERSION",
    "ConsumerNote",
    "Handoff",
    "HandoffError",
    "read_consumer_note",
    "read_handoff",
]

FORMAT = "privatelink-cdk/handoff"
"""The ``format`` key of every handoff file."""
VERSION = 1
"""The version this module writes and reads."""

_ENDPOINT_ID = re.compile(r"vpce-[0-9a-f]+")
_ROOT_PRINCIPAL = re.compile(r"arn:[a-z-]+:iam::\d{12}:root")
_PRIVATE_DNS_STATES = ("verified", "pendingVerification", "failed")
_IP_TYPES = ("ipv4", "ipv6")


class HandoffError(ValueError):
    """A handoff file that cannot be used; ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[str]) -> None:
        """Report every problem of ``source`` at once."""
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(
            f"{source}: not a usable privatelink-cdk handoff ({len(problems)} problems):\n{listing}"
        )


@dataclass(frozen=True)
class Handoff:
    """What a provider gives a consumer (``kind: service``)."""

    service_name: str
    """``com.amazonaws.vpce.<region>.vpce-svc-...``: the consumer's ``service_name``."""
    region: str
    """The service's region: a consumer elsewhere sets ``service_region`` to it."""
    ports: tuple[int, ...]
    availability_zone_ids: tuple[str, ...] = ()
    """Zones (by ID, the same in every account) where the service is offered."""
    supported_regions: tuple[str, ...] = ()
    """Other regions whose consumers may connect (cross-region PrivateLink)."""
    private_dns_name: str | None = None
    private_dns_state: str | None = None
    """``verified`` means the consumer may turn ``private_dns_enabled`` on."""
    names_to_alias: tuple[str, ...] = ()
    """Names to alias to the endpoint in a private hosted zone (when private DNS is not usable)."""
    acceptance_required: bool = True
    supported_ip_address_types: tuple[str, ...] = ("ipv4",)
    provider_account: str | None = None

    @property
    def private_dns_usable(self) -> bool:
        """Whether a consumer can turn private DNS on (the provider's name is verified)."""
        return bool(self.private_dns_name) and self.private_dns_state == "verified"

    def to_json(self) -> str:
        """The file's text."""
        return _dump("service", self)


@dataclass(frozen=True)
class ConsumerNote:
    """What a consumer gives back to the provider (``kind: endpoint``)."""

    endpoint_id: str
    """The endpoint whose connection request the provider accepts."""
    account: str
    principal: str
    """``arn:<partition>:iam::<account>:root``: what to add to ``allowed_principals``."""
    region: str
    service_name: str
    availability_zone_ids: tuple[str, ...] = ()
    state: str | None = None

    def to_json(self) -> str:
        """The file's text."""
        return _dump("endpoint", self)


def _dump(kind: str, value: Handoff | ConsumerNote) -> str:
    body: dict[str, Any] = {"format": FORMAT, "version": VERSION, "kind": kind}
    for item in fields(value):
        data = getattr(value, item.name)
        body[item.name] = list(data) if isinstance(data, tuple) else data
    return json.dumps(body, indent=2) + "\n"


def _load(path: str | Path, kind: str) -> tuple[dict[str, Any], list[str]]:
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise HandoffError(source, [f"cannot read the file: {error.strerror or error}"]) from error
    # Full-line comments (YAML style) are allowed; the rest must be JSON (which is also YAML).
    body = "\n".join("" if line.lstrip().startswith("#") else line for line in text.splitlines())
    try:
        data = json.loads(body)
    except ValueError as error:
        raise HandoffError(
            source, [f"not JSON ({error}); write it with privatelink-cdk handoff, and edit only values"]
        ) from error
    if not isinstance(data, dict):
        raise HandoffError(source, [f"expected a mapping at the top, got {type(data).__name__}"])
    problems: list[str] = []
    if data.get("format") != FORMAT:
        problems.append(f"format: expected {FORMAT!r}, got {data.get('format')!r}")
    version = data.get("version")
    if version != VERSION:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > VERSION
        problems.append(
            f"version: {version!r} is not supported (this privatelink-cdk reads version {VERSION}"
            + ("; upgrade privatelink-cdk)" if newer else ")")
        )
    if data.get("kind") != kind:
        other = "read_consumer_note" if kind == "service" else "read_handoff"
        problems.append(f"kind: expected {kind!r}, got {data.get('kind')!r} (use {other} for that one)")
    return data, problems


def _check_keys(data: Mapping[str, Any], allowed: set[str], problems: list[str]) -> None:
    for key in sorted(set(data) - allowed - {"format", "version", "kind"}):
        problems.append(f"{key}: unknown key (allowed: {', '.join(sorted(allowed))})")


_Allowed = re.Pattern[str] | tuple[str, ...] | Callable[[str], bool]
"""What a text value may be: a whole match of a pattern, one of some words, or what a test accepts."""


def _allowed(value: object, allowed: _Allowed) -> bool:
    if not isinstance(value, str):
        return False
    if isinstance(allowed, tuple):
        return value in allowed
    if isinstance(allowed, re.Pattern):
        return allowed.fullmatch(value) is not None
    return allowed(value)


def _text(data: Mapping[str, Any], key: str, allowed: _Allowed, problems: list[str]) -> str:
    value = data.get(key)
    if not _allowed(value, allowed):
        problems.append(f"{key}: {value!r} is not a valid {key.replace('_', ' ')}")
        return ""
    return str(value)


def _optional_text(data: Mapping[str, Any], key: str, allowed: _Allowed, problems: list[str]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not _allowed(value, allowed):
        problems.append(f"{key}: {value!r} is not allowed")
        return None
    return str(value)


def _texts(data: Mapping[str, Any], key: str, allowed: _Allowed, problems: list[str]) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.append(f"{key}: expected a list, got {value!r}")
        return ()
    result = []
    for index, item in enumerate(value):
        if _allowed(item, allowed):
            result.append(str(item))
        else:
            problems.append(f"{key}[{index}]: {item!r} is not allowed")
    return tuple(result)


def read_handoff(path: str | Path) -> Handoff:
    """Read and validate a provider's handoff file; every problem is reported at once.

    Raises:
        HandoffError: the file is missing, not JSON, of another version or kind, or has bad values.
    """
    data, problems = _load(path, "service")
    _check_keys(data, {f.name for f in fields(Handoff)}, problems)
    ports = data.get("ports")
    port_list: list[int] = []
    if not isinstance(ports, list) or not ports:
        problems.append(f"ports: expected a non-empty list of TCP ports, got {ports!r}")
    else:
        for index, port in enumerate(ports):
            if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
                problems.append(f"ports[{index}]: {port!r} is not a TCP port (1-65535)")
            else:
                port_list.append(port)
    acceptance = data.get("acceptance_required", True)
    if not isinstance(acceptance, bool):
        problems.append(f"acceptance_required: {acceptance!r} must be true or false")
    service_name = _text(data, "service_name", SERVICE_NAME, problems)
    region = _text(data, "region", REGION_NAME, problems)
    named = region_of_service_name(service_name) if service_name else None
    if named and region and named != region:
        problems.append(f"region: {region!r} does not match the service name's region {named!r}")
    account = data.get("provider_account")
    if account is not None and not _allowed(account, ACCOUNT_ID):
        problems.append(f"provider_account: {account!r} is not a 12-digit account ID")
    handoff = Handoff(
        service_name=service_name,
        region=region,
        ports=tuple(port_list),
        availability_zone_ids=_texts(data, "availability_zone_ids", ZONE_ID, problems),
        supported_regions=_texts(data, "supported_regions", REGION_NAME, problems),
        private_dns_name=_optional_text(data, "private_dns_name", is_dns_name, problems),
        private_dns_state=_optional_text(data, "private_dns_state", _PRIVATE_DNS_STATES, problems),
        names_to_alias=_texts(data, "names_to_alias", is_dns_name, problems),
        acceptance_required=bool(acceptance),
        supported_ip_address_types=_texts(data, "supported_ip_address_types", _IP_TYPES, problems)
        or ("ipv4",),
        provider_account=account if isinstance(account, str) else None,
    )
    if problems:
        raise HandoffError(str(path), problems)
    return handoff


def read_consumer_note(path: str | Path) -> ConsumerNote:
    """Read and validate a consumer's note (``handoff --consumer-stack``).

    Raises:
        HandoffError: as ``read_handoff``.
    """
    data, problems = _load(path, "endpoint")
    _check_keys(data, {f.name for f in fields(ConsumerNote)}, problems)
    account = _text(data, "account", ACCOUNT_ID, problems)
    principal = _text(data, "principal", _ROOT_PRINCIPAL, problems)
    if account and principal and f":{account}:" not in principal:
        problems.append(f"principal: {principal!r} is not the root of account {account}")
    note = ConsumerNote(
        endpoint_id=_text(data, "endpoint_id", _ENDPOINT_ID, problems),
        account=account,
        principal=principal,
        region=_text(data, "region", REGION_NAME, problems),
        service_name=_text(data, "service_name", SERVICE_NAME, problems),
        availability_zone_ids=_texts(data, "availability_zone_ids", ZONE_ID, problems),
        state=data.get("state") if isinstance(data.get("state"), str) else None,
    )
    if problems:
        raise HandoffError(str(path), problems)
    return note
