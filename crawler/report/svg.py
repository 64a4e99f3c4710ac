"""SVG drawn server-side for the report: day charts, a story's timeline, who copied whom.

Every text is escaped here; shapes carry classes and ``data-`` attributes (role, day, count) so
the page's style sheet colours them and tests can count them. No inline ``style``: the report's
Content-Security-Policy allows only its own style sheet.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any

# The roles of a sighting in a story, in legend order.
ROLES = ("original", "copy", "rewrite")
# Series colours of stacked charts, ten apart (one per event type); the last, grey, is "none".
PALETTE = (
    "#2563eb",
    "#d97706",
    "#059669",
    "#db2777",
    "#7c3aed",
    "#0891b2",
    "#65a30d",
    "#dc2626",
    "#92400e",
    "#475569",
    "#c4c8cf",
)


def esc(value: object) -> str:
    """Text or attribute value, HTML-escaped (quotes too)."""
    return escape(str(value), quote=True)


def parse_time(stamp: str) -> datetime:
    """A stored timestamp as an aware UTC datetime."""
    return datetime.fromisoformat(stamp).astimezone(UTC)


def short_time(stamp: str | None) -> str:
    """A stored timestamp to the minute, as the tables print it."""
    return stamp[:16].replace("T", " ") if stamp else ""


def day_chart(
    chart_id: str,
    items: Sequence[tuple[str, str]],
    label: str,
    series: Sequence[str] = (),
    grey: str | None = None,
) -> str:
    """A bar per day with stories, stacked by series: ``items`` are (day, series) pairs.

    Days without stories keep their slot on the axis, so gaps in the news show as gaps; the
    series ``grey`` (stories with none of the others) is drawn in grey.
    """
    counts = Counter(items)
    days = sorted({day for day, _ in items})
    if not days:
        return f'<p class="empty" id="{chart_id}">No stories to chart.</p>'
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    slots = [(first + timedelta(d)).isoformat() for d in range((last - first).days + 1)]
    totals = Counter(day for day, _ in items)
    top = _nice_ceiling(max(totals.values()))
    order = list(series) or sorted({s for _, s in items})
    colours = {name: PALETTE[i % (len(PALETTE) - 1)] for i, name in enumerate(order)}
    if grey is not None:
        colours[grey] = PALETTE[-1]
    width, left, bottom, top_pad = 760, 40, 30, 12
    keys = _chart_legend(colours, width - 10, left) if len(order) > 1 else []
    plot_w, plot_h = width - left - 10, 190
    height = top_pad + plot_h + bottom + 18 * len(keys)
    slot_w = plot_w / len(slots)
    bar_w = max(2.0, min(36.0, slot_w * 0.7))
    out = [
        f'<svg class="chart" id="{chart_id}" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{esc(label)}">',
        f"<title>{esc(label)}</title>",
    ]
    for tick in _ticks(top):
        y = top_pad + plot_h - tick / top * plot_h
        out.append(
            f'<line class="grid" x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    every = max(1, math.ceil(len(slots) / 12))  # at most a dozen day labels
    for i, day in enumerate(slots):
        x = left + i * slot_w + (slot_w - bar_w) / 2
        base = float(top_pad + plot_h)
        for name in order:
            count = counts.get((day, name), 0)
            if not count:
                continue
            h = count / top * plot_h
            base -= h
            out.append(
                f'<rect class="bar" x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{colours[name]}" data-day="{day}" '
                f'data-series="{esc(name)}" data-count="{count}">'
                f"<title>{day}: {count} {esc(name)}</title></rect>"
            )
        if i % every == 0:
            cx = left + i * slot_w + slot_w / 2
            out.append(
                f'<text class="axis" x="{cx:.1f}" y="{top_pad + plot_h + 16}" '
                f'text-anchor="middle">{day[5:]}</text>'
            )
    out.append(
        f'<line class="axis-line" x1="{left}" x2="{width - 10}" y1="{top_pad + plot_h}" '
        f'y2="{top_pad + plot_h}"/>'
    )
    for row, line in enumerate(keys):
        out.append(f'<g transform="translate(0 {top_pad + plot_h + bottom + 18 * row + 8})">')
        out.extend(line)
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def timeline(events: Sequence[dict[str, Any]]) -> str:
    """A story's sightings on a time axis, a row each; the mark's shape and colour tell the role."""
    if not events:
        return ""
    times = [parse_time(e["when"]) if e["when"] else None for e in events]
    known = [t for t in times if t]
    start = min(known) if known else datetime.now(UTC)
    end = max(known) if known else start
    if end - start < timedelta(hours=2):  # a lone sighting still gets a readable axis
        start, end = start - timedelta(hours=1), end + timedelta(hours=1)
    span = (end - start).total_seconds()
    width, left, right, head, row = 760, 200, 45, 34, 28
    height = head + row * len(events) + 10
    plot_w = width - left - right
    out = [
        f'<svg class="timeline" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="timeline of the story\'s sightings">',
    ]
    for tick in _time_ticks(start, end):
        x = left + (tick - start).total_seconds() / span * plot_w
        out.append(
            f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{head - 6}" y2="{height - 6}"/>'
            f'<text class="axis" x="{x:.1f}" y="{head - 12}" text-anchor="middle">'
            f"{_tick_label(tick, end - start)}</text>"
        )
    for i, (event, when) in enumerate(zip(events, times, strict=True)):
        y = head + row * i + row / 2
        x = left + ((when - start).total_seconds() / span * plot_w if when else 0)
        dated = "" if event["published"] else " undated"
        note = (
            f"published {short_time(event['published'])}"
            if event["published"]
            else (f"no publication time; first seen {short_time(event['first_seen'])}")
        )
        role = _role_text(event)
        out.append(
            f'<text class="label" x="{left - 12}" y="{y + 4:.1f}" text-anchor="end">'
            f"{esc(_clip(event['site'], 26))}</text>"
            f'<line class="lane" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<g class="mark role-{event["role"]}{dated}" data-role="{event["role"]}">'
            f"{_shape(event['role'], x, y, 7)}"
            f"<title>{esc(event['site'])}: {esc(role)}, {esc(note)}\n{esc(event['title'])}</title>"
            "</g>"
        )
    out.append("</svg>")
    return "\n".join(out)


def copy_graph(events: Sequence[dict[str, Any]]) -> str:
    """Who copied whom: a node per sighting, an edge from each copy to the original it copies
    and from each rewrite to the story's original."""
    nodes = graph_nodes(events)
    if not nodes:
        return ""
    columns: dict[int, list[dict[str, Any]]] = {}
    for node in nodes:
        columns.setdefault(node["column"], []).append(node)
    # The first publication's label sits left of it, the others' right: edges arrive from the right.
    width, first, gap, row, head = 880, 200, 240, 40, 30
    height = head + row * max(len(c) for c in columns.values()) + 10
    where: dict[int, tuple[float, float]] = {}
    for column, members in columns.items():
        offset = (height - head - row * len(members)) / 2  # centre each column
        for i, node in enumerate(members):
            where[node["index"]] = (first + column * gap, head + offset + row * i + row / 2)
    out = [
        f'<svg class="graph" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="who copied whom">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'class="arrowhead"/></marker></defs>',
    ]
    headings = ("first publication", "copies and rewrites", "copies of rewrites")
    out.extend(
        f'<text class="axis" x="{first + column * gap}" y="16" text-anchor="middle">'
        f"{headings[column]}</text>"
        for column in sorted(columns)
    )
    for node in nodes:
        if node["target"] is None:
            continue
        (x1, y1), (x2, y2) = where[node["index"]], where[node["target"]]
        length = math.hypot(x2 - x1, y2 - y1) or 1
        dx, dy = (x2 - x1) / length * 11, (y2 - y1) / length * 11  # stop at the node's rim
        out.append(
            f'<line class="edge edge-{node["event"]["role"]}" x1="{x1 + dx:.1f}" y1="{y1 + dy:.1f}" '
            f'x2="{x2 - dx:.1f}" y2="{y2 - dy:.1f}" marker-end="url(#arrow)" '
            f'data-from="{node["index"]}" data-to="{node["target"]}"/>'
        )
    for node in nodes:
        x, y = where[node["index"]]
        event = node["event"]
        side = f'x="{x - 16}" text-anchor="end"' if node["column"] == 0 else f'x="{x + 15}"'
        out.append(
            f'<g class="node role-{event["role"]}" data-role="{event["role"]}" '
            f'data-index="{node["index"]}">{_shape(event["role"], x, y, 9)}'
            f'<text class="label" {side} y="{y + 4:.1f}">'
            f"{esc(_clip(event['site'], 26))}</text>"
            f"<title>{esc(event['site'])}: {esc(_role_text(event))}\n{esc(event['title'])}</title>"
            "</g>"
        )
    out.append("</svg>")
    return "\n".join(out)


def graph_nodes(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each sighting as a node with its column and the node its edge points to.

    A copy points to its article's first publication (the original or a rewrite); a rewrite
    to the story's original. Column 0 holds the original, 1 what points to it, 2 copies of
    rewrites.
    """
    heads: dict[int, int] = {}
    for i, event in enumerate(events):
        if event["role"] != "copy":
            heads.setdefault(event["article_id"], i)
    story_original = next((i for i, e in enumerate(events) if e["role"] == "original"), None)
    nodes = []
    for i, event in enumerate(events):
        target: int | None
        if event["role"] == "copy":
            target = heads.get(event["article_id"])
        elif event["role"] == "rewrite":
            target = story_original
        else:
            target = None
        column = 0 if target is None else 2 if events[target]["role"] == "rewrite" else 1
        nodes.append({"index": i, "event": event, "target": target, "column": column})
    return nodes


def legend() -> str:
    """The role shapes, for the page above a timeline and a graph."""
    items = [
        '<svg class="legend-mark" viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">'
        f'<g class="mark role-{role}">{_shape(role, 10, 10, 7)}</g></svg> {role}'
        for role in ROLES
    ]
    return (
        '<p class="legend">'
        + " ".join(f"<span>{i}</span>" for i in items)
        + (" <span>hollow: no publication time stated, placed when first seen</span></p>")
    )


def _shape(role: str, x: float, y: float, r: float) -> str:
    """The mark of a role: a star-like diamond for the original, a circle, a square."""
    if role == "original":
        d = r * 1.35
        return f'<path d="M{x:.1f},{y - d:.1f} L{x + d:.1f},{y:.1f} L{x:.1f},{y + d:.1f} L{x - d:.1f},{y:.1f} z"/>'
    if role == "rewrite":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}"/>'


def _role_text(event: dict[str, Any]) -> str:
    """A sighting's role in words."""
    return f"copy of {event['copy_of']}" if event["role"] == "copy" else str(event["role"])


def _clip(text: str, size: int) -> str:
    """Text cut to a label's room."""
    return text if len(text) <= size else text[: size - 1] + "…"


def _chart_legend(colours: dict[str, str], right: float, left: float) -> list[list[str]]:
    """A stacked chart's legend, wrapped into rows that fit the chart's width."""
    rows: list[list[str]] = [[]]
    x = left
    for name, colour in colours.items():
        room = 24 + 6.5 * min(len(name), 24)
        if x + room > right and rows[-1]:
            rows.append([])
            x = left
        rows[-1].append(
            f'<rect class="key" x="{x:.0f}" y="-9" width="10" height="10" fill="{colour}"/>'
            f'<text class="axis" x="{x + 14:.0f}" y="0">{esc(_clip(name, 24))}</text>'
        )
        x += room
    return rows


def _nice_ceiling(value: int) -> int:
    """The axis top: the value rounded up to a round number (6, 8, 10, 15, 20, 30, ...)."""
    if value <= 5:
        return max(value, 1)
    power = 10 ** int(math.log10(value))
    return next(int(m * power) for m in (1, 1.5, 2, 3, 4, 5, 6, 8, 10) if m * power >= value)


def _ticks(top: int) -> list[int]:
    """Whole-number ticks from 0 to the top, at most six."""
    step = max(1, math.ceil(top / 5))
    return list(range(0, top + 1, step))


def _time_ticks(start: datetime, end: datetime) -> list[datetime]:
    """Round times across a span: hours, days or weeks, about six of them."""
    span = end - start
    steps = [timedelta(hours=h) for h in (1, 2, 3, 6, 12)] + [
        timedelta(days=d) for d in (1, 2, 7, 14, 30, 90)
    ]
    step = next((s for s in steps if span / s <= 7), steps[-1])
    if step < timedelta(days=1):
        hours = int(step.total_seconds() // 3600)
        tick = start.replace(minute=0, second=0, microsecond=0)
        tick += timedelta(hours=(-tick.hour) % hours)
    else:
        tick = start.replace(hour=0, minute=0, second=0, microsecond=0)
    ticks = []
    while tick <= end:
        if tick >= start:
            ticks.append(tick)
        tick += step
    return ticks


def _tick_label(tick: datetime, span: timedelta) -> str:
    """A tick's label: the time of day on short spans, the day on long ones."""
    if span <= timedelta(days=2):
        return tick.strftime("%d %b %H:%M")
    return tick.strftime("%d %b")
