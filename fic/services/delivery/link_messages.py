"""Send a session's link to the client: by email or SMS, once, never in quiet hours.

The task message holds only the session id. Each attempt holds the ledger's lease
(fic.services.delivery.ledger), issues a fresh token (the previous attempt's undelivered token is
expired first) and commits before the provider is called; the contact is decrypted only
for that call. The clinic's link lifetime applies, and a delivered email or SMS schedules
the one reminder (fic.services.delivery.reminders).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from fic import clock
from fic.crypto import KeyRing, sha256_hex
from fic.delivery.email import Mailer
from fic.delivery.sms import SmsSender
from fic.errors import InvalidRequest
from fic.services.clinic.delivery_settings import DeliveryPolicy, delivery_policy
from fic.services.core import access, channels, outbox, vault
from fic.services.core.outbox import Publisher
from fic.services.delivery import ledger
from fic.services.delivery.link_wording import Audience, audience, link_email, link_sms
from fic.services.delivery.sms_channel import phone_binding
from fic.services.forms import links
from fic.settings import Settings
from fic.storage.db import Database
from fic.storage.models import Client, Clinic, FeedbackLink, TherapySession
from fic.storage.models_delivery import LinkReminder, SessionPhone


@dataclass(frozen=True)
class LinkSenders:
    mailer: Mailer
    sms: SmsSender | None
    keys: KeyRing
    settings: Settings


@dataclass(frozen=True)
class Prepared:
    address: str
    policy: DeliveryPolicy
    link: links.IssuedLink
    reader: Audience


def deliver_link(
    db: Database,
    senders: LinkSenders,
    session_id: uuid.UUID,
    channel: str = "email",
    now: datetime | None = None,
) -> str:
    """"sent", "failed", "later" (quiet hours, lease held) or "done" (nothing to do)."""
    now = now or clock.now()
    with db.session() as session:
        therapy = session.get(TherapySession, session_id)
        if (therapy is None or not _has_contact(session, senders, therapy, channel)
                or links.answered(session, session_id)):
            return ledger.DONE
        policy = delivery_policy(session, _client(session, therapy).clinic_id)
    spec = ledger.Spec(f"link:{session_id}:{channel}", f"link_{channel}", channel, session_id,
                       policy.clinic_id)
    if policy.is_quiet(now):
        ledger.postpone(db, spec, policy.quiet_until(now), now)
        return ledger.LATER
    return send_link_message(db, senders, spec, session_id, channel, now, reminder=False)


def send_link_message(db: Database, senders: LinkSenders, spec: ledger.Spec,
                      session_id: uuid.UUID, channel: str, now: datetime, reminder: bool,
                      expires_at: datetime | None = None) -> str:
    """Issue a fresh token and send it on `channel`: shared by first links and reminders."""
    via = channels.get(channel)
    if not via.available(senders):
        return ledger.DONE
    prepared: list[Prepared] = []

    def send(held: ledger.Claim) -> int | None:
        with db.session() as session:
            found = _prepare(session, senders, session_id, channel, now, expires_at)
        if found is None:
            raise ledger.NothingToSend("answered or expired before sending")
        prepared.append(found)
        content = link_content(found.policy, found.link, found.reader, reminder)
        return via.send(senders, channels.Address(str(session_id), found.address), content,
                        str(held.delivery_id))

    def delivered(session: Session, done: datetime) -> None:
        _mark_delivered(session, session_id, channel, prepared[0], done, reminder)

    return ledger.deliver(db, spec, now, via.timeout(senders), send, senders.settings,
                          on_sent=delivered)


def add_phone(session: Session, keys: KeyRing, session_id: uuid.UUID, phone: str) -> None:
    """Store (sealed) the number a session's link goes to by SMS."""
    phone = phone.strip().replace(" ", "")
    if not (phone.startswith("+") and phone[1:].isdigit() and 8 <= len(phone) <= 16):
        raise InvalidRequest.about("phone", "an international number such as +447700900123")
    therapy = session.get(TherapySession, session_id)
    assert therapy is not None  # noqa: S101 - callers checked scope
    sealed = vault.seal(keys, _client(session, therapy), phone, phone_binding(session_id))
    row = session.get(SessionPhone, session_id)
    if row is None:
        session.add(SessionPhone(session_id=session_id, phone_ct=sealed))
    else:
        row.phone_ct = sealed


def link_content(policy: DeliveryPolicy, issued: links.IssuedLink, reader: Audience,
                 reminder: bool = False) -> channels.Content:
    """A session's link as every channel may send it, in the client's language."""
    mail = link_email("", policy, issued, reader, reminder)
    return channels.Content(mail.subject, mail.text, link_sms(policy, issued, reader, reminder),
                            html=mail.html)


def _prepare(session: Session, senders: LinkSenders, session_id: uuid.UUID, channel: str,
             now: datetime, expires_at: datetime | None) -> Prepared | None:
    therapy = session.get(TherapySession, session_id)
    if therapy is None or links.answered(session, session_id):
        return None
    client = _client(session, therapy)
    if client.discharged_at is not None:  # a discharged client gets no more links
        return None
    policy = delivery_policy(session, client.clinic_id)
    # An earlier attempt that never reached the provider leaves a token nobody holds.
    session.execute(
        update(FeedbackLink)
        .where(FeedbackLink.session_id == session_id, FeedbackLink.channel == channel,
               FeedbackLink.delivered_at.is_(None), FeedbackLink.expires_at > now)
        .values(expires_at=now)
    )
    issued = links.issue_link(session, senders.settings, session_id, channel,
                              timedelta(hours=policy.link_lifetime_hours))
    if expires_at is not None:  # a reminder never extends the first link's lifetime
        if expires_at <= now:
            return None
        session.flush()
        token = issued.url.rsplit("/", 1)[1]
        session.execute(update(FeedbackLink).where(FeedbackLink.token_hash == sha256_hex(token))
                        .values(expires_at=expires_at))
        issued = links.IssuedLink(issued.session_id, issued.url, expires_at)
    address = channels.get(channel).link_address(session, senders, client, therapy)
    assert address is not None  # noqa: S101 - deliver_link checked there is one
    clinic = session.get(Clinic, client.clinic_id)
    assert clinic is not None  # noqa: S101 - foreign key
    reader = audience(client.language or clinic.language, clinic.instruments)
    return Prepared(address, policy, issued, reader)


def _mark_delivered(session: Session, session_id: uuid.UUID, channel: str, prepared: Prepared,
                    now: datetime, reminder: bool) -> None:
    session.execute(
        update(FeedbackLink)
        .where(FeedbackLink.session_id == session_id, FeedbackLink.channel == channel,
               FeedbackLink.delivered_at.is_(None), FeedbackLink.expires_at > now)
        .values(delivered_at=now)
    )
    after = prepared.policy.reminder_after_hours
    if reminder or after is None or session.get(LinkReminder, session_id) is not None:
        return
    session.add(LinkReminder(session_id=session_id, channel=channel,
                             due_at=now + timedelta(hours=after)))


def _has_contact(session: Session, senders: LinkSenders, therapy: TherapySession,
                 channel: str) -> bool:
    client = _client(session, therapy)
    return channels.get(channel).link_address(session, senders, client, therapy) is not None


def _client(session: Session, therapy: TherapySession) -> Client:
    client = session.get(Client, therapy.client_id)
    assert client is not None  # noqa: S101 - foreign key
    return client


def queue_sms(db: Database, keys: KeyRing, publish: Publisher, clinic_id: uuid.UUID,
              session_id: uuid.UUID, phone: str) -> None:
    """The API's "send this session's link by SMS": the number stored sealed, the job queued."""
    with db.session() as session:
        access.api_session(session, clinic_id, session_id)
        add_phone(session, keys, session_id, phone)
        job = outbox.add(session, links.DELIVER_LINK_SMS, session_id)
    outbox.flush(db, publish, [job])
