"""In-room completion: a QR code and a short code shown on the clinician's screen.

The QR code holds a fresh link for the session. The short code (8 characters from an
alphabet without look-alikes, about 40 bits) is for a client who would rather type: on
/c it is exchanged, once, for a fresh link. Only the code's SHA-256 is kept, and it dies
after `room_code_minutes` (default an hour), so guessing one is hopeless.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from sqlalchemy import update
from sqlalchemy.orm import Session

from fic.crypto import sha256_hex
from fic.errors import InvalidRequest, LinkUnavailable
from fic.services.core import access
from fic.services.forms import links
from fic.settings import Settings
from fic.storage.db import Database
from fic.storage.models import Client, TherapySession
from fic.storage.models_delivery import RoomCode

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


@dataclass(frozen=True)
class InRoom:
    url: str
    code: str
    qr_svg: str  # a data: URI, allowed by the pages' CSP (img-src 'self' data:)
    expires_at: datetime


def open_in_room(session: Session, settings: Settings, session_id: uuid.UUID, now: datetime,
                 minutes: int = 60) -> InRoom:
    therapy = session.get(TherapySession, session_id)
    client = session.get(Client, therapy.client_id) if therapy else None
    if client is not None and client.discharged_at is not None:
        raise InvalidRequest.about("client", "discharged; no new sessions or links")
    issued = links.issue_link(session, settings, session_id, "room", timedelta(hours=1))
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = now + timedelta(minutes=minutes)
    session.add(RoomCode(id=uuid.uuid4(), session_id=session_id, code_hash=sha256_hex(code),
                         expires_at=expires_at))
    qr = segno.make(issued.url, error="m").svg_data_uri(scale=6, border=2)
    return InRoom(issued.url, f"{code[:4]}-{code[4:]}", qr, expires_at)


def redeem(session: Session, settings: Settings, typed: str, now: datetime) -> str:
    """A fresh link URL for a live, unused code; LinkUnavailable otherwise (all alike)."""
    code = "".join(ch for ch in typed.upper() if ch in ALPHABET)
    if len(code) != CODE_LENGTH:
        raise LinkUnavailable("link unavailable")
    session_id = session.scalar(
        update(RoomCode)
        .where(RoomCode.code_hash == sha256_hex(code), RoomCode.used_at.is_(None),
               RoomCode.expires_at > now)
        .values(used_at=now)
        .returning(RoomCode.session_id)
    )
    if session_id is None:
        raise LinkUnavailable("link unavailable")
    return links.issue_link(session, settings, session_id, "room", timedelta(hours=1)).url


def open_for_api(db: Database, settings: Settings, clinic_id: uuid.UUID, session_id: uuid.UUID,
                 now: datetime, minutes: int = 60) -> InRoom:
    """The API's in-room codes for a session of `clinic_id` whose form is still open."""
    with db.session() as session:
        access.api_session(session, clinic_id, session_id)
        if links.answered(session, session_id):
            raise InvalidRequest.about("session", "the form has been answered already")
        return open_in_room(session, settings, session_id, now, minutes)
