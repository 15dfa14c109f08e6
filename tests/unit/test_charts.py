"""The shared SVG charts: valid SVG, markers at the episodes, gaps where forms were missed."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

from fic.reports import charts

NS = {"svg": "http://www.w3.org/2000/svg"}


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it


def test_the_alliance_chart_marks_the_rupture_and_the_repair_at_their_sessions():
    points = [(1, 38.0), (2, 37.5), (3, 24.0), (4, 37.0)]
    root = _parse(charts.alliance_chart(points, cutoff=36, ruptures=[3], repairs=[4]))
    assert len(root.findall("svg:path[@class='rupture']", NS)) == 1
    [repair] = root.findall("svg:circle[@class='repair']", NS)
    frame = charts.Frame(1, 4, 40)
    assert float(repair.get("cx")) == round(frame.x(4), 1)
    assert float(repair.get("cy")) == round(frame.y(37.0), 1)


def test_a_missed_session_breaks_the_line_instead_of_drawing_a_dip():
    points = [(1, 30.0), (2, 31.0), (3, None), (4, 32.0), (5, 33.0)]
    root = _parse(charts.alliance_chart(points, cutoff=36))
    lines = root.findall("svg:polyline", NS)
    assert [len(line.get("points").split()) for line in lines] == [2, 2]


def test_the_cutoff_line_sits_at_the_cutoff_value():
    root = _parse(charts.alliance_chart([(1, 20.0), (2, 30.0)], cutoff=36))
    [cutoff] = root.findall("svg:line[@class='cutoff']", NS)
    assert float(cutoff.get("y1")) == round(charts.Frame(1, 2, 40).y(36), 1)


def test_the_wellbeing_chart_draws_the_reliable_change_band_around_intake():
    root = _parse(charts.wellbeing_chart([(1, 18.0), (2, 24.0)], cutoff=25, reliable_change=5))
    [band] = root.findall("svg:rect[@class='band']", NS)
    frame = charts.Frame(1, 2, 40)
    assert float(band.get("y")) == round(frame.y(23.0), 1)
    assert float(band.get("height")) == round(frame.y(13.0) - frame.y(23.0), 1)


def test_goal_lines_are_drawn_one_per_goal():
    goals = {"g1": [(1, 2.0), (2, 4.0)], "g2": [(1, 5.0), (2, 6.0)]}
    assert len(_parse(charts.goals_chart(goals)).findall("svg:polyline", NS)) == 2


def test_a_chart_with_a_single_session_still_renders():
    _parse(charts.alliance_chart([(1, 30.0)], cutoff=36))
    _parse(charts.alliance_chart([], cutoff=36))


def test_a_data_uri_round_trips_the_svg():
    svg = charts.alliance_chart([(1, 30.0), (2, 31.0)], cutoff=36)
    uri = charts.data_uri(svg)
    assert base64.b64decode(uri.removeprefix("data:image/svg+xml;base64,")).decode() == svg
