"""The `fic` command: set a clinic up, build reports, run the demo.

Every command runs inside the app built from FIC_* settings (FlaskGroup).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import FlaskGroup

from fic import cli_staff, create_app
from fic.cli_backtest import backtest
from fic.cli_delivery import COMMANDS as DELIVERY_COMMANDS
from fic.cli_demo import demo
from fic.cli_embedded import COMMANDS as EMBEDDED_COMMANDS
from fic.cli_keys import client_group, keys_group
from fic.cli_reports import report, reports_group
from fic.errors import FicError
from fic.extensions import services
from fic.services import clinics, reports
from fic.services.policies import install_policy
from fic.storage import repository


def _app(*_args: object) -> object:
    return create_app()


cli = FlaskGroup(
    create_app=_app,
    add_version_option=False,
    help="fic: feedback-informed care for therapy clinics.",
)


def main() -> None:
    cli(prog_name="fic")


def _fail(error: FicError) -> None:
    raise click.ClickException(str(error))


@cli.command("init")
def init() -> None:
    """Create or upgrade the database schema."""
    services().db.upgrade()
    click.echo("schema is up to date")


@cli.group("clinic")
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


@cli.group("staff")
def staff_group() -> None:
    """Staff members and their report passphrases."""


@staff_group.command("add")
@click.option("--clinic", "clinic_name", required=True)
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(clinics.ROLES))
@click.option("--supervisor", "supervisor_email")
def staff_add(clinic_name: str, email: str, role: str, supervisor_email: str | None) -> None:
    """Add a staff member; a supervisor's report passphrase is generated now and shown once."""
    svc = services()
    passphrase = None
    try:
        with svc.db.session() as session:
            clinic = repository.clinic_named(session, clinic_name)
            staff = clinics.add_staff(session, clinic, email, role, supervisor_email)
            if role == "supervisor":
                passphrase = clinics.set_report_passphrase(session, svc.keys, staff)
    except FicError as error:
        _fail(error)
    click.echo(f"added {staff.role} {staff.email}")
    if passphrase:
        click.echo(
            "Report passphrase (shown once; give it to the supervisor in person, "
            "rotate with `fic staff passphrase`):"
        )
        click.echo(passphrase)


@staff_group.command("passphrase")
@click.argument("email")
def staff_passphrase(email: str) -> None:
    """Generate (or rotate) a report passphrase and show it once; stored reports follow it."""
    svc = services()
    try:
        with svc.db.session() as session:
            staff = repository.staff_by_email(session, email)
            old = (
                clinics.report_passphrase(svc.keys, staff)
                if staff.report_passphrase_ct is not None
                else None
            )
            passphrase = clinics.set_report_passphrase(session, svc.keys, staff)
            moved = (
                reports.reencrypt_for_owner(session, svc.keys, staff.id, old, passphrase)
                if old
                else 0
            )
    except FicError as error:
        _fail(error)
    click.echo("Report passphrase (shown once; give it to the supervisor in person):")
    click.echo(passphrase)
    if moved:
        click.echo(f"{moved} stored report(s) now open with it; the old passphrase no longer does.")


@cli.group("apikey")
def apikey_group() -> None:
    """API keys for a clinic's own systems."""


@apikey_group.command("create")
@click.option("--clinic", "clinic_name", required=True)
def apikey_create(clinic_name: str) -> None:
    try:
        with services().db.session() as session:
            created = clinics.create_api_key(session, repository.clinic_named(session, clinic_name))
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
            clinic_id = repository.clinic_named(session, name).id
        install_policy(svc.settings, clinic_id, policy_file)
    except FicError as error:
        _fail(error)
    click.echo(f"{name} now uses the alert policy from {policy_file.name}")


cli.add_command(demo)
cli.add_command(report)
cli.add_command(reports_group)
cli.add_command(backtest)
cli.add_command(keys_group)
cli.add_command(client_group)
for _command in DELIVERY_COMMANDS:
    cli.add_command(_command)
cli_staff.register(cli, staff_group)
for _command in EMBEDDED_COMMANDS:
    cli.add_command(_command)
