"""Availability Zones by ID: the same physical zone in every account, unlike zone names.

``us-east-1a`` in one account is not ``us-east-1a`` in another; ``use1-az1`` is the same zone
everywhere, and PrivateLink connects only where provider and consumer share zones. So vendors
hand over zone IDs. A VPC "built from IDs" is one whose subnets carry zone IDs where aws-cdk-lib
expects zone names: a new ``ec2.Vpc`` in a ``ZoneIdStack`` (or any stack whose
``availability_zones`` are zone IDs), or a VPC imported with ``Vpc.from_vpc_attributes`` and
zone IDs as its ``availability_zones``. For such a VPC:

- ``PlaceSubnetsByZoneId`` (added by ``ZoneIdStack``) makes CloudFormation place each new
  subnet by ``AvailabilityZoneId``: no zone-name lookup, no credentials at synth;
- ``subnets_in_zones`` selects subnets by zone ID for ``ProviderEndpointService`` or
  ``ConsumerInterfaceEndpoint``;
- ``zone_ids_of`` tells which zone IDs a set of subnets is in, for the provider to publish.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import jsii
from aws_cdk import Aspects, Environment, IAspect, Stack
from aws_cdk import aws_ec2 as ec2
from constructs import Construct, IConstruct

from ._patterns import ZONE_ID
from ._tokens import is_unresolved

__all__ = [
    "ZONE_ID",
    "PlaceSubnetsByZoneId",
    "ZoneIdStack",
    "is_zone_id",
    "region_of_zone_id",
    "subnets_in_zones",
    "zone_id_prefix",
    "zone_ids_of",
]


def is_zone_id(label: object) -> bool:
    """Whether ``label`` is an Availability Zone ID (not a zone name, not a token)."""
    return isinstance(label, str) and not is_unresolved(label) and ZONE_ID.fullmatch(label) is not None


def region_of_zone_id(zone_id: str) -> str:
    """The region part of a zone ID: ``use1`` for ``use1-az4``."""
    match = ZONE_ID.fullmatch(zone_id)
    if match is None:
        raise ValueError(f"{zone_id!r} is not an Availability Zone ID (like 'use1-az1')")
    return match.group("region")


_CARDINALS = ("north", "south", "central", "east", "west")
_SURE_AREAS = {"us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx", "cn"}


def zone_id_prefix(region: str) -> str | None:
    """The region part of ``region``'s zone IDs, or None where the naming is not known here.

    AWS builds it from the region's area, the initials of its direction words and its number:
    ``use1`` for us-east-1, ``apne1`` for ap-northeast-1, ``usgw1`` for us-gov-west-1.
    """
    parts = region.split("-")
    if is_unresolved(region) or len(parts) < 3 or parts[0] not in _SURE_AREAS or "iso" in region:
        return None
    area = "usg" if parts[1] == "gov" else parts[0]
    direction = "".join(cardinal[0] for cardinal in _CARDINALS if cardinal in parts[-2])
    return f"{area}{direction}{parts[-1]}"


def zone_ids_of(subnets: Iterable[ec2.ISubnet]) -> tuple[str, ...] | None:
    """The zone IDs of ``subnets`` (sorted, once each), or None unless every subnet carries one."""
    labels = [subnet.availability_zone for subnet in subnets]
    if not labels or not all(is_zone_id(label) for label in labels):
        return None
    return tuple(sorted(set(labels)))


def subnets_in_zones(
    zone_ids: Sequence[str], *, subnet_type: ec2.SubnetType | None = None
) -> ec2.SubnetSelection:
    """One subnet in each of ``zone_ids`` (of a VPC built from IDs), of ``subnet_type`` if given."""
    return ec2.SubnetSelection(availability_zones=list(zone_ids), subnet_type=subnet_type, one_per_az=True)


@jsii.implements(IAspect)
class PlaceSubnetsByZoneId:
    """An aspect: a subnet whose ``AvailabilityZone`` holds a zone ID is placed by ``AvailabilityZoneId``.

    ``AWS::EC2::Subnet`` takes either property; aws-cdk-lib's ``ec2.Vpc`` only ever writes the
    first, from the zone labels it was given.
    """

    def visit(self, node: IConstruct) -> None:
        """Move a zone ID from ``AvailabilityZone`` to ``AvailabilityZoneId``."""
        if isinstance(node, ec2.CfnSubnet) and is_zone_id(node.availability_zone):
            node.availability_zone_id = node.availability_zone
            node.availability_zone = None


class ZoneIdStack(Stack):
    """A stack whose Availability Zones are zone IDs: its new VPCs are placed by zone ID.

    ``ec2.Vpc(self, "Vpc", availability_zones=self.availability_zones)`` (or ``max_azs``) then
    needs no zone lookup and no credentials, even with a concrete account and region, and every
    subnet lands in the zone the ID names in any account.
    """

    def __init__(
        self,
        scope: Construct | None,
        construct_id: str | None,
        *,
        availability_zone_ids: Sequence[str],
        env: Environment | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        stack_name: str | None = None,
        termination_protection: bool | None = None,
    ) -> None:
        """Create the stack in the zones ``availability_zone_ids``; the rest is as ``Stack``."""
        bad = [zone for zone in availability_zone_ids if not is_zone_id(zone)]
        if bad or not availability_zone_ids:
            raise ValueError(
                f"{construct_id}: availability_zone_ids: expected zone IDs like 'use1-az1', "
                f"got {list(availability_zone_ids)}"
            )
        self._zone_ids = list(availability_zone_ids)
        super().__init__(
            scope,
            construct_id,
            env=env,
            description=description,
            tags=dict(tags) if tags is not None else None,
            stack_name=stack_name,
            termination_protection=termination_protection,
        )
        Aspects.of(self).add(PlaceSubnetsByZoneId())

    @property
    def availability_zones(self) -> list[str]:
        """The stack's zone IDs, in place of zone names."""
        return list(self._zone_ids)
