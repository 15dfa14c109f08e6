"""Send a session's link to the client by email.

The task message holds only the session id. A fresh token is issued here, its row committed
before the SMTP call; the contact address is decrypted only for that call.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from fic.crypto import KeyRing
from fic.delivery.email import Email, Mailer
from fic.services import links, vault
from fic.settings import Settings
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import Client, Clinic, FeedbackLink, TherapySession, utcnow


def deliver_link(
    db: Database, keys: KeyRing, mailer: Mailer, settings: Settings, session_id: uuid.UUID
) -> bool:
    """Email the link once. Raises DeliveryFailed for a retry; False if there is nothing to do."""
    with db.session() as session:
        therapy = session.get(TherapySession, session_id)
        if therapy is None or therapy.contact_email_ct is None:
            return False
        delivered = session.scalar(
            select(FeedbackLink.id).where(
                FeedbackLink.session_id == session_id,
                FeedbackLink.channel == "email",
                FeedbackLink.delivered_at.is_not(None),
            )
        )
        answered = session.scalar(
            select(FeedbackLink.id).where(
                FeedbackLink.session_id == session_id, FeedbackLink.used_at.is_not(None)
            )
        )
        if delivered or answered:
            return False
        # An earlier attempt that never reached the server leaves a token nobody holds.
        session.execute(
            update(FeedbackLink)
            .where(
                FeedbackLink.session_id == session_id,
                FeedbackLink.channel == "email",
                FeedbackLink.delivered_at.is_(None),
            )
            .values(expires_at=utcnow())
        )
        client = session.get(Client, therapy.client_id)
        clinic = session.get(Clinic, client.clinic_id) if client else None
        assert client is not None and clinic is not None  # noqa: S101 - foreign keys
        address = vault.unseal(
            keys, client, therapy.contact_email_ct, repository.contact_binding(therapy.id)
        )
        issued = links.issue_link(session, settings, session_id, "email")
        clinic_name = clinic.name
    mailer.send(link_email(address, clinic_name, issued))
    with db.session() as session:
        session.execute(
            update(FeedbackLink)
            .where(
                FeedbackLink.session_id == session_id,
                FeedbackLink.channel == "email",
                FeedbackLink.delivered_at.is_(None),
                FeedbackLink.expires_at > utcnow(),
            )
            .values(delivered_at=utcnow())
        )
    return True


def link_email(to: str, clinic_name: str, issued: links.IssuedLink) -> Email:
    until = issued.expires_at.strftime("%d %B %Y")
    text = (
        f"Hello,\n\n{clinic_name} would like to know how your last session felt for you.\n"
        "It takes about a minute, and your therapist reads every answer:\n\n"
        f"{issued.url}\n\n"
        f"The link works once, until {until}. If you did not expect this message, "
        "you can ignore it.\n"
    )
    return Email(to=to, subject=f"{clinic_name}: how was your session?", text=text)
