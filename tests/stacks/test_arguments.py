"""arguments_from: a config section becomes a construct's keyword arguments without a line per option."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from privatelink_constructs import ConsumerInterfaceEndpoint, ProviderEndpointService, RdsTargetGroupUpdater
from stacks.common import arguments_from
from stacks.config import ConsumerConfig, DatabaseConfig, ProviderConfig


class _Section(BaseModel):
    ports: tuple[int, ...] = (5432,)
    deletion_protection: bool | None = None
    target_type: str | None = "ip"
    tags: dict[str, str] = {}


def _construct(
    *, ports: tuple[int, ...], deletion_protection: bool = False, target_type: object = None
) -> None:
    """Stands in for a construct's __init__."""


def test_a_field_named_as_an_argument_goes_to_it_as_it_is() -> None:
    assert arguments_from(_Section(deletion_protection=True), _construct) == {
        "ports": (5432,),
        "deletion_protection": True,
        "target_type": "ip",
    }


def test_a_field_left_out_keeps_the_constructs_default_and_others_stay_out() -> None:
    arguments = arguments_from(_Section(), _construct)
    assert "deletion_protection" not in arguments  # None: the construct's own default
    assert "tags" not in arguments  # not an argument of the construct


def test_what_the_stack_makes_wins_even_when_it_is_none() -> None:
    assert arguments_from(_Section(), _construct, target_type="IP", vpc="made") == {
        "ports": (5432,),
        "target_type": "IP",
        "vpc": "made",
    }
    assert "target_type" not in arguments_from(_Section(), _construct, target_type=None)


def test_the_app_sections_pass_their_plain_options_through() -> None:
    """The config's own options that the constructs take as they are: each would otherwise need a line."""
    provider = arguments_from(
        ProviderConfig(contributor_insights=True, proxy_protocol_v2=True),
        ProviderEndpointService.__init__,
        vpc=None,
    )
    assert provider["contributor_insights"] is True
    assert provider["proxy_protocol_v2"] is True
    consumer = arguments_from(
        ConsumerConfig(
            service_name="com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0",
            ports=(5432,),
            allow_broad_cidrs=True,
        ),
        ConsumerInterfaceEndpoint.__init__,
        vpc=None,
    )
    assert consumer["allow_broad_cidrs"] is True
    database = arguments_from(DatabaseConfig(hostname="db.example.com"), RdsTargetGroupUpdater.__init__)
    assert database["hostname"] == "db.example.com"


def test_only_plain_options_pass_through_and_a_section_never_does() -> None:
    """The fields each section hands over as they are; a section (``vpc``) must be made by the stack."""
    with pytest.raises(TypeError, match=r"the stack must make \['vpc'\]"):
        arguments_from(ProviderConfig(), ProviderEndpointService.__init__)
    provider = arguments_from(
        ProviderConfig(), ProviderEndpointService.__init__, vpc=None, removal_policy=None
    )
    assert set(provider) == {
        "ports",
        "allowed_principals",
        "auto_accept_principals",
        "allowed_regions",
        "target_cidrs",
    }
