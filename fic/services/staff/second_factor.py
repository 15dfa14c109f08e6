"""The second factor: TOTP (RFC 6238) with single-use recovery codes.

The secret is sealed under the key ring, bound to its row. A code, or any older one, is
never accepted twice. Every function takes `now`, so tests move a clock instead of sleeping.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

import pyotp
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from fic.crypto import KeyRing, binding
from fic.errors import InvalidRequest
from fic.services.staff.sessions import clinic_settings
from fic.storage.models import Staff
from fic.storage.models_staff import RecoveryCode, StaffCredential

RECOVERY_CODES = 10
ISSUER = "fic"


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
            return _claim_step(session, credential, candidate)
    return False


def _claim_step(session: Session, credential: StaffCredential, step: int) -> bool:
    """One conditional UPDATE: of concurrent attempts with the same code exactly one moves the
    last accepted step forward; the others match no row (PostgreSQL re-checks the WHERE after
    the winner commits; SQLite runs writers one at a time)."""
    won = session.execute(  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
        update(StaffCredential)
        .where(StaffCredential.staff_id == credential.staff_id,
               or_(StaffCredential.totp_last_step.is_(None),
                   StaffCredential.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    session.refresh(credential)
    return won


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
    """Single use by one conditional UPDATE: concurrent uses of one code, exactly one wins."""
    raw = "".join(ch for ch in code.lower() if ch.isalnum())
    return session.execute(  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
        update(RecoveryCode)
        .where(
            RecoveryCode.staff_id == staff_id,
            RecoveryCode.code_hash == _code_hash(staff_id, raw),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _code_hash(staff_id: uuid.UUID, raw: str) -> str:
    return hashlib.sha256(f"recovery|{staff_id}|{raw}".encode()).hexdigest()

