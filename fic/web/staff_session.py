"""The signed-in staff member of a request: cookie, clock, idle and absolute timeouts.

The Flask session cookie is signed, HttpOnly and SameSite=Lax (Lax, not Strict, so the link
in an alert email arrives with the cookie and lands on the alert). With an https base URL
it is `__Host-fic` and Secure; on plain http (local use, `fic demo`) it is `fic` without
Secure, because browsers drop Secure cookies sent over http. The cookie holds a random
session id; the server keeps only its hash, with the times that enforce the idle timeout
and the absolute lifetime, so an old cookie is refused server-side.

Tests move time by putting a callable under app.extensions["fic_clock"].
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, g, redirect, request, session, url_for

from fic import clock, i18n
from fic.errors import NotFound
from fic.extensions import services
from fic.services.clinic import clinics
from fic.services.core import audit
from fic.services.core.access import Actor
from fic.services.staff import sessions

SID = "sid"
NEXT = "next"


def configure(app: Flask) -> None:
    secure = app.extensions["fic"].settings.base_url.startswith("https://")
    app.config.update(
        SESSION_COOKIE_NAME="__Host-fic" if secure else "fic",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_DOMAIN=None,
    )


def now() -> datetime:
    return clock.now()


def client_ip() -> str | None:
    return request.remote_addr


def current_actor() -> Actor | None:
    """Checked once per request; ends the server-side session when it has timed out."""
    if "actor_checked" in g:
        return g.actor
    g.actor_checked, g.actor, g.session_end = True, None, None
    sid = session.get(SID)
    if sid:
        with services().db.session() as db_session:
            check = sessions.check_session(db_session, sid, now())
            if check.reason in ("idle", "expired"):
                audit.record(db_session, "session_expired", outcome=check.reason, at=now())
        g.actor, g.session_end = check.actor, check.reason
        if check.actor is None:
            session.pop(SID, None)
        else:
            i18n.use_staff(check.actor.language)
    return g.actor


def signed_in(capability: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Views that need a signed-in actor (and, optionally, a capability of their role)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor is None:
                if request.method == "GET":
                    session[NEXT] = request.full_path.rstrip("?")
                reason = g.get("session_end")
                return redirect(
                    url_for("staff_auth.sign_in", why=reason if reason in ("idle", "expired")
                            else None), code=303,
                )
            if capability is not None and not actor.may(capability):
                raise NotFound("not available to this role")
            return view(actor, *args, **kwargs)

        return wrapped

    return decorate


def begin(staff_id: uuid.UUID) -> str:
    """Sign in: a new Flask session (new CSRF token) and a new server-side session id."""
    target = session.get(NEXT)
    session.clear()
    with services().db.session() as db_session:
        sid = sessions.start_session(db_session, staff_id, now())
    session[SID] = sid
    return safe_next(target)


def safe_next(target: object) -> str:
    """Only our own staff pages: never another host, never a scheme-relative URL."""
    if (
        isinstance(target, str)
        and target.startswith("/staff/")
        and not target.startswith("//")
        and "\\" not in target
        and "/sign-in" not in target
    ):
        return target
    return url_for("staff.home")


def deny(actor: Actor, object_type: str, object_id: object) -> None:
    """Log an object-level denial (the id only) before the 404 goes out."""
    audit.write(
        services().db,
        "access_denied",
        actor_id=actor.staff_id,
        clinic_id=actor.clinic_id,
        object_type=object_type,
        object_id=object_id,
        outcome="denied",
        at=now(),
    )


def page_clinic(actor: Actor) -> dict[str, str]:
    """The clinic as every staff page's header shows it: its name and time zone."""
    return clinics.header(services().db, actor.clinic_id)
