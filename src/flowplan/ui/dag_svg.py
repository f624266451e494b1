"""Server-rendered SVG of a laid-out DAG: levels left to right, one box per step coloured
by its status, curved edges labelled with the output names they carry.

Every piece of text (step ids, function names, output names) comes from user code and is
escaped; nodes link to their step panel, folded fan-outs to the expanded page.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from flowplan.ui.dag_layout import Layout, Node

#: Fill colour of a node by status (the legend and the CSS use the same table).
STATUS_COLOURS = {
    "completed": "#2f9e44",
    "cached": "#1c7ed6",
    "failed": "#e03131",
    "skipped": "#adb5bd",
    "stopped": "#f08c00",
    "running": "#fab005",
    "initializing": "#ffe066",
    "pending": "#ffffff",
}
_DARK_TEXT = {"skipped", "running", "initializing", "pending"}

NODE_W, NODE_H = 176, 40
COL_GAP, ROW_GAP = 96, 14
PAD = 24
_MAX_LABEL = 22


def _short(text: str, limit: int = _MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _position(node: Node, rows: int, level_sizes: dict[int, int]) -> tuple[int, int]:
    offset = (rows - level_sizes[node.level]) * (NODE_H + ROW_GAP) // 2
    return (
        PAD + node.level * (NODE_W + COL_GAP),
        PAD + offset + node.row * (NODE_H + ROW_GAP),
    )


def render_svg(layout: Layout, selected: str | None = None) -> str:
    """The whole ``<svg>`` element for ``layout``; ``selected`` is the step shown in the panel."""
    sizes: dict[int, int] = {}
    for node in layout.nodes:
        sizes[node.level] = sizes.get(node.level, 0) + 1
    where = {n.id: _position(n, layout.rows, sizes) for n in layout.nodes}
    out_degree: dict[str, int] = {}
    for edge in layout.edges:
        out_degree[edge.source] = out_degree.get(edge.source, 0) + 1
    width = 2 * PAD + max(layout.levels, 1) * (NODE_W + COL_GAP) - COL_GAP
    height = 2 * PAD + max(layout.rows, 1) * (NODE_H + ROW_GAP) - ROW_GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dag" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" data-width="{width}" '
        f'data-height="{height}" role="img" aria-label="pipeline DAG">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#868e96"/></marker></defs>',
    ]
    for edge in layout.edges:
        (sx, sy), (tx, ty) = where[edge.source], where[edge.target]
        x1, y1, x2, y2 = sx + NODE_W, sy + NODE_H // 2, tx, ty + NODE_H // 2
        bend = max(COL_GAP // 2, (x2 - x1) // 3)
        dashed = "" if edge.label else ' stroke-dasharray="4 3"'
        parts.append(
            f'<path class="edge" d="M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}" '
            f'fill="none" stroke="#868e96" stroke-width="1.3" marker-end="url(#arrow)"'
            f"{dashed}/>"
        )
        if edge.label:
            near_target = out_degree[edge.source] > 1
            lx, ly = (x2 - 6, y2 - 4) if near_target else (x1 + 6, y1 - 4)
            anchor = "end" if near_target else "start"
            parts.append(
                f'<text class="edge-label" x="{lx}" y="{ly}" text-anchor="{anchor}">'
                f"{escape(_short(edge.label, 18))}<title>{escape(edge.label)}</title></text>"
            )
    for node in layout.nodes:
        parts.append(_node_svg(node, *where[node.id], selected))
    parts.append("</svg>")
    return "".join(parts)


def _node_svg(node: Node, x: int, y: int, selected: str | None) -> str:
    colour = STATUS_COLOURS.get(node.status, "#ffffff")
    text_colour = "#212529" if node.status in _DARK_TEXT else "#ffffff"
    stroke = "#212529" if node.id == selected else "#495057"
    width = 3 if node.id == selected else 1
    dash = ' stroke-dasharray="5 3"' if node.status == "pending" else ""
    if node.members:
        href = "?expand=all"
        title = f"{node.step}: {len(node.members)} steps folded; click to show each"
        kind, data = "group", f' data-members="{len(node.members)}"'
        detail = ", ".join(f"{count} {status}" for status, count in sorted(node.counts.items()))
    else:
        href = f"?step={quote(node.id, safe='')}#step"
        title = f"{node.id} ({node.step}): {node.status}"
        kind, data = "node", f' data-step="{escape(node.id)}"'
        detail = node.status if node.step == node.id else f"{node.step} · {node.status}"
    return (
        f'<g class="{kind} status-{escape(node.status)}" data-status="{escape(node.status)}"'
        f'{data}><a href="{escape(href)}"><title>{escape(title)}</title>'
        f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" fill="{colour}" '
        f'stroke="{stroke}" stroke-width="{width}"{dash}/>'
        f'<text class="node-label" x="{x + 8}" y="{y + 16}" fill="{text_colour}">'
        f"{escape(_short(node.id))}</text>"
        f'<text class="node-detail" x="{x + 8}" y="{y + 31}" fill="{text_colour}">'
        f"{escape(_short(detail, 30))}</text></a></g>"
    )
