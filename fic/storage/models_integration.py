"""Tables of integration: idempotent API replies and the inbound "session ended" webhook.

A stored reply may carry a feedback link, so it is kept sealed under the key ring. The
inbound webhook's secret is sealed too; each accepted event id is kept so a replayed
delivery is refused.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fic.storage.models import Base, UTCDateTime, utcnow


class IdempotentReply(Base):
    """The answer given to a POST with an Idempotency-Key, replayed for the same key."""

    __tablename__ = "idempotent_reply"
    __table_args__ = (UniqueConstraint("clinic_id", "key"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic.id"))
    key: Mapped[str] = mapped_column(String(200))
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class InboundSecret(Base):
    """The per-clinic secret an EHR signs its "session ended" calls with."""

    __tablename__ = "inbound_secret"
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic.id"), primary_key=True)
    secret_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboundEvent(Base):
    """An accepted inbound event; its id is never accepted again from that clinic."""

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("clinic_id", "event_id"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic.id"))
    event_id: Mapped[str] = mapped_column(String(128))
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("therapy_session.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
