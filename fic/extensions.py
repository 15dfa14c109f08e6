"""The app's shared services, created once per app and reached through `services()`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from flask_wtf import CSRFProtect

from fic.crypto import KeyRing
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
    app.extensions["fic"] = Services(
        settings=settings, db=Database(settings.sqlalchemy_url), keys=KeyRing(settings.data_keys)
    )
    csrf.init_app(app)


def services() -> Services:
    return current_app.extensions["fic"]
