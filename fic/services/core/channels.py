"""The delivery channels: one registry, filled by subclassing (Superset's notification plugins
are the model). Adding a channel is one module that defines a `Channel` subclass with a
`name`; a clinic can then route alerts to that name, and nothing else changes.

A channel renders the one `Content` of a message for its medium (an email uses the subject,
text and html; an SMS the short text; a machine the payload) and sends it. Every message,
whatever its channel, goes through the one claim-lease-send-finish skeleton in
fic.services.delivery.ledger.deliver. Content never carries health data.
"""

from __future__ import annotations

import importlib
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from fic.errors import ConfigurationError

if TYPE_CHECKING:  # the pieces a channel is handed; never imported at run time here
    from sqlalchemy.orm import Session

    from fic.storage.models import Client, TherapySession

# The channels fic ships; a module imported anywhere else registers its own the same way.
BUILTIN = ("fic.services.delivery.email_channel", "fic.services.delivery.sms_channel",
           "fic.services.delivery.webhook_channel")


@dataclass(frozen=True)
class Content:
    """What one message says, in the forms its channels may need."""

    subject: str
    text: str
    short: str  # one line with the link, for SMS-like channels
    html: str | None = None
    payload: dict[str, object] = field(default_factory=dict)  # for machines (webhooks)
    message_id: str | None = None


@dataclass(frozen=True)
class Address:
    """Where a channel delivers: an email address, a phone number, an endpoint."""

    ref: str  # stable, part of the delivery key (a staff id, "on_call", an endpoint id)
    target: str
    secret: str | None = None  # a webhook's signing secret, in memory only
    staff_id: uuid.UUID | None = None
    allow_private: bool = False  # a webhook target the operator allowed to be private


class Channel:
    """One way a message leaves fic. `senders` carries the transports (mailer, sms), the key
    ring and the settings of the app the message is sent from."""

    name: ClassVar[str] = ""
    registry: ClassVar[dict[str, Channel]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            Channel.registry[cls.name] = cls()

    def timeout(self, senders: Any) -> float:
        return float(senders.settings.http_timeout)

    def available(self, senders: Any) -> bool:
        """False when this installation cannot send on this channel (then nothing is sent)."""
        return True

    def recipients(self, session: Session, senders: Any, clinic_id: uuid.UUID) -> list[Address]:
        """The channel's own destinations for a clinic, when a routing names the channel."""
        return []

    def link_address(self, session: Session, senders: Any, client: Client,
                     therapy: TherapySession) -> str | None:
        """Where a session's link goes on this channel (None: the client gave no address)."""
        return None

    def send(self, senders: Any, to: Address, content: Content, delivery_id: str) -> int | None:
        """Send, or raise DeliveryFailed (safe to retry); an HTTP status where there is one."""
        raise NotImplementedError


def get(name: str) -> Channel:
    try:
        return registered()[name]
    except KeyError:
        raise ConfigurationError(f"no delivery channel called {name!r}") from None


def registered() -> dict[str, Channel]:
    for module in BUILTIN:
        importlib.import_module(module)
    return Channel.registry
