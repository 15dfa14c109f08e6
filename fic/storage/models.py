"""SQLAlchemy 2 tables. Confidential text is stored only as AES-GCM ciphertext (`*_ct`).

Primary keys are random UUIDs: ids travel in task messages, emails and URLs, and must
reveal nothing about counts or order. Times are timezone-aware UTC.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from fic import clock


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes; SQLite hands back naive ones, which are UTC by construction."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """fic.clock.now(), the one clock (kept here as the column default every table uses)."""
    return clock.now()


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def _id() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


def _created() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, default=utcnow)


class Clinic(Base):
    __tablename__ = "clinic"
    id: Mapped[uuid.UUID] = _id()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    language: Mapped[str] = mapped_column(String(16), default="en")
    # Instruments on the post-session form, in order; None = the alliance check alone.
    form_instruments: Mapped[list[str] | None] = mapped_column(JSON)
    # Weekly supervision summaries: built on this weekday (0 = Monday) at this local hour
    # for the week before; kept this many days; attached to the email only if opted in.
    report_weekday: Mapped[int] = mapped_column(Integer, default=0)
    report_hour: Mapped[int] = mapped_column(Integer, default=7)
    report_retention_days: Mapped[int] = mapped_column(Integer, default=365)
    report_attach_pdf: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = _created()

    @property
    def instruments(self) -> list[str]:
        return list(self.form_instruments or ["alliance"])


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (CheckConstraint("role IN ('clinician','supervisor','admin')", name="role"),)
    id: Mapped[uuid.UUID] = _id()
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    supervisor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    report_passphrase_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    language: Mapped[str | None] = mapped_column(String(16))  # None: the clinic's language
    created_at: Mapped[datetime] = _created()
    supervisor: Mapped[Staff | None] = relationship(remote_side=[id])


class ApiKey(Base):
    __tablename__ = "api_key"
    id: Mapped[uuid.UUID] = _id()
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    # What the key may do (fic.services.integration.scopes); None = everything (older keys).
    scopes: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = _created()
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Client(Base):
    __tablename__ = "client"
    __table_args__ = (UniqueConstraint("clinic_id", "client_ref"),)
    id: Mapped[uuid.UUID] = _id()
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic.id"))
    client_ref: Mapped[str] = mapped_column(String(64))
    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    # The client's data key, wrapped by a key-encryption key; NULL once erased.
    dek_kid: Mapped[str | None] = mapped_column(String(32))
    dek_wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    language: Mapped[str | None] = mapped_column(String(16))  # None: the clinic's language
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # `fic client erase`
    discharged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # no new sessions/links
    created_at: Mapped[datetime] = _created()


class TherapySession(Base):
    __tablename__ = "therapy_session"
    id: Mapped[uuid.UUID] = _id()
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    contact_email_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    external_ref: Mapped[str | None] = mapped_column(String(128))  # another system's id for it
    created_at: Mapped[datetime] = _created()


class FeedbackLink(Base):
    """One delivery of the form for a session; only the token's SHA-256 is kept."""

    __tablename__ = "feedback_link"
    id: Mapped[uuid.UUID] = _id()
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_session.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _created()


class Response(Base):
    __tablename__ = "response"
    id: Mapped[uuid.UUID] = _id()
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_session.id"), unique=True)
    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("feedback_link.id"), unique=True)
    # The form's instruments, comma-separated, the alliance check first.
    instrument: Mapped[str] = mapped_column(String(64))
    comment_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    submitted_at: Mapped[datetime] = _created()
    answers: Mapped[list[Answer]] = relationship(
        cascade="all, delete-orphan", order_by="Answer.item"
    )

    @property
    def instruments(self) -> tuple[str, ...]:
        return tuple(self.instrument.split(","))

    @property
    def values(self) -> dict[str, int]:
        return {answer.item: answer.value for answer in self.answers}


class Answer(Base):
    """One item's answer: visual-analogue scores in tenths 0–100, choices as their index."""

    __tablename__ = "answer"
    __table_args__ = (CheckConstraint("value BETWEEN 0 AND 100", name="range"),)
    response_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("response.id"), primary_key=True)
    item: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class Alert(Base):
    __tablename__ = "alert"
    id: Mapped[uuid.UUID] = _id()
    # (episode, rule, level), or (session, rule, level) outside an episode: a redelivered
    # evaluation finds the row and adds nothing.
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    response_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("response.id"), index=True)
    rule: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    episode: Mapped[int | None] = mapped_column(Integer)
    # why, in plain words with the scores (health data: shown to staff, never sent)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Episode(Base):
    """A client's rupture episode as the rules last left it (recomputed, never edited by hand)."""

    __tablename__ = "episode"
    __table_args__ = (
        UniqueConstraint("client_id", "number"),
        CheckConstraint("state IN ('open','repaired','escalated','closed')", name="state"),
    )
    id: Mapped[uuid.UUID] = _id()
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    opened_session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_session.id"))
    closed_session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("therapy_session.id"))
    escalated_session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("therapy_session.id"))
    rules: Mapped[list[str]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)  # why it opened (see Alert.reason)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Notification(Base):
    """One message about one alert to one person; the row exists before the provider is called."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("alert_id", "staff_id", "channel"),)
    id: Mapped[uuid.UUID] = _id()
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alert.id"), index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _created()


class Report(Base):
    """A rendered, passphrase-encrypted PDF, stored sealed once more under the key ring."""

    __tablename__ = "report"
    __table_args__ = (
        CheckConstraint("status IN ('building','ready','failed','purged')", name="status"),
    )
    id: Mapped[uuid.UUID] = _id()
    # kind:supervisor:period[:client] — building the same report twice finds this row.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    supervisor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("client.id"))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    period_label: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32), default="supervision_summary")
    status: Mapped[str] = mapped_column(String(16), default="building")
    file_name: Mapped[str] = mapped_column(String(64))
    content_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(200))
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _created()


class Outbox(Base):
    """Jobs written in the same transaction as the change that needs them."""

    __tablename__ = "outbox"
    id: Mapped[uuid.UUID] = _id()
    task: Mapped[str] = mapped_column(String(64))
    args: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = _created()
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
