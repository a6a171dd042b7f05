"""The architecture picture (scripts/diagram.py): current, derived from the app, and readable."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_ec2 as ec2

from privatelink_constructs import ProviderEndpointService
from scripts.diagram import PNG_PATH, SVG_PATH, default_context, describe_app, png_source_hash
from scripts.diagram_svg import Box, Diagram, Edge, Node, Picture, PlacedEdge, Rect, layout, problems, render
from tests.conftest import default_config, feature_flags, new_app

STALE = "is stale: run `make diagram` and commit docs/"


@pytest.fixture(scope="module")
def diagram(synthesized_default_app: App) -> Diagram:
    return describe_app(synthesized_default_app)


@pytest.fixture(scope="module")
def picture(diagram: Diagram) -> Picture:
    return layout(diagram)


def box_title(diagram: Diagram, node: Node) -> str:
    return next(box.title for box in diagram.boxes if box.id == node.box)


def node(diagram: Diagram, title: str, box: str) -> Node:
    (found,) = [n for n in diagram.nodes if n.title == title and box_title(diagram, n) == box]
    return found


def edge(diagram: Diagram, source: Node, target: Node) -> Edge:
    (found,) = [e for e in diagram.edges if e.source == source.id and e.target == target.id]
    return found


def edge_or_none(diagram: Diagram, source: Node, target: Node) -> Edge | None:
    found = [e for e in diagram.edges if e.source == source.id and e.target == target.id]
    return found[0] if found else None


def test_committed_svg_is_current(picture: Picture) -> None:
    if render(picture) != SVG_PATH.read_text(encoding="utf-8"):
        pytest.fail(f"{SVG_PATH.name} {STALE}")


def test_committed_png_was_rendered_from_the_committed_svg() -> None:
    svg_hash = hashlib.sha256(SVG_PATH.read_bytes()).hexdigest()
    if png_source_hash(PNG_PATH.read_bytes()) != svg_hash:
        pytest.fail(f"{PNG_PATH.name} {STALE}")


def test_script_draws_the_app_the_tests_build() -> None:
    # Otherwise the staleness test above would compare two different apps.
    context = default_context()
    assert {key: value for key, value in context.items() if key.startswith("@")} == feature_flags()
    assert context["privatelink"] == default_config()


def test_boxes_are_the_stacks_and_the_librarys_constructs(diagram: Diagram) -> None:
    titles = {box.title: box.parent for box in diagram.boxes}
    assert titles == {
        "ProviderStack": None,
        "ProviderEndpointService": "ProviderStack",
        "ConnectionAcceptor": "ProviderStack",  # built by the provider, drawn as a box of the stack
        "RdsTargetGroupUpdater": "ProviderStack",
        "ConsumerStack": None,
        "ConsumerInterfaceEndpoint": "ConsumerStack",
    }


def test_the_link_runs_from_the_consumers_endpoint_to_the_providers_service(diagram: Diagram) -> None:
    endpoint = node(diagram, "Interface endpoint", "ConsumerInterfaceEndpoint")
    service = node(diagram, "Endpoint service", "ProviderEndpointService")
    assert edge(diagram, endpoint, service).label == ("PrivateLink",)  # through the stack output


def test_listener_is_an_arrow_from_the_nlb_to_its_target_group(diagram: Diagram) -> None:
    nlb = node(diagram, "Network Load Balancer", "ProviderEndpointService")
    group = node(diagram, "Target group TCP 5432", "ProviderEndpointService")
    assert edge(diagram, nlb, group).label == ("listener TCP 5432",)
    service = node(diagram, "Endpoint service", "ProviderEndpointService")
    assert edge(diagram, service, nlb).style == "flow"


def test_updater_arrow_to_the_target_group_carries_its_iam_actions(diagram: Diagram) -> None:
    function = node(diagram, "Lambda function", "RdsTargetGroupUpdater")
    group = node(diagram, "Target group TCP 5432", "ProviderEndpointService")
    assert edge(diagram, function, group).label == ("DeregisterTargets, RegisterTargets",)
    # EventBridge feeds the FIFO queue, the queue triggers the function (one run at a time).
    queues = [n for n in diagram.nodes if n.title == "SQS queue" and edge_or_none(diagram, n, function)]
    (queue,) = queues
    assert edge(diagram, queue, function).label == ("triggers",)
    for rule in ("EventBridge schedule", "EventBridge rule"):
        assert edge(diagram, node(diagram, rule, "RdsTargetGroupUpdater"), queue).label == ("invokes",)


def test_dns_record_is_an_arrow_from_the_zone_to_the_endpoint(diagram: Diagram) -> None:
    zone = node(diagram, "Private hosted zone", "ConsumerInterfaceEndpoint")
    endpoint = node(diagram, "Interface endpoint", "ConsumerInterfaceEndpoint")
    assert zone.lines == ("example.internal",)
    assert edge(diagram, zone, endpoint).label == ("A db.example.internal",)


def test_notifications_go_from_the_service_to_the_topic(diagram: Diagram) -> None:
    service = node(diagram, "Endpoint service", "ProviderEndpointService")
    topic = node(diagram, "SNS topic", "ProviderEndpointService")
    assert edge(diagram, service, topic).label == ("connection events",)


def test_security_groups_hang_under_what_they_guard(diagram: Diagram) -> None:
    pairs = {(e.source, e.target) for e in diagram.edges if e.style == "attach"}
    nlb = node(diagram, "Network Load Balancer", "ProviderEndpointService")
    endpoint = node(diagram, "Interface endpoint", "ConsumerInterfaceEndpoint")
    assert pairs == {
        (nlb.id, node(diagram, "Security group", "ProviderEndpointService").id),
        (endpoint.id, node(diagram, "Security group", "ConsumerInterfaceEndpoint").id),
    }
    assert node(diagram, "Security group", "ConsumerInterfaceEndpoint").lines == (
        "in TCP 5432 from 10.60.0.0/16",
    )


def test_plumbing_is_folded_into_the_nodes_it_serves(diagram: Diagram) -> None:
    titles = sorted(n.title for n in diagram.nodes)
    # The updater and the acceptor; the VPCs' custom resource handler is a Lambda function too,
    # but not a node.
    assert titles.count("Lambda function") == 2
    assert not [title for title in titles if "IAM" in title or "KMS" in title or "log" in title.lower()]
    vpc = node(diagram, "VPC 10.40.0.0/16", "ProviderStack")
    assert vpc.lines == ("2 isolated subnets · flow logs",)
    assert "IAM roles and policies, " in diagram.notes[0]
    assert "KMS keys, " in diagram.notes[0]


def test_picture_follows_the_constructs_in_the_app() -> None:
    # A provider with the auto-acceptor and no updater: the acceptor appears beside its provider,
    # fed by the topic and accepting on the service; the updater's box is gone.
    app = new_app()
    stack = Stack(app, "Small")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        vpc_cidr_block="10.0.0.0/16",
        availability_zones=["a"],
        private_subnet_ids=["subnet-0123456789abcdef0"],
    )
    ProviderEndpointService(
        stack,
        "Link",
        vpc=vpc,
        ports=[6432],
        allowed_principals=["111122223333"],
        auto_accept_principals=["111122223333"],
    )
    small = describe_app(app)
    titles = {box.title: box.parent for box in small.boxes}
    assert titles == {"Small": None, "ProviderEndpointService": "Small", "ConnectionAcceptor": "Small"}
    function = node(small, "Lambda function", "ConnectionAcceptor")
    topic = node(small, "SNS topic", "ProviderEndpointService")
    service = node(small, "Endpoint service", "ProviderEndpointService")
    assert edge(small, topic, function).label == ("subscription",)
    assert edge(small, function, service).label == (
        "AcceptVpcEndpointConnections, DescribeVpcEndpointServicePermissions",
    )
    assert problems(layout(small)) == []


def test_layout_has_no_overlaps_and_no_arrow_through_a_node(picture: Picture) -> None:
    assert problems(picture) == []
    assert 800 < picture.width < 1000  # readable at the width GitHub shows a README's images


def test_problems_are_found() -> None:
    # The check above can fail: two overlapping nodes, one outside its box, an arrow through one.
    nodes = tuple(Node(key, key.upper(), (), "network", "b") for key in ("x", "y", "z"))
    arrow = Edge("x", "z", (), "flow")
    faulty = Picture(
        diagram=Diagram("t", (Box("b", "B", "", None),), nodes, (arrow,)),
        width=400,
        height=200,
        boxes={"b": Rect(0, 0, 300, 200)},
        nodes={"x": Rect(10, 60, 50, 30), "y": Rect(100, 70, 50, 30), "z": Rect(280, 60, 100, 30)},
        texts={key: ((key,), ()) for key in "xyz"},
        attached={},
        notes=(),
        edges=(PlacedEdge(arrow, ((60, 75), (280, 75)), (), None),),
    )
    assert problems(faulty) == [
        "node z is outside its box b",
        "arrow x -> z passes through node y",
    ]
    overlapping = replace(faulty, nodes={**faulty.nodes, "y": Rect(40, 70, 50, 30)}, edges=())
    assert problems(overlapping) == ["nodes x and y overlap", "node z is outside its box b"]
