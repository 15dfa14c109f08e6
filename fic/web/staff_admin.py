"""Admin pages: staff and invitations, API keys, staff-side settings, the audit trail.

Admins see no client data here; every change writes an audit row (fic.services.staff.admin).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from fic.delivery.email import Mailer
from fic.domain.answers import N_
from fic.errors import DeliveryFailed, InvalidRequest, NotFound
from fic.extensions import services
from fic.services.clinic import clinics
from fic.services.core import audit
from fic.services.core.access import Actor
from fic.services.staff import admin
from fic.web.staff_session import deny, now, page_clinic, signed_in

bp = Blueprint("staff_admin", __name__, url_prefix="/staff/admin")
log = logging.getLogger(__name__)

ACCOUNT_STATES = {"invited": N_("invited"), "no password yet": N_("no password yet"),
                  "disabled": N_("disabled"), "active": N_("active")}

@bp.get("/")
@signed_in("admin")
def staff_list(actor: Actor):
    return _staff_page(actor)


def _staff_page(actor: Actor, error: str | None = None, status: int = 200):
    """The staff list; notices come from this session's flashed messages, never the URL."""
    rows = admin.staff_rows(services().db, actor, now())
    supervisors = [r["email"] for r in rows if r["role"] == "supervisor"]
    return render_template("staff/admin_staff.html", actor=actor, clinic=page_clinic(actor),
                           rows=rows, supervisors=supervisors, roles=clinics.ROLES,
                           account_states=ACCOUNT_STATES, error=error), status


def _back(notice: str):
    flash(notice, "notice")
    return redirect(url_for(".staff_list"), code=303)


@bp.post("/invitations")
@signed_in("admin")
def invite(actor: Actor):
    svc = services()
    try:
        outgoing = admin.invite(svc.db, svc.settings, actor, request.form.get("email", ""),
                                request.form.get("role", ""),
                                request.form.get("supervisor") or None, now())
    except (InvalidRequest, NotFound) as error:
        shown = str(error)  # "field: problem", the problem in the page's language
        if isinstance(error, InvalidRequest) and error.problem:
            shown = shown.replace(error.problem, _(error.problem))
        return _staff_page(actor, _("Nobody was invited: %(problem)s", problem=shown), 400)
    return _back(_send(outgoing))


def _send(outgoing: admin.Outgoing) -> str:
    assert outgoing.email is not None  # noqa: S101 - callers send only what there is
    try:
        Mailer(services().settings).send(outgoing.email)
    except DeliveryFailed as error:
        log.warning("staff email not sent: %s", error)
        return _("The mail server did not accept the message to %(to)s; try again later.",
                 to=outgoing.to)
    return _("Sent a link to %(to)s.", to=outgoing.to)


@bp.post("/invitations/<uuid:invitation_id>/resend")
@signed_in("admin")
def resend(actor: Actor, invitation_id: uuid.UUID):
    svc = services()
    try:
        outgoing = admin.resend_invitation(svc.db, svc.settings, actor, invitation_id, now())
    except NotFound:
        deny(actor, "invitation", invitation_id)
        raise
    return _back(_send(outgoing))


@bp.post("/staff/<uuid:staff_id>/<any(disable, enable, reset):change>")
@signed_in("admin")
def change_staff(actor: Actor, staff_id: uuid.UUID, change: str):
    """Disable or enable an account, or reset its sign-in (password and second factor)."""
    svc = services()
    try:
        outgoing = admin.change_staff(svc.db, svc.settings, actor, staff_id, change, now())
    except NotFound:
        deny(actor, "staff", staff_id)
        raise
    except InvalidRequest:
        return _back(_("You cannot disable yourself."))
    done = {"disable": _("%(to)s: disabled."), "enable": _("%(to)s: enabled.")}
    return _back(_send(outgoing) if outgoing.email
                 else done.get(change, "%(to)s") % {"to": outgoing.to})


@bp.get("/api-keys")
@signed_in("admin")
def api_keys(actor: Actor):
    rows = admin.api_key_rows(services().db, actor)
    return render_template("staff/admin_api_keys.html", actor=actor, clinic=page_clinic(actor),
                           rows=rows)


@bp.post("/api-keys")
@signed_in("admin")
def create_api_key(actor: Actor):
    key = admin.create_api_key(services().db, actor, now())
    return render_template("staff/admin_api_key_new.html", actor=actor,
                           clinic=page_clinic(actor), key=key)


@bp.post("/api-keys/<uuid:key_id>/revoke")
@signed_in("admin")
def revoke_api_key(actor: Actor, key_id: uuid.UUID):
    try:
        admin.revoke_api_key(services().db, actor, key_id, now())
    except NotFound:
        deny(actor, "api_key", key_id)
        raise
    return redirect(url_for(".api_keys"), code=303)


@bp.route("/settings", methods=["GET", "POST"])
@signed_in("admin")
def settings(actor: Actor):
    db = services().db
    error = None
    if request.method == "POST":
        try:
            admin.set_sign_in_limits(
                db, actor, request.form.get("clinician_totp") == "on",
                int(request.form.get("idle_minutes", "")),
                int(request.form.get("absolute_hours", "")), now())
        except (ValueError, InvalidRequest):
            error = "Idle timeout: 1 to 60 minutes. Maximum session: 1 to 24 hours."
        else:
            return redirect(url_for(".settings", saved=1), code=303)
    return render_template("staff/admin_settings.html", actor=actor, clinic=page_clinic(actor),
                           values=admin.sign_in_limits(db, actor), error=error,
                           saved=request.args.get("saved")), (400 if error else 200)


@bp.get("/audit")
@signed_in("admin")
def audit_trail(actor: Actor):
    args = request.args
    action = args.get("action") if args.get("action") in audit.ACTIONS else None
    until = _day(args.get("to"))
    rows = admin.audit_rows(
        services().db, actor, args.get("who", ""), action,
        args.get("object", "").strip()[:40] or None, _day(args.get("from")), until, now())
    return render_template("staff/admin_audit.html", actor=actor, clinic=page_clinic(actor),
                           rows=rows or [], actions=audit.ACTIONS, filters=args,
                           unknown_who=rows is None)


def _day(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None
    except ValueError:
        return None
