"""A course's charts for the staff page and the reports, drawn from the one course model.

Each chart is scaled by the instrument the client answered (its total_max and cutoff), so an
installation's own instrument is drawn on its own scale. The charts are data: URIs: the
staff pages' CSP allows `img-src 'self' data:`, an SVG inside <img> runs no script, and
WeasyPrint draws an <img> faster than inline SVG.
"""

from __future__ import annotations

from fic.instruments import ALLIANCE, WELLBEING, load
from fic.reports import charts
from fic.services.course.model import CourseModel


def alliance_chart(course: CourseModel, empty: bool = False) -> str | None:
    """None when no session of the course has an alliance total, unless `empty` asks for the
    bare axes (a report draws them for a client who answered nothing yet)."""
    measure = course.measure(ALLIANCE)
    points = [(r.number, r.total(ALLIANCE)) for r in course.rows]
    if not empty and (measure is None or all(total is None for _, total in points)):
        return None
    shipped = load(ALLIANCE)
    return charts.data_uri(charts.alliance_chart(
        points, (measure.cutoff if measure else shipped.cutoff) or 0,
        ruptures=[int(str(e["opened"])) for e in course.episodes],
        repairs=[int(str(e["closed"])) for e in course.episodes
                 if e["state"] == "repaired" and e["closed"]],
        top_value=measure.total_max if measure else shipped.total_max,
    ))


def wellbeing_chart(course: CourseModel) -> str | None:
    """Only for clinics whose form carries the wellbeing check."""
    measure = course.measure(WELLBEING)
    points = [(r.number, r.total(WELLBEING)) for r in course.rows]
    if measure is None or all(total is None for _, total in points):
        return None
    instrument = load(WELLBEING)
    return charts.data_uri(charts.wellbeing_chart(
        points, measure.cutoff or 0, instrument.reliable_change(), measure.total_max))


def goals_chart(course: CourseModel) -> str | None:
    """One line per goal the client has rated (named Goal 1, 2, 3 in the picture)."""
    rated = {str(g["name"]): g["points"] for g in course.goals
             if any(v is not None for _, v in g["points"])}  # type: ignore[attr-defined]
    return charts.data_uri(charts.goals_chart(rated)) if rated else None  # type: ignore[arg-type]
