"""An alert as the staff pages and reports show it: its level, rule and acknowledgement in words
(the words of the language being spoken: the page's, or a report's)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from fic.services.alerts import acknowledgements
from fic.services.alerts.labels import ACTION_TEXT, LEVEL_TEXT, RULE_TEXT
from fic.storage.models import Alert, Staff


def alert_summary(session: Session, alert: Alert) -> dict[str, object]:
    ack = acknowledgements.acknowledgement_of(session, alert.id)
    by = session.get(Staff, ack.staff_id) if ack else None
    return {
        "id": alert.id,
        "level": alert.level,
        "level_text": _(LEVEL_TEXT.get(alert.level, alert.level)),
        "rule_text": _(RULE_TEXT.get(alert.rule, alert.rule)),
        "reason": alert.reason,  # why, in words and numbers (health data: pages only)
        "created_at": alert.created_at,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_action": ack.action if ack else None,
        "acknowledged_seconds": ack.seconds_to_ack if ack else None,
        "action_text": _(ACTION_TEXT.get(ack.action, ack.action)) if ack else None,
        "by": by.email if by else None,
        "episode": alert.episode,
    }
