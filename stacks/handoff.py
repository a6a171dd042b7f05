"""A consumer built from a provider's handoff file: ``consumers: [{from_handoff: link.json, ...}]``.

``privatelink-cdk handoff --provider-stack ProviderStack > link.json`` writes what a provider
gives its consumers (``privatelink_constructs.cli.read_handoff`` reads it, with the standard
library only). A consumer config that names the file takes from it every value it leaves out:

- ``service_name``, ``ports`` and ``service_availability_zone_ids``;
- ``service_region``, when the consumer's ``env.region`` is another region than the service's
  (an environment-agnostic consumer is taken to deploy in the service's region);
- ``private_dns_enabled: true`` when the provider's private DNS name is verified, unless the
  config says how names resolve (``private_dns_enabled`` or ``private_hosted_zone``);
- ``private_hosted_zone`` for the one name to alias (a zone of that very name, so the VPC's
  answers for the rest of that domain do not change), unless the config has one.

A value the config gives beside ``from_handoff`` must agree with the file (ports may be fewer),
or it is refused with a message naming both; so are settings the handoff says cannot work (an
unverified private DNS name turned on, a region the service is not offered in). The path is
relative to the current directory, where ``cdk`` runs, not to the config file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from privatelink_constructs import rules
from privatelink_constructs.cli.handoff import Handoff, HandoffError, read_handoff
from privatelink_constructs.rules import Problem
from privatelink_constructs.zones import region_of_zone_id

if TYPE_CHECKING:
    from .config import ConsumerConfig

__all__ = ["KEY", "file_problems", "filled", "problems"]

KEY = "from_handoff"
"""The consumer config key that names a handoff file."""


def _read(path: str) -> Handoff | None:
    try:
        return read_handoff(path)
    except HandoffError:
        return None


def file_problems(path: str) -> list[Problem]:
    """Every problem of the handoff file at ``path``: unreadable, another kind or version, bad values."""
    try:
        read_handoff(path)
    except HandoffError as error:
        where = "" if Path(path).is_absolute() else f" (relative to the current directory, {Path.cwd()})"
        unreadable = not Path(path).is_file()
        return [
            Problem("", f"{path!r}: {problem}{where if unreadable else ''}") for problem in error.problems
        ]
    return []


def filled(data: object) -> object:
    """A consumer's raw config with the values it leaves out taken from its handoff file.

    Anything but a mapping with a readable handoff comes back unchanged: the field's own
    validator reports a file it cannot use.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get(KEY), str):
        return data
    handoff = _read(data[KEY])
    if handoff is None:
        return data
    values = dict(data)
    for key, value in _offered(handoff, values).items():
        if values.get(key) is None:
            values[key] = value
    return values


def _offered(handoff: Handoff, given: Mapping[str, object]) -> dict[str, object]:
    """What the handoff would set, given what the config says."""
    offered: dict[str, object] = {"service_name": handoff.service_name, "ports": list(handoff.ports)}
    if handoff.availability_zone_ids:
        offered["service_availability_zone_ids"] = list(handoff.availability_zone_ids)
    env = given.get("env")
    region = env.get("region") if isinstance(env, Mapping) else None
    if isinstance(region, str) and region != handoff.region:
        offered["service_region"] = handoff.region
    says_how_names_resolve = (
        given.get("private_dns_enabled") is not None or given.get("private_hosted_zone") is not None
    )
    if handoff.private_dns_usable and not says_how_names_resolve:
        offered["private_dns_enabled"] = True
    if len(handoff.names_to_alias) == 1:
        (name,) = handoff.names_to_alias
        offered["private_hosted_zone"] = {"name": name, "records": [name]}
    return offered


def problems(config: ConsumerConfig) -> list[Problem]:
    """What the consumer's config says that its handoff file contradicts (after ``filled``)."""
    if config.from_handoff is None:
        return []
    handoff = _read(config.from_handoff)
    if handoff is None:
        return []
    source = f"from_handoff {config.from_handoff!r}"
    return [problem for check in _CHECKS if (problem := check(config, handoff, source)) is not None]


def _service_name(config: ConsumerConfig, handoff: Handoff, source: str) -> Problem | None:
    if config.service_name in (None, handoff.service_name):
        return None
    return Problem(
        "service_name",
        f"{config.service_name!r} is not the service in {source} ({handoff.service_name!r}); "
        "leave service_name out to take the handoff's",
    )


def _ports(config: ConsumerConfig, handoff: Handoff, source: str) -> Problem | None:
    return next(
        iter(rules.check_service_ports(config.ports, handoff.ports, service=f"the service in {source}")), None
    )


def _zones(config: ConsumerConfig, handoff: Handoff, source: str) -> Problem | None:
    given, offered = set(config.service_availability_zone_ids), set(handoff.availability_zone_ids)
    if not given or not offered or given == offered:
        return None
    return Problem(
        "service_availability_zone_ids",
        f"{sorted(given)} are not the service's zones in {source} ({sorted(offered)}); "
        "leave them out to take the handoff's",
    )


def _service_region(config: ConsumerConfig, handoff: Handoff, source: str) -> Problem | None:
    if config.service_region in (None, handoff.region):
        return None
    return Problem(
        "service_region",
        f"{config.service_region!r} is not the service's region in {source} ({handoff.region!r})",
    )


def _consumer_region(config: ConsumerConfig, handoff: Handoff, source: str) -> Problem | None:
    region = config.env.region
    if region is None or region == handoff.region or region in handoff.supported_regions:
        return None
    offered = [handoff.region, *handoff.supported_regions]
    return Problem(
        "env.region",
        f"{region!r} is not a region the service in {source} is offered in ({offered}); ask the "
        "provider to add it (provider.allowed_regions), then hand over again",
    )


def _zone_region(config: ConsumerConfig, handoff: Handoff, source: str) -> Problem | None:
    """An environment-agnostic consumer whose zone IDs say it is in another region than the service."""
    own, offered = config.vpc.availability_zone_ids, handoff.availability_zone_ids
    if config.env.region is not None or config.service_region is not None or not own or not offered:
        return None
    if {region_of_zone_id(z) for z in own} == {region_of_zone_id(z) for z in offered}:
        return None
    return Problem(
        "env.region",
        f"required: vpc.availability_zone_ids {list(own)} are in another region than the service in "
        f"{source} ({handoff.region}, zones {list(offered)}); give env.region so the endpoint is "
        "made cross-region",
    )


def _private_dns(config: ConsumerConfig, handoff: Handoff, source: str) -> Problem | None:
    found = rules.check_private_dns_offered(
        config.private_dns_enabled,
        service=f"the service in {source}",
        name=handoff.private_dns_name,
        usable=handoff.private_dns_usable,
        state=handoff.private_dns_state,
        remedy="leave private_dns_enabled out (the handoff's names to alias go into a private hosted "
        "zone), or hand over again once the name is verified",
    )
    return next(iter(found), None)


def _names_to_alias(config: ConsumerConfig, handoff: Handoff, source: str) -> Problem | None:
    if len(handoff.names_to_alias) < 2 or config.private_hosted_zone is not None:
        return None
    return Problem(
        "private_hosted_zone",
        f"{source} names {len(handoff.names_to_alias)} names to alias ({', '.join(handoff.names_to_alias)}), "
        "and a zone holding them all would answer for the rest of their domain too: set "
        "private_hosted_zone (name and records) to choose",
    )


def _ip_address_type(config: ConsumerConfig, handoff: Handoff, source: str) -> Problem | None:
    needs = {"ipv4": {"ipv4"}, "dualstack": {"ipv4", "ipv6"}, "ipv6": {"ipv6"}}.get(
        config.ip_address_type or ""
    )
    missing = sorted((needs or set()) - set(handoff.supported_ip_address_types))
    if not missing:
        return None
    return Problem(
        "ip_address_type",
        f"{config.ip_address_type!r} needs a service that supports {' and '.join(missing)}; the service in "
        f"{source} supports {list(handoff.supported_ip_address_types)}",
    )


_CHECKS: tuple[Callable[[ConsumerConfig, Handoff, str], Problem | None], ...] = (
    _service_name,
    _ports,
    _zones,
    _service_region,
    _consumer_region,
    _zone_region,
    _private_dns,
    _names_to_alias,
    _ip_address_type,
)
"""Each agreement between a consumer's config and its handoff, in report order."""
