"""Lay out and draw a diagram of boxes, nodes and arrows as SVG, with no library: ``draw``.

The input (``Diagram``) knows nothing of CloudFormation; ``scripts/diagram.py`` derives it from
the app. The layout:

- boxes nest (stacks, then constructs); top-level boxes stand in rows, in the direction of the
  arrows between them; a top-level box's own nodes sit at the right of its title, and the boxes in
  it one under the other;
- inside a box, nodes and inner boxes stand in layers from left to right along the arrows
  (longest-path layers, cycles turned round, orders by the mean position of neighbours);
- a node ``attach``-ed to another (a security group to what it guards) hangs right under it;
- arrows are routed at right angles along a grid of free channels (the midlines between nodes
  and borders) by A*, with costs for bends, crossings, shared channels and sides, crossed box
  borders and runs along them; arrows sharing a channel are then moved apart; each label goes on
  the longest free stretch of its own arrow.

Everything is ordered and rounded the same way every time: the same diagram gives the same bytes.
Text is measured with DejaVu Sans's advance widths (``text_width``); the SVG names that font first.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal
from xml.sax.saxutils import escape

__all__ = [
    "FONT_FAMILY",
    "Box",
    "Diagram",
    "Edge",
    "Node",
    "Picture",
    "PlacedEdge",
    "Rect",
    "draw",
    "layout",
    "problems",
    "render",
    "text_width",
]

Style = Literal["flow", "attach"]


@dataclass(frozen=True)
class Box:
    """A box drawn around nodes: a stack, or a construct inside one."""

    id: str
    title: str
    subtitle: str
    """Smaller text beside (inner boxes) or under (top-level boxes) the title."""
    parent: str | None
    """The box this one is drawn in; None for a top-level box."""


@dataclass(frozen=True)
class Node:
    """A thing drawn as a rounded rectangle with a coloured edge."""

    id: str
    title: str
    lines: tuple[str, ...]
    """Smaller lines under the title."""
    family: str
    """Its colour: a key of ``COLOURS``."""
    box: str
    """The innermost box it is drawn in."""


@dataclass(frozen=True)
class Edge:
    """An arrow (``flow``), or a dashed line to a node that belongs to the source (``attach``)."""

    source: str
    target: str
    label: tuple[str, ...]
    """Its label, one entry per line before wrapping."""
    style: Style


@dataclass(frozen=True)
class Diagram:
    """What to draw; its order (boxes, nodes, edges) decides ties in the layout."""

    title: str
    """The SVG's title (read by screen readers)."""
    boxes: tuple[Box, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    notes: tuple[str, ...] = ()
    """Paragraphs of small print under the picture."""


COLOURS: Mapping[str, str] = {
    "network": "#8c4fff",
    "security": "#dd344c",
    "compute": "#ed7100",
    "integration": "#e7157b",
    "monitoring": "#3b7dd8",
}
"""Node colours by family, after the AWS architecture icons' categories."""

# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------

FONT_FAMILY = "'DejaVu Sans', Verdana, Geneva, sans-serif"
"""Text is measured for DejaVu Sans; Verdana is about as wide, Arial and Helvetica narrower."""

# Advance widths of the characters 32 to 126 in thousandths of an em, read from DejaVu Sans and
# DejaVu Sans Bold with fontTools. Other characters count as a full em unless listed in _OTHER.
_WIDTHS = {
    bold: tuple(int(width) for width in table.split())
    for bold, table in (
        (
            False,
            "318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636 636 636 "
            "636 636 636 636 337 337 838 838 838 531 1000 684 686 698 770 632 575 775 752 295 295 656 "
            "557 863 748 787 603 787 695 635 611 732 684 989 685 611 685 390 337 390 838 500 500 613 "
            "635 550 635 615 352 635 634 278 278 579 278 974 634 612 635 635 411 521 392 634 592 818 "
            "592 592 525 636 337 636 838",
        ),
        (
            True,
            "348 456 521 838 696 1002 872 306 457 457 523 838 380 415 380 365 696 696 696 696 696 696 "
            "696 696 696 696 400 400 838 838 838 580 1000 774 762 734 830 683 683 821 837 372 372 775 "
            "637 995 837 850 733 850 770 720 682 812 774 1103 771 724 725 457 365 457 838 500 500 675 "
            "716 593 716 678 435 716 712 343 343 665 343 1042 712 687 716 716 493 595 478 712 652 924 "
            "645 652 582 712 365 712 838",
        ),
    )
}
_OTHER = {"·": 318}


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of ``text`` set in DejaVu Sans at ``size`` pixels."""
    table = _WIDTHS[bold]
    total = sum(table[ord(char) - 32] if 32 <= ord(char) < 127 else _OTHER.get(char, 1000) for char in text)
    return total * size / 1000


def _wrap(text: str, size: float, width: float, *, bold: bool = False) -> list[str]:
    """``text`` broken after spaces into lines no wider than ``width`` (unless a word is wider)."""
    lines: list[str] = []
    for word in re.findall(r"\S+\s*", text):
        if lines and text_width(lines[-1] + word.rstrip(), size, bold=bold) <= width:
            lines[-1] += word
        else:
            lines.append(word)
    return [line.rstrip() for line in lines] or [""]


# ---------------------------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------------------------

TITLE_SIZE = 12.5
TEXT_SIZE = 11.0
LABEL_SIZE = 10.5
BOX_TITLE_SIZE = 13.0
TOP_TITLE_SIZE = 15.0
LINE = 1.4  # line height, in font sizes

NODE_PAD_X = 12.0
NODE_PAD_Y = 9.0
ACCENT = 5.0  # the coloured edge of a node
NODE_MIN_WIDTH = 150.0
NODE_MAX_TEXT = 210.0
LABEL_MAX_TEXT = 160.0
LAYER_GAP = 60.0
ROW_GAP = 28.0
ATTACHED_GAP = 30.0
BOX_PAD = 20.0
BOX_HEADER = 48.0  # leaves a channel for arrows between an inner box's title and its nodes
TOP_HEADER = 52.0
BOX_GAP = 24.0
TOP_GAP = 64.0
MARGIN = 24.0

# Routing: clearances and costs (in pixels of arrow length).
CLEAR = 11.0  # how far arrows keep from nodes
LANE = 8.0  # between arrows that share a channel
BEND = 28.0
CROSSING = 50.0
SHARED_CHANNEL = 2.0  # times the length, per arrow already there
SHARED_SIDE = 60.0  # per arrow already leaving (or arriving) on that side of the node
MIXED_SIDE = 600.0  # per arrow going the other way on that side: the two would read as one
VERTICAL_DEPARTURE = 150.0  # layers run left to right: arrows leave nodes sideways
BORDER = 20.0  # per box border crossed
HUG = 1.0  # times the length, for running closer than HUG_DISTANCE along a box border
HUG_DISTANCE = 14.0

Point = tuple[float, float]


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        """Its right edge."""
        return self.x + self.w

    @property
    def bottom(self) -> float:
        """Its bottom edge."""
        return self.y + self.h

    @property
    def cx(self) -> float:
        """Its horizontal centre."""
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        """Its vertical centre."""
        return self.y + self.h / 2

    def moved(self, dx: float, dy: float) -> Rect:
        """The same rectangle, shifted."""
        return Rect(self.x + dx, self.y + dy, self.w, self.h)

    def inflated(self, by: float) -> Rect:
        """The rectangle grown by ``by`` on every side."""
        return Rect(self.x - by, self.y - by, self.w + 2 * by, self.h + 2 * by)

    def union(self, other: Rect) -> Rect:
        """The smallest rectangle holding both."""
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Rect(x, y, max(self.right, other.right) - x, max(self.bottom, other.bottom) - y)

    def overlaps(self, other: Rect) -> bool:
        """Whether the interiors intersect."""
        return (
            self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom
        )

    def contains(self, other: Rect) -> bool:
        """Whether ``other`` lies inside (borders may touch)."""
        return (
            self.x <= other.x
            and other.right <= self.right
            and self.y <= other.y
            and other.bottom <= self.bottom
        )

    def cuts(self, a: Point, b: Point) -> bool:
        """Whether the axis-parallel segment ``a``-``b`` passes through the interior."""
        (x1, y1), (x2, y2) = a, b
        return (
            min(x1, x2) < self.right
            and self.x < max(x1, x2)
            and min(y1, y2) < self.bottom
            and self.y < max(y1, y2)
        )


@dataclass(frozen=True)
class PlacedEdge:
    """An edge with its route and its label's place."""

    edge: Edge
    points: tuple[Point, ...]
    label: tuple[str, ...]
    """The label's lines, wrapped."""
    label_rect: Rect | None


@dataclass(frozen=True)
class Picture:
    """A laid-out diagram: every rectangle and route, ready to render."""

    diagram: Diagram
    width: float
    height: float
    boxes: Mapping[str, Rect]
    nodes: Mapping[str, Rect]
    texts: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]
    """Each node's title and lines, wrapped."""
    attached: Mapping[str, str]
    """Nodes hanging under another: node -> the node it hangs under."""
    notes: tuple[str, ...]
    """The small print's lines, wrapped."""
    edges: tuple[PlacedEdge, ...] = ()

    def header(self, box: Box) -> Rect:
        """The area of a box's title: arrows and labels keep out of it."""
        rect = self.boxes[box.id]
        return Rect(rect.x + 10, rect.y + 7, _title_width(box) + 4, 42 if box.parent is None else 22)

    def edge_ends(self, placed: PlacedEdge) -> tuple[Rect, Rect]:
        """The rectangles of an edge's source and target."""
        return self.nodes[placed.edge.source], self.nodes[placed.edge.target]


def _title_width(box: Box) -> float:
    if box.parent is None:
        return max(text_width(box.title, TOP_TITLE_SIZE, bold=True), text_width(box.subtitle, TEXT_SIZE))
    return text_width(box.title, BOX_TITLE_SIZE, bold=True) + 8 + text_width(box.subtitle, TEXT_SIZE)


def _node_text(node: Node) -> tuple[tuple[str, ...], tuple[str, ...]]:
    title = _wrap(node.title, TITLE_SIZE, NODE_MAX_TEXT, bold=True)
    lines = [line for text in node.lines for line in _wrap(text, TEXT_SIZE, NODE_MAX_TEXT)]
    return tuple(title), tuple(lines)


def _node_size(title: Sequence[str], lines: Sequence[str]) -> tuple[float, float]:
    widths = [text_width(t, TITLE_SIZE, bold=True) for t in title] + [text_width(t, TEXT_SIZE) for t in lines]
    width = max(NODE_MIN_WIDTH, max(widths) + 2 * NODE_PAD_X + ACCENT)
    height = 2 * NODE_PAD_Y + len(title) * TITLE_SIZE * LINE + len(lines) * TEXT_SIZE * LINE
    return round(width), round(height)


def _label_lines(edge: Edge) -> tuple[str, ...]:
    return tuple(line for text in edge.label for line in _wrap(text, LABEL_SIZE, LABEL_MAX_TEXT))


def _label_size(lines: Sequence[str]) -> tuple[float, float]:
    if not lines:
        return 0.0, 0.0
    return max(text_width(line, LABEL_SIZE) for line in lines) + 8, len(lines) * LABEL_SIZE * LINE + 3


# ---------------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """A laid-out piece: its size, and the rectangles it holds, relative to its top left corner."""

    w: float
    h: float
    rects: Mapping[str, Rect]
    anchor: float
    """The height of its main node's centre: neighbours in other layers line up on it."""

    def placed(self, dx: float, dy: float) -> dict[str, Rect]:
        return {key: rect.moved(dx, dy) for key, rect in self.rects.items()}


class _Layout:
    def __init__(self, diagram: Diagram) -> None:
        self.diagram = diagram
        self.nodes = {node.id: node for node in diagram.nodes}
        self.texts = {node.id: _node_text(node) for node in diagram.nodes}
        self.sizes = {key: _node_size(*text) for key, text in self.texts.items()}
        self.parent = {box.id: box.parent for box in diagram.boxes}
        self.flows = [edge for edge in diagram.edges if edge.style == "flow"]
        # A node hangs under the first node in its own box that it is attached to.
        self.hanging: dict[str, list[str]] = defaultdict(list)
        self.attached: dict[str, str] = {}
        for edge in diagram.edges:
            source, target = self.nodes[edge.source], self.nodes[edge.target]
            if (
                edge.style == "attach"
                and source.box == target.box
                and target.id not in self.attached
                and target.id not in self.hanging
                and source.id not in self.attached
            ):
                self.hanging[source.id].append(target.id)
                self.attached[target.id] = source.id

    def _chain(self, box_id: str) -> list[str]:
        """The box and every box around it, innermost first."""
        chain = [box_id]
        while (parent := self.parent[chain[-1]]) is not None:
            chain.append(parent)
        return chain

    def _item_in(self, box_id: str, node_id: str) -> str | None:
        """What stands for ``node_id`` among the items of ``box_id``: itself, its host, or a box."""
        node = self.nodes[node_id]
        if node.box == box_id:
            return self.attached.get(node_id, node_id)
        chain = self._chain(node.box)
        return chain[chain.index(box_id) - 1] if box_id in chain else None

    def box_block(self, box: Box) -> _Block:
        """A box with all it holds."""
        children = [child for child in self.diagram.boxes if child.parent == box.id]
        own = [node for node in self.diagram.nodes if node.box == box.id and node.id not in self.attached]
        if box.parent is not None:
            content = self._layers(box, own, children)
            return _Block(
                max(content.w, _title_width(box)) + 2 * BOX_PAD,
                BOX_HEADER + content.h + BOX_PAD,
                {key: rect.moved(BOX_PAD, BOX_HEADER) for key, rect in content.rects.items()},
                BOX_HEADER + content.anchor,
            )
        # A top-level box: its own nodes at the right of its title, then its boxes one under another.
        top = self._layers(box, own, [])
        blocks = [self.box_block(child) for child in children]
        width = max([_title_width(box) + (top.w + BOX_PAD if top.rects else 0)] + [b.w for b in blocks])
        header = max(TOP_HEADER, top.h + BOX_PAD)
        rects = top.placed(BOX_PAD + width - top.w, BOX_PAD / 2)
        y = header
        for child, block in zip(children, blocks, strict=True):
            rects.update(block.placed(BOX_PAD, y))
            rects[child.id] = Rect(BOX_PAD, y, width, block.h)
            y += block.h + BOX_GAP
        return _Block(width + 2 * BOX_PAD, y - (BOX_GAP if blocks else 0) + BOX_PAD, rects, header / 2)

    def _node_block(self, node: Node) -> _Block:
        """A node with the nodes hanging under it, centred on one another."""
        w, h = self.sizes[node.id]
        stack = [(node.id, w, h)] + [(key, *self.sizes[key]) for key in self.hanging.get(node.id, [])]
        width = max(item[1] for item in stack)
        rects = {}
        y = 0.0
        for key, item_w, item_h in stack:
            rects[key] = Rect((width - item_w) / 2, y, item_w, item_h)
            y += item_h + ATTACHED_GAP
        return _Block(width, y - ATTACHED_GAP, rects, h / 2)

    def _layers(self, box: Box, nodes: Sequence[Node], children: Sequence[Box]) -> _Block:
        """Nodes and inner boxes in layers from left to right, along the arrows between them."""
        blocks = {node.id: self._node_block(node) for node in nodes}
        blocks.update({child.id: self.box_block(child) for child in children})
        if not blocks:
            return _Block(0, 0, {}, 0)
        links: list[tuple[str, str, float]] = []
        for edge in self.flows:
            source, target = self._item_in(box.id, edge.source), self._item_in(box.id, edge.target)
            if source in blocks and target in blocks and source != target:
                links.append((source, target, _label_size(_label_lines(edge))[0]))
        pairs = [(source, target) for source, target, _ in links]
        rank = _ranks(list(blocks), pairs)
        layers: list[list[str]] = [[] for _ in range(max(rank.values()) + 1)]
        for item in blocks:
            layers[rank[item]].append(item)
        _order(layers, pairs)
        gaps = [LAYER_GAP] * len(layers)
        for source, target, label in links:  # room for the labels of arrows to the next layer
            low, high = sorted((rank[source], rank[target]))
            if high == low + 1:
                gaps[low] = max(gaps[low], label + 2 * CLEAR + 16)
        rects: dict[str, Rect] = {}
        anchors: dict[str, float] = {}
        x = 0.0
        for index, layer in enumerate(layers):
            column = max(blocks[item].w for item in layer)
            bottom = -ROW_GAP
            for item in layer:
                block = blocks[item]
                near = [anchors[s] for s, t in pairs if t == item and s in anchors]
                near += [anchors[t] for s, t in pairs if s == item and t in anchors]
                y = max(sum(near) / len(near) - block.anchor if near else 0.0, bottom + ROW_GAP)
                left = x + (column - block.w) / 2
                rects.update(block.placed(left, y))
                rects.setdefault(item, Rect(left, y, block.w, block.h))  # an inner box
                anchors[item] = y + block.anchor
                bottom = y + block.h
            x += column + gaps[index]
        top = min(rect.y for rect in rects.values())
        rects = {key: rect.moved(0, -top) for key, rect in rects.items()}
        height = max(rect.bottom for rect in rects.values())
        return _Block(x - gaps[-1], height, rects, anchors[layers[0][0]] - top)

    def picture(self) -> Picture:
        """Top-level boxes in rows along the arrows between them, all rows as wide as the widest."""
        tops = [box for box in self.diagram.boxes if box.parent is None]
        top_of = {node.id: self._chain(node.box)[-1] for node in self.diagram.nodes}
        pairs = [
            (top_of[e.source], top_of[e.target]) for e in self.flows if top_of[e.source] != top_of[e.target]
        ]
        rank = _ranks([box.id for box in tops], pairs)
        rows: list[list[tuple[Box, _Block]]] = [[] for _ in range(max(rank.values(), default=0) + 1)]
        for box in tops:
            rows[rank[box.id]].append((box, self.box_block(box)))
        width = max(sum(block.w for _, block in row) + TOP_GAP * (len(row) - 1) for row in rows)
        rects: dict[str, Rect] = {}
        y = MARGIN
        for row in rows:
            spare = (width - sum(block.w for _, block in row) - TOP_GAP * (len(row) - 1)) / len(row)
            height = max(block.h for _, block in row)
            x = MARGIN
            for box, block in row:
                rects.update(block.placed(x, y))
                rects[box.id] = Rect(x, y, block.w + spare, height)
                x += block.w + spare + TOP_GAP
            y += height + TOP_GAP
        notes = [line for note in self.diagram.notes for line in _wrap(note, LABEL_SIZE, width)]
        picture = Picture(
            diagram=self.diagram,
            width=width + 2 * MARGIN,
            height=y - TOP_GAP + MARGIN / 2 + len(notes) * LABEL_SIZE * LINE + MARGIN,
            boxes={box.id: rects[box.id] for box in self.diagram.boxes},
            nodes={node.id: rects[node.id] for node in self.diagram.nodes},
            texts=self.texts,
            attached=self.attached,
            notes=tuple(notes),
        )
        return replace(picture, edges=_Router(picture).edges())


def _ranks(items: Sequence[str], links: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layers of ``items``, after turning round the links that close a cycle."""
    acyclic = _acyclic(items, links)
    rank = dict.fromkeys(items, 0)
    for _ in items:
        changed = False
        for source, target in acyclic:
            if rank[target] < rank[source] + 1:
                rank[target] = rank[source] + 1
                changed = True
        if not changed:
            break
    return rank


def _acyclic(items: Sequence[str], links: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The links met depth first from ``items``, each one that closes a cycle turned round."""
    outgoing: dict[str, list[str]] = defaultdict(list)
    for source, target in links:
        if target not in outgoing[source]:
            outgoing[source].append(target)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    acyclic: list[tuple[str, str]] = []

    def visit(item: str) -> None:
        state[item] = 1
        for target in outgoing[item]:
            if state.get(target) == 1:
                acyclic.append((target, item))  # closes a cycle: counted the other way round
                continue
            acyclic.append((item, target))
            if target not in state:
                visit(target)
        state[item] = 2

    for item in items:
        if item not in state:
            visit(item)
    return acyclic


def _order(layers: list[list[str]], links: Sequence[tuple[str, str]]) -> None:
    """Sort each layer by the mean position of its neighbours in the layer before, then after."""
    for _ in range(2):
        for step in (1, -1):
            indexes = range(1, len(layers)) if step == 1 else range(len(layers) - 2, -1, -1)
            for index in indexes:
                position = {item: i for layer in layers for i, item in enumerate(layer)}
                near = set(layers[index - step])

                def key(item: str, near: set[str] = near, position: dict[str, int] = position) -> float:
                    around = [position[s] for s, t in links if t == item and s in near]
                    around += [position[t] for s, t in links if s == item and t in near]
                    return sum(around) / len(around) if around else position[item]

                layers[index].sort(key=key)


# ---------------------------------------------------------------------------------------------
# Routing
# ---------------------------------------------------------------------------------------------

_DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1))  # east, west, south, north; also the sides
_Side = tuple[str, int, bool]  # node, side, leaving
_Exit = tuple[int, float, Point, _Side]  # direction of travel, cost, port on the node, side
_State = tuple[int, int, int]  # grid column, grid row, direction of travel


class _Router:
    def __init__(self, picture: Picture) -> None:
        self.picture = picture
        # A node and the nodes hanging under it are one obstacle: nothing passes between them.
        groups: dict[str, Rect] = {}
        for key, rect in picture.nodes.items():
            host = picture.attached.get(key, key)
            groups[host] = groups[host].union(rect) if host in groups else rect
        self.obstacles = [rect.inflated(CLEAR) for rect in groups.values()]
        index = {host: k for k, host in enumerate(groups)}
        self.own = {key: index[picture.attached.get(key, key)] for key in picture.nodes}
        self.obstacles += [picture.header(box).inflated(4) for box in picture.diagram.boxes]
        # Channels: midway between neighbouring edges of obstacles and borders; and node centres.
        boxes = list(picture.boxes.values())
        self.xs = _midlines(
            [v for o in self.obstacles for v in (o.x, o.right)] + [v for b in boxes for v in (b.x, b.right)],
            picture.width,
            [rect.cx for rect in picture.nodes.values()],
        )
        self.ys = _midlines(
            [v for o in self.obstacles for v in (o.y, o.bottom)]
            + [v for b in boxes for v in (b.y, b.bottom)],
            picture.height,
            [rect.cy for rect in picture.nodes.values()],
        )
        xs, ys = self.xs, self.ys
        self.blocked = {
            (i, j)
            for o in self.obstacles
            for i in _between(xs, o.x, o.right)
            for j in _between(ys, o.y, o.bottom)
        }
        # Cost beyond length of each unit step (i, j, axis): from (i, j) east (0) or south (1).
        self.extra: dict[tuple[int, int, int], float] = defaultdict(float)
        for b in boxes:
            for axis, (low, high, across_low, across_high, lines, across) in enumerate(
                ((b.x, b.right, b.y, b.bottom, xs, ys), (b.y, b.bottom, b.x, b.right, ys, xs))
            ):
                # Steps along ``lines`` that cross the box's two borders across them...
                for border in (low, high):
                    k = bisect.bisect_left(lines, border)
                    if 0 < k < len(lines) and lines[k] != border:
                        for m in _between(across, across_low, across_high):
                            self.extra[(k - 1, m, 0) if axis == 0 else (m, k - 1, 1)] += BORDER
                # ...and steps that run within HUG_DISTANCE of the two borders along them.
                near = set(_between(across, across_low - HUG_DISTANCE, across_low + HUG_DISTANCE))
                near |= set(_between(across, across_high - HUG_DISTANCE, across_high + HUG_DISTANCE))
                first = max(0, bisect.bisect_right(lines, low) - 1)
                for k in range(first, min(bisect.bisect_left(lines, high), len(lines) - 1)):
                    for m in sorted(near):
                        self.extra[(k, m, 0) if axis == 0 else (m, k, 1)] += HUG * (lines[k + 1] - lines[k])
        self.used: dict[tuple[int, int, int], int] = defaultdict(int)  # arrows on each unit step
        self.through: dict[tuple[int, int], set[int]] = defaultdict(set)  # axes of arrows at a point
        self.sides: dict[_Side, int] = defaultdict(int)

    def edges(self) -> tuple[PlacedEdge, ...]:
        """Every edge routed and labelled: arrows first, shortest first."""
        nodes = self.picture.nodes
        edges = self.picture.diagram.edges

        def order(k: int) -> tuple[bool, float, int]:
            source, target = nodes[edges[k].source], nodes[edges[k].target]
            return edges[k].style != "flow", abs(source.cx - target.cx) + abs(source.cy - target.cy), k

        routes: dict[int, list[Point]] = {}
        for k in sorted(range(len(edges)), key=order):
            edge = edges[k]
            if self.picture.attached.get(edge.target) == edge.source:
                source, target = nodes[edge.source], nodes[edge.target]
                routes[k] = [(source.cx, source.bottom), (target.cx, target.y)]
            else:
                routes[k] = self._route(edge.source, edge.target)
        spread = _spread([routes[k] for k in range(len(edges))])
        placed = []
        labels: list[Rect] = []
        for edge, route in zip(edges, spread, strict=True):
            lines = _label_lines(edge)
            rect = self._label_place(lines, route, spread, labels) if lines else None
            if rect is not None:
                labels.append(rect)
            placed.append(PlacedEdge(edge, tuple(route), lines, rect))
        return tuple(placed)

    def _exits(self, node: str, leaving: bool) -> dict[tuple[int, int], list[_Exit]]:
        """The first free grid point outward from the middle of each side of a node."""
        rect = self.picture.nodes[node]
        i, j = self.xs.index(round(rect.cx, 1)), self.ys.index(round(rect.cy, 1))
        x, y = self.xs[i], self.ys[j]  # the centre, on the grid
        ports = ((rect.right, y), (rect.x, y), (x, rect.bottom), (x, rect.y))
        exits: dict[tuple[int, int], list[_Exit]] = defaultdict(list)
        for side, (dx, dy) in enumerate(_DIRECTIONS):
            port = ports[side]
            gi, gj = i, j
            while (
                0 <= gi < len(self.xs)
                and 0 <= gj < len(self.ys)
                and (
                    (gi, gj) in self.blocked
                    or (self.xs[gi] - port[0]) * dx + (self.ys[gj] - port[1]) * dy <= 0
                )
            ):
                gi, gj = gi + dx, gj + dy
            if not (0 <= gi < len(self.xs) and 0 <= gj < len(self.ys)):
                continue
            point = (self.xs[gi], self.ys[gj])
            if any(o.cuts(port, point) for k, o in enumerate(self.obstacles) if k != self.own[node]) or any(
                other.cuts(port, point) for key, other in self.picture.nodes.items() if key != node
            ):
                continue
            cost = abs(point[0] - port[0]) + abs(point[1] - port[1])
            cost += (
                SHARED_SIDE * self.sides[(node, side, leaving)]
                + MIXED_SIDE * self.sides[(node, side, not leaving)]
            )
            if leaving and side >= 2:
                cost += VERTICAL_DEPARTURE
            direction = side if leaving else side ^ 1  # arriving, one travels against the side
            exits[(gi, gj)].append((direction, cost, port, (node, side, leaving)))
        return exits

    def _route(self, source: str, target: str) -> list[Point]:
        """The cheapest route (A*) from a side of ``source`` to a side of ``target``."""
        starts, goals = self._exits(source, leaving=True), self._exits(target, leaving=False)
        goal_points = [(self.xs[i], self.ys[j]) for i, j in goals]
        counter = itertools.count()
        queue: list[tuple[float, float, int, _State, bool]] = []
        came: dict[_State, _State | None] = {}
        best: dict[_State, float] = {}

        def relax(state: _State, cost: float, previous: _State | None) -> None:
            """Queue ``state`` if ``cost`` is the cheapest way to it yet, with A*'s estimate of the rest."""
            if cost < best.get(state, float("inf")):
                best[state], came[state] = cost, previous
                i, j, _ = state
                rest = min(abs(self.xs[i] - x) + abs(self.ys[j] - y) for x, y in goal_points)
                heapq.heappush(queue, (cost + rest, cost, next(counter), state, False))

        for (i, j), options in starts.items():
            for direction, cost, _, _ in options:
                relax((i, j, direction), cost, None)
        while queue:
            _, cost, _, state, arrived = heapq.heappop(queue)
            if arrived:
                return self._finish(state, came, starts, goals)
            if cost > best.get(state, float("inf")):
                continue
            i, j, direction = state
            for arrive, extra, _, _ in goals.get((i, j), []):
                turn = 0.0 if arrive == direction else 2 * BEND if arrive == direction ^ 1 else BEND
                heapq.heappush(queue, (cost + extra + turn, cost + extra + turn, next(counter), state, True))
            for new_state, step in self._steps(state):
                relax(new_state, cost + step, state)
        nodes = self.picture.nodes  # no way round: a straight line, which problems() reports
        return [(nodes[source].cx, nodes[source].cy), (nodes[target].cx, nodes[target].cy)]

    def _steps(self, state: _State) -> Iterator[tuple[_State, float]]:
        """The states one grid step on from ``state`` (not back, not blocked), with the step's cost."""
        i, j, direction = state
        for new_direction, (dx, dy) in enumerate(_DIRECTIONS):
            ni, nj = i + dx, j + dy
            if (
                new_direction == direction ^ 1
                or not (0 <= ni < len(self.xs) and 0 <= nj < len(self.ys))
                or (ni, nj) in self.blocked
            ):
                continue
            axis = 0 if dy == 0 else 1
            step_key = (min(i, ni), min(j, nj), axis)
            length = abs(self.xs[ni] - self.xs[i]) + abs(self.ys[nj] - self.ys[j])
            step = length * (1 + SHARED_CHANNEL * self.used[step_key]) + self.extra[step_key]
            if 1 - axis in self.through[(ni, nj)] and axis not in self.through[(ni, nj)]:
                step += CROSSING
            if new_direction != direction:
                step += BEND
            yield (ni, nj, new_direction), step

    def _finish(
        self,
        end: _State,
        came: Mapping[_State, _State | None],
        starts: Mapping[tuple[int, int], list[_Exit]],
        goals: Mapping[tuple[int, int], list[_Exit]],
    ) -> list[Point]:
        """The route that ends in ``end``, recorded so that later routes avoid it."""
        path: list[_State] = []
        state: _State | None = end
        while state is not None:
            path.append(state)
            state = came[state]
        path.reverse()
        first, last = path[0], path[-1]
        start = next(option for option in starts[first[:2]] if option[0] == first[2])
        arrive = min(goals[last[:2]], key=lambda option: option[0] != last[2])
        self.sides[start[3]] += 1
        self.sides[arrive[3]] += 1
        for (i, j, _), (ni, nj, _) in itertools.pairwise(path):
            axis = 0 if j == nj else 1
            self.used[(min(i, ni), min(j, nj), axis)] += 1
            self.through[(i, j)].add(axis)
            self.through[(ni, nj)].add(axis)
        return _simplify([start[2], *((self.xs[i], self.ys[j]) for i, j, _ in path), arrive[2]])

    def _label_place(
        self,
        lines: Sequence[str],
        route: Sequence[Point],
        routes: Sequence[Sequence[Point]],
        labels: Sequence[Rect],
    ) -> Rect:
        """A place on the label's own route clear of nodes, titles, borders and other labels."""
        width, height = _label_size(lines)
        blockers = [rect.inflated(3) for rect in self.picture.nodes.values()] + list(labels)
        blockers += [self.picture.header(box) for box in self.picture.diagram.boxes]
        for box in self.picture.boxes.values():  # a label across a border reads badly
            blockers += [
                Rect(box.x - 2, box.y - 2, box.w + 4, 4),
                Rect(box.x - 2, box.bottom - 2, box.w + 4, 4),
                Rect(box.x - 2, box.y - 2, 4, box.h + 4),
                Rect(box.right - 2, box.y - 2, 4, box.h + 4),
            ]
        segments = sorted(
            itertools.pairwise(route), key=lambda s: -abs(s[1][0] - s[0][0]) - abs(s[1][1] - s[0][1])
        )
        best: tuple[float, Rect] | None = None
        for a, b in segments:
            horizontal = a[1] == b[1]
            length = abs(b[0] - a[0]) + abs(b[1] - a[1])
            if length < (width if horizontal else height) + 10:
                continue
            for fraction, side in itertools.product((0.5, 0.3, 0.7, 0.15, 0.85), (1, -1)):
                if horizontal and side < 0:
                    continue
                x, y = a[0] + (b[0] - a[0]) * fraction, a[1] + (b[1] - a[1]) * fraction
                # On a horizontal run, over the line; beside a vertical one, right or else left.
                left = x - width / 2 if horizontal else (x + 4 if side > 0 else x - 4 - width)
                rect = Rect(left, y - height / 2, width, height)
                if any(rect.overlaps(blocker) for blocker in blockers):
                    continue
                crossings = sum(
                    rect.cuts(p, q)
                    for other in routes
                    if other is not route
                    for p, q in itertools.pairwise(other)
                )
                score = crossings * 1000 - length
                if best is None or score < best[0]:
                    best = (score, rect)
        if best is not None:
            return best[1]
        a, b = segments[0]  # nowhere free: the middle of the longest run, which problems() reports
        return Rect((a[0] + b[0] - width) / 2, (a[1] + b[1] - height) / 2, width, height)


def _between(values: Sequence[float], low: float, high: float) -> range:
    """The indexes of the sorted ``values`` strictly between ``low`` and ``high``."""
    return range(bisect.bisect_right(values, low), bisect.bisect_left(values, high))


def _midlines(edges: Sequence[float], size: float, extra: Sequence[float]) -> list[float]:
    values = sorted({0.0, size, *edges})
    middles = {round((a + b) / 2, 1) for a, b in itertools.pairwise(values) if b - a > 1}
    return sorted(middles | {round(v, 1) for v in extra})


def _simplify(points: Sequence[Point]) -> list[Point]:
    """The route without repeated points and without points in the middle of a straight run."""
    result: list[Point] = []
    for point in points:
        if result and result[-1] == point:
            continue
        if len(result) >= 2:
            (x1, y1), (x2, y2) = result[-2], result[-1]
            if x1 == x2 == point[0] or y1 == y2 == point[1]:
                result[-1] = point
                continue
        result.append(point)
    return result


def _spread(routes: Sequence[list[Point]]) -> list[list[Point]]:
    """Move apart, ``LANE`` by ``LANE``, the runs of different routes that lie on one line."""
    routes = [list(route) for route in routes]
    runs: dict[tuple[int, float], list[tuple[float, float, int, int]]] = defaultdict(list)
    for r, route in enumerate(routes):
        for s, (a, b) in enumerate(itertools.pairwise(route)):
            axis = 0 if a[1] == b[1] else 1  # 0: a horizontal run at a[1]; 1: a vertical one at a[0]
            low, high = sorted((a[axis], b[axis]))
            runs[(axis, a[1 - axis])].append((low, high, r, s))
    shifts: dict[tuple[int, int], tuple[int, float]] = {}
    for (axis, _), members in sorted(runs.items()):
        members.sort()
        cluster: list[tuple[float, float, int, int]] = []
        reach = -float("inf")
        for member in [*members, (float("inf"), float("inf"), -1, -1)]:
            if cluster and member[0] >= reach:  # the cluster is complete: give each route a lane
                owners = sorted({m[2] for m in cluster})
                if len(owners) > 1:
                    for _, _, r, s in cluster:
                        shifts[(r, s)] = (axis, (owners.index(r) - (len(owners) - 1) / 2) * LANE)
                cluster, reach = [], -float("inf")
            cluster.append(member)
            reach = max(reach, member[1])
    for (r, s), (axis, offset) in sorted(shifts.items()):
        for k in (s, s + 1):
            x, y = routes[r][k]
            routes[r][k] = (x, y + offset) if axis == 0 else (x + offset, y)
    return routes


def layout(diagram: Diagram) -> Picture:
    """Place every box, node, arrow and label of ``diagram``."""
    return _Layout(diagram).picture()


def problems(picture: Picture) -> list[str]:
    """What is wrong with a layout: overlaps, arrows through nodes, things outside their box."""
    found = _node_problems(picture) + _box_problems(picture)
    headers = [picture.header(box) for box in picture.diagram.boxes]
    labels = [placed.label_rect for placed in picture.edges if placed.label_rect is not None]
    for placed in picture.edges:
        found += _arrow_problems(picture, placed, headers)
        found += _label_problems(picture, placed, headers, labels)
    return found


def _node_problems(picture: Picture) -> list[str]:
    """Nodes that overlap, and nodes outside their box."""
    found = []
    for a, b in itertools.combinations(picture.nodes, 2):
        if picture.nodes[a].overlaps(picture.nodes[b]):
            found.append(f"nodes {a} and {b} overlap")
    for node in picture.diagram.nodes:
        if not picture.boxes[node.box].contains(picture.nodes[node.id]):
            found.append(f"node {node.id} is outside its box {node.box}")
    return found


def _box_problems(picture: Picture) -> list[str]:
    """Boxes outside the box they are drawn in, and boxes that overlap a sibling."""
    found = []
    for box in picture.diagram.boxes:
        if box.parent is not None and not picture.boxes[box.parent].contains(picture.boxes[box.id]):
            found.append(f"box {box.id} is outside its box {box.parent}")
        siblings = [other for other in picture.diagram.boxes if other.parent == box.parent and other != box]
        found += [
            f"boxes {box.id} and {o.id} overlap"
            for o in siblings
            if picture.boxes[box.id].overlaps(picture.boxes[o.id])
        ]
    return found


def _arrow_problems(picture: Picture, placed: PlacedEdge, headers: Sequence[Rect]) -> list[str]:
    """An arrow's route: loose ends, slanted runs, runs through nodes or box titles."""
    found = []
    name = _arrow_name(placed)
    source, target = picture.edge_ends(placed)
    if not (_on_border(placed.points[0], source) and _on_border(placed.points[-1], target)):
        found.append(f"arrow {name} does not start and end on its nodes")
    for p, q in itertools.pairwise(placed.points):
        if p[0] != q[0] and p[1] != q[1]:
            found.append(f"arrow {name} has a slanted run")
        for key, rect in picture.nodes.items():
            if rect.cuts(p, q):
                found.append(f"arrow {name} passes through node {key}")
        if any(header.cuts(p, q) for header in headers):
            found.append(f"arrow {name} passes through a box title")
    return found


def _label_problems(
    picture: Picture, placed: PlacedEdge, headers: Sequence[Rect], labels: Sequence[Rect]
) -> list[str]:
    """An arrow's label covering a node, a box title or another label (``labels`` holds its own)."""
    rect = placed.label_rect
    if rect is None:
        return []
    found = []
    name = _arrow_name(placed)
    if any(rect.overlaps(node.inflated(2)) for node in picture.nodes.values()):
        found.append(f"label of {name} covers a node")
    if any(rect.overlaps(header) for header in headers):
        found.append(f"label of {name} covers a box title")
    if sum(rect.overlaps(other) for other in labels) > 1:
        found.append(f"label of {name} covers another label")
    return found


def _arrow_name(placed: PlacedEdge) -> str:
    """How problems name an arrow: ``source -> target``."""
    return f"{placed.edge.source} -> {placed.edge.target}"


def _on_border(point: Point, rect: Rect) -> bool:
    x, y = point
    on_x = rect.x - 0.05 <= x <= rect.right + 0.05
    on_y = rect.y - 0.05 <= y <= rect.bottom + 0.05
    return (
        on_x
        and on_y
        and min(abs(x - rect.x), abs(x - rect.right), abs(y - rect.y), abs(y - rect.bottom)) < 0.05
    )


# ---------------------------------------------------------------------------------------------
# SVG
# ---------------------------------------------------------------------------------------------

_INK = "#1f2328"
_MUTED = "#59636e"
_ARROW = "#59636e"
_BETWEEN_TOPS = "#8250df"  # arrows between top-level boxes (the link between stacks)
_BORDER = "#d1d9e0"
_INNER = "#0969da"


def _n(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text(x: float, y: float, text: str, size: float, fill: str, *, bold: bool = False) -> str:  # noqa: PLR0913 - one SVG text element: position, text, size, colour
    weight = ' font-weight="bold"' if bold else ""
    return f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}"{weight} fill="{fill}">{escape(text)}</text>'


def _rect(rect: Rect, radius: float, attributes: str) -> str:
    return (
        f'<rect x="{_n(rect.x)}" y="{_n(rect.y)}" width="{_n(rect.w)}" height="{_n(rect.h)}" '
        f'rx="{_n(radius)}" {attributes}/>'
    )


def render(picture: Picture) -> str:
    """The picture as an SVG document."""
    diagram = picture.diagram
    boxes = {box.id: box for box in diagram.boxes}
    top_of: dict[str, str] = {}
    for node in diagram.nodes:
        box = boxes[node.box]
        while box.parent is not None:
            box = boxes[box.parent]
        top_of[node.id] = box.id
    size = f'width="{_n(picture.width)}" height="{_n(picture.height)}"'
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" {size} '
        f'viewBox="0 0 {_n(picture.width)} {_n(picture.height)}" font-family="{FONT_FAMILY}" role="img">',
        f"<title>{escape(diagram.title)}</title>",
        "<defs>",
        *(
            f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="{marker}" '
            f'markerHeight="{marker}" orient="auto-start-reverse">'
            f'<path d="M0,1 L10,5 L0,9 z" fill="{colour}"/></marker>'
            for name, colour, marker in (("arrow", _ARROW, 7), ("between", _BETWEEN_TOPS, 6))
        ),
        "</defs>",
        f'<rect {size} fill="#ffffff"/>',
    ]
    for box in diagram.boxes:
        out += _box(box, picture.boxes[box.id], boxes)
    out += [_arrow(placed, top_of) for placed in picture.edges]
    for node in diagram.nodes:
        out += _node(picture.nodes[node.id], *picture.texts[node.id], COLOURS[node.family])
    for placed in picture.edges:
        out += _label(placed)
    for k, line in enumerate(picture.notes):
        y = picture.height - MARGIN - (len(picture.notes) - 1 - k) * LABEL_SIZE * LINE
        out.append(_text(MARGIN, y, line, LABEL_SIZE, _MUTED))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _box(box: Box, rect: Rect, boxes: Mapping[str, Box]) -> list[str]:
    """A box and its titles: grey for a top-level box, blue-edged for one inside another."""
    if box.parent is None:
        return [
            _rect(rect, 10, f'fill="#f6f8fa" stroke="{_BORDER}"'),
            _text(rect.x + 14, rect.y + 23, box.title, TOP_TITLE_SIZE, _INK, bold=True),
            _text(rect.x + 14, rect.y + 41, box.subtitle, TEXT_SIZE, _MUTED),
        ]
    fill = "#f5f9ff" if boxes[box.parent].parent is None else "#ffffff"
    title = text_width(box.title, BOX_TITLE_SIZE, bold=True)
    return [
        _rect(rect, 8, f'fill="{fill}" stroke="{_INNER}" stroke-opacity="0.55"'),
        _text(rect.x + 12, rect.y + 22, box.title, BOX_TITLE_SIZE, _INNER, bold=True),
        _text(rect.x + 20 + title, rect.y + 22, box.subtitle, TEXT_SIZE, _MUTED),
    ]


def _arrow(placed: PlacedEdge, top_of: Mapping[str, str]) -> str:
    """An edge's line: dashed for ``attach``, bold between top-level boxes (``top_of`` a node's)."""
    edge = placed.edge
    path = "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in placed.points)
    if edge.style == "attach":
        style = 'stroke="#818b98" stroke-width="1.2" stroke-dasharray="4 3"'
    elif top_of[edge.source] != top_of[edge.target]:
        style = f'stroke="{_BETWEEN_TOPS}" stroke-width="2.4" marker-end="url(#between)"'
    else:
        style = f'stroke="{_ARROW}" stroke-width="1.4" marker-end="url(#arrow)"'
    return f'<path d="{path}" fill="none" {style}/>'


def _label(placed: PlacedEdge) -> list[str]:
    """An edge's label on a white ground; nothing for an edge without one."""
    rect = placed.label_rect
    if rect is None:
        return []
    return [
        _rect(rect, 3, 'fill="#ffffff" fill-opacity="0.9"'),
        *(
            _text(rect.x + 4, rect.y + 1.5 + LABEL_SIZE * (1.05 + k * LINE), line, LABEL_SIZE, _INK)
            for k, line in enumerate(placed.label)
        ),
    ]


def _node(rect: Rect, title: Sequence[str], lines: Sequence[str], colour: str) -> list[str]:
    r = 6.0
    out = [
        _rect(rect, r, f'fill="#ffffff" stroke="{_BORDER}"'),
        f'<path d="M{_n(rect.x + r)},{_n(rect.y)} H{_n(rect.x + ACCENT)} V{_n(rect.bottom)} '
        f"H{_n(rect.x + r)} A{_n(r)},{_n(r)} 0 0 1 {_n(rect.x)},{_n(rect.bottom - r)} V{_n(rect.y + r)} "
        f'A{_n(r)},{_n(r)} 0 0 1 {_n(rect.x + r)},{_n(rect.y)} Z" fill="{colour}"/>',
    ]
    x, y = rect.x + ACCENT + NODE_PAD_X, rect.y + NODE_PAD_Y
    for line in title:
        out.append(_text(x, y + TITLE_SIZE * 1.05, line, TITLE_SIZE, _INK, bold=True))
        y += TITLE_SIZE * LINE
    for line in lines:
        out.append(_text(x, y + TEXT_SIZE * 1.05, line, TEXT_SIZE, _MUTED))
        y += TEXT_SIZE * LINE
    return out


def draw(diagram: Diagram) -> str:
    """``diagram`` laid out and rendered as an SVG document."""
    return render(layout(diagram))
