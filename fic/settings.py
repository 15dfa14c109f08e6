"""One typed, frozen settings object, read from FIC_* environment variables.

Embedded defaults need nothing installed: a SQLite file under the instance folder and
Celery tasks run in-process. Set FIC_DATABASE_URL and FIC_REDIS_URL for PostgreSQL, Redis
and real workers. Keys: FIC_SECRET_KEY (sessions, CSRF) and FIC_DATA_KEYS (the key ring
that wraps each client's data key) come from the environment in production; in embedded
mode they are generated once into instance/keys.json (mode 0600) so a demo just runs.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fic.errors import ConfigurationError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FIC_", frozen=True, extra="ignore")

    instance_path: Path = Field(default_factory=lambda: Path.cwd() / "instance")
    database_url: str | None = None
    redis_url: str | None = None
    # Above the longest task's hard time limit, so a live task is never redelivered.
    redis_visibility_timeout: int = 3600
    secret_key: str | None = None
    # "kid:base64key,kid:base64key" — the first key wraps new data keys; the rest decrypt.
    data_keys: str | None = None
    base_url: str = "http://127.0.0.1:5000"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_sender: str = "fic@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0
    # "smtp", "files" (write .eml files under <instance>/mail/), or "auto": files in
    # embedded mode when no SMTP host is configured, SMTP otherwise.
    mail_transport: Literal["auto", "smtp", "files"] = "auto"
    # Signed audit checkpoints, outside the database (default: instance/audit-checkpoints.jsonl)
    audit_checkpoint_path: Path | None = None
    audit_syslog: str | None = None  # also send checkpoints to syslog: "/dev/log" or "host:514"
    # How many reverse proxies stand in front of the web process (0: none; X-Forwarded-*
    # headers are then ignored). With 1, the proxy's X-Forwarded-For/-Proto are believed.
    trusted_proxies: int = Field(default=0, ge=0, le=5)
    api_rate_limit: str = "600 per minute"  # per API key
    link_lifetime_hours: int = Field(default=96, gt=0, le=60 * 24)
    comment_max_chars: int = 2000
    # Delivery, the same for every clinic on one installation; per-clinic choices (quiet
    # hours, routing, crisis text) live in the database (fic.services.clinic.delivery_settings).
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
    # Beat's outbox reconciler: how often it runs, and how old a row must be to re-publish.
    outbox_relay_seconds: float = 30.0
    outbox_stale_seconds: float = 60.0
    # A published evaluation job whose response is still unevaluated this long after is
    # published again (its message was lost with a killed worker); above any normal backlog.
    evaluation_stale_seconds: float = 600.0
    # Bearer token for /metrics; unset, /metrics answers 404 (nothing is exposed).
    metrics_token: str | None = None
    # "json": one JSON object per log line, with the request id; "text": plain lines.
    log_format: str = "text"

    @field_validator("instance_path")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.resolve()

    @property
    def embedded(self) -> bool:
        """No broker configured: tasks run in this process."""
        return not self.redis_url

    @property
    def mail_to_files(self) -> bool:
        """Outgoing email (and SMS without a provider) is written to files, not sent."""
        if self.mail_transport == "auto":
            return self.embedded and "smtp_host" not in self.model_fields_set
        return self.mail_transport == "files"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.instance_path / 'fic.db'}"

    @property
    def audit_checkpoints(self) -> Path:
        return self.audit_checkpoint_path or self.instance_path / "audit-checkpoints.jsonl"

    @property
    def link_lifetime(self) -> timedelta:
        return timedelta(hours=self.link_lifetime_hours)

    def backoff(self, attempts: int) -> timedelta:
        """Wait after the `attempts`-th failed delivery: base · 2^(attempts−1), capped."""
        seconds = self.retry_base_seconds * 2 ** max(0, attempts - 1)
        return timedelta(seconds=min(self.retry_max_seconds, seconds))

    @property
    def production(self) -> bool:
        """A database or broker is configured: keys must come from the environment."""
        return bool(self.database_url or self.redis_url)

    def resolved(self) -> Settings:
        """Fill the secrets an embedded install may generate for itself.

        In production a missing or empty FIC_SECRET_KEY or FIC_DATA_KEYS stops the start:
        generating keys there would put them in the shared volume beside the data.
        """
        missing = [name for name, value in (("FIC_SECRET_KEY", self.secret_key),
                                            ("FIC_DATA_KEYS", self.data_keys))
                   if not (value and value.strip())]
        if not missing:
            return self
        if self.production:
            raise ConfigurationError(
                f"{' and '.join(missing)} must be set (and not empty) when FIC_DATABASE_URL or "
                "FIC_REDIS_URL is: fic does not generate keys for a production install")
        stored = _embedded_keys(self.instance_path)
        return self.model_copy(
            update={
                "secret_key": self.secret_key or stored["secret_key"],
                "data_keys": self.data_keys or stored["data_keys"],
            }
        )


def _embedded_keys(instance_path: Path) -> dict[str, str]:
    path = instance_path / "keys.json"
    if path.exists():
        return json.loads(path.read_text())
    instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = {
        "secret_key": secrets.token_urlsafe(48),
        "data_keys": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(keys, fh)
    return keys
