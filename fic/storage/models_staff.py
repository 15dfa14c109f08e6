"""Tables of the staff side: credentials, second factor, sign-in, tokens, sessions, audit.

Nothing here holds health data. Secrets are stored as hashes (passwords: argon2id; tokens,
recovery codes and session ids: SHA-256 of 256-bit or 80-bit random values) or sealed
(the TOTP secret, under the key ring with its row bound in the associated data).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fic.storage.models import Base, UTCDateTime, utcnow


class StaffCredential(Base):
    """1:1 with staff; absent until the person has chosen a password."""

    __tablename__ = "staff_credential"
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    totp_secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last accepted TOTP time step: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(Base):
    __tablename__ = "staff_recovery_code"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInAttempt(Base):
    """Every password or code check; counted for lockout (per account) and rate limits (per IP).

    The typed email is kept only as a SHA-256 (people type passwords into email fields).
    """

    __tablename__ = "staff_sign_in_attempt"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    ip_hash: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class StaffToken(Base):
    """A single-use link for a password reset or an invitation; only its SHA-256 is kept."""

    __tablename__ = "staff_token"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "reset" | "invite"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffSession(Base):
    """A signed-in browser. The cookie carries a random id; the row is looked up by its hash."""

    __tablename__ = "staff_session"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while a sign-in waits for its second factor ("totp" | "enrol"); never a session then.
    stage: Mapped[str | None] = mapped_column(String(8))


class ClinicStaffSettings(Base):
    """The staff-side settings of one clinic (1:1 with clinic; defaults when absent)."""

    __tablename__ = "clinic_staff_settings"
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic.id"), primary_key=True)
    # MFA for every role that reads comments, clinicians included (ASVS 6.3.3), unless turned off.
    clinician_totp_required: Mapped[bool] = mapped_column(Boolean, default=True)
    idle_minutes: Mapped[int] = mapped_column(Integer, default=15)
    absolute_hours: Mapped[int] = mapped_column(Integer, default=12)


class AuditEvent(Base):
    """One line of the audit trail: who, what, which id, when, outcome. Never health data.

    Rows are chained: hash = HMAC-SHA256(key derived from ring key `key_id`, prev_hash ‖
    canonical JSON of the row), and seq runs 1, 2, 3… without gaps, so an edited or deleted
    row is found by `fic audit verify` (services/audit_seal.py).
    """

    __tablename__ = "audit_event"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    clinic_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str | None] = mapped_column(String(24))
    object_id: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(32))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The key-ring key whose derived MAC key chains this row; None on rows from before.
    key_id: Mapped[str | None] = mapped_column(String(32))
    # Not a staff page: "cli", "task" or "api:<api key id>" (which key made the call).
    via: Mapped[str | None] = mapped_column(String(48))


class AuditHead(Base):
    """The chain's head (one row, id 1): updated first in every append, so appends serialise."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
