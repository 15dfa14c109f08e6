"""The alert inbox, as plain values: open alerts most urgent first, or the acknowledged ones."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fic.services.alerts.summaries import alert_summary
from fic.services.core.access import Actor, clients_in_scope
from fic.storage.models import Alert, Client, Response, TherapySession


def inbox(session: Session, actor: Actor, done: bool) -> list[dict[str, object]]:
    """Open alerts (most urgent first) or the acknowledged ones (newest first)."""
    scope = clients_in_scope(actor).with_only_columns(Client.id)
    query = select(Alert, Client.client_ref, TherapySession.held_at).join(
        Client, Client.id == Alert.client_id).join(
        Response, Response.id == Alert.response_id).join(
        TherapySession, TherapySession.id == Response.session_id).where(
        Alert.client_id.in_(scope), Alert.level != "watch"
    )
    if done:
        query = query.where(Alert.acknowledged_at.is_not(None)).order_by(
            Alert.acknowledged_at.desc()).limit(100)
    else:
        query = query.where(Alert.acknowledged_at.is_(None)).order_by(Alert.created_at)
    order = {"urgent": 0, "escalation": 1, "rupture": 2, "low_alliance": 3}
    rows = []
    for alert, ref, held_at in session.execute(query):
        summary = alert_summary(session, alert)
        summary["client_ref"] = ref
        summary["held_at"] = held_at
        summary["client_id"] = alert.client_id
        rows.append(summary)
    if not done:
        rows.sort(key=lambda r: order.get(str(r["level"]), 9))
    return rows
