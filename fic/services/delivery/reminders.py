"""The one reminder: sent once, never after the form was answered, never in quiet hours.

A reminder row is written when a link is first delivered (due after the clinic's
`reminder_after_hours`). Beat calls `send_due` with the current time; a due reminder whose
session was answered, or whose link has expired, is cancelled; one that falls in quiet
hours waits for the next sweep. Sending goes through the ledger (key reminder:<session>),
so a retry after a failure is still the same, single reminder, and its link never
outlives the first one.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select

from fic.services.clinic.delivery_settings import delivery_policy
from fic.services.delivery import ledger
from fic.services.delivery.link_messages import LinkSenders, send_link_message
from fic.services.forms.links import answered
from fic.storage.db import Database
from fic.storage.models import Client, FeedbackLink, TherapySession
from fic.storage.models_delivery import LinkReminder


def send_due(db: Database, senders: LinkSenders, now: datetime, limit: int = 200) -> int:
    """Send every reminder that is due now; returns how many went out."""
    with db.session() as session:
        due = session.scalars(
            select(LinkReminder.session_id)
            .where(LinkReminder.sent_at.is_(None), LinkReminder.cancelled_at.is_(None),
                   LinkReminder.due_at <= now)
            .order_by(LinkReminder.due_at)
            .limit(limit)
        ).all()
    return sum(send_reminder(db, senders, session_id, now) == "sent" for session_id in due)


def send_reminder(db: Database, senders: LinkSenders, session_id: uuid.UUID,
                  now: datetime) -> str:
    with db.session() as session:
        reminder = session.get(LinkReminder, session_id)
        if reminder is None or reminder.cancelled_at is not None:
            return ledger.DONE
        therapy = session.get(TherapySession, session_id)
        client = session.get(Client, therapy.client_id) if therapy else None
        assert client is not None  # noqa: S101 - foreign keys
        expires_at = session.scalar(
            select(func.max(FeedbackLink.expires_at)).where(
                FeedbackLink.session_id == session_id,
                FeedbackLink.delivered_at.is_not(None),
            )
        )
        if answered(session, session_id) or expires_at is None or expires_at <= now:
            reminder.cancelled_at = now
            return ledger.DONE
        policy = delivery_policy(session, client.clinic_id)
        if policy.is_quiet(now):
            return ledger.LATER
        reminder.sent_at = reminder.sent_at or now
        channel = reminder.channel
    spec = ledger.Spec(f"reminder:{session_id}", "reminder", channel, session_id,
                       policy.clinic_id)
    return send_link_message(db, senders, spec, session_id, channel, now, reminder=True,
                             expires_at=expires_at)
