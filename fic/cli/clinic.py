"""`fic init`, `fic clinic create|policy` and `fic apikey create`: setting a clinic up."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from fic.errors import FicError
from fic.extensions import services
from fic.services.clinic import clinics
from fic.services.clinic.api_scopes import SCOPES
from fic.services.clinic.policies import install_policy


def _fail(error: FicError) -> None:
    raise click.ClickException(str(error))


@click.command("init")
@with_appcontext
def init() -> None:
    """Create or upgrade the database schema."""
    services().db.upgrade()
    click.echo("schema is up to date")


@click.group("clinic", cls=AppGroup)
def clinic_group() -> None:
    """Clinics."""


@clinic_group.command("create")
@click.argument("name")
@click.option("--timezone", default="UTC", show_default=True)
def clinic_create(name: str, timezone: str) -> None:
    try:
        with services().db.session() as session:
            clinic = clinics.create_clinic(session, name, timezone)
    except FicError as error:
        _fail(error)
    click.echo(f"created clinic {clinic.name} ({clinic.id})")


@click.group("apikey", cls=AppGroup)
def apikey_group() -> None:
    """API keys for a clinic's own systems."""


@apikey_group.command("create")
@click.option("--clinic", "clinic_name", required=True)
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES),
              help="What the key may do (repeat); none = everything.")
def apikey_create(clinic_name: str, scopes: tuple[str, ...]) -> None:
    try:
        with services().db.session() as session:
            created = clinics.create_api_key(session, clinics.clinic_named(session, clinic_name),
                                             list(scopes) or None)
    except FicError as error:
        _fail(error)
    click.echo("API key (shown once; only its hash is stored):")
    click.echo(created.key)


@clinic_group.command("policy")
@click.argument("name")
@click.argument("policy_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def clinic_policy(name: str, policy_file: Path) -> None:
    """Validate POLICY_FILE and make it the clinic's alert policy (try it first: fic backtest)."""
    svc = services()
    try:
        with svc.db.session() as session:
            clinic_id = clinics.clinic_named(session, name).id
        install_policy(svc.settings, clinic_id, policy_file)
    except FicError as error:
        _fail(error)
    click.echo(f"{name} now uses the alert policy from {policy_file.name}")


COMMANDS = (init, clinic_group, apikey_group)
