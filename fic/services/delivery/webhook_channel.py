"""Webhooks: the payload of a message, signed, to each of the clinic's active endpoints."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fic.crypto import KeyRing, binding
from fic.delivery import webhooks
from fic.errors import DeliveryFailed, InvalidRequest
from fic.services.core.channels import Address, Channel, Content
from fic.services.delivery import webhook_targets
from fic.storage.models_delivery import WebhookEndpoint


class WebhookChannel(Channel):
    name = "webhook"

    def recipients(self, session: Session, senders: Any, clinic_id: uuid.UUID) -> list[Address]:
        endpoints = session.scalars(select(WebhookEndpoint).where(
            WebhookEndpoint.clinic_id == clinic_id, WebhookEndpoint.active)).all()
        return [Address(str(e.id), e.url,
                        senders.keys.open_direct(e.secret_ct, webhook_secret_binding(e.id)),
                        allow_private=e.allow_private)
                for e in endpoints]

    def send(self, senders: Any, to: Address, content: Content, delivery_id: str) -> int | None:
        try:  # again before each delivery: a host name may resolve elsewhere by now
            webhook_targets.check(to.target, to.allow_private)
        except InvalidRequest as refused:
            raise DeliveryFailed(f"webhook target refused: {refused}") from None
        body = webhooks.encode({"id": delivery_id, **content.payload})
        assert to.secret is not None  # noqa: S101 - recipients() gives every endpoint its secret
        return webhooks.send(to.target, to.secret, delivery_id, body,
                             senders.settings.http_timeout).status


def webhook_secret_binding(endpoint_id: uuid.UUID) -> bytes:
    return binding("webhook_endpoint", "secret", endpoint_id)


def add_endpoint(session: Session, keys: KeyRing, clinic_id: uuid.UUID,
                 url: str, allow_private: bool = False) -> tuple[uuid.UUID, str]:
    """A clinic's new endpoint and its signing secret (shown once, stored sealed); the target
    must be https to a public host unless the operator allows otherwise (webhook_targets)."""
    webhook_targets.check(url, allow_private)
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(id=uuid.uuid4(), clinic_id=clinic_id, url=url, secret_ct=b"",
                               allow_private=allow_private)
    endpoint.secret_ct = keys.seal_direct(secret, webhook_secret_binding(endpoint.id))
    session.add(endpoint)
    return endpoint.id, secret
