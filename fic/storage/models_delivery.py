"""Tables of delivery: channels, webhooks, acknowledgements, escalations, reminders.

`delivery` is the ledger behind "exactly once": one row per message that must go out,
keyed by a unique delivery key (what, to whom, by which channel) and written before the
provider is called. `delivery_attempt` logs every try for admins. Contacts and notes are
stored only as ciphertext; webhook secrets are sealed under the key ring.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from fic.storage.models import Base, UTCDateTime, utcnow


class ClinicDeliverySettings(Base):
    """One clinic's delivery choices; a clinic without a row uses the defaults.

    The defaults live in one place, fic.services.clinic.delivery_settings.DeliveryPolicy; the row is
    always written whole from it. Nullable columns carry no ORM default: SQLAlchemy leaves a
    None out of the INSERT, so a default here would silently replace a clinic's "none"."""

    __tablename__ = "clinic_delivery_settings"
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic.id"), primary_key=True)
    link_lifetime_hours: Mapped[int] = mapped_column(Integer, default=96)
    # None: no reminder.
    reminder_after_hours: Mapped[int | None] = mapped_column(Integer)
    # "HH:MM" in the clinic's time zone; no message to a client between start and end.
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    # level -> list of targets: clinician, supervisor, on_call, webhook.
    routing: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    on_call_email: Mapped[str | None] = mapped_column(String(254))
    watch_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_hour: Mapped[int] = mapped_column(Integer, default=8)
    escalate_rupture_minutes: Mapped[int] = mapped_column(Integer, default=24 * 60)
    escalate_urgent_minutes: Mapped[int] = mapped_column(Integer, default=60)
    # language -> the clinic's own crisis text, shown after a comment with risk language.
    crisis_text: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # language -> the clinic's own sentence inviting the client to answer.
    link_wording: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Acknowledgement(Base):
    """Someone acted on an alert: who, when, what they did, and an encrypted note."""

    __tablename__ = "acknowledgement"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alert.id"), unique=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # For reports: alert raised -> acknowledged.
    seconds_to_ack: Mapped[int] = mapped_column(Integer)
    via: Mapped[str] = mapped_column(String(16), default="web")


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoint"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret_ct: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The operator allowed a loopback/private/http target (services/webhook_targets.py).
    allow_private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """One message that must go out once. The row exists before the provider is called."""

    __tablename__ = "delivery"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    clinic_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("clinic.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    # pending -> sending -> sent | failed (retried later) | dead (given up, admins see it)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempt"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("delivery.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool | None] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))


class AlertEscalation(Base):
    """How far an unacknowledged alert has been escalated (1 supervisor, 2 on-call)."""

    __tablename__ = "alert_escalation"
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alert.id"), primary_key=True)
    stage: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LinkReminder(Base):
    """The one reminder a session's client may get; sent_at is set before sending."""

    __tablename__ = "link_reminder"
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("therapy_session.id"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SessionPhone(Base):
    """A session's SMS contact, sealed under the client's data key."""

    __tablename__ = "session_phone"
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("therapy_session.id"), primary_key=True
    )
    phone_ct: Mapped[bytes] = mapped_column(LargeBinary)


class RoomCode(Base):
    """A short code typed on the client's own phone in the room; only its hash is kept."""

    __tablename__ = "room_code"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_session.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

