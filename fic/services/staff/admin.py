"""What a clinic admin does: staff and invitations, API keys, sign-in limits, the audit trail.

Each function is one use case: it owns its transaction and writes its audit row. Admins see
no client data here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fic.delivery.email import Email
from fic.domain.answers import N_
from fic.errors import InvalidRequest
from fic.services.clinic import clinics
from fic.services.core import access, audit
from fic.services.core.access import Actor
from fic.services.core.languages import staff_language
from fic.services.staff import sessions, signin, staff_tokens
from fic.settings import Settings
from fic.storage.db import Database
from fic.storage.models import ApiKey, Clinic, Staff
from fic.storage.models_staff import StaffCredential, StaffToken


@dataclass(frozen=True)
class Outgoing:
    """A message to send after the change was committed, and to whom."""

    to: str
    email: Email | None


def note(session: Session, actor: Actor, action: str, object_type: str | None = None,
         object_id: object = None, outcome: str = "ok", at: datetime | None = None) -> None:
    audit.record(session, action, actor_id=actor.staff_id, clinic_id=actor.clinic_id,
                 object_type=object_type, object_id=object_id, outcome=outcome, at=at)


def staff_rows(db: Database, actor: Actor, now: datetime) -> list[dict[str, object]]:
    with db.session() as session:
        staff = session.scalars(
            select(Staff).where(Staff.clinic_id == actor.clinic_id)
            .order_by(Staff.role, Staff.email)
        ).all()
        ids = [s.id for s in staff]
        creds = {c.staff_id: c for c in session.scalars(
            select(StaffCredential).where(StaffCredential.staff_id.in_(ids)))}
        invites = {t.staff_id: t for t in session.scalars(
            select(StaffToken).where(StaffToken.purpose == "invite",
                                     StaffToken.staff_id.in_(ids), StaffToken.used_at.is_(None)))}
        emails = {s.id: s.email for s in staff}
        return [{
            "id": s.id, "email": s.email, "role": s.role,
            "supervisor": emails.get(s.supervisor_id) if s.supervisor_id else None,
            "state": _state(creds.get(s.id), invites.get(s.id), now),
            "totp": bool(creds.get(s.id) and creds[s.id].totp_enabled_at),
            "invitation_id": invites[s.id].id if s.id in invites else None,
        } for s in staff]


def _state(credential: StaffCredential | None, invite: StaffToken | None, at: datetime) -> str:
    if credential is None:
        if invite is not None and invite.expires_at > at:
            return "invited"
        return "no password yet"
    return "disabled" if credential.disabled_at else "active"


def invite(db: Database, settings: Settings, actor: Actor, email: str, role: str,
           supervisor: str | None, now: datetime) -> Outgoing:
    with db.session() as session:
        clinic = session.get(Clinic, actor.clinic_id)
        assert clinic is not None  # noqa: S101 - the admin's own clinic
        staff = clinics.add_staff(session, clinic, email, role,
                                  supervisor if role == "clinician" else None)
        issued = staff_tokens.issue(session, settings, staff, "invite", now,
                                    created_by=actor.staff_id)
        note(session, actor, "invitation_sent", "staff", staff.id, at=now)
        return Outgoing(staff.email, staff_tokens.invitation_email(
            staff.email, clinic.name, role, issued.url, staff_language(session, staff)))


def resend_invitation(db: Database, settings: Settings, actor: Actor,
                      invitation_id: uuid.UUID, now: datetime) -> Outgoing:
    with db.session() as session:
        token = access.invitation(session, actor, invitation_id)
        staff = session.get(Staff, token.staff_id)
        clinic = session.get(Clinic, actor.clinic_id)
        assert staff is not None and clinic is not None  # noqa: S101 - foreign keys
        issued = staff_tokens.issue(session, settings, staff, "invite", now,
                                    created_by=actor.staff_id)
        note(session, actor, "invitation_sent", "staff", staff.id, at=now)
        return Outgoing(staff.email, staff_tokens.invitation_email(
            staff.email, clinic.name, staff.role, issued.url,
            staff_language(session, staff)))


def change_staff(db: Database, settings: Settings, actor: Actor, staff_id: uuid.UUID,
                 change: str, now: datetime) -> Outgoing:
    """Disable or enable an account, or reset its sign-in (password and second factor)."""
    with db.session() as session:
        staff = access.staff_member(session, actor, staff_id)
        if staff.id == actor.staff_id and change != "reset":
            raise InvalidRequest.about("staff", N_("you cannot disable yourself"))
        if change == "reset":
            signin.reset_sign_in(session, staff.id, now)
            issued = staff_tokens.issue(session, settings, staff, "reset", now,
                                        created_by=actor.staff_id)
            note(session, actor, "password_reset_requested", "staff", staff.id, "by_admin", now)
            return Outgoing(staff.email, staff_tokens.reset_email(
                staff.email, issued.url, staff_language(session, staff)))
        signin.set_disabled(session, staff.id, change == "disable", now)
        note(session, actor, f"staff_{change}d", "staff", staff.id, at=now)
        return Outgoing(staff.email, None)


def api_key_rows(db: Database, actor: Actor) -> list[dict[str, object]]:
    with db.session() as session:
        keys = session.scalars(select(ApiKey).where(ApiKey.clinic_id == actor.clinic_id)
                               .order_by(ApiKey.created_at.desc())).all()
        return [{"id": k.id, "prefix": k.prefix, "created_at": k.created_at,
                 "revoked_at": k.revoked_at} for k in keys]


def create_api_key(db: Database, actor: Actor, now: datetime) -> str:
    """A new key for the admin's clinic, returned once (only its hash is kept)."""
    with db.session() as session:
        clinic = session.get(Clinic, actor.clinic_id)
        assert clinic is not None  # noqa: S101 - the admin's own clinic
        created = clinics.create_api_key(session, clinic)
        note(session, actor, "api_key_created", "api_key", created.id, at=now)
        return created.key


def revoke_api_key(db: Database, actor: Actor, key_id: uuid.UUID, now: datetime) -> None:
    with db.session() as session:
        key = access.api_key(session, actor, key_id)
        if key.revoked_at is None:
            key.revoked_at = now
            note(session, actor, "api_key_revoked", "api_key", key.id, at=now)


def sign_in_limits(db: Database, actor: Actor) -> dict[str, object]:
    with db.session() as session:
        current = sessions.clinic_settings(session, actor.clinic_id)
        return {"clinician_totp": current.clinician_totp_required,
                "idle_minutes": current.idle_minutes, "absolute_hours": current.absolute_hours}


def set_sign_in_limits(db: Database, actor: Actor, clinician_totp: bool, idle: int,
                       absolute: int, now: datetime) -> None:
    if not (1 <= idle <= 60 and 1 <= absolute <= 24):
        raise InvalidRequest.about("limits", N_("Idle timeout: 1 to 60 minutes. "
                                                "Maximum session: 1 to 24 hours."))
    with db.session() as session:
        current = sessions.clinic_settings(session, actor.clinic_id)
        current.clinician_totp_required = clinician_totp
        current.idle_minutes, current.absolute_hours = idle, absolute
        session.merge(current)
        note(session, actor, "settings_changed", "clinic", actor.clinic_id, at=now)


def audit_rows(db: Database, actor: Actor, who: str, action: str | None, object_id: str | None,
               since: datetime | None, until: datetime | None,
               now: datetime) -> list[dict[str, object]] | None:
    """The clinic's audit trail, filtered; None when `who` names nobody here. Audited."""
    with db.session() as session:
        people = dict(session.execute(select(Staff.email, Staff.id)
                                      .where(Staff.clinic_id == actor.clinic_id)).all())
        actor_id = people.get(who.strip().lower())
        rows = [] if who and actor_id is None else audit.events(
            session, actor.clinic_id, action=action, actor_id=actor_id, object_id=object_id,
            since=since, until=until + timedelta(days=1) if until else None,
        )
        names = {v: k for k, v in people.items()}
        items = [{"seq": r.seq, "at": r.at,
                  "who": names.get(r.actor_id, "—") if r.actor_id else "—",
                  "action": r.action, "object": f"{r.object_type or ''} {r.object_id or ''}",
                  "outcome": r.outcome} for r in rows]
        note(session, actor, "audit_viewed", at=now)
    return None if who and actor_id is None else items
