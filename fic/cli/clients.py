"""`fic client create|reassign|discharge`, `fic webhook list|remove|rotate`, `fic inbound
secret`."""

from __future__ import annotations

import uuid

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from fic.cli.delivery import webhook_group
from fic.cli.keys import client_group
from fic.errors import FicError
from fic.extensions import services
from fic.services.clients import roster
from fic.services.clinic import clinics
from fic.services.integration import inbound, webhooks


def _fail(error: FicError) -> None:
    raise click.ClickException(str(error)) from None


def _client_id(session: Session, clinic_id: uuid.UUID, client_ref: str) -> uuid.UUID:
    return roster.id_of(session, clinic_id, client_ref)


@click.command("create")
@click.option("--clinic", "clinic_name", required=True, help="The clinic's name or id.")
@click.option("--clinician", required=True, help="The clinician's email.")
@click.argument("client_ref")
@with_appcontext
def client_create(clinic_name: str, clinician: str, client_ref: str) -> None:
    """Create a client ahead of their first session (or move them to CLINICIAN)."""
    try:
        with services().db.session() as session:
            clinic = clinics.clinic_named(session, clinic_name)
            view, created = roster.upsert(session, clinic.id, client_ref, clinician, roster.Who())
    except FicError as error:
        _fail(error)
    click.echo(f"{'created' if created else 'kept'} client {view.client_ref} ({view.id}) "
               f"with {view.clinician}")


@click.command("reassign")
@click.option("--clinic", "clinic_name", required=True)
@click.option("--clinician", required=True, help="The new clinician's email.")
@click.argument("client_ref")
@with_appcontext
def client_reassign(clinic_name: str, clinician: str, client_ref: str) -> None:
    """Move a client to another clinician; their history stays, new alerts go there."""
    try:
        with services().db.session() as session:
            clinic = clinics.clinic_named(session, clinic_name)
            view = roster.reassign(session, clinic.id, _client_id(session, clinic.id, client_ref),
                                   clinician, roster.Who())
    except FicError as error:
        _fail(error)
    click.echo(f"client {view.client_ref} is now with {view.clinician}")


@click.command("discharge")
@click.option("--clinic", "clinic_name", required=True)
@click.argument("client_ref")
@with_appcontext
def client_discharge(clinic_name: str, client_ref: str) -> None:
    """End a client's course: no more sessions or links; data kept to retention."""
    try:
        with services().db.session() as session:
            clinic = clinics.clinic_named(session, clinic_name)
            roster.discharge(session, clinic.id, _client_id(session, clinic.id, client_ref),
                             roster.Who())
    except FicError as error:
        _fail(error)
    click.echo(f"client {client_ref} discharged")


@click.command("list")
@click.option("--clinic", "clinic_name", required=True)
@with_appcontext
def webhook_list(clinic_name: str) -> None:
    """The clinic's active webhooks (never their secrets)."""
    try:
        with services().db.session() as session:
            clinic = clinics.clinic_named(session, clinic_name)
            rows = webhooks.listing(session, clinic.id)
    except FicError as error:
        _fail(error)
    for row in rows:
        click.echo(f"{row.id}  {row.url}  added {row.created_at:%Y-%m-%d}")
    if not rows:
        click.echo("(no webhooks)")


@click.command("remove")
@click.option("--clinic", "clinic_name", required=True)
@click.argument("webhook_id", type=click.UUID)
@with_appcontext
def webhook_remove(clinic_name: str, webhook_id: uuid.UUID) -> None:
    try:
        with services().db.session() as session:
            clinic = clinics.clinic_named(session, clinic_name)
            webhooks.remove(session, clinic.id, webhook_id)
    except FicError as error:
        _fail(error)
    click.echo(f"webhook {webhook_id} removed")


@click.command("rotate")
@click.option("--clinic", "clinic_name", required=True)
@click.argument("webhook_id", type=click.UUID)
@with_appcontext
def webhook_rotate(clinic_name: str, webhook_id: uuid.UUID) -> None:
    """A new signing secret (shown once); the old one stops at once."""
    svc = services()
    try:
        with svc.db.session() as session:
            clinic = clinics.clinic_named(session, clinic_name)
            made = webhooks.rotate(session, svc.keys, clinic.id, webhook_id)
    except FicError as error:
        _fail(error)
    click.echo(f"webhook {made.id}: new signing secret (shown once):")
    click.echo(made.secret)


@click.group("inbound")
def inbound_group() -> None:
    """The signed "session ended" webhook an EHR pushes to."""


@inbound_group.command("secret")
@click.option("--clinic", "clinic_name", required=True)
@with_appcontext
def inbound_secret(clinic_name: str) -> None:
    """Make (or replace) the clinic's inbound signing secret and show it once."""
    svc = services()
    try:
        with svc.db.session() as session:
            clinic = clinics.clinic_named(session, clinic_name)
            secret = inbound.set_secret(session, svc.keys, clinic.id)
            url = f"{svc.settings.base_url}/api/v1/inbound/{clinic.id}/session-ended"
    except FicError as error:
        _fail(error)
    click.echo(f"POST signed events to {url}")
    click.echo("signing secret (shown once; the previous one stops now):")
    click.echo(secret)


# These join the `fic client` and `fic webhook` groups; `fic inbound` is a group of its own.
for _command in (client_create, client_reassign, client_discharge):
    client_group.add_command(_command)
for _command in (webhook_list, webhook_remove, webhook_rotate):
    webhook_group.add_command(_command)
# `fic client` and `fic webhook` load this module, so it lists their groups as well.
COMMANDS = (inbound_group, client_group, webhook_group)
