"""stacks.link: what a linked consumer is, in one place."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk.assertions import Template

from stacks import build_app, parse_config
from tests.conftest import new_app, only


def test_several_linked_consumers_allow_the_account_once() -> None:
    built = build_app(
        new_app(),
        parse_config(
            {
                "provider": {"allowed_principals": ["111122223333"]},
                "consumers": [
                    {"name": "a", "allowed_peers": [{"cidr": "10.60.0.0/16"}]},
                    {"name": "b", "vpc": {"cidr": "10.61.0.0/16"}},
                ],
            }
        ),
    )
    assert built.provider is not None
    allowed = only(Template.from_stack(built.provider), "AWS::EC2::VPCEndpointServicePermissions")[
        "Properties"
    ]["AllowedPrincipals"]
    assert len(allowed) == 2
    assert allowed[0]["Fn::Join"][1][-1] == ":iam::111122223333:root"
    own = Stack.of(built.provider).resolve(allowed[1])
    assert own["Fn::Join"][1][-2:] == [{"Ref": "AWS::AccountId"}, ":root"]
    assert all(built.provider in consumer.dependencies for consumer in built.consumers)


def test_a_foreign_consumer_is_not_linked() -> None:
    built = build_app(
        new_app(),
        parse_config(
            {
                "provider": {},
                "consumers": [
                    {
                        "service_name": "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0",
                        "ports": [3306],
                    }
                ],
            }
        ),
    )
    assert built.provider is not None
    assert built.provider.provider.allowed_principals == ()
    assert built.provider not in built.consumers[0].dependencies


def test_linked_consumer_takes_the_providers_ports_and_private_dns_name() -> None:
    config = parse_config(
        {
            "provider": {
                "ports": [5432, 6432],
                "private_dns_name": "db.example.com",
                "public_hosted_zone": {"zone_id": "Z1", "zone_name": "example.com"},
            },
            "consumers": [{"private_dns_enabled": True}],
        }
    )
    assert config.consumers[0].ports == (5432, 6432)
    built = build_app(new_app(), config)
    outputs = Template.from_stack(built.consumers[0]).find_outputs("*")
    assert outputs["ClientHostname"]["Value"] == "db.example.com"
    assert outputs["Ports"]["Value"] == "5432,6432"


def test_the_apps_own_linked_consumer_is_accepted_automatically() -> None:
    built = build_app(new_app(), parse_config({"provider": {}, "consumers": [{}]}))
    assert built.provider is not None
    acceptor = built.provider.provider.acceptor
    assert acceptor is not None
    assert Stack.of(built.provider).resolve(acceptor.accounts[0]) == {"Ref": "AWS::AccountId"}


def test_auto_accepting_linked_consumers_can_be_turned_off() -> None:
    config = {"provider": {"auto_accept_linked_consumers": False}, "consumers": [{}]}
    built = build_app(new_app(), parse_config(config))
    assert built.provider is not None
    assert built.provider.provider.acceptor is None
