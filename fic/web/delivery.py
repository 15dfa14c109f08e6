"""Delivery's public routes: readiness, the signed acknowledgement link, in-room codes."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request
from flask_babel import gettext as _

from fic import clock
from fic.errors import LinkUnavailable, NotFound
from fic.extensions import services
from fic.services.alerts import ack_links
from fic.services.core import readiness
from fic.services.forms import room

bp = Blueprint("delivery", __name__)


@bp.get("/readyz")
def readyz():
    svc = services()
    state = readiness.check(svc.db, svc.settings, clock.now(), svc.settings.ready_outbox_max_age)
    return state.as_json(), 200 if state.ready else 503


@bp.get("/ack/<token>")
def ack_link(token: str):
    """A valid link leads to the alert's staff page, which asks for sign-in first."""
    svc = services()
    max_age = svc.settings.ack_link_days * 86400
    try:
        target = ack_links.read(str(svc.settings.secret_key), token[:400], max_age)
    except NotFound:
        return render_template("error.html", code=404, title="This link is not valid"), 404
    return redirect(f"/staff/alerts/{target.alert_id}", code=303)


@bp.get("/c")
def code_form():
    return render_template("delivery/code.html")


@bp.post("/c")
def code_entered():
    svc = services()
    try:
        with svc.db.session() as session:
            url = room.redeem(session, svc.settings, request.form.get("code", "")[:32], clock.now())
    except LinkUnavailable:
        message = _("That code did not work. Check it, or ask your therapist for a new one.")
        return render_template("delivery/code.html", error=message), 410
    return redirect(url.removeprefix(svc.settings.base_url), code=303)
