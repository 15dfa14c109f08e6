"""`fic export csv|fhir` and `fic import fhir`: a clinic's history for `fic backtest`,
research or an EHR, and forms answered elsewhere coming in."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from fic import jobs
from fic.errors import FicError
from fic.extensions import services
from fic.services.clinic import clinics
from fic.services.core import outbox
from fic.services.exchange import csv_export, fhir_export, fhir_import
from fic.services.exchange.fhir_resources import Base


@click.group("export", cls=AppGroup)
def export_group() -> None:
    """Export a clinic's answered forms (every export is audited)."""


@export_group.command("csv")
@click.option("--clinic", "clinic_name", required=True, help="The clinic's name or id.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--research", is_flag=True, help="De-identified: pseudonyms, no comments.")
@click.option("--dates", type=click.Choice(csv_export.DATES), default="shift", show_default=True,
              help="Research extract: shift dates per client, or count weeks from the "
                   "session number.")
def export_csv(clinic_name: str, out: Path, start: object, end: object, research: bool,
               dates: str) -> None:
    """Write the `fic backtest` CSV (FILE runs through `fic backtest` unchanged)."""
    try:
        with services().db.session() as session, out.open("w", encoding="utf-8",
                                                          newline="") as handle:
            clinic = clinics.clinic_named(session, clinic_name)
            done = csv_export.export_csv(
                session, clinic.id, handle, start=_day(start), end=_day(end),
                research=csv_export.Research(dates) if research else None)
    except FicError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {done.rows} form(s) of {done.clients} client(s) to {out.name}")


def _day(value: object) -> date | None:
    return value.date() if value is not None else None  # type: ignore[attr-defined]


@export_group.command("fhir")
@click.option("--clinic", "clinic_name", required=True, help="The clinic's name or id.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_fhir(clinic_name: str, out: Path) -> None:
    """Write every Questionnaire and every client's FHIR R4 resources as NDJSON."""
    svc = services()
    try:
        with svc.db.session() as session, out.open("w", encoding="utf-8") as handle:
            clinic = clinics.clinic_named(session, clinic_name)
            count = fhir_export.export_ndjson(session, svc.keys, Base(svc.settings.base_url),
                                              clinic, handle)
    except FicError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {count} FHIR resource(s) to {out.name}")


@click.group("import", cls=AppGroup)
def import_group() -> None:
    """Import forms answered elsewhere."""


@import_group.command("fhir")
@click.option("--clinic", "clinic_name", required=True, help="The clinic's name or id.")
@click.option("--file", "path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="NDJSON, a Bundle, or one QuestionnaireResponse.")
@click.option("--clinician", default=None, help="Clinician for clients new to fic.")
def import_fhir(clinic_name: str, path: Path, clinician: str | None) -> None:
    """Import QuestionnaireResponses: they join the course and the same rules judge them."""
    svc = services()
    try:
        text = path.read_text(encoding="utf-8")
        payload = (json.loads(text) if text.lstrip().startswith("{") and path.suffix == ".json"
                   else fhir_import.read_ndjson(text))
        forms = fhir_import.forms_of(fhir_import.resources_of(payload))
        with svc.db.session() as session:
            clinic_id = clinics.clinic_named(session, clinic_name).id
        done = fhir_import.import_forms(svc.db, svc.settings, svc.keys, clinic_id, forms,
                                        clinician)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise click.ClickException(f"{path.name} is not UTF-8 JSON or NDJSON") from None
    except FicError as error:
        raise click.ClickException(str(error)) from None
    outbox.flush(svc.db, jobs.publish, done.outbox_ids)
    click.echo(f"imported {done.created} form(s); {done.skipped} imported before")


COMMANDS = (export_group, import_group)
