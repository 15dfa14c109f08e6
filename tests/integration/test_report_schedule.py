"""Reports on demand and on schedule: built once per supervisor and period, whatever fires twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from celery.contrib.testing.worker import start_worker
from sqlalchemy import func, select

from fic.services.reports import lifecycle
from fic.services.reports.periods import Period
from fic.storage.models import Clinic, Report, utcnow
from tests.flows import answers, new_session, set_up_clinic, submit_form


def _seed_last_week(app, clinic) -> None:
    api = app.test_client()
    for days_ago, score in ((9, 9.5), (8, 9.6)):
        url = new_session(api, clinic, "W-1", utcnow() - timedelta(days=days_ago))["feedback_url"]
        submit_form(app.test_client(), url, answers(score))


def _reports(app) -> list[Report]:
    with app.extensions["fic"].db.session() as session:
        return list(session.scalars(select(Report)))


def test_the_weekly_fan_out_builds_each_report_once_when_beat_fires_twice(
    worker_app, mail, redis_url, task_runs
):
    app = worker_app
    celery_app = app.extensions["celery"]
    clinic = set_up_clinic(app)
    # A Monday, 10:05 in Berlin: the clinic's report hour, whatever the hour CI runs at.
    traveller = time_machine.travel(datetime(2026, 11, 30, 9, 5, tzinfo=UTC), tick=True)
    traveller.start()
    try:
        _fan_out_twice(app, celery_app, clinic, mail, redis_url, task_runs)
    finally:
        traveller.stop()


def _fan_out_twice(app, celery_app, clinic, mail, redis_url, task_runs) -> None:
    local_now = utcnow().astimezone(ZoneInfo("Europe/Berlin"))
    with app.extensions["fic"].db.session() as session:
        row = session.scalar(select(Clinic))
        row.timezone, row.report_weekday, row.report_hour = (
            "Europe/Berlin", local_now.weekday(), local_now.hour)
    schedule = celery_app.tasks["fic.schedule_reports"]
    with start_worker(celery_app, pool="threads", concurrency=2, perform_ping_check=False,
                      queues=["celery", "reports"]):
        _seed_last_week(app, clinic)
        schedule.delay()
        schedule.delay()
        [message] = [m for m in mail.wait_for(1) if m["To"] == clinic.supervisor]
        task_runs.wait_idle(redis_url)  # nothing left that could build or send a second
    built = _reports(app)
    assert len(built) == 1 and built[0].status == "ready"
    assert built[0].period_label == Period.week_before(local_now.date()).label
    assert [m["To"] for m in mail.messages].count(clinic.supervisor) == 1
    text = message.get_content()
    assert f"/staff/reports/{built[0].id}" in text
    assert clinic.passphrase not in text and not list(message.iter_attachments())


def test_a_clinic_that_opts_in_gets_the_encrypted_pdf_attached(sqlite_app, mail):
    clinic = set_up_clinic(sqlite_app)
    with sqlite_app.extensions["fic"].db.session() as session:
        session.scalar(select(Clinic)).report_attach_pdf = True
    api = sqlite_app.test_client()
    response = api.post("/api/v1/reports", json={"supervisor": clinic.supervisor,
                                                  "period": "2026-W47"},
                        headers={"Authorization": f"Bearer {clinic.api_key}"})
    assert response.status_code == 202
    [message] = mail.wait_for(1)
    [attachment] = list(message.iter_attachments())
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF") and b"/Encrypt" in pdf


def test_the_report_api_builds_once_and_answers_within_the_clinic_only(sqlite_app, mail):
    ours = set_up_clinic(sqlite_app)
    theirs = set_up_clinic(sqlite_app, "Other Clinic")
    api = sqlite_app.test_client()

    def post(clinic, body):
        return api.post("/api/v1/reports", json=body,
                        headers={"Authorization": f"Bearer {clinic.api_key}"})

    first = post(ours, {"supervisor": ours.supervisor, "from": "2026-11-01", "to": "2026-11-07"})
    again = post(ours, {"supervisor": ours.supervisor, "from": "2026-11-01", "to": "2026-11-07"})
    assert first.status_code == 202 and again.status_code == 200
    assert first.get_json()["id"] == again.get_json()["id"]
    report_id = first.get_json()["id"]
    shown = api.get(f"/api/v1/reports/{report_id}",
                    headers={"Authorization": f"Bearer {ours.api_key}"})
    assert shown.status_code == 200 and shown.get_json()["status"] == "ready"
    hidden = api.get(f"/api/v1/reports/{report_id}",
                     headers={"Authorization": f"Bearer {theirs.api_key}"})
    assert hidden.status_code == 404
    assert post(theirs, {"supervisor": ours.supervisor, "period": "2026-W45"}).status_code == 422
    assert post(ours, {"supervisor": ours.supervisor, "period": "last week"}).status_code == 422
    with sqlite_app.extensions["fic"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 1


def test_reports_past_the_clinics_retention_lose_their_content(sqlite_app, mail):
    clinic = set_up_clinic(sqlite_app)
    services = sqlite_app.extensions["fic"]
    api = sqlite_app.test_client()
    api.post("/api/v1/reports", json={"supervisor": clinic.supervisor, "period": "2026-W40"},
             headers={"Authorization": f"Bearer {clinic.api_key}"})
    assert lifecycle.purge_expired(services.db, utcnow() + timedelta(days=364)) == 0
    assert lifecycle.purge_expired(services.db, utcnow() + timedelta(days=366)) == 1
    [row] = _reports(sqlite_app)
    assert row.status == "purged" and row.content_ct is None
