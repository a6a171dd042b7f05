"""The config's ``consumers`` entries: everything one ``ConsumerStack`` builds."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Self

from pydantic import Field, StrictBool, StrictInt, model_validator

from privatelink_constructs import rules
from privatelink_constructs.rules import Problem

from . import handoff
from .choices import REMOVAL_POLICIES
from .config_errors import raise_problems
from .config_types import (
    Cidr,
    ConsumerName,
    Model,
    PrefixListId,
    Region,
    Retention,
    RuleQuota,
    SecurityGroupId,
    Tags,
    Text,
    Texts,
    ZoneIds,
    choice,
    rule,
)
from .config_vpc import ConsumerVpcConfig, EnvConfig, zone_problems

__all__ = ["ConsumerConfig", "PeerConfig", "PrivateZoneConfig"]


class PeerConfig(Model):
    """One allowed peer of a consumer endpoint: exactly one of the three fields."""

    cidr: Cidr | None = None
    security_group_id: SecurityGroupId | None = None
    prefix_list_id: PrefixListId | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [
            value for value in (self.cidr, self.security_group_id, self.prefix_list_id) if value is not None
        ]
        if len(given) != 1:
            raise_problems(
                [
                    Problem(
                        "", f"give exactly one of cidr, security_group_id, prefix_list_id (got {len(given)})"
                    )
                ],
                field=True,
            )
        return self


class PrivateZoneConfig(Model):
    """A private hosted zone in the consumer VPC, with alias records to the endpoint."""

    name: Text
    records: Texts = ()

    @model_validator(mode="after")
    def _records_in_zone(self) -> Self:
        raise_problems(
            rules.check_private_zone(self.name, self.records),
            paths={"private_hosted_zone_name": "name", "record_names": "records"},
        )
        return self


class ConsumerConfig(Model):
    """Everything one ``ConsumerStack`` builds. Keys left out: ``ConsumerInterfaceEndpoint``'s defaults."""

    stack_name: Text | None = None
    """Defaults to ``ConsumerStack``, or ``ConsumerStack-<name>`` when there are several consumers."""
    name: ConsumerName | None = None
    env: EnvConfig = EnvConfig()
    vpc: ConsumerVpcConfig = ConsumerVpcConfig()
    tags: Tags = Field(default_factory=dict)
    from_handoff: Annotated[Text, rule(handoff.file_problems)] | None = None
    """A provider's handoff file (``privatelink-cdk handoff``), relative to the current directory:
    the values left out here are taken from it (``stacks/handoff.py``)."""
    service_name: Annotated[Text, rule(lambda v: rules.check_service_name(v, argument=""))] | None = None
    """The provider's service name; None (and no ``from_handoff``) links to this app's own provider."""
    service_region: Region | None = None
    service_availability_zone_ids: ZoneIds = ()
    """The zone IDs the provider's service is in (the provider publishes them): the endpoint goes
    only into shared zones. A linked consumer gets its provider's."""
    ports: Annotated[
        tuple[StrictInt, ...], rule(lambda v: rules.check_ports(v, argument="", maximum=None) if v else [])
    ] = ()
    """The provider's ports; empty means the ports of this app's provider (when linked)."""
    allowed_peers: tuple[PeerConfig, ...] = ()
    allow_broad_cidrs: StrictBool | None = None
    """Accept peer CIDRs shorter than /8 (IPv4) or /16 (IPv6)."""
    security_group_rule_quota: RuleQuota | None = None
    """The account's quota of rules per security group, when AWS raised it from 60."""
    private_dns_enabled: StrictBool | None = None
    private_hosted_zone: PrivateZoneConfig | None = None
    ip_address_type: Annotated[Text, choice(rules.ENDPOINT_IP_ADDRESS_TYPES)] | None = None
    dns_record_ip_type: Annotated[Text, choice(rules.ENDPOINT_DNS_RECORD_IP_TYPES)] | None = None
    probe: StrictBool | None = None
    """Deploy an endpoint probe beside the endpoint for ``privatelink-cdk doctor --probe``."""
    log_retention_days: Retention | None = None
    removal_policy: Annotated[Text, choice(REMOVAL_POLICIES)] | None = None

    @property
    def linked(self) -> bool:
        """Whether the consumer connects to this app's own provider stack."""
        return self.service_name is None and self.from_handoff is None

    @model_validator(mode="before")
    @classmethod
    def _fill_from_handoff(cls, data: object) -> object:
        return handoff.filled(data)

    @model_validator(mode="after")
    def _consumer_rules(self) -> Self:
        problems = rules.check_endpoint_ip_types(self.ip_address_type, self.dns_record_ip_type)
        problems += handoff.problems(self)
        if self.service_name is not None and self.service_region is not None and self.from_handoff is None:
            problems += rules.check_service_region(self.service_name, self.service_region)
        if self.service_region is None:
            problems += rules.check_zone_overlap(
                self.vpc.availability_zone_ids,
                self.service_availability_zone_ids,
                argument="vpc.availability_zone_ids",
                service_argument="service_availability_zone_ids",
            )
        if self.linked and self.service_availability_zone_ids:
            problems.append(
                Problem(
                    "service_availability_zone_ids",
                    "a linked consumer takes its provider's zones (provider.vpc.availability_zone_ids)",
                )
            )
        if self.service_region is not None:
            problems += rules.check_region_partitions(
                [self.service_region],
                partition=rules.partition_of(self.env.region),
                argument="service_region",
                listed=False,
            )
        if not self.ports and self.service_name is not None:
            problems.append(
                Problem("ports", "the provider's TCP ports are required with a service_name, got none")
            )
        if self.ip_address_type in ("dualstack", "ipv6") and not self.vpc.existing and not self.vpc.ipv6:
            problems.append(
                Problem("ip_address_type", f"{self.ip_address_type!r} needs IPv6 subnets; set vpc.ipv6: true")
            )
        for index, peer in enumerate(self.allowed_peers):
            problems += [
                replace(problem, argument=f"allowed_peers[{index}].cidr", index=None)
                for problem in rules.check_cidrs(
                    [peer.cidr] if peer.cidr else [], argument="", allow_broad=bool(self.allow_broad_cidrs)
                )
            ]
        raise_problems([*problems, *zone_problems(self.env, self.vpc)])
        return self

    def inbound_rule_problems(self, ports: tuple[int, ...]) -> list[Problem]:
        """The endpoint's inbound rules, every peer on every port (``ports``), within the quota."""
        sources = dict.fromkeys(
            peer.cidr or peer.security_group_id or peer.prefix_list_id or "" for peer in self.allowed_peers
        )
        return rules.check_security_group_rules(
            [rules.rule_families(source) for source in sources],
            ports=len(set(ports)),
            direction="inbound",
            argument="allowed_peers",
            group="the endpoint's security group",
            noun="peers",
            quota=self.security_group_rule_quota or rules.SECURITY_GROUP_RULES_QUOTA,
        )
