"""The goals a client and clinician name together (at most three live at a time).

The wording is the client's own and is sealed under the client's data key, bound to its
row, like a comment. A goal keeps its slot (1–3: the form's goal_1..goal_3 item) while it
is live; retiring it frees the slot. Which goal a stored rating belongs to follows from the
slot and the goal's live period.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from fic.storage.models import Base, UTCDateTime, utcnow


class ClientGoal(Base):
    __tablename__ = "client_goal"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    slot: Mapped[int] = mapped_column(Integer)
    wording_ct: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
