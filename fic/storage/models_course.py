"""The worker's kept course state: where the rules stood after a client's latest form."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fic.storage.models import Base, UTCDateTime, utcnow


class CourseState(Base):
    """Where the rules stood after a client's latest answered session (Tracker.snapshot()).

    Lets the worker judge a new response without re-reading the whole course; it holds the
    recent scores on the 0–1 scale and episode state, never text. Valid only for the policy
    and instruments it was made with (`policy_key`)."""

    __tablename__ = "course_state"
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), primary_key=True)
    # The last session folded in, and its place in the course then.
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_session.id"))
    number: Mapped[int] = mapped_column(Integer)
    policy_key: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict[str, object]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
