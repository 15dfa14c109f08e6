"""Key rotation and crypto-shredding.

Rotation: put a new key first in FIC_DATA_KEYS (keep the old one after it), run
`fic keys rotate`: every client's data key is re-wrapped and every secret sealed directly
under the key ring (report passphrases, TOTP secrets, webhook secrets, stored reports) is
re-sealed under the new key. Older keys stay at the end of the ring: nothing is encrypted
under them any more, but audit rows written before the rotation are chained under MAC keys
derived from them, and `fic audit verify` needs them to check those rows. Client text
itself is never re-encrypted: it stays under its client's data key.

Erasure: deleting a client's wrapped data key makes every comment, contact and note of that
client unreadable for good, in the database and in every backup of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from fic.crypto import KeyRing, WrappedKey, new_token
from fic.errors import NotFound
from fic.services.clinic.clinics import passphrase_binding
from fic.services.delivery.webhook_channel import webhook_secret_binding
from fic.services.integration.idempotency import reply_binding
from fic.services.integration.inbound import secret_binding as inbound_binding
from fic.services.reports.lifecycle import content_binding
from fic.services.reports.requests import ERASED
from fic.services.staff.second_factor import totp_binding
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import Client, Report, Staff, TherapySession, utcnow
from fic.storage.models_delivery import WebhookEndpoint
from fic.storage.models_integration import IdempotentReply, InboundSecret
from fic.storage.models_staff import StaffCredential

# (table, sealed column, the row's binding): every value sealed directly under the ring.
DIRECT: tuple[tuple[type, str, Callable[[Any], bytes]], ...] = (
    (Staff, "report_passphrase_ct", lambda row: passphrase_binding(row.id)),
    (StaffCredential, "totp_secret_ct", lambda row: totp_binding(row.staff_id)),
    (WebhookEndpoint, "secret_ct", lambda row: webhook_secret_binding(row.id)),
    (Report, "content_ct", lambda row: content_binding(row.id)),
    (InboundSecret, "secret_ct", lambda row: inbound_binding(row.clinic_id)),
    (IdempotentReply, "body_ct", lambda row: reply_binding(row.id)),
)


@dataclass(frozen=True)
class Rotation:
    data_keys: int
    secrets: int


def rotate(db: Database, keys: KeyRing, batch: int = 200) -> Rotation:
    """Re-wrap and re-seal everything not yet under the ring's current key."""
    data_keys = secrets = 0
    while True:
        with db.session() as session:
            clients = session.scalars(select(Client).where(
                Client.dek_wrapped.is_not(None), Client.dek_kid != keys.current).limit(batch)).all()
            for client in clients:
                owner = repository.client_key_owner(client.id)
                fresh = keys.rewrap(WrappedKey(client.dek_kid or "", client.dek_wrapped or b""),
                                    owner)
                client.dek_kid, client.dek_wrapped = fresh.kid, fresh.blob
        data_keys += len(clients)
        if len(clients) < batch:
            break
    for table, column, bind in DIRECT:
        secrets += _reseal(db, keys, table, column, bind)
    return Rotation(data_keys, secrets)


def _reseal(db: Database, keys: KeyRing, table: type, column: str,
            bind: Callable[[object], bytes]) -> int:
    count = 0
    with db.session() as session:
        rows: list[object] = list(session.scalars(
            select(table).where(getattr(table, column).is_not(None))))
        for row in rows:
            blob = getattr(row, column)
            if not keys.is_current(blob):
                aad = bind(row)
                setattr(row, column, keys.seal_bytes(keys.open_bytes(blob, aad), aad))
                count += 1
    return count


@dataclass(frozen=True)
class Erasure:
    """What erasing one client removed (shown by `fic client erase`, kept in the audit row)."""

    client_id: uuid.UUID
    sessions: int  # therapy sessions whose contact address was removed
    reports: int  # stored reports purged because they could show the client


def erase_client(session: Session, clinic_id: uuid.UUID, client_ref: str) -> Erasure:
    """Crypto-shred one client: their data key goes, their reference becomes meaningless, and
    every stored report that could show them is purged.

    Stored reports are sealed under the key ring, not under the client's key, so shredding
    the key alone would leave the client's words in them. Purged are the client's own
    progress reports and every summary of the clinic whose period overlaps one of the
    client's sessions; asked for again, a summary is rebuilt without the erased client.
    """
    client = repository.client_by_ref(session, clinic_id, client_ref)
    if client is None:
        raise NotFound("no client with that client_ref in this clinic")
    client.dek_kid = client.dek_wrapped = None
    client.client_ref = f"erased-{new_token()[:16]}"
    client.erased_at = utcnow()
    sessions = session.execute(  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
        update(TherapySession).where(TherapySession.client_id == client.id)
        .values(contact_email_ct=None)).rowcount
    return Erasure(client.id, sessions, _purge_reports_showing(session, clinic_id, client.id))


def _purge_reports_showing(session: Session, clinic_id: uuid.UUID, client_id: uuid.UUID) -> int:
    first, last = session.execute(
        select(func.min(TherapySession.held_at), func.max(TherapySession.held_at))
        .where(TherapySession.client_id == client_id)).one()
    owners = select(Staff.id).where(Staff.clinic_id == clinic_id)
    showing = Report.client_id == client_id
    if first is not None:
        showing = or_(showing, and_(Report.client_id.is_(None), Report.period_start <= last,
                                    Report.period_end >= first - timedelta(days=1)))
    return session.execute(  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
        update(Report)
        .where(Report.supervisor_id.in_(owners), Report.status != "purged", showing)
        .values(status="purged", content_ct=None, size_bytes=None, sha256=None,
                error=ERASED)
    ).rowcount
