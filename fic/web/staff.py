"""Staff pages: caseload, client course, alert inbox, team overview, reports.

Each view is an adapter: the access policy finds the object in the caller's scope (or it is
a 404), a dashboard service turns it into plain values, an audit row records the view.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton
from flask import Blueprint, Response, redirect, render_template, request, url_for

from fic import i18n, jobs
from fic.errors import InvalidRequest, NotFound
from fic.extensions import services
from fic.services.alerts import acknowledgements, labels
from fic.services.clients import by_staff
from fic.services.core.access import Actor
from fic.services.course import pages
from fic.services.reports import lifecycle as report_service
from fic.services.reports import requests
from fic.services.reports.periods import parse_period
from fic.services.staff import caseload as caseload_page
from fic.services.staff import inbox as alert_inbox
from fic.web.staff_session import deny, now, page_clinic, signed_in

bp = Blueprint("staff", __name__, url_prefix="/staff")


# How the staff pages show a moment, as Babel skeletons: the order, month names and weekday
# follow the page's language; "exact" (the audit trail) is the same in every language.
DATE_STYLES = {"datetime": "yMMMEd", "date": "yMMMd", "day": "yMMMEd"}


@bp.app_template_filter("local")
def local_time(value: datetime | None, tz: str = "UTC", style: str = "datetime") -> str:
    if value is None:
        return "—"
    moment = value.astimezone(ZoneInfo(tz))
    if style == "exact":
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    language = i18n.current()
    day = format_skeleton(DATE_STYLES[style], moment, locale=language)
    if style != "datetime":
        return day
    combined = str(Locale.parse(language).datetime_formats["medium"])  # e.g. "{1}, {0}"
    return combined.format(format_skeleton("Hm", moment, locale=language), day)


@bp.get("/")
@signed_in()
def home(actor: Actor):
    target = "staff_admin.staff_list" if actor.role == "admin" else "staff.caseload"
    return redirect(url_for(target), code=303)


@bp.get("/caseload")
@signed_in("caseload")
def caseload(actor: Actor):
    with services().db.session() as session:
        rows = caseload_page.caseload(session, actor, now())
        clinic = page_clinic(actor)
        assignable = by_staff.assignable(session, actor)
    return render_template("staff/caseload.html", actor=actor, clinic=clinic, rows=rows,
                           assignable=assignable)


@bp.get("/clients/<uuid:client_id>")
@signed_in("caseload")
def client_course(actor: Actor, client_id: uuid.UUID):
    svc = services()
    try:
        page = pages.course_page(svc.db, svc.keys, actor, client_id, now())
        roster = by_staff.roster_state(svc.db, actor, client_id)
    except NotFound:
        deny(actor, "client", client_id)
        raise
    rows = page.course.rows
    totals = [r.measures[0].total if r.measures else None for r in rows]
    return render_template("staff/course.html", actor=actor, clinic=page_clinic(actor),
                           ref=page.course.client_ref, rows=rows, episodes=page.course.episodes,
                           chart=page.alliance_chart, totals=totals, client_id=client_id,
                           wellbeing=page.wellbeing_chart, goals=page.course.goals,
                           live_goals=sum(1 for g in page.course.goals if g["live"]),
                           goal_chart=page.goals_chart, discharged=roster.discharged,
                           assignable=roster.assignable)


@bp.get("/alerts")
@signed_in("alerts")
def alerts(actor: Actor):
    done = request.args.get("show") == "done"
    with services().db.session() as session:
        rows = alert_inbox.inbox(session, actor, done)
        clinic = page_clinic(actor)
    return render_template("staff/alerts.html", actor=actor, clinic=clinic, rows=rows, done=done)


@bp.get("/alerts/<uuid:alert_id>")
@signed_in("alerts")
def alert(actor: Actor, alert_id: uuid.UUID):
    return _alert_page(actor, alert_id)


def _alert_page(actor: Actor, alert_id: uuid.UUID, error: str | None = None, status: int = 200):
    svc = services()
    try:
        page = pages.alert_page(svc.db, svc.keys, actor, alert_id, now())
    except NotFound:
        deny(actor, "alert", alert_id)
        raise
    return render_template(
        "staff/alert.html", actor=actor, clinic=page_clinic(actor), alert=page.alert,
        row=page.row, ref=page.client_ref, client_id=page.client_id, note=page.note,
        actions=labels.ACTION_TEXT, error=error, chosen=request.form.get("action"),
        typed_note=request.form.get("note", ""),
    ), status


@bp.post("/alerts/<uuid:alert_id>/acknowledge")
@signed_in("alerts")
def acknowledge(actor: Actor, alert_id: uuid.UUID):
    svc = services()
    at = now()
    action = request.form.get("action", "")
    if action not in acknowledgements.REPAIR_ACTIONS:
        return _alert_page(actor, alert_id, "Choose what you did about it.", 400)
    note = request.form.get("note", "")
    if action == "other" and not note.strip():
        return _alert_page(actor, alert_id, "Please say in the note what you did.", 400)
    try:
        acknowledgements.acknowledge(svc.db, svc.keys, alert_id, actor.staff_id, action, note,
                                     at, via="web")
    except NotFound:
        deny(actor, "alert", alert_id)
        raise
    except InvalidRequest as error:
        return _alert_page(actor, alert_id, error.problem, 400)
    return redirect(url_for("staff.alerts", acknowledged=str(alert_id)), code=303)


@bp.get("/team")
@signed_in("team")
def team(actor: Actor):
    with services().db.session() as session:
        rows = caseload_page.team(session, actor, now())
        clinic = page_clinic(actor)
    return render_template("staff/team.html", actor=actor, clinic=clinic, rows=rows)


@bp.get("/reports")
@signed_in("reports")
def reports(actor: Actor):
    items = report_service.reports_of(services().db, actor.staff_id)
    clinic = page_clinic(actor)
    today = now().date()
    return render_template("staff/reports.html", actor=actor, clinic=clinic, rows=items,
                           start=today - timedelta(days=28), end=today)


@bp.post("/reports")
@signed_in("reports")
def build_report(actor: Actor):
    """Ask for the supervisor's summary for a period; it is built on the reports queue."""
    svc = services()
    if actor.role != "supervisor":
        raise NotFound("not available to this role")
    try:
        period = parse_period(start=request.form.get("start", ""),
                              end=request.form.get("end", ""))
        requests.request_report(svc.db, requests.Owner(actor.staff_id), period,
                                publish=jobs.publish)
    except InvalidRequest as error:
        bad = "period" if error.field == "period" else "passphrase"
        return redirect(url_for("staff.reports", bad=bad), code=303)
    return redirect(url_for("staff.reports"), code=303)


@bp.get("/reports/<uuid:report_id>")
@signed_in("reports")
def report(actor: Actor, report_id: uuid.UUID):
    """Download a stored report: its owner only; the file stays passphrase-encrypted."""
    svc = services()
    try:
        pdf, file_name = report_service.download(svc.db, svc.keys, actor, report_id, now())
    except NotFound:
        deny(actor, "report", report_id)
        raise
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
