"""What a unit of work wrote, for the metrics to count once it commits (fic.ops.metrics).

The ORM's flush shows rows added through the session; rows written with Core statements
(the form path, alerts, the delivery ledger) skip it, so their writer names them here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

PENDING = "fic_metrics_pending"
FORMS, ALERTS, DELIVERIES = "forms", "alerts", "deliveries"


def wrote(session: Session, what: str, *labels: str) -> None:
    session.info.setdefault(PENDING, []).append((what, labels))
