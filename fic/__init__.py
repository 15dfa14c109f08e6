"""fic: feedback-informed care for therapy clinics."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `fic --help` imports this package; pydantic is loaded when an app is built
    from flask import Flask

    from fic.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """The Flask app factory. Settings come from FIC_* environment variables by default."""
    from flask import Flask

    from fic import celery, extensions, i18n, instruments
    from fic.settings import Settings
    from fic.web import register_web

    settings = (settings or Settings()).resolved()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key,
        # A form is a few hundred bytes; a 1 MB comment is refused before it is parsed.
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
        MAX_FORM_PARTS=50,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,
    )
    instruments.use_folder(settings.instance_path / "instruments")
    extensions.init_app(app, settings)
    i18n.init_app(app)
    celery.celery_init_app(app)
    register_web(app)
    return app
