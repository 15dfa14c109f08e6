"""Small SVG line charts shared by the reports and the staff pages.

Charts take numbers only (session numbers and scores) and fixed captions, never client
text, so there is nothing to escape but our own labels. Few text nodes on purpose: SVG text
is the costliest thing WeasyPrint draws. `data_uri` embeds a chart as an <img> source, which
renders faster in WeasyPrint than inline SVG and is allowed by the staff pages' CSP.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

Point = tuple[int, float | None]

WIDTH, HEIGHT = 480, 150
LEFT, RIGHT, TOP, BOTTOM = 30, 8, 8, 20
INK, MUTED, ACCENT = "#1d2330", "#8a8f99", "#2f5d8a"
BAD, GOOD, BAND = "#a4262c", "#2e7d32", "#e8eef5"
GOAL_COLOURS = ("#2f5d8a", "#8a5a2f", "#3f7f4f")


@dataclass(frozen=True)
class Frame:
    """Maps session numbers and scores onto the drawing area."""

    first: int
    last: int
    top_value: float

    def x(self, number: int) -> float:
        span = max(1, self.last - self.first)
        return LEFT + (number - self.first) * (WIDTH - LEFT - RIGHT) / span

    def y(self, value: float) -> float:
        value = min(max(value, 0.0), self.top_value)
        return TOP + (1 - value / self.top_value) * (HEIGHT - TOP - BOTTOM)


def alliance_chart(points: Sequence[Point], cutoff: float, ruptures: Sequence[int] = (),
                   repairs: Sequence[int] = (), top_value: float = 40) -> str:
    """Alliance total per session, the concern cutoff, ▼ at ruptures and ● at repairs."""
    frame = _frame(points, top_value)
    parts = [_axes(frame), _hline(frame, cutoff, BAD, "cutoff")]
    parts += _line(frame, points, ACCENT)
    values = dict(points)
    for number in ruptures:
        if values.get(number) is not None:
            x, y = frame.x(number), frame.y(float(values[number] or 0))
            parts.append(f'<path class="rupture" d="M{x - 5:.1f},{y - 12:.1f} h10 l-5,8 z" '
                         f'fill="{BAD}"/>')
    for number in repairs:
        if values.get(number) is not None:
            x, y = frame.x(number), frame.y(float(values[number] or 0))
            parts.append(f'<circle class="repair" cx="{x:.1f}" cy="{y:.1f}" r="5" '
                         f'fill="none" stroke="{GOOD}" stroke-width="2"/>')
    return _svg("Alliance over sessions", parts)


def wellbeing_chart(points: Sequence[Point], cutoff: float, reliable_change: float,
                    top_value: float = 40) -> str:
    """Wellbeing total with the clinical cutoff and the reliable-change band around intake."""
    frame = _frame(points, top_value)
    parts = [_axes(frame)]
    intake = next((v for _, v in points if v is not None), None)
    if intake is not None:
        high = frame.y(min(top_value, intake + reliable_change))
        low = frame.y(max(0.0, intake - reliable_change))
        parts.append(f'<rect class="band" x="{LEFT}" y="{high:.1f}" width="{WIDTH - LEFT - RIGHT}"'
                     f' height="{low - high:.1f}" fill="{BAND}"/>')
    parts.append(_hline(frame, cutoff, BAD, "cutoff"))
    parts += _line(frame, points, ACCENT)
    return _svg("Wellbeing over sessions", parts)


def goals_chart(goals: Mapping[str, Sequence[Point]], top_value: float = 10) -> str:
    """One line per goal (0–10); goals are named by their position, never their wording."""
    every = [p for series in goals.values() for p in series]
    frame = _frame(every, top_value)
    parts = [_axes(frame)]
    for index, series in enumerate(goals.values()):
        parts += _line(frame, series, GOAL_COLOURS[index % len(GOAL_COLOURS)])
    return _svg("Goal progress over sessions", parts)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _frame(points: Sequence[Point], top_value: float) -> Frame:
    numbers = [n for n, _ in points] or [1]
    return Frame(min(numbers), max(max(numbers), min(numbers) + 1), top_value)


def _svg(title: str, parts: Sequence[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'width="{WIDTH}" height="{HEIGHT}" role="img"><title>{escape(title)}</title>'
            + "".join(parts) + "</svg>")


def _axes(frame: Frame) -> str:
    bottom = HEIGHT - BOTTOM
    labels = [
        _text(LEFT - 4, frame.y(frame.top_value) + 4, f"{frame.top_value:g}", "end"),
        _text(LEFT - 4, bottom + 1, "0", "end"),
        _text(frame.x(frame.first), HEIGHT - 5, str(frame.first), "middle"),
        _text(frame.x(frame.last), HEIGHT - 5, str(frame.last), "middle"),
    ]
    return (f'<path d="M{LEFT},{TOP} V{bottom} H{WIDTH - RIGHT}" fill="none" stroke="{MUTED}"'
            ' stroke-width="1"/>' + "".join(labels))


def _hline(frame: Frame, value: float, colour: str, name: str) -> str:
    y = frame.y(value)
    return (f'<line class="{name}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="1" stroke-dasharray="4 3"/>')


def _line(frame: Frame, points: Sequence[Point], colour: str) -> list[str]:
    """Segments between answered sessions; a missed session leaves a gap, not a dip."""
    parts, run = [], []
    for number, value in [*points, (0, None)]:
        if value is not None:
            run.append(f"{frame.x(number):.1f},{frame.y(value):.1f}")
            continue
        if len(run) > 1:
            parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                         'stroke-width="2"/>')
        parts += [f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="2.5" '
                  f'fill="{colour}"/>' for p in run]
        run = []
    return parts


def _text(x: float, y: float, label: str, anchor: str) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="9" fill="{INK}" '
            f'text-anchor="{anchor}" font-family="DejaVu Sans, sans-serif">{escape(label)}</text>')
