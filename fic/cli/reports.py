"""`fic report` (one report to a file) and `fic reports build` (every supervisor's, for a week)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from fic import clock
from fic.errors import FicError, InvalidRequest
from fic.extensions import services
from fic.reports.render import ReportRenderer
from fic.services.core import audit
from fic.services.reports import lifecycle, requests
from fic.services.reports.periods import Period, parse_period

DAY = click.DateTime(["%Y-%m-%d"])


@click.command("report")
@click.option("--supervisor", "owner_email", required=True,
              help="Whose report (a clinician may own a client progress report).")
@click.option("--from", "start", type=DAY)
@click.option("--to", "end", type=DAY)
@click.option("--period", help="An ISO week such as 2026-W47, instead of --from/--to.")
@click.option("--client", "client_ref", help="A client progress report for this client_ref.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def report(owner_email: str, start: datetime | None, end: datetime | None, period: str | None,
           client_ref: str | None, out: Path) -> None:
    """Build (or fetch, if built already) one AES-256 encrypted report and write it to OUT."""
    svc = services()
    try:
        chosen = _period(start, end, period, client_ref)
        asked = requests.request_report(svc.db, requests.Owner(email=owner_email), chosen,
                                        client_ref)
        report_id = asked.id
        if asked.needed:
            lifecycle.build(svc.db, svc.keys, svc.settings, ReportRenderer(), report_id)
        pdf = lifecycle.stored_pdf(svc.db, svc.keys, report_id)
        audit.write(svc.db, "report_exported", object_type="report", object_id=report_id,
                    via="cli", at=clock.now())
    except FicError as error:
        raise click.ClickException(str(error)) from None
    out.write_bytes(pdf)
    out.chmod(0o600)
    click.echo(f"wrote {out} (report {report_id}); open it with the owner's report passphrase")


@click.group("reports", cls=AppGroup)
def reports_group() -> None:
    """Reports in bulk."""


@reports_group.command("build")
@click.option("--period", required=True, help="An ISO week such as 2026-W47.")
@click.option("--all", "everyone", is_flag=True, required=True,
              help="Every supervisor with a report passphrase, in every clinic.")
def reports_build(period: str, everyone: bool) -> None:
    """Build every supervisor's summary for a week (reports already built are kept)."""
    svc = services()
    try:
        week = parse_period(week=period)
    except FicError as error:
        raise click.ClickException(str(error)) from None
    supervisors = requests.supervisors_with_passphrase(svc.db)
    built = kept = failed = 0
    renderer = ReportRenderer()
    with click.progressbar(supervisors, label=f"Building {week.label}") as bar:
        for supervisor_id in bar:
            asked = requests.request_report(svc.db, requests.Owner(supervisor_id), week)
            report_id = asked.id
            if not asked.needed:
                kept += 1
                continue
            try:
                lifecycle.build(svc.db, svc.keys, svc.settings, renderer, report_id)
                built += 1
            except FicError as error:
                lifecycle.mark_failed(svc.db, report_id, str(error))
                failed += 1
    click.echo(f"{week.label}: {built} built, {kept} already there, {failed} failed")
    if failed:
        raise SystemExit(1)


def _period(start: datetime | None, end: datetime | None, period: str | None,
            client_ref: str | None) -> Period:
    if period or (start and end):
        return parse_period(period, start.date() if start else None, end.date() if end else None)
    if client_ref:
        today: date = clock.now().date()
        return Period(today, today, f"course-{today.isoformat()}")
    raise InvalidRequest("give --period, or --from and --to")


COMMANDS = (report, reports_group)
