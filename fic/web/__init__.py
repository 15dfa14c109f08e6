"""Blueprints and the rules every response follows."""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from itsdangerous import URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException

from fic.web import (
    api,
    api_admin,
    api_clients,
    api_docs,
    api_fhir,
    api_inbound,
    csrf,
    delivery,
    delivery_api,
    form,
    kiosk,
    limits,
    settings_api,
)
from fic.web.api_core import problem
from fic.web.ops import register_ops
from fic.web.redaction import install_log_redaction
from fic.web.staff_setup import register_staff

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, its serializer built once per set of keys (Flask
    builds one for every request that reads or writes the cookie: every form POST)."""

    def __init__(self) -> None:
        self._made: tuple[object, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made = self._made
        if made is None or made[0] != keys:
            made = self._made = (keys, super().get_signing_serializer(app))
        return made[1]


def register_web(app: Flask) -> None:
    app.session_interface = SignedCookieSessions()
    csrf.install(app)
    app.register_blueprint(form.bp)
    app.register_blueprint(kiosk.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(delivery.bp)
    app.register_blueprint(delivery_api.bp)
    app.register_blueprint(settings_api.bp)
    register_staff(app)
    register_ops(app)
    # After the staff pages: the access matrix reaches these (some of which change a
    # client) last.
    app.register_blueprint(api_clients.bp)
    app.register_blueprint(api_admin.bp)
    app.register_blueprint(api_fhir.bp)
    app.register_blueprint(api_inbound.bp)
    app.register_blueprint(api_docs.bp)
    app.extensions["fic_limiter"] = limits.install(app, app.extensions["fic"].settings)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    install_log_redaction()

    @app.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        return {"status": "ok"}, 200


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure:  # the scheme the URL has (behind ProxyFix, the proxy's)
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    return response


def _http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    if request.path.startswith("/api/"):
        return problem(code, error.name.lower().replace(" ", "_"), error.description or ""), code
    return render_template("error.html", code=code, title=error.name), code


def _unexpected_error(error: Exception) -> ResponseReturnValue:
    if isinstance(error, HTTPException):
        return _http_error(error)
    logging.getLogger("fic.web").error("unhandled %s on %s", type(error).__name__, request.endpoint)
    if request.path.startswith("/api/"):
        return problem(500, "internal_error", "Something went wrong on our side."), 500
    return render_template("error.html", code=500, title="Something went wrong"), 500
