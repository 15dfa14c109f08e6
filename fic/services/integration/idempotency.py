"""Idempotency-Key on POST: the same key and request get the first answer again.

The reply is stored sealed under the key ring (it may hold a feedback link) for a day.
The same key sent with a different request is refused rather than answered wrongly.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from fic.crypto import KeyRing, binding
from fic.errors import InvalidRequest
from fic.storage.db import Database
from fic.storage.models import utcnow
from fic.storage.models_integration import IdempotentReply

KEPT = timedelta(hours=24)
MAX_KEY = 200


class KeyReused(InvalidRequest):
    """The Idempotency-Key was used before with a different request."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: object


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join((method.encode(), path.encode(), body))).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise InvalidRequest(f"Idempotency-Key: 1 to {MAX_KEY} printable characters")
    return key


def earlier(db: Database, keys: KeyRing, clinic_id: uuid.UUID, key: str,
            print_: str) -> Reply | None:
    """The reply stored for this key, or None; KeyReused if it answered another request."""
    with db.session() as session:
        session.execute(delete(IdempotentReply).where(IdempotentReply.created_at < utcnow() - KEPT))
        row = session.scalar(select(IdempotentReply).where(
            IdempotentReply.clinic_id == clinic_id, IdempotentReply.key == key))
        if row is None:
            return None
        if row.fingerprint != print_:
            raise KeyReused("Idempotency-Key: used before with a different request")
        body = keys.open_direct(row.body_ct, reply_binding(row.id))
        return Reply(row.status, json.loads(body))


def remember(db: Database, keys: KeyRing, clinic_id: uuid.UUID, key: str, print_: str,
             reply: Reply) -> None:
    """Keep the reply; if a concurrent request with the same key stored one first, keep that."""
    row_id = uuid.uuid4()
    try:
        with db.session() as session:
            session.add(IdempotentReply(
                id=row_id, clinic_id=clinic_id, key=key, fingerprint=print_,
                status=reply.status,
                body_ct=keys.seal_direct(json.dumps(reply.body), reply_binding(row_id)),
            ))
    except IntegrityError:
        pass


def reply_binding(row_id: uuid.UUID) -> bytes:
    return binding("idempotent_reply", "body", row_id)
