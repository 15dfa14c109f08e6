"""Signed acknowledgement links in alert emails: they lead to sign-in, never past it.

The link names an alert and the person it was sent to, signed (HMAC-SHA256) with the
app's secret key and valid for a few weeks. It grants nothing by itself: opening it sends
the reader to the staff alert page, which asks them to sign in before anything shows.
The payload holds only opaque ids.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from itsdangerous import BadData, URLSafeTimedSerializer

from fic.errors import NotFound

_SALT = "fic.ack-link.v1"


@dataclass(frozen=True)
class AckTarget:
    alert_id: uuid.UUID
    staff_id: uuid.UUID


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        secret_key, salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256}
    )


def make(secret_key: str, alert_id: uuid.UUID, staff_id: uuid.UUID) -> str:
    return _serializer(secret_key).dumps([str(alert_id), str(staff_id)])


def read(secret_key: str, token: str, max_age_seconds: int) -> AckTarget:
    """The alert and person a valid link names; NotFound for a bad or old link."""
    try:
        alert, staff = _serializer(secret_key).loads(token, max_age=max_age_seconds)
        return AckTarget(uuid.UUID(alert), uuid.UUID(staff))
    except (BadData, ValueError, TypeError):
        raise NotFound("no such link") from None
