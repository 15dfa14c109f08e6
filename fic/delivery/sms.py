"""SMS behind one interface: a generic HTTPS JSON provider or a Twilio-compatible one.

`SmsSender.send(to, text)` returns nothing or raises DeliveryFailed (safe to retry).
Neither the number nor the text is ever put into an error message.
"""

from __future__ import annotations

import base64
import json
from typing import Protocol
from urllib.parse import urlencode

from fic.delivery import http
from fic.errors import ConfigurationError, DeliveryFailed
from fic.settings import Settings


class SmsSender(Protocol):
    def send(self, to: str, text: str) -> None: ...


class JsonSms:
    """POST {"to", "from", "text"} as JSON with a bearer token to the provider's URL."""

    def __init__(self, url: str, token: str | None, sender: str, timeout: float) -> None:
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout

    def send(self, to: str, text: str) -> None:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps({"to": to, "from": self.sender, "text": text}).encode()
        _check(http.post(self.url, body, headers, self.timeout))


class TwilioSms:
    """Twilio's Messages API shape: form fields To/From/Body, HTTP basic auth."""

    def __init__(self, base_url: str, account: str, token: str, sender: str, timeout: float):
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json"
        self.auth = base64.b64encode(f"{account}:{token}".encode()).decode()
        self.sender, self.timeout = sender, timeout

    def send(self, to: str, text: str) -> None:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": f"Basic {self.auth}",
        }
        body = urlencode({"To": to, "From": self.sender, "Body": text}).encode()
        _check(http.post(self.url, body, headers, self.timeout))


def _check(reply: http.Reply) -> None:
    if not reply.ok:
        raise DeliveryFailed(f"SMS provider answered {reply.status}")


def sms_sender(settings: Settings) -> SmsSender | None:
    """The configured provider, or None when this installation sends no SMS."""
    if settings.sms_provider == "none":
        return None
    if not settings.sms_url:
        raise ConfigurationError("FIC_SMS_URL is needed for SMS delivery")
    if settings.sms_provider == "json":
        return JsonSms(
            settings.sms_url, settings.sms_token, settings.sms_sender, settings.http_timeout
        )
    if settings.sms_provider == "twilio":
        if not (settings.sms_account and settings.sms_token):
            raise ConfigurationError("FIC_SMS_ACCOUNT and FIC_SMS_TOKEN are needed for Twilio")
        return TwilioSms(
            settings.sms_url, settings.sms_account, settings.sms_token, settings.sms_sender,
            settings.http_timeout,
        )
    raise ConfigurationError("FIC_SMS_PROVIDER must be none, json or twilio")
