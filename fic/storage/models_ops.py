"""Operations tables: how long each clinic keeps what (fic.ops.retention)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from fic.storage.models import Base

# Clinical records are commonly kept 7 years after the last contact; audit documentation
# at least 6 (HIPAA 164.316(b)(2)). The audit trail always outlives the data it describes.
DATA_DAYS, AUDIT_DAYS = 2555, 3650


class ClinicRetention(Base):
    """A clinic's retention periods in days; no row means the defaults above."""

    __tablename__ = "clinic_retention"
    clinic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic.id"), primary_key=True)
    # A client's whole record goes this long after their last session.
    data_days: Mapped[int] = mapped_column(Integer, default=DATA_DAYS)
    # Free-text comments go this long after the session, even while the client is in care.
    comment_days: Mapped[int] = mapped_column(Integer, default=DATA_DAYS)
    audit_days: Mapped[int] = mapped_column(Integer, default=AUDIT_DAYS)
