"""`fic staff invite`, `fic staff password` and `fic audit verify`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from fic.delivery.email import DeliveryFailed, Mailer
from fic.errors import FicError, NotFound
from fic.extensions import services
from fic.services import audit, clinics, signin, staff_tokens
from fic.storage import repository
from fic.storage.models import utcnow


def register(cli: click.Group, staff_group: click.Group) -> None:
    staff_group.add_command(staff_invite)
    staff_group.add_command(staff_password)
    cli.add_command(audit_group)


@click.command("invite")
@click.argument("email")
@click.option("--clinic", "clinic_name", required=True)
@click.option("--role", required=True, type=click.Choice(clinics.ROLES))
@click.option("--supervisor", "supervisor_email")
@click.option("--print-link", is_flag=True, help="Print the link here instead of emailing it.")
@with_appcontext
def staff_invite(
    email: str, clinic_name: str, role: str, supervisor_email: str | None, print_link: bool
) -> None:
    """Invite EMAIL: add them if new and send a single-use link to choose a password."""
    svc = services()
    try:
        with svc.db.session() as session:
            clinic = repository.clinic_named(session, clinic_name)
            try:
                staff = repository.staff_by_email(session, email, clinic.id)
            except NotFound:
                staff = clinics.add_staff(session, clinic, email, role, supervisor_email)
            issued = staff_tokens.issue(session, svc.settings, staff, "invite", utcnow())
            audit.record(session, "invitation_sent", clinic_id=clinic.id, object_type="staff",
                         object_id=staff.id, outcome="cli")
            message = staff_tokens.invitation_email(staff.email, clinic.name, staff.role,
                                                    issued.url)
    except FicError as error:
        raise click.ClickException(str(error)) from None
    if print_link:
        click.echo(f"Invitation link for {staff.email} (works once, for 7 days):")
        click.echo(issued.url)
        return
    try:
        Mailer(svc.settings).send(message)
    except DeliveryFailed as error:
        raise click.ClickException(f"{error}; run again, or use --print-link") from None
    click.echo(f"invitation sent to {staff.email}")


@click.command("password")
@click.argument("email")
@click.password_option("--password", prompt="New password", help="Prompted for when omitted.")
@with_appcontext
def staff_password(email: str, password: str) -> None:
    """Set EMAIL's password at the terminal (the first admin, the demo); ends their sessions."""
    try:
        with services().db.session() as session:
            staff = repository.staff_by_email(session, email)
            signin.set_password(session, staff, password, utcnow())
            audit.record(session, "password_set", actor_id=staff.id, clinic_id=staff.clinic_id,
                         object_type="staff", object_id=staff.id, outcome="cli")
    except FicError as error:
        raise click.ClickException(str(error).partition(": ")[2] or str(error)) from None
    click.echo(f"password set for {email}")


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check every row of the audit trail; name the first one changed or missing."""
    db = services().db
    problem = audit.verify(db)
    if problem is not None:
        raise click.ClickException(f"audit trail broken: {problem}")
    click.echo(f"audit trail intact: {audit.count(db)} rows")
