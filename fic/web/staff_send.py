"""'Send a form now' from the client course page: a new session's link by email, SMS or QR.

The clinician (or their supervisor) records that a session was held now and chooses how the
client receives the link: shown in the room as a QR code and short code, handed over on this
device (kiosk mode, fic.web.kiosk), or sent by SMS or email (the number or address is sealed
with the client's key and never queued).
"""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask import session as request_session

from fic import jobs
from fic.errors import InvalidRequest, NotFound
from fic.extensions import services
from fic.services.core.access import Actor
from fic.services.delivery import ask_now
from fic.services.staff import sign_in_steps
from fic.web import kiosk
from fic.web.staff import bp
from fic.web.staff_session import SID, deny, now, page_clinic, signed_in


@bp.post("/clients/<uuid:client_id>/send")
@signed_in("caseload")
def send_link(actor: Actor, client_id: uuid.UUID):
    svc = services()
    channel = request.form.get("channel", "")
    try:
        asked = ask_now.ask_now(svc.db, svc.settings, svc.keys, jobs.publish, actor, client_id,
                                channel, request.form.get("email", ""),
                                request.form.get("phone", ""), now())
    except NotFound:
        deny(actor, "client", client_id)
        raise
    except InvalidRequest as error:
        flash(error.problem, "send_error")
        return redirect(url_for("staff.client_course", client_id=client_id) + "#send", code=303)
    if asked.kiosk_token is not None:  # the browser is the client's now: the form at /kiosk
        sign_in_steps.sign_out(svc.db, request_session.get(SID), now())
        kiosk.hand_over(asked.kiosk_token)
        return redirect(url_for("kiosk.show"), code=303)
    shown = asked.shown
    if shown is None:
        return redirect(
            url_for("staff.client_course", client_id=client_id, sent=channel) + "#send", code=303
        )
    return render_template(
        "staff/in_room.html",
        actor=actor,
        clinic=page_clinic(actor),
        ref=asked.client_ref,
        shown=shown,
        code_url=f"{svc.settings.base_url}/c",
        client_id=client_id,
        until=shown.expires_at.astimezone(ZoneInfo(asked.timezone)).strftime("%H:%M"),
    )
