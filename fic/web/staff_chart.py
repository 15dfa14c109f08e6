"""A small alliance chart for the client course page, as an SVG data: URI for an <img>.

Interim until the shared chart module (fic/reports/charts.py, issue 5) lands: the page's
CSP allows `img-src 'self' data:` and an SVG inside <img> runs no script, and the drawing
uses presentation attributes only (no style attribute, no <style>).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 200, 36, 12, 12, 28


def alliance_svg(totals: Sequence[float | None], top: float, cutoff: float | None) -> str:
    n = len(totals)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * (i / (n - 1)) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    for tick in (0, top / 2, top):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="#e3e3dc"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'fill="#5a6375">{tick:g}</text>')
    if cutoff is not None:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(cutoff):.1f}" '
                     f'y2="{y(cutoff):.1f}" stroke="#a4262c" stroke-dasharray="6 4"/>')
        parts.append(f'<text x="{WIDTH - RIGHT}" y="{y(cutoff) - 5:.1f}" text-anchor="end" '
                     f'fill="#a4262c">cutoff {cutoff:g}</text>')
    run: list[str] = []
    for i, total in enumerate(totals):
        if total is None:
            if len(run) > 1:
                parts.append(_line(run))
            run = []
            continue
        run.append(f"{x(i):.1f},{y(total):.1f}")
    if len(run) > 1:
        parts.append(_line(run))
    for i, total in enumerate(totals):
        label = f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="middle" fill="#5a6375">'
        parts.append(f"{label}{i + 1}</text>")
        if total is None:
            parts.append(f'<circle cx="{x(i):.1f}" cy="{HEIGHT - BOTTOM:.1f}" r="4" '
                         'fill="none" stroke="#9aa1ad"/>')
        else:
            below = cutoff is not None and total < cutoff
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(total):.1f}" r="5" '
                         f'fill="{"#a4262c" if below else "#2f5d8a"}"/>')
    parts.append("</svg>")
    return "data:image/svg+xml;charset=utf-8," + quote("".join(parts))


def _line(points: list[str]) -> str:
    return (f'<polyline points="{" ".join(points)}" fill="none" stroke="#2f5d8a" '
            'stroke-width="2.5"/>')
