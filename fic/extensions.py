"""The app's shared services, created once per app and reached through `services()`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from flask_wtf import CSRFProtect

from fic.crypto import KeyRing
from fic.services.core import audit_seal
from fic.services.core.audit_seal import AuditSeal
from fic.settings import Settings
from fic.storage.db import Database

csrf = CSRFProtect()


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    keys: KeyRing


def init_app(app: Flask, settings: Settings) -> None:
    assert settings.data_keys is not None  # noqa: S101 - Settings.resolved() fills it
    keys = KeyRing(settings.data_keys)
    seal = AuditSeal(keys, settings.audit_checkpoints)
    db = Database(settings.sqlalchemy_url, info={audit_seal.INFO_KEY: seal})
    app.extensions["fic"] = Services(settings=settings, db=db, keys=keys)
    if settings.audit_syslog:
        audit_seal.send_to_syslog(settings.audit_syslog)
    csrf.init_app(app)


def services() -> Services:
    return current_app.extensions["fic"]
