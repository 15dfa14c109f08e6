"""One report request use case: the page, the API and beat ask for last week's summary with
the same period rules, and it is built once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from fic import clock
from fic.errors import InvalidRequest
from fic.services.reports.periods import MAX_DAYS, parse_period
from fic.storage.models import Clinic, Outbox, Report
from tests.flows import set_up_clinic
from tests.staff_flows import make_account, post_form, signed_in_client

# A Monday, 10:05 in Berlin: the clinic's report hour, whatever the hour CI runs at.
MONDAY = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)
LAST_WEEK = ("2026-11-23", "2026-11-29")


@pytest.fixture
def at_report_hour(sqlite_app):
    with time_machine.travel(MONDAY, tick=True):
        clinic = set_up_clinic(sqlite_app)
        local = clock.now().astimezone(ZoneInfo("Europe/Berlin"))
        with sqlite_app.extensions["fic"].db.session() as session:
            row = session.scalar(select(Clinic))
            row.timezone, row.report_weekday, row.report_hour = (
                "Europe/Berlin", local.weekday(), local.hour)
        yield clinic


def _page(app, clinic, start: str, end: str):
    web = signed_in_client(app, clinic.supervisor, make_account(app, clinic.supervisor))
    return post_form(web, "/staff/reports", {"start": start, "end": end})


def _api(app, clinic, body: dict[str, str]):
    return app.test_client().post("/api/v1/reports", json={"supervisor": clinic.supervisor,
                                                           **body},
                                  headers={"Authorization": f"Bearer {clinic.api_key}"})


def _beat(app) -> None:
    from tasks.reports import schedule_reports

    with app.app_context():
        schedule_reports()


def _built(app) -> tuple[list[Report], int]:
    with app.extensions["fic"].db.session() as session:
        reports = list(session.scalars(select(Report)))
        jobs = session.scalars(select(Outbox).where(Outbox.task == "fic.build_report")).all()
        return reports, len(jobs)


def test_last_week_asked_for_by_beat_the_page_and_the_api_is_one_report_built_once(
    sqlite_app, at_report_hour, mail
):
    clinic = at_report_hour
    _beat(sqlite_app)
    page = _page(sqlite_app, clinic, *LAST_WEEK)
    assert page.status_code == 303 and "bad=" not in page.headers["Location"]
    api = _api(sqlite_app, clinic, {"period": "2026-W48"})
    same_dates = _api(sqlite_app, clinic, {"from": LAST_WEEK[0], "to": LAST_WEEK[1]})
    assert api.status_code == 200 and same_dates.status_code == 200
    reports, build_jobs = _built(sqlite_app)
    assert len(reports) == 1 and build_jobs == 1
    assert reports[0].status == "ready" and reports[0].period_label == "2026-W48"
    assert api.get_json()["id"] == same_dates.get_json()["id"] == str(reports[0].id)


@pytest.mark.parametrize(("start", "end"), [
    ("2025-01-01", "2026-01-03"),  # 367 days
    ("2026-11-29", "2026-11-23"),  # ends before it starts
    ("2026-11-23", "next sunday"),
])
def test_the_page_and_the_api_refuse_the_same_periods(sqlite_app, at_report_hour, start, end):
    clinic = at_report_hour
    page = _page(sqlite_app, clinic, start, end)
    assert page.status_code == 303 and "bad=period" in page.headers["Location"]
    api = _api(sqlite_app, clinic, {"from": start, "to": end})
    assert api.status_code == 422 and "period" in api.get_json()["fields"]
    assert _built(sqlite_app) == ([], 0)


def test_366_days_is_the_longest_period_and_a_whole_iso_week_is_that_week():
    start = date(2025, 11, 29)
    assert (parse_period(start=start, end=start + timedelta(days=MAX_DAYS)).end - start).days \
        == MAX_DAYS == 366
    with pytest.raises(InvalidRequest, match="^period: "):
        parse_period(start=start, end=start + timedelta(days=MAX_DAYS + 1))
    assert parse_period(start="2026-11-23", end="2026-11-29") == parse_period(week="2026-w48")
    assert parse_period(start="2026-11-24", end="2026-11-30").label == "2026-11-24..2026-11-30"
