"""Signed webhooks: a JSON body and `Fic-Signature: t=<unix time>,v1=<hex>`.

v1 = HMAC-SHA256(endpoint secret, "<t>." + raw body bytes), lower-case hex. A receiver
recomputes it over the body exactly as received, compares in constant time, and rejects
a timestamp more than five minutes from its own clock (replays). `Fic-Delivery` is the
same on every retry of one message, so a receiver can drop duplicates. See README.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from fic import clock
from fic.delivery import http

SIGNATURE_HEADER = "Fic-Signature"
DELIVERY_HEADER = "Fic-Delivery"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """What a receiver does (the README shows the same in a few lines)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else clock.timestamp()) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def encode(payload: dict[str, object]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def send(
    url: str, secret: str, delivery_id: str, body: bytes, timeout: float, now: float | None = None
) -> http.Reply:
    timestamp = int(now if now is not None else clock.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "fic-webhooks/1",
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        DELIVERY_HEADER: delivery_id,
    }
    return http.post(url, body, headers, timeout)
