"""The staff sign-in steps as use cases: each owns its transaction and writes its audit rows.

The pages only parse the form and show the outcome. The decisions live here: whether an
account is locked, whether what was typed is an authenticator code (six digits) or a
recovery code (anything else), and what every step leaves in the audit trail.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fic import jobs
from fic.crypto import KeyRing
from fic.delivery.email import Mailer
from fic.domain.answers import N_
from fic.errors import DeliveryFailed, InvalidRequest, LinkUnavailable
from fic.services.core import audit, outbox
from fic.services.core.languages import staff_language
from fic.services.core.outbox import Publisher
from fic.services.staff import pending_sign_in, second_factor, sessions, signin, staff_tokens
from fic.services.staff.signin import PasswordCheck
from fic.settings import Settings
from fic.storage.db import Database
from fic.storage.models import Staff
from fic.storage.models_staff import StaffCredential, StaffToken

RESETS_PER_HOUR = 3
log = logging.getLogger(__name__)
TOTP_DIGITS = 6


@dataclass(frozen=True)
class CodeCheck:
    outcome: str  # "ok" | "wrong" | "locked"


@dataclass(frozen=True)
class Enrolment:
    email: str
    secret: str  # the pending secret, shown as text and as a QR code
    codes: list[str] | None = None  # recovery codes, once, when the enrolment was confirmed
    already_enrolled: bool = False


def check_password(
    db: Database, email: str, password: str, ip: str | None, now: datetime
) -> PasswordCheck:
    """The first step: the password, counted for lockout and audited (a success is audited
    as a sign-in only when no second factor follows)."""
    with db.session() as session:
        check = signin.check_password(session, email, password, ip, now)
        known = session.scalar(select(Staff).where(Staff.email == email))
        actor_id, clinic_id = (known.id, known.clinic_id) if known else (None, None)
        if check.outcome != "ok":
            audit.record(session, "sign_in_failed", actor_id=actor_id, clinic_id=clinic_id,
                         outcome=check.outcome, at=now)
        elif check.second_factor is None:
            audit.record(session, "sign_in", actor_id=actor_id, clinic_id=clinic_id, at=now)
    return check


def is_authenticator_code(typed: str) -> bool:
    """Six digits are an authenticator code; recovery codes are 16 letters and digits."""
    bare = "".join(typed.split())
    return len(bare) == TOTP_DIGITS and bare.isdigit()


def begin_second_factor(db: Database, staff_id: uuid.UUID, stage: str, now: datetime) -> str:
    """The right password, a second factor to come: a pending sign-in kept server-side; the
    browser gets only its random token."""
    with db.session() as session:
        return pending_sign_in.start(session, staff_id, stage, now)


def pending_staff(db: Database, token: object, stage: str, now: datetime) -> uuid.UUID | None:
    """Whose pending sign-in this is, while it lives (ended by a reset, a new password, a
    disable, its completion or ten minutes)."""
    with db.session() as session:
        return pending_sign_in.staff_for(session, token, stage, now)


def check_code(
    db: Database, keys: KeyRing, staff_id: uuid.UUID, email: str, typed: str,
    ip: str | None, now: datetime, pending_token: str = "",
) -> CodeCheck:
    """The second step: an authenticator code or a recovery code, under the same lockout.

    A code is used once (one conditional UPDATE) and the pending sign-in completes once, so
    however many attempts race with one code, one signs in."""
    with db.session() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None  # noqa: S101 - staff rows are never deleted
        locked = signin.is_locked(session, email, now)
        ok = recovery = False
        if not locked:
            if is_authenticator_code(typed):
                ok = second_factor.verify_totp(session, keys, staff_id, typed, now)
            else:
                ok = recovery = second_factor.use_recovery_code(session, staff_id, typed, now)
            ok = ok and pending_sign_in.finish(session, pending_token, now)
            signin.note_attempt(session, email, ip, ok, now)
        if ok:
            if recovery:
                audit.record(session, "recovery_code_used", actor_id=staff_id,
                             clinic_id=staff.clinic_id, at=now)
            audit.record(session, "sign_in", actor_id=staff_id, clinic_id=staff.clinic_id,
                         at=now)
            return CodeCheck("ok")
        locked = locked or signin.is_locked(session, email, now)
        audit.record(session, "sign_in_failed", actor_id=staff_id, clinic_id=staff.clinic_id,
                     outcome="locked" if locked else "wrong_code", at=now)
    return CodeCheck("locked" if locked else "wrong")


def enrolment(
    db: Database, keys: KeyRing, staff_id: uuid.UUID, now: datetime,
    code: str | None = None, signing_in_as: str | None = None, ip: str | None = None,
    pending_token: str = "",
) -> Enrolment:
    """Show (starting if needed) or confirm the authenticator set-up.

    `code` is the code typed to confirm; `signing_in_as` is the email when this is the
    enrolment a first sign-in requires, which then completes the sign-in (and its pending
    state, `pending_token`: LinkUnavailable, nothing kept, when that ended meanwhile).
    """
    with db.session() as session:
        staff = session.get(Staff, staff_id)
        credential = session.get(StaffCredential, staff_id)
        assert staff is not None and credential is not None  # noqa: S101 - signed in by password
        if signing_in_as is None and credential.totp_enabled_at is not None:
            return Enrolment(staff.email, "", already_enrolled=True)
        codes = None
        if code is not None:
            codes = second_factor.confirm_enrolment(session, keys, staff_id, code, now)
            if codes is not None and signing_in_as is not None and not pending_sign_in.finish(
                    session, pending_token, now):
                raise LinkUnavailable("this sign-in was completed or ended elsewhere")
            if codes is not None:
                audit.record(session, "totp_enrolled", actor_id=staff_id,
                             clinic_id=staff.clinic_id, at=now)
                if signing_in_as is not None:
                    signin.note_attempt(session, signing_in_as, ip, True, now)
                    audit.record(session, "sign_in", actor_id=staff_id,
                                 clinic_id=staff.clinic_id, at=now)
        elif credential.totp_secret_ct is None or credential.totp_enabled_at is not None:
            second_factor.begin_enrolment(session, keys, staff)
        secret = second_factor.pending_secret(session, keys, staff_id) or ""
        return Enrolment(staff.email, secret, codes)


def has_authenticator(db: Database, staff_id: uuid.UUID) -> bool:
    with db.session() as session:
        credential = session.get(StaffCredential, staff_id)
        return credential is not None and credential.totp_enabled_at is not None


def sign_out(db: Database, sid: str | None, now: datetime) -> None:
    with db.session() as session:
        staff_id = sessions.end_session(session, sid, now)
        if staff_id is not None:
            staff = session.get(Staff, staff_id)
            audit.record(session, "sign_out", actor_id=staff_id,
                         clinic_id=staff.clinic_id if staff else None, at=now)


def request_reset(db: Database, publish: Publisher, email: str, now: datetime) -> None:
    """Someone asks for a reset link. The page answers at once and alike for every email:
    the same lookup and one queued job whether or not the email is an account's (an unknown
    one queues a random id that matches nobody); the link is made and mailed by the task."""
    with db.session() as session:
        staff = session.scalar(select(Staff).where(Staff.email == email)) if "@" in email else None
        job = outbox.add(session, jobs.SEND_STAFF_RESET, staff.id if staff else uuid.uuid4())
    outbox.flush(db, publish, [job])


def send_reset(db: Database, settings: Settings, mailer: Mailer, staff_id: uuid.UUID,
               now: datetime) -> bool:
    """The task's half: a reset link for a known person, at most RESETS_PER_HOUR an hour,
    mailed; False when there was nobody (or too many) to send to."""
    with db.session() as session:
        staff = session.get(Staff, staff_id)
        if staff is None or _resets_last_hour(session, staff.id, now) >= RESETS_PER_HOUR:
            return False
        issued = staff_tokens.issue(session, settings, staff, "reset", now)
        audit.record(session, "password_reset_requested", actor_id=staff.id,
                     clinic_id=staff.clinic_id, object_type="staff", object_id=staff.id, at=now,
                     via="task")
        message = staff_tokens.reset_email(staff.email, issued.url,
                                           staff_language(session, staff))
    try:
        mailer.send(message)
    except DeliveryFailed as error:
        log.warning("password reset email not sent: %s", error)
        return False
    return True


def _resets_last_hour(session: Session, staff_id: uuid.UUID, at: datetime) -> int:
    return session.scalar(select(func.count(StaffToken.id)).where(
        StaffToken.staff_id == staff_id, StaffToken.purpose == "reset",
        StaffToken.created_at > at - timedelta(hours=1))) or 0


def token_email(db: Database, token: str, purpose: str, now: datetime) -> str:
    """Whose reset or invitation link this is (LinkUnavailable when it cannot be used)."""
    with db.session() as session:
        return staff_tokens.peek(session, token, purpose, now).email


def set_password_by_token(
    db: Database, token: str, purpose: str, password: str, confirm: str, now: datetime
) -> None:
    """Use a reset or invitation link to choose a password; audited."""
    if password != confirm:
        raise InvalidRequest.about("password", N_("the two passwords are not the same"))
    with db.session() as session:
        staff = staff_tokens.redeem(session, token, purpose, password, now)
        audit.record(session, "password_set", actor_id=staff.id, clinic_id=staff.clinic_id,
                     object_type="staff", object_id=staff.id,
                     outcome="invitation" if purpose == "invite" else "reset", at=now)
