"""Draw what the default app builds, from the app's own constructs: ``make diagram``.

Builds the app in-process from cdk.json (its feature flags and its ``privatelink`` config),
synthesizes it, and derives the picture from the construct tree and the templates, so that it
follows the code:

- each stack is a box; each construct of the library (every construct class
  ``privatelink_constructs`` exports: ``ProviderEndpointService``, ``ConnectionAcceptor``,
  ``RdsTargetGroupUpdater``, ``ConsumerInterfaceEndpoint``) is a box inside it;
- resources of the types a reader cares about (``NODE_TYPES``) are nodes, described from their
  properties; resources that link two of them (``LINK_TYPES``: listeners, connection
  notifications, subscriptions, DNS records) are arrows;
- everything else (roles, policies, keys, log groups, subnets, custom resources) is folded into the
  nearest node of its construct, and what it references becomes that node's arrows: an IAM policy
  of the updater's role that names a target group draws the updater's arrow to it, labelled with
  the policy's actions;
- arrows follow ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` within a stack and outputs across stacks.

Writes docs/architecture.svg (laid out by ``diagram_svg``: no graphviz, same app, same bytes);
``--png`` also renders docs/architecture.png with resvg (the ``resvg-py`` wheel, which
``make diagram`` brings) and records the SVG's SHA-256 in it, so that a test sees a stale PNG.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import itertools
import json
import os
import re
import struct
import sys
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the app's packages live at the root
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")

from aws_cdk import App, CfnResource, Stack  # noqa: E402
from constructs import Construct  # noqa: E402

import privatelink_constructs  # noqa: E402
from scripts.diagram_svg import Box, Diagram, Edge, Node, draw  # noqa: E402
from stacks import build_app, parse_config  # noqa: E402

__all__ = [
    "LINK_TYPES",
    "NODE_TYPES",
    "PNG_PATH",
    "SVG_PATH",
    "build_default_app",
    "default_context",
    "describe_app",
    "main",
    "png_source_hash",
    "svg_of",
]

SVG_PATH = ROOT / "docs" / "architecture.svg"
"""The committed picture of the default app."""
PNG_PATH = ROOT / "docs" / "architecture.png"
"""The same picture as a PNG, rendered from ``SVG_PATH``."""

Json = Any
"""A value in a synthesized template."""

NODE_TYPES: Mapping[str, str] = {
    "AWS::EC2::VPC": "network",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "network",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "network",
    "AWS::EC2::VPCEndpointService": "network",
    "AWS::EC2::VPCEndpoint": "network",
    "AWS::Route53::HostedZone": "network",
    "AWS::EC2::SecurityGroup": "security",
    "AWS::Lambda::Function": "compute",
    "AWS::SNS::Topic": "integration",
    "AWS::SQS::Queue": "integration",
    "AWS::Events::Rule": "integration",
    "AWS::CloudWatch::Alarm": "monitoring",
}
"""Resource types drawn as nodes, with their colour family. Other types are folded into nodes."""

LINK_TYPES: Mapping[str, tuple[str, str]] = {
    "AWS::ElasticLoadBalancingV2::Listener": ("LoadBalancerArn", "DefaultActions"),
    "AWS::EC2::VPCEndpointConnectionNotification": ("ServiceId", "ConnectionNotificationArn"),
    "AWS::SNS::Subscription": ("TopicArn", "Endpoint"),
    "AWS::Route53::RecordSet": ("HostedZoneId", "AliasTarget"),
    "AWS::EC2::SecurityGroupIngress": ("SourceSecurityGroupId", "GroupId"),
    "AWS::EC2::SecurityGroupEgress": ("GroupId", "DestinationSecurityGroupId"),
    "AWS::Lambda::EventSourceMapping": ("EventSourceArn", "FunctionName"),
}
"""Resource types drawn as an arrow from the node one property names to the node the other names.

One whose ends are not both nodes (a TXT record in an imported zone) is folded instead.
"""

_SKIPPED = frozenset({"AWS::Lambda::Permission"})  # repeats the trigger that needs it
_MERGED = frozenset({"AWS::CloudWatch::Alarm"})  # one node for all of a construct's; no arrows
_PLACES = frozenset({"AWS::EC2::VPC"})  # a reference to a VPC says where a thing is: no arrow
_GUARDS = "AWS::EC2::SecurityGroup"  # hangs under the node it guards

# Arrow labels, by (type of the referencing resource, first property on the path).
_LABELS: Mapping[tuple[str, str], str] = {
    ("AWS::EC2::VPCEndpoint", "ServiceName"): "PrivateLink",
    ("AWS::Events::Rule", "Targets"): "invokes",
}
_DEAD_LETTERS = "failed events"
# Permissions another arrow already shows: reading the queue that "triggers" a function, and
# sending to the queue that keeps its "failed events".
_IMPLIED_ACTIONS = frozenset(
    {
        "ChangeMessageVisibility",
        "DeleteMessage",
        "GetQueueAttributes",
        "GetQueueUrl",
        "ReceiveMessage",
        "SendMessage",
    }
)

Key = tuple[str, str]
"""A resource: (stack name, logical ID)."""


@dataclass(frozen=True)
class _Reference:
    target: Key
    path: tuple[str, ...]
    """The properties that lead to it."""
    label: str = ""


@dataclass
class _Resource:
    key: Key
    type: str
    properties: Mapping[str, Json]
    box: str
    order: int
    references: list[_Reference] = field(default_factory=list)


def default_context() -> dict[str, Any]:
    """cdk.json's context: its feature flags and the ``privatelink`` config.

    aws-cdk-lib's template validator is off: it costs 1.5-2 s, and the picture does not need it.
    """
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    return {**context, "@aws-cdk/core:validateAgainstDefaultRules": False}


def build_default_app() -> App:
    """The app ``cdk synth`` builds from cdk.json."""
    context = default_context()
    app = App(context={key: value for key, value in context.items() if key.startswith("@")})
    build_app(app, parse_config(context["privatelink"]))
    return app


def svg_of(app: App) -> str:
    """The picture of what ``app`` builds, as an SVG document."""
    return draw(describe_app(app))


def describe_app(app: App) -> Diagram:
    """What ``app`` builds (synthesized if it is not yet): boxes, nodes, arrows."""
    assembly = app.synth()
    exported = (getattr(privatelink_constructs, name) for name in privatelink_constructs.__all__)
    library = tuple(value for value in exported if isinstance(value, type) and issubclass(value, Construct))
    templates: dict[str, Mapping[str, Json]] = {}
    boxes: list[Box] = []
    resources: dict[Key, _Resource] = {}
    for stack in (child for child in app.node.children if isinstance(child, Stack)):
        # Every call into jsii costs about a millisecond: ask only for the paths we keep.
        name = stack.stack_name
        artifact = assembly.get_stack_artifact(stack.artifact_id)
        template = json.loads(Path(artifact.template_full_path).read_text(encoding="utf-8"))
        templates[name] = template
        box_paths = [stack.node.path]
        boxes.append(Box(stack.node.path, name, str(template.get("Description", "")), None))
        for construct in stack.node.find_all():
            if isinstance(construct, library):
                # Every construct of the library is a box of its stack's, even one another builds
                # (the provider's acceptor): boxes in boxes read worse than a column of boxes.
                path = construct.node.path
                boxes.append(Box(path, type(construct).__name__, construct.node.id, stack.node.path))
                box_paths.append(path)
            elif isinstance(construct, CfnResource):
                logical_id = stack.get_logical_id(construct)
                resource = template.get("Resources", {}).get(logical_id)
                if resource is None:  # a nested stack's
                    continue
                key = (name, logical_id)
                resources[key] = _Resource(
                    key=key,
                    type=resource["Type"],
                    properties=resource.get("Properties", {}),
                    box=_box_of(construct.node.path, box_paths),
                    order=len(resources),
                )
    for resource in resources.values():
        resource.references = _resource_references(resource, templates)
    return _Folder(boxes, resources).diagram()


def _box_of(path: str, box_paths: Sequence[str]) -> str:
    """The innermost box whose construct holds the construct at ``path``."""
    return max((box for box in box_paths if path.startswith(box + "/")), key=len)


# ---------------------------------------------------------------------------------------------
# References in templates
# ---------------------------------------------------------------------------------------------


def _resource_references(
    resource: _Resource, templates: Mapping[str, Mapping[str, Json]]
) -> list[_Reference]:
    """What a resource references; for an IAM policy, labelled with the actions allowed on it."""
    stack = resource.key[0]
    if resource.type != "AWS::IAM::Policy":
        return [
            _Reference(target, path)
            for target, path in _references(resource.properties, stack, templates, ())
        ]
    found = [
        _Reference(target, path)
        for target, path in _references(resource.properties.get("Roles"), stack, templates, ("Roles",))
    ]
    for statement in _as_list(resource.properties.get("PolicyDocument", {}).get("Statement", [])):
        actions = ", ".join(action.split(":")[-1] for action in _as_list(statement.get("Action", [])))
        for target, path in _references(statement.get("Resource"), stack, templates, ("Resource",)):
            found.append(_Reference(target, path, actions))
    return found


def _as_list(value: Json) -> list[Json]:
    return value if isinstance(value, list) else [value]


_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")

_Templates = Mapping[str, Mapping[str, Json]]
_Found = Iterator[tuple[Key, tuple[str, ...]]]


def _references(value: Json, stack: str, templates: _Templates, path: tuple[str, ...]) -> _Found:
    """The resources ``value`` names, with the properties on the way to each.

    Follows Ref, Fn::GetAtt and Fn::Sub, and Fn::GetStackOutput and Fn::ImportValue to the
    output's value in the other stack (``_INTRINSICS``). Skips ``Condition`` blocks: the callers
    they name already reference the resource themselves, in the direction the calls go.
    """
    if isinstance(value, list):
        for item in value:
            yield from _references(item, stack, templates, path)
    elif isinstance(value, dict):
        call = next((name for name in _INTRINSICS if name in value), None)
        if call is not None:
            yield from _INTRINSICS[call](value[call], stack, templates, path)
        else:
            for key, item in value.items():
                if key != "Condition":
                    yield from _references(item, stack, templates, (*path, key))


def _ref(name: Json, stack: str, _: _Templates, path: tuple[str, ...]) -> _Found:
    """Ref: the resource it names; a pseudo parameter (``AWS::Region``) names none."""
    if isinstance(name, str) and not name.startswith("AWS::"):
        yield (stack, name), path


def _get_att(target: Json, stack: str, _: _Templates, path: tuple[str, ...]) -> _Found:
    """Fn::GetAtt: the resource whose attribute it reads, as ``[id, attribute]`` or ``"id.attribute"``."""
    yield (stack, target[0] if isinstance(target, list) else str(target).split(".")[0]), path


def _sub(argument: Json, stack: str, templates: _Templates, path: tuple[str, ...]) -> _Found:
    """Fn::Sub: the resources its text names that are not its variables, then its variables'."""
    text, variables = (argument, {}) if isinstance(argument, str) else argument
    for name in _SUB_NAME.findall(text):
        if name not in variables:
            yield (stack, name), path
    yield from _references(variables, stack, templates, path)


def _get_stack_output(spec: Json, _: str, templates: _Templates, path: tuple[str, ...]) -> _Found:
    """Fn::GetStackOutput: what the named output's value references, in the other stack."""
    other = spec.get("StackName")
    if isinstance(other, str) and other in templates:
        output = templates[other].get("Outputs", {}).get(spec.get("OutputName"), {})
        yield from _references(output.get("Value"), other, templates, path)


def _import_value(export: Json, _: str, templates: _Templates, path: tuple[str, ...]) -> _Found:
    """Fn::ImportValue: what the value of the output exported under that name references."""
    for other, template in templates.items():
        for output in template.get("Outputs", {}).values():
            if output.get("Export", {}).get("Name") == export:
                yield from _references(output.get("Value"), other, templates, path)


_INTRINSICS: Mapping[str, Callable[[Json, str, _Templates, tuple[str, ...]], _Found]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::GetStackOutput": _get_stack_output,
    "Fn::ImportValue": _import_value,
}
"""The intrinsic functions that reference resources, by name, in the order they are looked for."""


# ---------------------------------------------------------------------------------------------
# Nodes, arrows, and the folding of everything else
# ---------------------------------------------------------------------------------------------


class _Folder:
    """Resources to nodes and arrows; the rest folded into the nearest node of its construct."""

    def __init__(self, boxes: Sequence[Box], resources: Mapping[Key, _Resource]) -> None:
        self.boxes = boxes
        self.resources = resources
        # A function that serves custom resources is aws-cdk-lib's machinery, not a node.
        handlers = {
            ref.target
            for r in resources.values()
            for ref in r.references
            if ref.path[:1] == ("ServiceToken",)
        }
        # Ordered like the constructs, and quick to ask "is it one?".
        self.shown = dict.fromkeys(
            k for k, r in resources.items() if r.type in NODE_TYPES and k not in handlers
        )
        self.links = dict.fromkeys(k for k, r in resources.items() if r.type in LINK_TYPES and self._ends(r))
        self.host = self._hosts()

    def _ends(self, link: _Resource) -> tuple[list[Key], list[Key]] | None:
        """The nodes a link joins, or None when one end is not a node."""
        start, end = LINK_TYPES[link.type]
        starts = [
            ref.target for ref in link.references if ref.path[:1] == (start,) and ref.target in self.shown
        ]
        ends = [ref.target for ref in link.references if ref.path[:1] == (end,) and ref.target in self.shown]
        return (starts, ends) if starts and ends else None

    def _hosts(self) -> dict[Key, Key]:
        """For every node and folded resource, the node it is drawn as (its nearest, by references)."""
        neighbours: dict[Key, set[Key]] = defaultdict(set)
        for resource in self.resources.values():
            for reference in resource.references:
                if resource.type == "AWS::IAM::Policy" and reference.path[:1] == ("Resource",):
                    continue  # what a policy acts on is an arrow; it folds into the role's function
                other = self.resources.get(reference.target)
                if other is not None and other.box == resource.box and other.key[0] == resource.key[0]:
                    neighbours[resource.key].add(other.key)
                    neighbours[other.key].add(resource.key)
        hosts = {key: key for key in self.shown}
        passable = {
            key for key, r in self.resources.items() if key not in self.links and r.type not in _SKIPPED
        }
        for key in self.resources:
            if key in hosts or key not in passable:
                continue
            seen, frontier = {key}, [key]
            while frontier and key not in hosts:  # breadth first, ties to the first built
                reached = sorted({n for k in frontier for n in neighbours[k]} - seen, key=self._order)
                seen.update(reached)
                found = [k for k in reached if k in self.shown]
                if found:
                    hosts[key] = found[0]
                frontier = [k for k in reached if k in passable]
        return hosts

    def _order(self, key: Key) -> int:
        return self.resources[key].order

    def diagram(self) -> Diagram:
        folded: dict[Key, list[_Resource]] = defaultdict(list)
        for key, host in self.host.items():
            if key != host:
                folded[host].append(self.resources[key])
        nodes = []
        for key in self.shown:
            resource = self.resources[key]
            title, lines = _DESCRIBE.get(resource.type, _describe_any)(resource, folded[key], self.resources)
            nodes.append(Node("/".join(key), title, lines, NODE_TYPES[resource.type], resource.box))
        node_list, edges = _merge_nodes(nodes, self._reference_edges() + self._link_edges(), self.resources)
        used = {node.box for node in node_list}
        boxes = tuple(box for box in self.boxes if _holds_nodes(box, self.boxes, used))
        hidden = [
            r.type for key, r in self.resources.items() if key not in self.shown and key not in self.links
        ]
        notes = (
            "Not drawn, folded into the nodes they serve: "
            + ", ".join(dict.fromkeys(map(_plumbing, hidden)))
            + ".",
        )
        return Diagram(
            title="What the default privatelink-cdk app builds",
            boxes=boxes,
            nodes=tuple(node_list),
            edges=tuple(_merge_edges(edges)),
            notes=(notes if hidden else ())
            + ("Drawn by scripts/diagram.py from the default app in cdk.json: make diagram.",),
        )

    def _reference_edges(self) -> list[Edge]:
        edges = []
        for key in sorted(self.host, key=self._order):
            source = self.resources[self.host[key]]
            for reference in self.resources[key].references:
                if reference.target not in self.shown or reference.target == source.key:
                    continue
                target = self.resources[reference.target]
                if target.type in _PLACES or source.type in _MERGED:
                    continue
                if reference.label and set(reference.label.split(", ")) <= _IMPLIED_ACTIONS:
                    continue
                edges.append(_edge(source, target, reference))
        return edges

    def _link_edges(self) -> list[Edge]:
        edges = []
        for key in self.links:
            link = self.resources[key]
            ends = self._ends(link)
            assert ends is not None
            label = _link_label(link)
            for start, end in itertools.product(*ends):
                edges.append(Edge("/".join(start), "/".join(end), (label,), "flow"))
        return edges


def _edge(source: _Resource, target: _Resource, reference: _Reference) -> Edge:
    if target.type == _GUARDS and source.type != _GUARDS:
        return Edge("/".join(source.key), "/".join(target.key), (), "attach")
    label = reference.label or _LABELS.get((source.type, reference.path[0]), "")
    if "DeadLetterConfig" in reference.path or "RedrivePolicy" in reference.path:
        label = _DEAD_LETTERS
    return Edge("/".join(source.key), "/".join(target.key), (label,) if label else (), "flow")


def _merge_nodes(
    nodes: list[Node], edges: list[Edge], resources: Mapping[Key, _Resource]
) -> tuple[list[Node], list[Edge]]:
    """One node for all of a box's resources of a ``_MERGED`` type (its alarms)."""
    groups: dict[tuple[str, str], list[Node]] = defaultdict(list)
    for node in nodes:
        kind = resources[_key(node.id)].type
        if kind in _MERGED:
            groups[(node.box, kind)].append(node)
    rename: dict[str, str] = {}
    merged: dict[str, Node] = {}
    for members in groups.values():
        if len(members) > 1:
            counts: dict[str, int] = defaultdict(int)
            for line in itertools.chain.from_iterable(member.lines for member in members):
                counts[line] += 1
            lines = tuple(f"{line} ({count})" if count > 1 else line for line, count in counts.items())
            merged[members[0].id] = replace(
                members[0], title=f"{len(members)} {members[0].title}s", lines=lines
            )
            rename.update({member.id: members[0].id for member in members})
    kept = [merged.get(node.id, node) for node in nodes if rename.get(node.id, node.id) == node.id]
    return kept, [
        replace(
            edge, source=rename.get(edge.source, edge.source), target=rename.get(edge.target, edge.target)
        )
        for edge in edges
    ]


def _key(node_id: str) -> Key:
    stack, logical_id = node_id.rsplit("/", 1)
    return stack, logical_id


def _merge_edges(edges: Iterable[Edge]) -> list[Edge]:
    """One edge per source, target and style, with each distinct label line once; no loops."""
    merged: dict[tuple[str, str, str], list[str]] = {}
    for edge in edges:
        if edge.source != edge.target:
            lines = merged.setdefault((edge.source, edge.target, edge.style), [])
            lines.extend(line for line in edge.label if line not in lines)
    return [
        Edge(source, target, tuple(lines), "attach" if style == "attach" else "flow")
        for (source, target, style), lines in merged.items()
    ]


def _holds_nodes(box: Box, boxes: Sequence[Box], used: set[str]) -> bool:
    return box.id in used or any(
        _holds_nodes(child, boxes, used) for child in boxes if child.parent == box.id
    )


_PLUMBING_WORDS: Mapping[str, str] = {
    "IAM": "IAM roles and policies",
    "KMS": "KMS keys",
    "Logs": "log groups",
    "Subnet": "subnets and route tables",
    "RouteTable": "subnets and route tables",
    "SubnetRouteTableAssociation": "subnets and route tables",
    "SecurityGroupIngress": "security group rules",
    "SecurityGroupEgress": "security group rules",
    "RecordSet": "DNS records",
    "VPCCidrBlock": "VPC CIDR blocks",
}


def _plumbing(resource_type: str) -> str:
    """What a reader calls a resource that is folded away."""
    parts = resource_type.split("::")
    if parts[0] == "Custom" or resource_type in NODE_TYPES:  # a custom resource, or its handler
        return "custom resources"
    for part in (parts[1], parts[-1]):
        if part in _PLUMBING_WORDS:
            return _PLUMBING_WORDS[part]
    if parts[-1].endswith(("Policy", "Permission", "Permissions")):
        return "resource policies and permissions"
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z]*", parts[-1])  # VPCCidrBlock: VPC, Cidr, Block
    return " ".join(word if word.isupper() else word.lower() for word in words) + "s"


# ---------------------------------------------------------------------------------------------
# Words: a title and a few lines for each node, a label for each link
# ---------------------------------------------------------------------------------------------

_Described = tuple[str, tuple[str, ...]]
_Describer = Callable[[_Resource, Sequence[_Resource], Mapping[Key, _Resource]], _Described]


def _literal(value: Json) -> str | None:
    """A plain value as text; None for a token (Ref, Fn::...)."""
    return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _describe_vpc(vpc: _Resource, folded: Sequence[_Resource], _: Mapping[Key, _Resource]) -> _Described:
    subnets: dict[str, int] = defaultdict(int)
    for item in folded:
        if item.type == "AWS::EC2::Subnet":
            tags = {tag.get("Key"): tag.get("Value") for tag in item.properties.get("Tags", [])}
            subnets[str(tags.get("aws-cdk:subnet-type", "")).lower()] += 1
    parts = [_count(count, f"{kind} subnet".strip()) for kind, count in subnets.items()]
    if any(item.type == "AWS::EC2::FlowLog" for item in folded):
        parts.append("flow logs")
    cidr = _literal(vpc.properties.get("CidrBlock"))
    return f"VPC {cidr}" if cidr else "VPC", (" · ".join(parts),) if parts else ()


def _describe_load_balancer(lb: _Resource, *_: object) -> _Described:
    props = lb.properties
    attributes = {a.get("Key"): a.get("Value") for a in props.get("LoadBalancerAttributes", [])}
    parts = [str(props.get("Scheme", "internet-facing"))]
    if attributes.get("load_balancing.cross_zone.enabled") == "true":
        parts.append("cross-zone")
    kinds = {"network": "Network Load Balancer", "gateway": "Gateway Load Balancer"}
    return kinds.get(props.get("Type", ""), "Application Load Balancer"), (" · ".join(parts),)


def _describe_target_group(group: _Resource, *_: object) -> _Described:
    props = group.properties
    kind = str(props.get("TargetType", "instance"))
    title = " ".join(["Target group", *(str(props[p]) for p in ("Protocol", "Port") if p in props)])
    return title, (f"{'IP' if kind == 'ip' else kind} targets",)


def _describe_service(
    service: _Resource, folded: Sequence[_Resource], _: Mapping[Key, _Resource]
) -> _Described:
    props = service.properties
    lines = ["acceptance required" if props.get("AcceptanceRequired") else "accepts every request"]
    for item in folded:
        if item.type == "AWS::EC2::VPCEndpointServicePermissions":
            lines.append("allows " + _count(len(item.properties.get("AllowedPrincipals", [])), "principal"))
    if _literal(props.get("PrivateDnsName")):
        lines.append(f"private DNS {props['PrivateDnsName']}")
    if props.get("SupportedRegions"):
        lines.append("cross-region: " + ", ".join(map(str, props["SupportedRegions"])))
    return "Endpoint service", tuple(lines)


def _describe_endpoint(endpoint: _Resource, *_: object) -> _Described:
    props = endpoint.properties
    lines = [name] if (name := _literal(props.get("ServiceName"))) else []
    dns = "on" if props.get("PrivateDnsEnabled") else "off"
    lines.append(f"{_count(len(props.get('SubnetIds', [])), 'subnet')} · private DNS {dns}")
    return f"{props.get('VpcEndpointType', 'Gateway')} endpoint", tuple(lines)


def _describe_zone(zone: _Resource, *_: object) -> _Described:
    name = str(zone.properties.get("Name", "")).rstrip(".")
    return ("Private hosted zone" if zone.properties.get("VPCs") else "Hosted zone"), (name,)


def _describe_security_group(
    group: _Resource, folded: Sequence[_Resource], resources: Mapping[Key, _Resource]
) -> _Described:
    rules = [("in", rule) for rule in group.properties.get("SecurityGroupIngress", [])]
    rules += [("out", rule) for rule in group.properties.get("SecurityGroupEgress", [])]
    kinds = {"AWS::EC2::SecurityGroupIngress": "in", "AWS::EC2::SecurityGroupEgress": "out"}
    rules += [(kinds[item.type], item.properties) for item in folded if item.type in kinds]
    texts = [text for way, rule in rules if (text := _rule(way, rule, group.key[0], resources))]
    return "Security group", tuple(texts) or ("no rules",)


def _rule(way: str, rule: Mapping[str, Json], stack: str, resources: Mapping[Key, _Resource]) -> str:
    """A security group rule in words; empty for aws-cdk-lib's "no traffic at all" placeholder."""
    peer = _literal(rule.get("CidrIp")) or _literal(rule.get("CidrIpv6"))
    if peer == "255.255.255.255/32":
        return ""
    for value in (rule.get("CidrIp"), rule.get("CidrIpv6")):
        if peer is None and isinstance(value, dict) and "Fn::GetAtt" in value:
            named = resources.get((stack, value["Fn::GetAtt"][0]))
            peer = "the VPC" if named is not None and named.type == "AWS::EC2::VPC" else None
    if peer is None:
        peer = (
            "a security group"
            if "SourceSecurityGroupId" in rule or "DestinationSecurityGroupId" in rule
            else "a peer"
        )
    protocol, low, high = str(rule.get("IpProtocol", "")).upper(), rule.get("FromPort"), rule.get("ToPort")
    ports = "traffic" if protocol == "-1" else str(low) if low == high else f"{low}-{high}"
    return f"{way} {'all' if protocol == '-1' else protocol} {ports} {'from' if way == 'in' else 'to'} {peer}"


def _describe_function(function: _Resource, *_: object) -> _Described:
    props = function.properties
    first = str(props.get("Runtime", ""))
    if props.get("ReservedConcurrentExecutions") is not None:
        first += f" · concurrency {props['ReservedConcurrentExecutions']}"
    return "Lambda function", (first, "in the VPC") if props.get("VpcConfig") else (first,)


def _describe_rule(rule: _Resource, *_: object) -> _Described:
    props = rule.properties
    if schedule := _literal(props.get("ScheduleExpression")):
        return "EventBridge schedule", (schedule,)
    pattern = props.get("EventPattern", {})
    sources = ", ".join(str(source).removeprefix("aws.").upper() for source in pattern.get("source", []))
    names = pattern.get("detail", {}).get("SourceIdentifier", [])
    return "EventBridge rule", (f"{sources} events" + (" of " + ", ".join(map(str, names)) if names else ""),)


def _describe_any(resource: _Resource, *_: object) -> _Described:
    props = resource.properties
    titles = {
        "AWS::SNS::Topic": "SNS topic",
        "AWS::SQS::Queue": "SQS queue",
        "AWS::CloudWatch::Alarm": "CloudWatch alarm",
    }
    lines = []
    if props.get("KmsMasterKeyId") or props.get("SqsManagedSseEnabled"):
        lines.append("encrypted")
    if "MetricName" in props:
        lines.append(str(props["MetricName"]))
    return titles.get(resource.type, resource.type.split("::")[-1]), tuple(lines)


_DESCRIBE: Mapping[str, _Describer] = {
    "AWS::EC2::VPC": _describe_vpc,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _describe_load_balancer,
    "AWS::ElasticLoadBalancingV2::TargetGroup": _describe_target_group,
    "AWS::EC2::VPCEndpointService": _describe_service,
    "AWS::EC2::VPCEndpoint": _describe_endpoint,
    "AWS::Route53::HostedZone": _describe_zone,
    "AWS::EC2::SecurityGroup": _describe_security_group,
    "AWS::Lambda::Function": _describe_function,
    "AWS::Events::Rule": _describe_rule,
}


def _link_label(link: _Resource) -> str:
    props = link.properties
    if link.type == "AWS::ElasticLoadBalancingV2::Listener":
        return f"listener {props.get('Protocol', '')} {props.get('Port', '')}"
    if link.type == "AWS::EC2::VPCEndpointConnectionNotification":
        return "connection events"
    if link.type == "AWS::Route53::RecordSet":
        return f"{props.get('Type', '')} {str(props.get('Name', '')).rstrip('.')}"
    if link.type in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
        return f"allows {str(props.get('IpProtocol', '')).upper()} {props.get('FromPort', '')}"
    if link.type == "AWS::Lambda::EventSourceMapping":
        return "triggers"
    return "subscription"


# ---------------------------------------------------------------------------------------------
# PNG, and the command line
# ---------------------------------------------------------------------------------------------

_HASH_KEY = b"svg-sha256"


def _png(svg: str) -> bytes:
    """The SVG rendered by resvg at 1.5 times its size, with the SVG's SHA-256 in a tEXt chunk."""
    resvg = importlib.import_module("resvg_py")  # only `make diagram` installs it
    image = bytes(resvg.svg_to_bytes(svg_string=svg, zoom=1.5, background="#ffffff"))
    data = _HASH_KEY + b"\0" + hashlib.sha256(svg.encode()).hexdigest().encode()
    chunk = struct.pack(">I", len(data)) + b"tEXt" + data + struct.pack(">I", zlib.crc32(b"tEXt" + data))
    after_header = 8 + 8 + 13 + 4  # the signature, then IHDR: length and type, data, CRC
    return image[:after_header] + chunk + image[after_header:]


def png_source_hash(png: bytes) -> str | None:
    """The SHA-256 of the SVG this script rendered ``png`` from, or None if it did not."""
    offset = 8
    while offset + 8 <= len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, data = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        if kind == b"tEXt" and data.startswith(_HASH_KEY + b"\0"):
            return data[len(_HASH_KEY) + 1 :].decode()
        offset += 12 + length
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Write docs/architecture.svg, and with ``--png`` docs/architecture.png."""
    parser = argparse.ArgumentParser(description="Draw what the default app builds.")
    parser.add_argument("--png", action="store_true", help="also render the PNG (needs the resvg-py wheel)")
    args = parser.parse_args(argv)
    svg = svg_of(build_default_app())
    SVG_PATH.parent.mkdir(exist_ok=True)
    SVG_PATH.write_text(svg, encoding="utf-8")
    written = [SVG_PATH]
    if args.png:
        PNG_PATH.write_bytes(_png(svg))
        written.append(PNG_PATH)
    print("wrote " + ", ".join(str(path.relative_to(ROOT)) for path in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
