"""Admin pages: staff and invitations, API keys, staff-side settings, the audit trail.

Admins see no client data here; every change writes an audit row.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from fic.delivery.email import Mailer
from fic.errors import DeliveryFailed, InvalidRequest, NotFound
from fic.extensions import services
from fic.services.clinic import clinics
from fic.services.core import access, audit
from fic.services.core.access import Actor
from fic.services.staff import sessions, signin, staff_tokens
from fic.storage.models import ApiKey, Clinic, Staff
from fic.storage.models_staff import StaffCredential, StaffToken
from fic.web.staff_session import deny, now, page_clinic, signed_in

bp = Blueprint("staff_admin", __name__, url_prefix="/staff/admin")
log = logging.getLogger(__name__)


def _note(session, actor: Actor, action: str, object_type: str | None = None,  # type: ignore[no-untyped-def]
          object_id: object = None, outcome: str = "ok") -> None:
    audit.record(session, action, actor_id=actor.staff_id, clinic_id=actor.clinic_id,
                 object_type=object_type, object_id=object_id, outcome=outcome, at=now())


@bp.get("/")
@signed_in("admin")
def staff_list(actor: Actor):
    with services().db.session() as session:
        staff = session.scalars(
            select(Staff).where(Staff.clinic_id == actor.clinic_id)
            .order_by(Staff.role, Staff.email)
        ).all()
        creds = {c.staff_id: c for c in session.scalars(
            select(StaffCredential).where(StaffCredential.staff_id.in_([s.id for s in staff])))}
        invites = {t.staff_id: t for t in session.scalars(
            select(StaffToken).where(StaffToken.purpose == "invite",
                                     StaffToken.staff_id.in_([s.id for s in staff]),
                                     StaffToken.used_at.is_(None)))}
        emails = {s.id: s.email for s in staff}
        rows = [{
            "id": s.id, "email": s.email, "role": s.role,
            "supervisor": emails.get(s.supervisor_id) if s.supervisor_id else None,
            "state": _state(creds.get(s.id), invites.get(s.id), now()),
            "totp": bool(creds.get(s.id) and creds[s.id].totp_enabled_at),
            "invitation_id": invites[s.id].id if s.id in invites else None,
        } for s in staff]
        supervisors = [s.email for s in staff if s.role == "supervisor"]
        clinic = page_clinic(session, actor)
    return render_template("staff/admin_staff.html", actor=actor, clinic=clinic, rows=rows,
                           supervisors=supervisors, roles=clinics.ROLES,
                           message=request.args.get("message"))


def _state(credential: StaffCredential | None, invite: StaffToken | None, at: datetime) -> str:
    if credential is None:
        if invite is not None and invite.expires_at > at:
            return "invited"
        return "no password yet"
    return "disabled" if credential.disabled_at else "active"


@bp.post("/invitations")
@signed_in("admin")
def invite(actor: Actor):
    svc = services()
    email = request.form.get("email", "")
    role = request.form.get("role", "")
    supervisor = request.form.get("supervisor") or None
    try:
        with svc.db.session() as session:
            clinic = session.get(Clinic, actor.clinic_id)
            staff = clinics.add_staff(session, clinic, email, role,
                                      supervisor if role == "clinician" else None)
            issued = staff_tokens.issue(session, svc.settings, staff, "invite", now(),
                                        created_by=actor.staff_id)
            _note(session, actor, "invitation_sent", "staff", staff.id)
            message = staff_tokens.invitation_email(staff.email, clinic.name, role, issued.url)
    except (InvalidRequest, NotFound) as error:
        return redirect(url_for(".staff_list", message=str(error)), code=303)
    return redirect(url_for(".staff_list", message=_send(message, staff.email)), code=303)


def _send(message, address: str) -> str:  # type: ignore[no-untyped-def]
    try:
        Mailer(services().settings).send(message)
    except DeliveryFailed as error:
        log.warning("staff email not sent: %s", error)
        return f"The mail server did not accept the message to {address}; try again later."
    return f"Sent a link to {address}."


@bp.post("/invitations/<uuid:invitation_id>/resend")
@signed_in("admin")
def resend(actor: Actor, invitation_id: uuid.UUID):
    svc = services()
    try:
        with svc.db.session() as session:
            token = access.invitation(session, actor, invitation_id)
            staff = session.get(Staff, token.staff_id)
            clinic = session.get(Clinic, actor.clinic_id)
            issued = staff_tokens.issue(session, svc.settings, staff, "invite", now(),
                                        created_by=actor.staff_id)
            _note(session, actor, "invitation_sent", "staff", staff.id)
            message = staff_tokens.invitation_email(staff.email, clinic.name, staff.role,
                                                    issued.url)
    except NotFound:
        deny(actor, "invitation", invitation_id)
        raise
    return redirect(url_for(".staff_list", message=_send(message, staff.email)), code=303)


@bp.post("/staff/<uuid:staff_id>/<any(disable, enable, reset):change>")
@signed_in("admin")
def change_staff(actor: Actor, staff_id: uuid.UUID, change: str):
    """Disable or enable an account, or reset its sign-in (password and second factor)."""
    svc = services()
    at = now()
    message = None
    try:
        with svc.db.session() as session:
            staff = access.staff_member(session, actor, staff_id)
            if staff.id == actor.staff_id and change != "reset":
                return redirect(url_for(".staff_list", message="You cannot disable yourself."),
                                code=303)
            credential = session.get(StaffCredential, staff.id)
            if change == "reset":
                signin.reset_sign_in(session, staff.id, at)
                issued = staff_tokens.issue(session, svc.settings, staff, "reset", at,
                                            created_by=actor.staff_id)
                message = staff_tokens.reset_email(staff.email, issued.url)
                _note(session, actor, "password_reset_requested", "staff", staff.id, "by_admin")
            elif credential is not None:
                credential.disabled_at = at if change == "disable" else None
                if change == "disable":
                    sessions.end_all_sessions(session, staff.id, at)
                _note(session, actor, f"staff_{change}d", "staff", staff.id)
            email = staff.email
    except NotFound:
        deny(actor, "staff", staff_id)
        raise
    text = _send(message, email) if message else f"{email}: {change}d."
    return redirect(url_for(".staff_list", message=text), code=303)


@bp.get("/api-keys")
@signed_in("admin")
def api_keys(actor: Actor):
    with services().db.session() as session:
        keys = session.scalars(select(ApiKey).where(ApiKey.clinic_id == actor.clinic_id)
                               .order_by(ApiKey.created_at.desc())).all()
        rows = [{"id": k.id, "prefix": k.prefix, "created_at": k.created_at,
                 "revoked_at": k.revoked_at} for k in keys]
        clinic = page_clinic(session, actor)
    return render_template("staff/admin_api_keys.html", actor=actor, clinic=clinic, rows=rows)


@bp.post("/api-keys")
@signed_in("admin")
def create_api_key(actor: Actor):
    with services().db.session() as session:
        created = clinics.create_api_key(session, session.get(Clinic, actor.clinic_id))
        _note(session, actor, "api_key_created", "api_key", created.id)
        clinic = page_clinic(session, actor)
    return render_template("staff/admin_api_key_new.html", actor=actor, clinic=clinic,
                           key=created.key)


@bp.post("/api-keys/<uuid:key_id>/revoke")
@signed_in("admin")
def revoke_api_key(actor: Actor, key_id: uuid.UUID):
    try:
        with services().db.session() as session:
            key = access.api_key(session, actor, key_id)
            if key.revoked_at is None:
                key.revoked_at = now()
                _note(session, actor, "api_key_revoked", "api_key", key.id)
    except NotFound:
        deny(actor, "api_key", key_id)
        raise
    return redirect(url_for(".api_keys"), code=303)


@bp.route("/settings", methods=["GET", "POST"])
@signed_in("admin")
def settings(actor: Actor):
    error = None
    with services().db.session() as session:
        current = sessions.clinic_settings(session, actor.clinic_id)
        if request.method == "POST":
            try:
                idle = int(request.form.get("idle_minutes", ""))
                absolute = int(request.form.get("absolute_hours", ""))
                if not (1 <= idle <= 60 and 1 <= absolute <= 24):
                    raise ValueError
            except ValueError:
                error = "Idle timeout: 1 to 60 minutes. Maximum session: 1 to 24 hours."
            else:
                current.clinician_totp_required = request.form.get("clinician_totp") == "on"
                current.idle_minutes, current.absolute_hours = idle, absolute
                session.merge(current)
                _note(session, actor, "settings_changed", "clinic", actor.clinic_id)
        values = {"clinician_totp": current.clinician_totp_required,
                  "idle_minutes": current.idle_minutes, "absolute_hours": current.absolute_hours}
        clinic = page_clinic(session, actor)
    if request.method == "POST" and error is None:
        return redirect(url_for(".settings", saved=1), code=303)
    return render_template("staff/admin_settings.html", actor=actor, clinic=clinic,
                           values=values, error=error, saved=request.args.get("saved")), \
        (400 if error else 200)


@bp.get("/audit")
@signed_in("admin")
def audit_trail(actor: Actor):
    args = request.args
    action = args.get("action") if args.get("action") in audit.ACTIONS else None
    with services().db.session() as session:
        people = dict(session.execute(select(Staff.email, Staff.id)
                                      .where(Staff.clinic_id == actor.clinic_id)).all())
        actor_id = people.get(args.get("who", "").strip().lower())
        since = _day(args.get("from"))
        until = _day(args.get("to"))
        rows = [] if args.get("who") and actor_id is None else audit.events(
            session, actor.clinic_id, action=action, actor_id=actor_id,
            object_id=args.get("object", "").strip()[:40] or None,
            since=since, until=until + timedelta(days=1) if until else None,
        )
        names = {v: k for k, v in people.items()}
        items = [{"seq": r.seq, "at": r.at, "who": names.get(r.actor_id, "—"),
                  "action": r.action, "object": f"{r.object_type or ''} {r.object_id or ''}",
                  "outcome": r.outcome} for r in rows]
        _note(session, actor, "audit_viewed")
        clinic = page_clinic(session, actor)
    unknown_who = bool(args.get("who")) and actor_id is None
    return render_template("staff/admin_audit.html", actor=actor, clinic=clinic, rows=items,
                           actions=audit.ACTIONS, filters=args, unknown_who=unknown_who)


def _day(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None
    except ValueError:
        return None
