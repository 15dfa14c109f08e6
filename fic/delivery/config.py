"""Delivery settings that are the same for every clinic on one installation (FIC_* env).

Kept apart from fic.settings.Settings so the delivery feature owns its knobs; reached
through `delivery_config()`, created once per app. Per-clinic choices (quiet hours,
routing, crisis text) live in the database: fic.services.delivery_settings.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from pydantic_settings import BaseSettings, SettingsConfigDict


class DeliveryConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FIC_", frozen=True, extra="ignore")

    # "none", "json" (generic HTTPS JSON) or "twilio" (Twilio-compatible Messages API).
    sms_provider: str = "none"
    sms_url: str | None = None
    sms_account: str | None = None
    sms_token: str | None = None
    sms_sender: str = "fic"
    http_timeout: float = 5.0
    retry_base_seconds: float = 5.0
    retry_max_seconds: float = 600.0
    max_attempts: int = 8
    # How often beat looks for due retries, reminders, escalations and digests.
    sweep_seconds: float = 10.0
    # /readyz answers 503 when a job has waited in the outbox longer than this.
    ready_outbox_max_age: float = 300.0
    room_code_minutes: int = 60
    ack_link_days: int = 14

    def backoff(self, attempts: int) -> timedelta:
        """Wait after the `attempts`-th failure: base · 2^(attempts−1), capped."""
        seconds = self.retry_base_seconds * 2 ** max(0, attempts - 1)
        return timedelta(seconds=min(self.retry_max_seconds, seconds))


def delivery_config() -> DeliveryConfig:
    extensions = current_app.extensions
    if "fic_delivery" not in extensions:
        extensions["fic_delivery"] = DeliveryConfig()
    return extensions["fic_delivery"]
