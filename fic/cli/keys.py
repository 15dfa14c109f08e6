"""`fic keys rotate` and `fic client erase`: key rotation and crypto-shredding."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from fic import clock
from fic.errors import FicError
from fic.extensions import services
from fic.services import keys
from fic.services.clinic import clinics
from fic.services.core import audit


@click.group("keys", cls=AppGroup)
def keys_group() -> None:
    """The key ring (FIC_DATA_KEYS)."""


@keys_group.command("rotate")
def keys_rotate() -> None:
    """Re-wrap every data key and re-seal every secret under the first key of the ring."""
    svc = services()
    done = keys.rotate(svc.db, svc.keys)
    audit.write(svc.db, "keys_rotated", at=clock.now())
    click.echo(f"under key {svc.keys.current}: {done.data_keys} client data keys re-wrapped, "
               f"{done.secrets} secrets re-sealed; keep older keys at the end of FIC_DATA_KEYS "
               "for `fic audit verify` (older audit rows are keyed by them)")


@click.group("client", cls=AppGroup)
def client_group() -> None:
    """Clients."""


@client_group.command("erase")
@click.option("--clinic", "clinic_name", required=True)
@click.argument("client_ref")
@click.confirmation_option(prompt="Erase this client's text for good (comments, contacts)?")
def client_erase(clinic_name: str, client_ref: str) -> None:
    """Crypto-shred a client: their comments, contacts and notes become unreadable for good."""
    svc = services()
    try:
        with svc.db.session() as session:
            clinic = clinics.clinic_named(session, clinic_name)
            erased = keys.erase_client(session, clinic.id, client_ref)
            audit.record(session, "client_erased", clinic_id=clinic.id, object_type="client",
                         object_id=erased.client_id, outcome=f"reports:{erased.reports}",
                         via="cli", at=clock.now())
    except FicError as error:
        raise click.ClickException(str(error)) from None
    click.echo("erased: the client's data key is gone, so their comments, notes and contacts "
               "can no longer be read")
    click.echo(f"removed: {erased.sessions} session contact address(es); "
               f"{erased.reports} stored report(s) that could show the client were purged "
               "(asked for again, they are rebuilt without the client)")


COMMANDS = (keys_group, client_group)
