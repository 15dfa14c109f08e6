"""Staff sessions: a fresh random id at sign-in (only its hash kept), idle and absolute limits.

Every function takes `now`, so tests move a clock instead of sleeping.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fic.crypto import sha256_hex
from fic.errors import InvalidRequest, NotFound
from fic.i18n import STAFF_LANGUAGES
from fic.services.core import audit
from fic.services.core.access import Actor
from fic.services.core.languages import staff_language
from fic.storage.models import Staff
from fic.storage.models_staff import ClinicStaffSettings, StaffCredential, StaffSession


@dataclass(frozen=True)
class SessionCheck:
    actor: Actor | None
    reason: str  # "ok" | "missing" | "idle" | "expired" | "ended"



def clinic_settings(session: Session, clinic_id: uuid.UUID) -> ClinicStaffSettings:
    found = session.get(ClinicStaffSettings, clinic_id)
    if found is None:
        found = ClinicStaffSettings(
            clinic_id=clinic_id, clinician_totp_required=True, idle_minutes=15, absolute_hours=12
        )
    return found



def start_session(session: Session, staff_id: uuid.UUID, now: datetime) -> str:
    """A new random session id (never one that existed before sign-in); only its hash is kept."""
    sid = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            id=uuid.uuid4(),
            sid_hash=sha256_hex(sid),
            staff_id=staff_id,
            created_at=now,
            last_seen_at=now,
        )
    )
    return sid


def check_session(session: Session, sid: str | None, now: datetime) -> SessionCheck:
    """The signed-in actor, refreshing the idle timer; or why there is none."""
    if not sid:
        return SessionCheck(None, "missing")
    row = session.scalar(select(StaffSession).where(StaffSession.sid_hash == sha256_hex(sid),
                                                    StaffSession.stage.is_(None)))
    if row is None:
        return SessionCheck(None, "missing")
    if row.ended_at is not None:
        return SessionCheck(None, "ended")
    staff = session.get(Staff, row.staff_id)
    credential = session.get(StaffCredential, row.staff_id)
    if staff is None or credential is None or credential.disabled_at is not None:
        row.ended_at = now
        return SessionCheck(None, "ended")
    limits = clinic_settings(session, staff.clinic_id)
    if now - row.last_seen_at > timedelta(minutes=limits.idle_minutes):
        row.ended_at = now
        return SessionCheck(None, "idle")
    if now - row.created_at > timedelta(hours=limits.absolute_hours):
        row.ended_at = now
        return SessionCheck(None, "expired")
    row.last_seen_at = now
    return SessionCheck(Actor(staff.id, staff.clinic_id, staff.role, staff.email,
                              staff_language(session, staff)), "ok")


def own_language(session: Session, staff_id: uuid.UUID) -> str | None:
    staff = session.get(Staff, staff_id)
    return staff.language if staff is not None else None


def choose_language(session: Session, staff_id: uuid.UUID, language: str | None,
                    now: datetime) -> None:
    """A staff member's own language for fic's pages (None or "": the clinic's)."""
    if language and language not in STAFF_LANGUAGES:
        raise InvalidRequest.about("language", f"one of {', '.join(STAFF_LANGUAGES)}")
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound("no such staff member")
    staff.language = language or None
    audit.record(session, "settings_changed", actor_id=staff.id, clinic_id=staff.clinic_id,
                 object_type="staff", object_id=staff.id, at=now)


def end_session(session: Session, sid: str | None, now: datetime) -> uuid.UUID | None:
    if not sid:
        return None
    row = session.scalar(select(StaffSession).where(StaffSession.sid_hash == sha256_hex(sid)))
    if row is None or row.ended_at is not None:
        return None
    row.ended_at = now
    return row.staff_id


def end_all_sessions(session: Session, staff_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(StaffSession)
        .where(StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now)
    )

