"""Rate limits (Flask-Limiter) and the trusted-proxy setting they depend on.

Counters live in Redis in production (FIC_REDIS_URL) so every web process shares them, and
in memory in embedded mode. They key on the client's address, which is the TCP peer unless
FIC_TRUSTED_PROXIES says how many reverse proxies stand in front (werkzeug's ProxyFix then
takes the address, scheme and host from their X-Forwarded-* headers, so HSTS is sent behind
a TLS proxy). Never set it higher than the real number of proxies: a client could then
choose its own address.

- `POST /c` (the short in-room code): wrong codes per address, so guessing meets a 429.
- Staff sign-in, second factor, enrolment and password pages: failed POSTs per address, on
  top of the per-account lockout and the per-address count kept in the database.
- The JSON API: requests per API key.
If Redis is unreachable the limits fall back to memory rather than failing the request.
A breach is a 429 through the app's error handlers (JSON for the API, the error page else).
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from fic.crypto import sha256_hex
from fic.settings import Settings

CODE_GUESSES = "20 per 10 minutes"
SIGN_IN_FAILURES = "40 per 15 minutes"  # above the database's own 30 per address
UNLIMITED = ("form",)
# Every v1 blueprint but the docs (static); the inbound webhook has no key: per address.
API_BLUEPRINTS = ("api", "delivery_api", "settings_api", "api_clients", "api_admin",
                  "api_fhir", "api_inbound")


def install(app: Flask, settings: Settings) -> Limiter:
    if settings.trusted_proxies:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,  # type: ignore[method-assign]
                                x_port=hops)
    limiter = _Limiter(
        get_remote_address,
        app=app,
        storage_uri=settings.redis_url or "memory://",
        key_prefix="fic-limits",
        strategy="moving-window",
        headers_enabled=True,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    # The client's form carries no limit of its own (a link is single use): its requests
    # skip the limiter's per-request bookkeeping altogether (_Limiter), and its filter.
    limiter.request_filter(lambda: request.blueprint in UNLIMITED)
    limiter.limit(CODE_GUESSES, methods=["POST"], deduct_when=_failed)(
        _blueprint(app, "delivery"))
    limiter.limit(SIGN_IN_FAILURES, methods=["POST"], deduct_when=_failed)(
        _blueprint(app, "staff_auth"))
    for name in API_BLUEPRINTS:
        limiter.limit(settings.api_rate_limit, key_func=_api_key)(_blueprint(app, name))
    return limiter


class _Limiter(Limiter):
    def _check_request_limit(self, callable_name: str | None = None,
                             in_middleware: bool = True) -> None:
        """Nothing to look up for a blueprint without limits: the limiter's check costs a
        form POST some 30 µs (finding the limits that apply, then the filter that says
        none does)."""
        if in_middleware and request.blueprint in UNLIMITED:
            return
        super()._check_request_limit(callable_name, in_middleware)


def _blueprint(app: Flask, name: str) -> Blueprint:
    """app.blueprints is typed with sansio blueprints; fic registers only flask's."""
    return cast(Blueprint, app.blueprints[name])


def _failed(response: Response) -> bool:
    return response.status_code >= 400


def _api_key() -> str:
    """The presented key (hashed: a key never sits in Redis), or the address without one."""
    key = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return "key:" + sha256_hex(key) if key else "ip:" + get_remote_address()
