"""`fic staff add|passphrase|invite|password` and `fic audit verify`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from fic import clock
from fic.delivery.email import Mailer
from fic.errors import DeliveryFailed, FicError, InvalidRequest, NotFound
from fic.extensions import services
from fic.services.clinic import clinics
from fic.services.core import audit
from fic.services.reports import lifecycle
from fic.services.staff import signin, staff_tokens


@click.group("staff", cls=AppGroup)
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
            clinic = clinics.clinic_named(session, clinic_name)
            staff = clinics.add_staff(session, clinic, email, role, supervisor_email)
            if role == "supervisor":
                passphrase = clinics.set_report_passphrase(session, svc.keys, staff)
            audit.record(session, "staff_added", clinic_id=clinic.id, object_type="staff",
                         object_id=staff.id, outcome=role, via="cli", at=clock.now())
    except FicError as error:
        raise click.ClickException(str(error)) from None
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
            staff = clinics.staff_named(session, email)
            old = (
                clinics.report_passphrase(svc.keys, staff)
                if staff.report_passphrase_ct is not None
                else None
            )
            passphrase = clinics.set_report_passphrase(session, svc.keys, staff)
            moved = (
                lifecycle.reencrypt_for_owner(session, svc.keys, staff.id, old, passphrase)
                if old
                else 0
            )
            audit.record(session, "passphrase_rotated", clinic_id=staff.clinic_id,
                         object_type="staff", object_id=staff.id, via="cli", at=clock.now())
    except FicError as error:
        raise click.ClickException(str(error)) from None
    click.echo("Report passphrase (shown once; give it to the supervisor in person):")
    click.echo(passphrase)
    if moved:
        click.echo(f"{moved} stored report(s) now open with it; the old passphrase no longer does.")


@staff_group.command("invite")
@click.argument("email")
@click.option("--clinic", "clinic_name", required=True)
@click.option("--role", required=True, type=click.Choice(clinics.ROLES))
@click.option("--supervisor", "supervisor_email")
@click.option("--print-link", is_flag=True, help="Print the link here instead of emailing it.")
def staff_invite(
    email: str, clinic_name: str, role: str, supervisor_email: str | None, print_link: bool
) -> None:
    """Invite EMAIL: add them if new and send a single-use link to choose a password."""
    svc = services()
    try:
        with svc.db.session() as session:
            clinic = clinics.clinic_named(session, clinic_name)
            try:
                staff = clinics.staff_named(session, email, clinic.id)
            except NotFound:
                staff = clinics.add_staff(session, clinic, email, role, supervisor_email)
            issued = staff_tokens.issue(session, svc.settings, staff, "invite", clock.now())
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


@staff_group.command("password")
@click.argument("email")
@click.password_option("--password", prompt="New password", help="Prompted for when omitted.")
def staff_password(email: str, password: str) -> None:
    """Set EMAIL's password at the terminal (the first admin, the demo); ends their sessions."""
    try:
        with services().db.session() as session:
            staff = clinics.staff_named(session, email)
            signin.set_password(session, staff, password, clock.now())
            audit.record(session, "password_set", actor_id=staff.id, clinic_id=staff.clinic_id,
                         object_type="staff", object_id=staff.id, outcome="cli")
    except FicError as error:
        raise click.ClickException(
            error.problem if isinstance(error, InvalidRequest) else str(error)) from None
    click.echo(f"password set for {email}")


@click.group("audit", cls=AppGroup)
def audit_group() -> None:
    """The hash-chained audit trail."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check every row of the audit trail; name the first one changed or missing."""
    db = services().db
    problem = audit.verify(db)
    if problem is not None:
        raise click.ClickException(f"audit trail broken: {problem}")
    click.echo(f"audit trail intact: {audit.count(db)} rows")


COMMANDS = (staff_group, audit_group)
