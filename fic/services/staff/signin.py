"""Staff sign-in: argon2id passwords, lockout and rate limits (then second_factor, sessions).

Every function takes `now`, so tests move a clock instead of sleeping. Answers never say
whether an email belongs to an account: an unknown email costs the same argon2 work and
is counted and locked exactly like a known one.
"""

from __future__ import annotations

import functools
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fic.crypto import sha256_hex
from fic.errors import InvalidRequest
from fic.services.staff.second_factor import totp_required
from fic.services.staff.sessions import end_all_sessions
from fic.storage.models import Staff
from fic.storage.models_staff import SignInAttempt, StaffCredential

HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (64 MiB, t=3, p=4)
LOCK_AFTER = 5  # failures in a row for one email…
LOCK_FOR = timedelta(minutes=15)  # …lock it for this long after the last of them
IP_LIMIT = 30  # failures from one address within IP_WINDOW get 429
IP_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 12
MAX_PASSWORD = 256
UNUSABLE = "!"  # not an argon2 hash: verification always fails



@functools.cache
def _dummy_hash() -> str:
    """What an unknown email is checked against: made on first use (0.2 s, 64 MiB), not at
    import, so processes that never sign anyone in (workers, the CLI) never pay for it."""
    return HASHER.hash(secrets.token_urlsafe(16))

@dataclass(frozen=True)
class PasswordCheck:
    """`staff_id` is set only when the password was right and nothing blocks the account."""

    outcome: str  # "ok" | "wrong" | "locked" | "rate_limited"
    staff_id: uuid.UUID | None = None
    second_factor: str | None = None  # None | "totp" (enrolled) | "enrol" (required, not set up)



def email_hash(email: str) -> str:
    return sha256_hex("email|" + email.strip().lower())


def ip_hash(ip: str | None) -> str:
    return sha256_hex("ip|" + (ip or "unknown"))



def check_password_rules(password: str, email: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidRequest.about("password", f"use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidRequest.about("password", f"use at most {MAX_PASSWORD} characters")
    if password.strip().lower() == email.strip().lower():
        raise InvalidRequest.about("password", "the password must not be your email address")


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
    stored = credential.password_hash if credential else _dummy_hash()
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
