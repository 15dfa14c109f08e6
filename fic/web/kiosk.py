"""In-room kiosk mode: the clinic's tablet shows one session's form, then "hand it back".

A clinician starts it from the client course page (fic.web.staff_send). That signs the
clinician out of this browser and keeps the session's link token, sealed, in the browser
session only: no token in any URL, so nothing in the history leads back to the form. The
form lives at the fixed address /kiosk; once it is sent the token is gone, and /kiosk (by
Back, reload or typing) shows only the neutral "hand the tablet back" screen. Every page is
`Cache-Control: no-store`; the last one also clears the browser cache for the site and keeps
Back on itself. The next client starts from a new link, clean.
"""

from __future__ import annotations

from flask import Blueprint, g, make_response, redirect, render_template, request, url_for
from flask import session as browser_session

from fic import i18n
from fic.crypto import binding
from fic.errors import FicError
from fic.extensions import services
from fic.web import csrf, form

bp = Blueprint("kiosk", __name__)
_KEY, _LANGUAGE = "kiosk", "kiosk_language"
_AAD = binding("kiosk", "token", "v1")


def hand_over(token: str) -> None:
    """This browser now shows the form for `token` at /kiosk (the caller signed staff out)."""
    browser_session.clear()
    browser_session[_KEY] = services().keys.seal_direct(token, _AAD).hex()


@bp.get("/kiosk")
def show():
    token = kiosk_token()
    spec = form.live_form(token) if token else None
    if spec is None or token is None:
        return _hand_back()
    return form.render_form(spec, token, values={}, errors={}, action=url_for("kiosk.send"))


@bp.post("/kiosk")
@csrf.link_bound
def send():
    token = kiosk_token()
    if token is None:
        return _hand_back()
    page = form.answer(token, action=url_for("kiosk.send"))
    if page is not None:
        return page
    browser_session.pop(_KEY, None)
    browser_session["thanks"] = g.fic_thanks  # the done page shows the crisis text by it
    browser_session[_LANGUAGE] = i18n.current()
    return redirect(url_for("kiosk.done"), code=303)


@bp.get("/kiosk/done")
def done():
    return _hand_back()


def _hand_back():
    i18n.use(i18n.choose(browser_session.get(_LANGUAGE), *request.accept_languages.values()))
    page = make_response(render_template("kiosk/done.html", crisis_text=form.crisis_text()))
    browser_session.pop(_KEY, None)
    page.headers["Clear-Site-Data"] = '"cache"'
    return page


def kiosk_token() -> str | None:
    """The link token of the form this browser's kiosk shows (None once it is sent)."""
    sealed = browser_session.get(_KEY)
    if not isinstance(sealed, str):
        return None
    try:
        return services().keys.open_direct(bytes.fromhex(sealed[:400]), _AAD)
    except (ValueError, FicError):
        return None
