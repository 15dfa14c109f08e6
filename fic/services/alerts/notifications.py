"""Tell the right people that an alert exists, without saying anything about the client.

Who hears of a level is the clinic's routing (clinician, supervisor, on-call address,
webhooks). Each message goes through the delivery ledger (fic.services.delivery.ledger): its row
and lease are committed before the provider is called, so a redelivered task, a retry or
a second worker never sends it twice, and a failure is retried with backoff by the sweep.
Messages carry the level, the opaque alert id and a sign-in link: no name, score,
comment, client_ref or contact.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from fic import clock
from fic.crypto import KeyRing
from fic.delivery.email import Email, Mailer
from fic.services.alerts import ack_links
from fic.services.alerts import alert_wording as wording
from fic.services.clinic.delivery_settings import DeliveryPolicy, delivery_policy
from fic.services.core import channels
from fic.services.delivery import ledger
from fic.settings import Settings
from fic.storage.db import Database, table, upsert
from fic.storage.models import Alert, Client, Clinic, Notification, Staff
from fic.storage.models_delivery import AlertEscalation

# Escalation stage -> who hears of it: first the supervisor, then the on-call address.
ESCALATION_TARGETS = {1: ("supervisor", "webhook"), 2: ("on_call", "webhook")}


@dataclass(frozen=True)
class Outcome:
    sent: int
    failed: int
    later: int = 0


@dataclass(frozen=True)
class Recipient:
    """One destination on one channel: a person's email, the on-call address, or one of a
    channel's own destinations (a webhook endpoint, a chat room)."""

    channel: str
    address: channels.Address


@dataclass(frozen=True)
class Message:
    """What one run will send: everything but the recipients is the same for all."""

    kind: str  # alert | escalation
    alert_id: uuid.UUID
    clinic_id: uuid.UUID
    level: str
    raised_at: datetime
    stage: int = 0
    language: str = "en"  # the clinic's: what its staff read
    timezone: str = "UTC"


@dataclass(frozen=True)
class Senders:
    mailer: Mailer
    keys: KeyRing
    settings: Settings


def notify_alert(
    db: Database, senders: Senders, alert_id: uuid.UUID, now: datetime | None = None
) -> Outcome:
    """Send the alert to everyone its level is routed to, each once."""
    with db.session() as session:
        loaded = _load(session, alert_id)  # held: the identity map keeps rows weakly
        alert = loaded[0] if loaded else None
        if alert is None or alert.level not in wording.LEVEL_TEXT:
            return Outcome(0, 0)
        policy, message = _message(session, alert, "alert")
        recipients = _recipients(session, senders, alert, policy, policy.targets(alert.level))
    return _send_all(db, senders, message, recipients, now)


def notify_escalation(
    db: Database, senders: Senders, alert_id: uuid.UUID, now: datetime | None = None
) -> Outcome:
    """Send every escalation stage reached so far (already-sent ones are skipped)."""
    total = Outcome(0, 0)
    with db.session() as session:
        loaded = _load(session, alert_id)  # held: the identity map keeps rows weakly
        alert = loaded[0] if loaded else None
        state = session.get(AlertEscalation, alert_id)
        if alert is None or state is None or alert.acknowledged_at is not None:
            return total
        plans = []
        for stage in range(1, min(state.stage, max(ESCALATION_TARGETS)) + 1):
            policy, message = _message(session, alert, "escalation", stage)
            targets = list(ESCALATION_TARGETS[stage])
            plans.append((message, _recipients(session, senders, alert, policy, targets)))
    for message, recipients in plans:
        outcome = _send_all(db, senders, message, recipients, now)
        total = Outcome(total.sent + outcome.sent, total.failed + outcome.failed,
                        total.later + outcome.later)
    return total


def alert_email(settings: Settings, message: Message, to: str, delivery_key: str,
                ack_url: str | None) -> Email:
    return wording.alert_email(
        to=to, alert_id=message.alert_id, level=message.level, raised_at=message.raised_at,
        escalation=message.kind == "escalation", language=message.language,
        timezone=message.timezone, url=f"{settings.base_url}/staff/alerts/{message.alert_id}",
        ack_url=ack_url, delivery_key=delivery_key)


def alert_content(settings: Settings, message: Message, to: str, delivery_key: str,
                  ack_url: str | None) -> channels.Content:
    """The alert as every channel may send it: level, opaque id and a sign-in link only."""
    mail = alert_email(settings, message, to, delivery_key, ack_url)
    url = f"{settings.base_url}/staff/alerts/{message.alert_id}"
    payload: dict[str, object] = {
        "event": "alert.escalated" if message.kind == "escalation" else "alert.raised",
        "alert_id": str(message.alert_id),
        "level": message.level,
        "raised_at": message.raised_at.isoformat(),
        "url": url,
    }
    if message.kind == "escalation":
        payload["escalation_stage"] = message.stage
    return channels.Content(mail.subject, mail.text, f"{mail.subject}: {ack_url or url}",
                            html=mail.html, payload=payload, message_id=mail.message_id)


def _load(session: Session, alert_id: uuid.UUID) -> tuple[Any, ...] | None:
    """The alert with its client, clinic, clinician and supervisor in one statement (while
    the caller holds them, the session's later `get`s of those rows need none)."""
    row = session.execute(_LOAD, {"alert": alert_id}).first()
    return None if row is None else tuple(row)


_CLINICIAN, _SUPERVISOR = aliased(Staff), aliased(Staff)
_LOAD = (  # built once: every alert runs it
    select(Alert, Client, Clinic, _CLINICIAN, _SUPERVISOR)
    .join(Client, Client.id == Alert.client_id)
    .join(Clinic, Clinic.id == Client.clinic_id)
    .outerjoin(_CLINICIAN, _CLINICIAN.id == Client.clinician_id)
    .outerjoin(_SUPERVISOR, _SUPERVISOR.id == _CLINICIAN.supervisor_id)
    .where(Alert.id == bindparam("alert", type_=Alert.id.type))
)


def _message(
    session: Session, alert: Alert, kind: str, stage: int = 0
) -> tuple[DeliveryPolicy, Message]:
    client = session.get(Client, alert.client_id)
    assert client is not None  # noqa: S101 - foreign key
    policy = delivery_policy(session, client.clinic_id)
    return policy, Message(kind, alert.id, client.clinic_id, alert.level, alert.created_at, stage,
                           policy.language, policy.timezone)


def _recipients(
    session: Session, senders: Senders, alert: Alert, policy: DeliveryPolicy, targets: list[str]
) -> list[Recipient]:
    client = session.get(Client, alert.client_id)
    clinician = session.get(Staff, client.clinician_id) if client else None
    supervisor = (
        session.get(Staff, clinician.supervisor_id)
        if clinician is not None and clinician.supervisor_id
        else None
    )
    found: list[Recipient] = []
    for target in targets:
        person = {"clinician": clinician, "supervisor": supervisor}.get(target)
        if person is not None:
            found.append(Recipient("email", channels.Address(str(person.id), person.email,
                                                             staff_id=person.id)))
        elif target == "on_call" and policy.on_call_email:
            found.append(Recipient("email", channels.Address("on_call", policy.on_call_email)))
        elif target in channels.registered():
            found += [Recipient(target, address) for address in
                      channels.get(target).recipients(session, senders, policy.clinic_id)]
    unique = {(r.address.ref, r.channel): r for r in found}
    return list(unique.values())


def _send_all(db: Database, senders: Senders, message: Message, recipients: list[Recipient],
              now: datetime | None) -> Outcome:
    """Every recipient's message prepared first, their leases claimed in one commit, sent
    one after another (email on this process's pooled SMTP connection), recorded in one."""
    sends = [_prepare(senders, message, recipient) for recipient in recipients]
    results = ledger.deliver_all(db, sends, now or clock.now(), senders.settings)
    return Outcome(results.count(ledger.SENT), results.count(ledger.FAILED),
                   results.count(ledger.LATER))


def _prepare(senders: Senders, message: Message, recipient: Recipient) -> ledger.Send:
    to = recipient.address
    stage = f":{message.stage}" if message.kind == "escalation" else ""
    key = f"{message.kind}:{message.alert_id}{stage}:{to.ref}:{recipient.channel}"
    spec = ledger.Spec(key, message.kind, recipient.channel, message.alert_id, message.clinic_id)
    via = channels.get(recipient.channel)
    ack_url = None
    if to.staff_id is not None:
        token = ack_links.make(str(senders.settings.secret_key), message.alert_id, to.staff_id)
        ack_url = f"{senders.settings.base_url}/ack/{token}"
    content = alert_content(senders.settings, message, to.target, key, ack_url)

    claimed: list[ledger.Claim] = []

    def send(held: ledger.Claim) -> int | None:
        claimed.append(held)
        return via.send(senders, to, content, str(held.delivery_id))

    on_sent = None
    if message.kind == "alert" and to.staff_id is not None:
        staff_id = to.staff_id

        def on_sent(session: Session, done: datetime) -> None:
            _record_notification(session, message.alert_id, staff_id, claimed[0].number, done)

    return ledger.Send(spec, via.timeout(senders), send, on_sent)


def _record_notification(session: Session, alert_id: uuid.UUID, staff_id: uuid.UUID,
                         attempts: int, now: datetime) -> None:
    """Keep the core `notification` table (who was told, when) in step with the ledger."""
    values = {"status": "sent", "attempts": attempts, "sent_at": now}
    statement = upsert(session)(table(Notification)).values(
        id=uuid.uuid4(), alert_id=alert_id, staff_id=staff_id, channel="email",
        created_at=now, **values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["alert_id", "staff_id", "channel"], set_=values))
