"""Cross-site request forgery: what every unsafe request from a browser must show.

Staff pages carry Flask-WTF's token, bound to the signed session. The client's form (by
link, or on the kiosk tablet) carries a token bound to its link instead: an HMAC of the
link token under the app's secret key. Only a page fic drew for that link holds it, and
to forge a post one would need the link token, which answers the form by itself anyway.
So the client's phone gets no session cookie at all, and a form left open for hours can
still be sent while its link lives.

Every page says Referrer-Policy: no-referrer (a link token must never travel in a
Referer), so browsers send neither Referer nor a real Origin with a form: Flask-WTF's
HTTPS referrer check would refuse every post and is off. In its place, a browser that
says the request comes from another site or a sibling one (Sec-Fetch-Site: cross-site,
same-site) is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, request
from flask_wtf.csrf import CSRFError

from fic.extensions import csrf as session_tokens

FIELD = "csrf_token"
_PURPOSE = b"fic.form-token.v1\x00"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
View = TypeVar("View", bound=Callable[..., object])


def install(app: Flask) -> None:
    app.config["WTF_CSRF_SSL_STRICT"] = False  # see the module's text
    app.before_request(_refuse_cross_site)


def link_bound(view: View) -> View:
    """A view whose posts carry the link-bound token (it calls `check_form_token`), not
    the session's."""
    return session_tokens.exempt(view)


def form_token(link_token: str) -> str:
    """The token the form for this link carries (the same on every draw of it)."""
    return _sign(current_app.secret_key, link_token)


def check_form_token(link_token: str) -> None:
    """Raise CSRFError unless the posted form carries this link's token."""
    given = request.form.get(FIELD, "").encode()  # bytes: any text compares, in fixed time
    if not hmac.compare_digest(given, form_token(link_token).encode()):
        raise CSRFError("The form token is missing or does not match.")


def _sign(key: str | bytes | None, link_token: str) -> str:
    if not key:
        raise RuntimeError("a secret key is needed to sign forms")
    secret = key.encode() if isinstance(key, str) else key
    return hmac.new(secret, _PURPOSE + link_token.encode(), hashlib.sha256).hexdigest()


def _refuse_cross_site() -> None:
    """No page of fic posts from another origin: a browser saying so is refused (403, the
    plain error page: nothing it sent is drawn back). The API is for other sites' servers."""
    if (request.method in _UNSAFE
            and request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site")
            and not request.path.startswith("/api/")):
        abort(403)
