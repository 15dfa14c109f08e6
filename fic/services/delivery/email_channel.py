"""Email: the subject, text and html of a message, by SMTP (or to files in the demo)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from fic.delivery.email import Email
from fic.services.core import vault
from fic.services.core.channels import Address, Channel, Content
from fic.storage import repository
from fic.storage.models import Client, TherapySession


class EmailChannel(Channel):
    name = "email"

    def timeout(self, senders: Any) -> float:
        return float(senders.settings.smtp_timeout)

    def link_address(self, session: Session, senders: Any, client: Client,
                     therapy: TherapySession) -> str | None:
        if therapy.contact_email_ct is None:
            return None
        return vault.unseal(senders.keys, client, therapy.contact_email_ct,
                            repository.contact_binding(therapy.id))

    def send(self, senders: Any, to: Address, content: Content, delivery_id: str) -> int | None:
        senders.mailer.send(Email(to=to.target, subject=content.subject, text=content.text,
                                  html=content.html, message_id=content.message_id))
        return None
