"""Key rotation and crypto-shredding.

Rotation: put a new key first in FIC_DATA_KEYS (keep the old one after it), run
`fic keys rotate`: every client's data key is re-wrapped and every secret sealed directly
under the key ring (report passphrases, TOTP secrets, webhook secrets, stored reports) is
re-sealed under the new key. When it reports nothing left under older keys, the old key can
be removed from the ring. Client text itself is never re-encrypted: it stays under its
client's data key.

Erasure: deleting a client's wrapped data key makes every comment, contact and note of that
client unreadable for good, in the database and in every backup of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fic.crypto import KeyRing, WrappedKey, new_token
from fic.errors import NotFound
from fic.services.clinic.clinics import passphrase_binding
from fic.services.delivery.webhook_channel import webhook_secret_binding
from fic.services.integration.idempotency import reply_binding
from fic.services.integration.inbound import secret_binding as inbound_binding
from fic.services.reports.lifecycle import content_binding
from fic.services.staff.second_factor import totp_binding
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import Client, Report, Staff, TherapySession
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


def erase_client(session: Session, clinic_id: uuid.UUID, client_ref: str) -> uuid.UUID:
    """Crypto-shred one client: their data key goes, their reference becomes meaningless."""
    client = repository.client_by_ref(session, clinic_id, client_ref)
    if client is None:
        raise NotFound("no client with that client_ref in this clinic")
    client.dek_kid = client.dek_wrapped = None
    client.client_ref = f"erased-{new_token()[:16]}"
    session.execute(update(TherapySession).where(TherapySession.client_id == client.id)
                    .values(contact_email_ct=None))
    return client.id
