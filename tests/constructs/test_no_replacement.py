"""Changing principals, ports, regions or notifications never replaces the service or the NLB.

A replaced endpoint service gets a new name, and every consumer's endpoint breaks. CloudFormation
replaces a resource when its logical ID changes or when a create-only property changes; the
create-only properties come from the CloudFormation resource schemas that cfn-lint ships.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template
from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER

from privatelink_constructs import ConsumerInterfaceEndpoint
from tests.conftest import new_stack
from tests.constructs.helpers import imported_vpc, provider

KEEP = ("AWS::EC2::VPCEndpointService", "AWS::ElasticLoadBalancingV2::LoadBalancer")


@cache
def create_only(resource_type: str) -> tuple[str, ...]:
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    return tuple(path.split("/")[-1] for path in schema.get("createOnlyProperties", []))


def template(**overrides: Any) -> dict[str, Any]:
    built = provider(**overrides)
    resources: dict[str, Any] = Template.from_stack(Stack.of(built)).to_json()["Resources"]
    return resources


def replaced(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Resources of ``before`` that ``after`` would replace (or delete)."""
    found = []
    for logical_id, old in before.items():
        new = after.get(logical_id)
        if new is None or new["Type"] != old["Type"]:
            found.append(f"{logical_id} ({old['Type']}) removed")
            continue
        for prop in create_only(old["Type"]):
            if old.get("Properties", {}).get(prop) != new.get("Properties", {}).get(prop):
                found.append(f"{logical_id}.{prop} changed")
    return found


BASE: dict[str, Any] = {"ports": [5432], "allowed_principals": ["111122223333"]}

CHANGES: dict[str, dict[str, Any]] = {
    "principal added": {"allowed_principals": ["111122223333", "arn:aws:iam::444455556666:role/etl"]},
    "principal removed": {"allowed_principals": []},
    "port added": {"ports": [5432, 6432]},
    "regions added": {"allowed_regions": ["us-east-1"]},
    "notifications on": {"connection_notifications": True},
    "auto-accept on": {"auto_accept_principals": ["111122223333"]},
    "acceptance off": {"acceptance_required": False},
}


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return template(**BASE)


def test_schema_knows_create_only_properties() -> None:
    # Guards the test itself: if the schema lookup broke, every comparison would pass vacuously.
    assert "Scheme" in create_only("AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert "Port" in create_only("AWS::ElasticLoadBalancingV2::TargetGroup")


@pytest.mark.parametrize("change", list(CHANGES))
def test_change_keeps_service_and_load_balancer(base: dict[str, Any], change: str) -> None:
    after = template(**{**BASE, **CHANGES[change]})
    kept = {logical_id: r for logical_id, r in base.items() if r["Type"] in KEEP}
    assert len(kept) == 2
    assert replaced(kept, after) == []
    if change == "port added":
        # The existing port's listener and target group stay too.
        assert replaced(base, after) == []


def test_removing_a_port_replaces_only_that_ports_resources() -> None:
    before = template(**{**BASE, "ports": [5432, 6432]})
    after = template(**BASE)
    gone = replaced(before, after)
    assert gone
    assert all("6432" in entry for entry in gone), gone


def test_detects_a_replacement() -> None:
    # The check can fail: an internet-facing scheme is create-only on the NLB.
    base_nlb = {k: v for k, v in template(**BASE).items() if v["Type"] == KEEP[1]}
    changed = {
        k: {**v, "Properties": {**v["Properties"], "Scheme": "internet-facing"}} for k, v in base_nlb.items()
    }
    assert replaced(base_nlb, changed) != []


def consumer_template(record_names: list[str]) -> dict[str, Any]:
    stack = new_stack()
    ConsumerInterfaceEndpoint(
        stack,
        "Consumer",
        vpc=imported_vpc(stack),
        service_name="com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0",
        ports=[5432],
        private_hosted_zone_name="example.com",
        record_names=record_names,
        dns_record_ip_type="dualstack",
        ip_address_type="dualstack",
    )
    resources: dict[str, Any] = Template.from_stack(stack).to_json()["Resources"]
    return resources


def test_reordering_record_names_replaces_no_record() -> None:
    # A record's name is create-only: were logical IDs by list position, a reorder would move
    # names between resources and CloudFormation would replace (and collide on) every record.
    before = consumer_template(["db.example.com", "replica.example.com"])
    after = consumer_template(["replica.example.com", "db.example.com"])
    assert sum(r["Type"] == "AWS::Route53::RecordSet" for r in before.values()) == 4
    assert replaced(before, after) == []
    # And the check can fail: dropping a name removes its two records.
    assert len(replaced(before, consumer_template(["replica.example.com"]))) == 2
