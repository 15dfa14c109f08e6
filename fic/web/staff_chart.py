"""The client course page's charts, drawn by the shared chart module as data: URIs.

The page's CSP allows `img-src 'self' data:`; an SVG inside <img> runs no script, and the
charts use presentation attributes only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fic.instruments import load
from fic.reports import charts
from fic.services.staff.course import SessionRow


def alliance_chart(rows: Sequence[SessionRow], episodes: Sequence[Mapping[str, object]]) -> str:
    first = next((r.measures[0] for r in rows if r.measures), None)
    points = [(r.number, r.measures[0].total if r.measures else None) for r in rows]
    return charts.data_uri(charts.alliance_chart(
        points, first.cutoff or 0 if first else 0,
        ruptures=[e["opened"] for e in episodes if e["opened"]],  # type: ignore[misc]
        repairs=[e["closed"] for e in episodes if e["state"] == "repaired" and e["closed"]],  # type: ignore[misc]
        top_value=first.total_max if first else 40,
    ))


def wellbeing_chart(rows: Sequence[SessionRow]) -> str | None:
    """Only for clinics whose form carries the wellbeing check."""
    points = [(r.number, r.measures[1].total if len(r.measures) > 1 else None) for r in rows]
    if all(total is None for _, total in points):
        return None
    wellbeing = load("wellbeing")
    return charts.data_uri(charts.wellbeing_chart(
        points, wellbeing.cutoff or 0, wellbeing.reliable_change(), wellbeing.total_max))
