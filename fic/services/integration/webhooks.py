"""A clinic's outgoing webhooks: add, list, remove, rotate the signing secret. Audited.

The secret is shown once (when added or rotated) and stored sealed under the key ring.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fic.crypto import KeyRing
from fic.errors import InvalidRequest, NotFound
from fic.services.core import audit
from fic.services.delivery.webhook_channel import add_endpoint, webhook_secret_binding
from fic.storage.models_delivery import WebhookEndpoint


@dataclass(frozen=True)
class WebhookView:
    id: uuid.UUID
    url: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class WithSecret(WebhookView):
    secret: str


def add(session: Session, keys: KeyRing, clinic_id: uuid.UUID, url: str,
        actor_id: uuid.UUID | None = None) -> WithSecret:
    if not url.startswith(("https://", "http://")) or len(url) > 500:
        raise InvalidRequest.about("url", "must start with https:// (at most 500 characters)")
    endpoint_id, secret = add_endpoint(session, keys, clinic_id, url)
    session.flush()
    endpoint = _get(session, clinic_id, endpoint_id)
    _audit(session, "webhook_added", endpoint, actor_id)
    return WithSecret(**vars(_view(endpoint)), secret=secret)


def listing(session: Session, clinic_id: uuid.UUID) -> list[WebhookView]:
    rows = session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.clinic_id == clinic_id, WebhookEndpoint.active.is_(True))
        .order_by(WebhookEndpoint.created_at)).all()
    return [_view(row) for row in rows]


def remove(session: Session, clinic_id: uuid.UUID, webhook_id: uuid.UUID,
           actor_id: uuid.UUID | None = None) -> None:
    """No more deliveries to it; the row stays so past deliveries keep their target."""
    endpoint = _get(session, clinic_id, webhook_id)
    endpoint.active = False
    _audit(session, "webhook_removed", endpoint, actor_id)


def rotate(session: Session, keys: KeyRing, clinic_id: uuid.UUID, webhook_id: uuid.UUID,
           actor_id: uuid.UUID | None = None) -> WithSecret:
    endpoint = _get(session, clinic_id, webhook_id)
    secret = _new_secret(keys, endpoint)
    _audit(session, "webhook_rotated", endpoint, actor_id)
    return WithSecret(**vars(_view(endpoint)), secret=secret)


def _get(session: Session, clinic_id: uuid.UUID, webhook_id: uuid.UUID) -> WebhookEndpoint:
    found = session.get(WebhookEndpoint, webhook_id)
    if found is None or found.clinic_id != clinic_id or not found.active:
        raise NotFound("no such webhook")
    return found


def _new_secret(keys: KeyRing, endpoint: WebhookEndpoint) -> str:
    """The same kind of secret add_endpoint makes, for the same row binding."""
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint.secret_ct = keys.seal_direct(secret, webhook_secret_binding(endpoint.id))
    return secret


def _view(row: WebhookEndpoint) -> WebhookView:
    return WebhookView(row.id, row.url, row.active, row.created_at)


def _audit(session: Session, action: str, endpoint: WebhookEndpoint,
           actor_id: uuid.UUID | None) -> None:
    audit.record(session, action, actor_id=actor_id, clinic_id=endpoint.clinic_id,
                 object_type="webhook", object_id=endpoint.id)
