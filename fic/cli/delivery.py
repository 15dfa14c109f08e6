"""`fic alert ack`, `fic delivery show|set`, `fic webhook add` and `fic deliveries`."""

from __future__ import annotations

import json
import uuid
from typing import cast

import click
from flask.cli import AppGroup, with_appcontext

from fic import clock
from fic.errors import FicError
from fic.extensions import services
from fic.services.alerts import acknowledgements
from fic.services.clinic import clinics, delivery_settings
from fic.services.core import audit
from fic.services.delivery import deliveries
from fic.services.integration import webhooks


def _fail(error: FicError) -> None:
    raise click.ClickException(str(error))


@click.group("alert", cls=AppGroup)
def alert_group() -> None:
    """Alerts: acknowledge and record the repair."""


@alert_group.command("ack")
@click.argument("alert_id", type=click.UUID)
@click.option("--staff", "staff_email", required=True, help="Who acted (clinician/supervisor).")
@click.option("--action", required=True, type=click.Choice(acknowledgements.REPAIR_ACTIONS))
@click.option("--note", default=None, help="What was done (stored encrypted).")
def alert_ack(alert_id: uuid.UUID, staff_email: str, action: str, note: str | None) -> None:
    svc = services()
    try:
        ack = acknowledgements.acknowledge(
            svc.db, svc.keys, alert_id, acknowledgements.StaffByEmail(staff_email), action, note,
            clock.now(), via="cli")
        shown = (ack.action, ack.acknowledged_at.isoformat())
    except FicError as error:
        _fail(error)
    click.echo(f"alert {alert_id} acknowledged: {shown[0]} at {shown[1]}")


@click.group("delivery", cls=AppGroup)
def delivery_group() -> None:
    """A clinic's delivery settings: links, reminders, quiet hours, routing, crisis text."""


@delivery_group.command("show")
@click.option("--clinic", "clinic_name", required=True)
def delivery_show(clinic_name: str) -> None:
    try:
        with services().db.session() as session:
            clinic = clinics.clinic_named(session, clinic_name)
            policy = delivery_settings.delivery_policy(session, clinic.id)
    except FicError as error:
        _fail(error)
    values = {name: getattr(policy, name) for name in delivery_settings.FIELDS}
    click.echo(json.dumps(values, indent=2, ensure_ascii=False))


@delivery_group.command("set")
@click.option("--clinic", "clinic_name", required=True)
@click.argument("assignments", nargs=-1, required=True)
def delivery_set(clinic_name: str, assignments: tuple[str, ...]) -> None:
    """NAME=JSON pairs, e.g. quiet_start='"22:00"' reminder_after_hours=null
    routing='{"urgent": ["clinician", "supervisor", "on_call"]}'."""
    changes: dict[str, object] = {}
    for assignment in assignments:
        name, _, raw = assignment.partition("=")
        if raw.strip().lower() in ("none", "null", ""):
            changes[name] = None  # "none" is a value a clinic may choose
            continue
        try:
            changes[name] = json.loads(raw)
        except json.JSONDecodeError:
            changes[name] = raw  # a bare word is taken as text
    try:
        with services().db.session() as session:
            clinic = clinics.clinic_named(session, clinic_name)
            delivery_settings.update(session, clinic.id, **changes)
            audit.record(session, "settings_changed", clinic_id=clinic.id, object_type="clinic",
                         object_id=clinic.id, outcome="delivery", via="cli", at=clock.now())
    except FicError as error:
        _fail(error)
    click.echo(f"updated {', '.join(sorted(changes))}")


@click.group("webhook", cls=AppGroup)
def webhook_group() -> None:
    """Signed webhooks for a clinic's EHR or chat tool."""


@webhook_group.command("add")
@click.option("--clinic", "clinic_name", required=True)
@click.option("--url", required=True)
@click.option("--allow-private", is_flag=True,
              help="Allow a loopback, private-network or plain-http target (you run it).")
def webhook_add(clinic_name: str, url: str, allow_private: bool) -> None:
    svc = services()
    try:
        with svc.db.session() as session:
            clinic = clinics.clinic_named(session, clinic_name)
            made = webhooks.add(session, svc.keys, clinic.id, url,
                                allow_private=allow_private, via="cli")
    except FicError as error:
        _fail(error)
    click.echo(f"webhook {made.id} added; signing secret (shown once):")
    click.echo(made.secret)


@click.command("deliveries")
@with_appcontext
@click.option("--clinic", "clinic_name", required=True)
@click.option("--status", type=click.Choice(deliveries.STATUSES), default=None)
def deliveries_log(clinic_name: str, status: str | None) -> None:
    """The delivery log: each message, its state and every attempt (no contents)."""
    try:
        with services().db.session() as session:
            clinic_id = clinics.clinic_named(session, clinic_name).id
        rows = deliveries.log(services().db, clinic_id, status=status)
    except FicError as error:
        _fail(error)
    for row in rows:
        tries = len(cast("list[object]", row["attempts"]))
        click.echo(f"{row['id']}  {row['kind']:<10} {row['channel']:<7} {row['status']:<7} "
                   f"tries={tries} last_error={row['last_error'] or '-'}")


COMMANDS = (alert_group, delivery_group, webhook_group, deliveries_log)
