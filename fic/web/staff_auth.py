"""Staff sign-in, second factor, sign-out, password reset and invitations."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import segno
from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from fic import i18n, jobs
from fic.domain.answers import N_
from fic.errors import InvalidRequest, LinkUnavailable
from fic.extensions import services
from fic.services.core.access import Actor
from fic.services.staff import passwords, second_factor, sessions, sign_in_steps
from fic.web.staff_session import SID, begin, client_ip, current_actor, now, signed_in

bp = Blueprint("staff_auth", __name__, url_prefix="/staff")
log = logging.getLogger(__name__)
PENDING = "pending"
WHY = {
    "idle": N_("You were signed out after a while without activity. Please sign in again."),
    "expired": N_("Your session reached its maximum length. Please sign in again."),
    "signed_out": N_("You are signed out."),
    "password_set": N_("Your password is set. Sign in with it now."),
}


@bp.get("/sign-in")
def sign_in():
    if current_actor() is not None:
        return redirect(url_for("staff.home"), code=303)
    why = WHY.get(request.args.get("why", ""))
    return render_template("staff/sign_in.html", notice=_(why) if why else None)


@bp.post("/sign-in")
def sign_in_post():
    email = request.form.get("email", "").strip().lower()[:254]
    password = request.form.get("password", "")
    at = now()
    check = sign_in_steps.check_password(services().db, email, password, client_ip(), at)
    if check.outcome == "rate_limited":
        return _sign_in_error(_("Too many failed sign-ins from this network. "
                                "Please wait 15 minutes and try again."), email, 429)
    if check.outcome == "locked":
        return _sign_in_error(_("Too many failed attempts for this account. Wait 15 minutes, "
                                "or choose a new password with the link below."), email, 429)
    if check.outcome == "wrong":
        return _sign_in_error(_("That email and password do not match an account."), email, 401)
    assert check.staff_id is not None  # noqa: S101 - set when the outcome is "ok"
    if check.second_factor is None:
        return redirect(begin(check.staff_id), code=303)
    token = sign_in_steps.begin_second_factor(services().db, check.staff_id,
                                              check.second_factor, at)
    session[PENDING] = {"token": token, "email": email, "stage": check.second_factor}
    target = "staff_auth.code" if check.second_factor == "totp" else "staff_auth.enrol"
    return redirect(url_for(target), code=303)


def _sign_in_error(message: str, email: str, status: int):
    return render_template("staff/sign_in.html", error=message, email=email), status


def _pending(stage: str) -> dict[str, Any] | None:
    """The pending sign-in the cookie points at, if the server still knows it at this stage."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("stage") != stage:
        return None
    staff_id = sign_in_steps.pending_staff(services().db, pending.get("token"), stage, now())
    if staff_id is None:
        session.pop(PENDING, None)
        return None
    return {**pending, "staff_id": str(staff_id)}


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
    check = sign_in_steps.check_code(svc.db, svc.keys, staff_id, email, typed, client_ip(), now(),
                                     pending["token"])
    if check.outcome == "ok":
        return redirect(begin(staff_id), code=303)
    if check.outcome == "locked":
        session.pop(PENDING, None)
        return _sign_in_error(_("Too many failed attempts for this account. Wait 15 minutes, "
                                "or choose a new password with the link below."), email, 429)
    return render_template("staff/code.html", error=_("That code did not work. Codes change "
                           "every 30 seconds: type the one your app shows now.")), 401


@bp.route("/sign-in/enrol", methods=["GET", "POST"])
def enrol():
    """Set up the authenticator app: required at first sign-in, or chosen from the account."""
    pending = _pending("enrol")
    actor = current_actor()
    if pending is None and actor is None:
        return redirect(url_for("staff_auth.sign_in"), code=303)
    if pending is not None:
        staff_id = uuid.UUID(pending["staff_id"])
    else:
        assert actor is not None  # noqa: S101 - checked just above
        staff_id = actor.staff_id
    svc = services()
    posted = request.method == "POST"
    try:
        shown = sign_in_steps.enrolment(
            svc.db, svc.keys, staff_id, now(),
            code=request.form.get("code", "") if posted else None,
            signing_in_as=pending["email"] if pending else None, ip=client_ip(),
            pending_token=pending["token"] if pending else "")
    except LinkUnavailable:  # the pending sign-in ended meanwhile: nothing was kept
        session.pop(PENDING, None)
        return redirect(url_for("staff_auth.sign_in"), code=303)
    if shown.already_enrolled:
        return redirect(url_for("staff_auth.account"), code=303)
    if shown.codes is not None:
        target = begin(staff_id) if pending else url_for("staff_auth.account")
        return render_template("staff/recovery_codes.html", codes=shown.codes, target=target)
    secret = shown.secret
    uri = second_factor.authenticator_uri(secret, shown.email)
    return render_template(
        "staff/enrol.html",
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        uri=uri,
        qr=segno.make(uri, error="m").svg_data_uri(scale=5, border=2),
        error=_("That code did not match. Check the time on your phone and try the newest code.")
        if request.method == "POST" else None,
    ), (400 if request.method == "POST" else 200)


@bp.post("/sign-out")
def sign_out():
    sign_in_steps.sign_out(services().db, session.get(SID), now())
    session.clear()
    return redirect(url_for("staff_auth.sign_in", why="signed_out"), code=303)


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_request():
    if request.method == "GET":
        return render_template("staff/reset_request.html")
    email = request.form.get("email", "").strip().lower()[:254]
    sign_in_steps.request_reset(services().db, jobs.publish, email, now())
    return render_template("staff/reset_sent.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    return _set_password(token, "reset")


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    return _set_password(token, "invite")


def _set_password(token: str, purpose: str):
    svc = services()
    at = now()
    heading = _("Choose a new password") if purpose == "reset" else _("Welcome to fic")
    try:
        email = sign_in_steps.token_email(svc.db, token, purpose, at)
        if request.method == "POST":
            sign_in_steps.set_password_by_token(
                svc.db, token, purpose, request.form.get("password", ""),
                request.form.get("confirm", ""), at)
    except LinkUnavailable:
        return render_template("staff/link_unavailable.html", purpose=purpose), 410
    except InvalidRequest as error:
        message = error.problem_in(_)
        return render_template("staff/set_password.html", heading=heading, email=email,
                               error=message, minimum=passwords.MIN_PASSWORD), 400
    if request.method == "POST":
        session.clear()
        return redirect(url_for("staff_auth.sign_in", why="password_set"), code=303)
    return render_template("staff/set_password.html", heading=heading, email=email,
                           minimum=passwords.MIN_PASSWORD)


@bp.get("/account")
@signed_in()
def account(actor: Actor):
    has_totp = sign_in_steps.has_authenticator(services().db, actor.staff_id)
    with services().db.session() as db_session:
        chosen = sessions.own_language(db_session, actor.staff_id)
    return render_template("staff/account.html", actor=actor, has_totp=has_totp, chosen=chosen,
                           languages=i18n.STAFF_LANGUAGES)


@bp.post("/account/language")
@signed_in()
def choose_language(actor: Actor):
    try:
        with services().db.session() as db_session:
            sessions.choose_language(db_session, actor.staff_id,
                                     request.form.get("language", "")[:16], now())
    except InvalidRequest:  # not a language fic's staff pages speak: nothing was changed
        return redirect(url_for("staff_auth.account"), code=303)
    return redirect(url_for("staff_auth.account"), code=303)
