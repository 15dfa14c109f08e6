"""SMS: the short text of a message, through the installation's provider (fic.delivery.sms)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from fic.crypto import binding
from fic.services.core import vault
from fic.services.core.channels import Address, Channel, Content
from fic.storage.models import Client, TherapySession
from fic.storage.models_delivery import SessionPhone


class SmsChannel(Channel):
    name = "sms"

    def available(self, senders: Any) -> bool:
        return getattr(senders, "sms", None) is not None

    def link_address(self, session: Session, senders: Any, client: Client,
                     therapy: TherapySession) -> str | None:
        phone = session.get(SessionPhone, therapy.id)
        if phone is None:
            return None
        return vault.unseal(senders.keys, client, phone.phone_ct, phone_binding(therapy.id))

    def send(self, senders: Any, to: Address, content: Content, delivery_id: str) -> int | None:
        senders.sms.send(to.target, content.short)
        return None


def phone_binding(session_id: uuid.UUID) -> bytes:
    return binding("session_phone", "phone", session_id)
