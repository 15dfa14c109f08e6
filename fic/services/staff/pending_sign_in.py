"""The half-way state of a sign-in (right password, second factor still to come), kept
server-side.

The browser holds only a random token; the row (a staff_session with a `stage`) says whose
sign-in it is, which step is next and when it started. It is never a session: the staff
pages accept only rows without a stage. It ends when the step completes (one conditional
UPDATE, so one pending sign-in completes once), after ten minutes, and whenever all of a
person's sessions end: an admin's sign-in reset, a password change or a disable. A cookie
replayed after any of those gets nothing.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fic.crypto import sha256_hex
from fic.storage.models_staff import StaffCredential, StaffSession

STAGES = ("totp", "enrol")
PENDING_FOR = timedelta(minutes=10)


def start(session: Session, staff_id: uuid.UUID, stage: str, now: datetime) -> str:
    if stage not in STAGES:
        raise ValueError(f"unknown sign-in stage {stage!r}")
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(id=uuid.uuid4(), sid_hash=sha256_hex(token), staff_id=staff_id,
                             created_at=now, last_seen_at=now, stage=stage))
    return token


def staff_for(session: Session, token: object, stage: str, now: datetime) -> uuid.UUID | None:
    """Whose live pending sign-in this token is, at this stage; None when there is none."""
    if not isinstance(token, str) or not token:
        return None
    row = session.scalar(select(StaffSession).where(StaffSession.sid_hash == sha256_hex(token),
                                                    StaffSession.stage == stage))
    if row is None or row.ended_at is not None or now - row.created_at > PENDING_FOR:
        return None
    credential = session.get(StaffCredential, row.staff_id)
    if credential is None or credential.disabled_at is not None:
        return None
    return row.staff_id


def finish(session: Session, token: str, now: datetime) -> bool:
    """End it; True for exactly one caller even when several finish it at once."""
    return session.execute(  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
        update(StaffSession)
        .where(StaffSession.sid_hash == sha256_hex(token), StaffSession.stage.is_not(None),
               StaffSession.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
