"""Staff sign-in: argon2id passwords, TOTP with recovery codes, lockout, rate limits, sessions.

Every function takes `now`, so tests move a clock instead of sleeping. Answers never say
whether an email belongs to an account: an unknown email costs the same argon2 work and
is counted and locked exactly like a known one.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fic.crypto import KeyRing, binding, sha256_hex
from fic.errors import InvalidRequest
from fic.services.access import Actor
from fic.storage.models import Clinic, Staff
from fic.storage.models_staff import (
    ClinicStaffSettings,
    RecoveryCode,
    SignInAttempt,
    StaffCredential,
    StaffSession,
)

HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (64 MiB, t=3, p=4)
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))
LOCK_AFTER = 5  # failures in a row for one email…
LOCK_FOR = timedelta(minutes=15)  # …lock it for this long after the last of them
IP_LIMIT = 30  # failures from one address within IP_WINDOW get 429
IP_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 12
MAX_PASSWORD = 256
RECOVERY_CODES = 10
UNUSABLE = "!"  # not an argon2 hash: verification always fails
ISSUER = "fic"


@dataclass(frozen=True)
class PasswordCheck:
    """`staff_id` is set only when the password was right and nothing blocks the account."""

    outcome: str  # "ok" | "wrong" | "locked" | "rate_limited"
    staff_id: uuid.UUID | None = None
    second_factor: str | None = None  # None | "totp" (enrolled) | "enrol" (required, not set up)


@dataclass(frozen=True)
class SessionCheck:
    actor: Actor | None
    reason: str  # "ok" | "missing" | "idle" | "expired" | "ended"


def email_hash(email: str) -> str:
    return sha256_hex("email|" + email.strip().lower())


def ip_hash(ip: str | None) -> str:
    return sha256_hex("ip|" + (ip or "unknown"))


def clinic_settings(session: Session, clinic_id: uuid.UUID) -> ClinicStaffSettings:
    found = session.get(ClinicStaffSettings, clinic_id)
    if found is None:
        found = ClinicStaffSettings(
            clinic_id=clinic_id, clinician_totp_required=False, idle_minutes=15, absolute_hours=12
        )
    return found


def check_password_rules(password: str, email: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidRequest(f"password: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidRequest(f"password: use at most {MAX_PASSWORD} characters")
    if password.strip().lower() == email.strip().lower():
        raise InvalidRequest("password: the password must not be your email address")


def set_password(session: Session, staff: Staff, password: str, now: datetime) -> None:
    """Set a new password and end every session the person had."""
    check_password_rules(password, staff.email)
    credential = session.get(StaffCredential, staff.id)
    if credential is None:
        credential = StaffCredential(staff_id=staff.id, password_hash="")
        session.add(credential)
    credential.password_hash = HASHER.hash(password)
    credential.password_changed_at = now
    end_all_sessions(session, staff.id, now)


def reset_sign_in(session: Session, staff_id: uuid.UUID, now: datetime) -> None:
    """An admin's reset after a lost phone: no usable password, no second factor, no sessions."""
    credential = session.get(StaffCredential, staff_id)
    if credential is not None:
        credential.password_hash = UNUSABLE
        credential.totp_secret_ct = credential.totp_enabled_at = credential.totp_last_step = None
    end_all_sessions(session, staff_id, now)


def check_password(
    session: Session, email: str, password: str, ip: str | None, now: datetime
) -> PasswordCheck:
    if _ip_failures(session, ip, now) >= IP_LIMIT:
        return PasswordCheck("rate_limited")
    locked = is_locked(session, email, now)
    staff = session.scalar(select(Staff).where(Staff.email == email.strip().lower()))
    credential = session.get(StaffCredential, staff.id) if staff else None
    stored = credential.password_hash if credential else _DUMMY_HASH
    right = _verify(stored, password[:MAX_PASSWORD])
    usable = right and credential is not None and credential.disabled_at is None
    if locked:
        return PasswordCheck("locked")
    if not usable or staff is None or credential is None:
        note_attempt(session, email, ip, False, now)
        return PasswordCheck("locked" if is_locked(session, email, now) else "wrong")
    if HASHER.check_needs_rehash(credential.password_hash):
        credential.password_hash = HASHER.hash(password)
    if credential.totp_enabled_at is not None:
        return PasswordCheck("ok", staff.id, "totp")
    if totp_required(session, staff):
        return PasswordCheck("ok", staff.id, "enrol")
    note_attempt(session, email, ip, True, now)
    return PasswordCheck("ok", staff.id, None)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def note_attempt(
    session: Session, email: str, ip: str | None, succeeded: bool, now: datetime
) -> None:
    session.add(
        SignInAttempt(
            id=uuid.uuid4(),
            email_hash=email_hash(email),
            ip_hash=ip_hash(ip),
            succeeded=succeeded,
            at=now,
        )
    )
    session.flush()


def is_locked(session: Session, email: str, now: datetime) -> bool:
    """Locked when the last LOCK_AFTER attempts all failed and the newest is recent."""
    recent = session.scalars(
        select(SignInAttempt.succeeded)
        .where(SignInAttempt.email_hash == email_hash(email), SignInAttempt.at > now - LOCK_FOR)
        .order_by(SignInAttempt.at.desc())
        .limit(LOCK_AFTER)
    ).all()
    return len(recent) >= LOCK_AFTER and not any(recent)


def _ip_failures(session: Session, ip: str | None, now: datetime) -> int:
    return session.scalar(
        select(func.count(SignInAttempt.id)).where(
            SignInAttempt.ip_hash == ip_hash(ip),
            SignInAttempt.succeeded.is_(False),
            SignInAttempt.at > now - IP_WINDOW,
        )
    ) or 0


# Second factor


def totp_required(session: Session, staff: Staff) -> bool:
    if staff.role in ("supervisor", "admin"):
        return True
    return clinic_settings(session, staff.clinic_id).clinician_totp_required


def totp_binding(staff_id: uuid.UUID) -> bytes:
    return binding("staff_credential", "totp_secret", staff_id)


def begin_enrolment(session: Session, keys: KeyRing, staff: Staff) -> str:
    """A fresh secret, stored sealed but not yet active; returns the otpauth:// URI."""
    credential = session.get(StaffCredential, staff.id)
    if credential is None:
        raise InvalidRequest("set a password first")
    secret = pyotp.random_base32()
    credential.totp_secret_ct = keys.seal_direct(secret, totp_binding(staff.id))
    credential.totp_enabled_at = None
    credential.totp_last_step = None
    return authenticator_uri(secret, staff.email)


def authenticator_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def pending_secret(session: Session, keys: KeyRing, staff_id: uuid.UUID) -> str | None:
    credential = session.get(StaffCredential, staff_id)
    if credential is None or credential.totp_secret_ct is None:
        return None
    return keys.open_direct(credential.totp_secret_ct, totp_binding(staff_id))


def verify_totp(
    session: Session, keys: KeyRing, staff_id: uuid.UUID, code: str, now: datetime
) -> bool:
    """One step either side for clock drift; a code (or an older one) is never accepted twice."""
    credential = session.get(StaffCredential, staff_id)
    code = "".join(code.split())
    if credential is None or credential.totp_secret_ct is None or not code.isdigit():
        return False
    totp = pyotp.TOTP(keys.open_direct(credential.totp_secret_ct, totp_binding(staff_id)))
    step = int(now.timestamp()) // totp.interval
    for candidate in (step - 1, step, step + 1):
        if credential.totp_last_step is not None and candidate <= credential.totp_last_step:
            continue
        if secrets.compare_digest(totp.at(candidate * totp.interval), code):
            credential.totp_last_step = candidate
            return True
    return False


def confirm_enrolment(
    session: Session, keys: KeyRing, staff_id: uuid.UUID, code: str, now: datetime
) -> list[str] | None:
    """Activate the pending secret if the code matches; returns new recovery codes once."""
    if not verify_totp(session, keys, staff_id, code, now):
        return None
    credential = session.get(StaffCredential, staff_id)
    assert credential is not None  # noqa: S101 - verify_totp found it
    credential.totp_enabled_at = now
    return new_recovery_codes(session, staff_id, now)


def new_recovery_codes(session: Session, staff_id: uuid.UUID, now: datetime) -> list[str]:
    """Ten fresh codes (80 bits each), shown once; any older unused codes stop working."""
    session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.staff_id == staff_id, RecoveryCode.used_at.is_(None))
        .values(used_at=now)
    )
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(16))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:]}")
        session.add(
            RecoveryCode(id=uuid.uuid4(), staff_id=staff_id, code_hash=_code_hash(staff_id, raw))
        )
    return codes


def use_recovery_code(session: Session, staff_id: uuid.UUID, code: str, now: datetime) -> bool:
    raw = "".join(ch for ch in code.lower() if ch.isalnum())
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.staff_id == staff_id,
            RecoveryCode.code_hash == _code_hash(staff_id, raw),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = now
    return True


def _code_hash(staff_id: uuid.UUID, raw: str) -> str:
    return hashlib.sha256(f"recovery|{staff_id}|{raw}".encode()).hexdigest()


# Sessions


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
    row = session.scalar(select(StaffSession).where(StaffSession.sid_hash == sha256_hex(sid)))
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
    return SessionCheck(Actor(staff.id, staff.clinic_id, staff.role, staff.email), "ok")


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


def clinic_name(session: Session, clinic_id: uuid.UUID) -> str:
    clinic = session.get(Clinic, clinic_id)
    return clinic.name if clinic else ""
