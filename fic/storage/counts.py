"""What a unit of work wrote, for the metrics to count once it commits (fic.ops.metrics).

The ORM's flush shows rows added through the session; rows written with Core statements
(the form path, alerts, the delivery ledger) skip it, so their writer names them here;
a statement run without a session reports itself once committed.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

PENDING = "fic_metrics_pending"
FORMS, ALERTS, DELIVERIES = "forms", "alerts", "deliveries"


def wrote(session: Session, what: str, *labels: str) -> None:
    session.info.setdefault(PENDING, []).append((what, labels))


# Who counts what was written outside any ORM session (the metrics, once installed).
listeners: list[Callable[[str, tuple[str, ...]], None]] = []


def committed(what: str, *labels: str) -> None:
    """Written and committed without a session (one Core statement that commits itself)."""
    for listener in listeners:
        listener(what, labels)
