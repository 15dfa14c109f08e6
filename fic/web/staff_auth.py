"""Staff sign-in, second factor, sign-out, password reset and invitations."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import segno
from flask import Blueprint, redirect, render_template, request, session, url_for
from sqlalchemy import func, select

from fic.delivery.email import Mailer
from fic.errors import DeliveryFailed, InvalidRequest, LinkUnavailable
from fic.extensions import services
from fic.services.core import audit
from fic.services.core.access import Actor
from fic.services.staff import second_factor, sessions, signin, staff_tokens
from fic.storage.models import Staff
from fic.storage.models_staff import StaffCredential, StaffToken
from fic.web.staff_session import SID, begin, client_ip, current_actor, now, signed_in

bp = Blueprint("staff_auth", __name__, url_prefix="/staff")
log = logging.getLogger(__name__)
PENDING = "pending"
PENDING_FOR = 600  # seconds between a right password and the code
RESETS_PER_HOUR = 3
WHY = {
    "idle": "You were signed out after a while without activity. Please sign in again.",
    "expired": "Your session reached its maximum length. Please sign in again.",
    "signed_out": "You are signed out.",
    "password_set": "Your password is set. Sign in with it now.",
}


@bp.get("/sign-in")
def sign_in():
    if current_actor() is not None:
        return redirect(url_for("staff.home"), code=303)
    return render_template("staff/sign_in.html", notice=WHY.get(request.args.get("why", "")))


@bp.post("/sign-in")
def sign_in_post():
    email = request.form.get("email", "").strip().lower()[:254]
    password = request.form.get("password", "")
    svc = services()
    at = now()
    with svc.db.session() as db:
        check = signin.check_password(db, email, password, client_ip(), at)
        known = db.scalar(select(Staff).where(Staff.email == email))
        actor_id, clinic_id = (known.id, known.clinic_id) if known else (None, None)
        if check.outcome != "ok":
            audit.record(db, "sign_in_failed", actor_id=actor_id, clinic_id=clinic_id,
                         outcome=check.outcome, at=at)
        elif check.second_factor is None:
            audit.record(db, "sign_in", actor_id=actor_id, clinic_id=clinic_id, at=at)
    if check.outcome == "rate_limited":
        return _sign_in_error("Too many failed sign-ins from this network. "
                              "Please wait 15 minutes and try again.", email, 429)
    if check.outcome == "locked":
        return _sign_in_error("Too many failed attempts for this account. Wait 15 minutes, "
                              "or choose a new password with the link below.", email, 429)
    if check.outcome == "wrong":
        return _sign_in_error("That email and password do not match an account.", email, 401)
    assert check.staff_id is not None  # noqa: S101 - set when the outcome is "ok"
    if check.second_factor is None:
        return redirect(begin(check.staff_id), code=303)
    session[PENDING] = {"staff_id": str(check.staff_id), "email": email,
                        "stage": check.second_factor, "at": at.timestamp()}
    target = "staff_auth.code" if check.second_factor == "totp" else "staff_auth.enrol"
    return redirect(url_for(target), code=303)


def _sign_in_error(message: str, email: str, status: int):
    return render_template("staff/sign_in.html", error=message, email=email), status


def _pending(stage: str) -> dict[str, Any] | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("stage") != stage:
        return None
    if now().timestamp() - float(pending.get("at", 0)) > PENDING_FOR:
        session.pop(PENDING, None)
        return None
    return pending


@bp.get("/sign-in/code")
def code():
    if _pending("totp") is None:
        return redirect(url_for("staff_auth.sign_in"), code=303)
    return render_template("staff/code.html")


@bp.post("/sign-in/code")
def code_post():
    pending = _pending("totp")
    if pending is None:
        return redirect(url_for("staff_auth.sign_in"), code=303)
    staff_id, email = uuid.UUID(pending["staff_id"]), pending["email"]
    typed = request.form.get("code", "").strip()[:40]
    svc = services()
    at = now()
    with svc.db.session() as db:
        staff = db.get(Staff, staff_id)
        assert staff is not None  # noqa: S101 - staff rows are never deleted
        locked = signin.is_locked(db, email, at)
        ok, recovery = False, False
        if not locked:
            ok = second_factor.verify_totp(db, svc.keys, staff_id, typed, at)
            if not ok and len(typed.replace("-", "").replace(" ", "")) == 16:
                ok = recovery = second_factor.use_recovery_code(db, staff_id, typed, at)
        if not locked:
            signin.note_attempt(db, email, client_ip(), ok, at)
        if ok:
            if recovery:
                audit.record(db, "recovery_code_used", actor_id=staff_id,
                             clinic_id=staff.clinic_id, at=at)
            audit.record(db, "sign_in", actor_id=staff_id, clinic_id=staff.clinic_id, at=at)
        else:
            locked = locked or signin.is_locked(db, email, at)
            audit.record(db, "sign_in_failed", actor_id=staff_id, clinic_id=staff.clinic_id,
                         outcome="locked" if locked else "wrong_code", at=at)
    if ok:
        return redirect(begin(staff_id), code=303)
    if locked:
        session.pop(PENDING, None)
        return _sign_in_error("Too many failed attempts for this account. Wait 15 minutes, "
                              "or choose a new password with the link below.", email, 429)
    return render_template("staff/code.html", error="That code did not work. Codes change "
                           "every 30 seconds: type the one your app shows now."), 401


@bp.route("/sign-in/enrol", methods=["GET", "POST"])
def enrol():
    """Set up the authenticator app: required at first sign-in, or chosen from the account."""
    pending = _pending("enrol")
    actor = current_actor()
    if pending is None and actor is None:
        return redirect(url_for("staff_auth.sign_in"), code=303)
    staff_id = uuid.UUID(pending["staff_id"]) if pending else actor.staff_id  # type: ignore[union-attr]
    svc = services()
    at = now()
    with svc.db.session() as db:
        staff = db.get(Staff, staff_id)
        credential = db.get(StaffCredential, staff_id)
        assert staff is not None and credential is not None  # noqa: S101 - signed in by password
        if pending is None and credential.totp_enabled_at is not None:
            return redirect(url_for("staff_auth.account"), code=303)
        if request.method == "POST":
            code = request.form.get("code", "")
            codes = second_factor.confirm_enrolment(db, svc.keys, staff_id, code, at)
            if codes is not None:
                audit.record(db, "totp_enrolled", actor_id=staff_id, clinic_id=staff.clinic_id,
                             at=at)
                if pending:
                    signin.note_attempt(db, pending["email"], client_ip(), True, at)
                    audit.record(db, "sign_in", actor_id=staff_id, clinic_id=staff.clinic_id,
                                 at=at)
        else:
            codes = None
            if credential.totp_secret_ct is None or credential.totp_enabled_at is not None:
                second_factor.begin_enrolment(db, svc.keys, staff)
        secret = second_factor.pending_secret(db, svc.keys, staff_id) or ""
        email = staff.email
    if codes is not None:
        target = begin(staff_id) if pending else url_for("staff_auth.account")
        return render_template("staff/recovery_codes.html", codes=codes, target=target)
    uri = second_factor.authenticator_uri(secret, email)
    return render_template(
        "staff/enrol.html",
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        uri=uri,
        qr=segno.make(uri, error="m").svg_data_uri(scale=5, border=2),
        error="That code did not match. Check the time on your phone and try the newest code."
        if request.method == "POST" else None,
    ), (400 if request.method == "POST" else 200)


@bp.post("/sign-out")
def sign_out():
    sid = session.get(SID)
    with services().db.session() as db:
        staff_id = sessions.end_session(db, sid, now())
        if staff_id is not None:
            staff = db.get(Staff, staff_id)
            audit.record(db, "sign_out", actor_id=staff_id,
                         clinic_id=staff.clinic_id if staff else None, at=now())
    session.clear()
    return redirect(url_for("staff_auth.sign_in", why="signed_out"), code=303)


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_request():
    if request.method == "GET":
        return render_template("staff/reset_request.html")
    email = request.form.get("email", "").strip().lower()[:254]
    svc = services()
    at = now()
    with svc.db.session() as db:
        staff = db.scalar(select(Staff).where(Staff.email == email)) if "@" in email else None
        issued = None
        if staff is not None and _resets_last_hour(db, staff.id, at) < RESETS_PER_HOUR:
            issued = staff_tokens.issue(db, svc.settings, staff, "reset", at)
            audit.record(db, "password_reset_requested", actor_id=staff.id,
                         clinic_id=staff.clinic_id, object_type="staff", object_id=staff.id, at=at)
    if issued is not None and staff is not None:
        try:
            Mailer(svc.settings).send(staff_tokens.reset_email(staff.email, issued.url))
        except DeliveryFailed as error:
            log.warning("password reset email not sent: %s", error)
    return render_template("staff/reset_sent.html")


def _resets_last_hour(db: Any, staff_id: uuid.UUID, at: datetime) -> int:
    return db.scalar(select(func.count(StaffToken.id)).where(
        StaffToken.staff_id == staff_id, StaffToken.purpose == "reset",
        StaffToken.created_at > at - timedelta(hours=1))) or 0


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    return _set_password(token, "reset")


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    return _set_password(token, "invite")


def _set_password(token: str, purpose: str):
    svc = services()
    at = now()
    heading = "Choose a new password" if purpose == "reset" else "Welcome to fic"
    try:
        with svc.db.session() as db:
            staff = staff_tokens.peek(db, token, purpose, at)
            email = staff.email
            if request.method == "POST":
                password = request.form.get("password", "")
                if password != request.form.get("confirm", ""):
                    raise InvalidRequest("password: the two passwords are not the same")
                staff = staff_tokens.redeem(db, token, purpose, password, at)
                audit.record(db, "password_set", actor_id=staff.id, clinic_id=staff.clinic_id,
                             object_type="staff", object_id=staff.id,
                             outcome="invitation" if purpose == "invite" else "reset", at=at)
    except LinkUnavailable:
        return render_template("staff/link_unavailable.html", purpose=purpose), 410
    except InvalidRequest as error:
        message = str(error).partition(": ")[2] or str(error)
        return render_template("staff/set_password.html", heading=heading, email=email,
                               error=message, minimum=signin.MIN_PASSWORD), 400
    if request.method == "POST":
        session.clear()
        return redirect(url_for("staff_auth.sign_in", why="password_set"), code=303)
    return render_template("staff/set_password.html", heading=heading, email=email,
                           minimum=signin.MIN_PASSWORD)


@bp.get("/account")
@signed_in()
def account(actor: Actor):
    with services().db.session() as db:
        credential = db.get(StaffCredential, actor.staff_id)
        has_totp = credential is not None and credential.totp_enabled_at is not None
    return render_template("staff/account.html", actor=actor, has_totp=has_totp)
