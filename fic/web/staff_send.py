"""'Send a form now' from the client course page: a new session's link by email, SMS or QR.

The clinician (or their supervisor) records that a session was held now and chooses how the
client receives the link: shown in the room as a QR code and short code, or sent by SMS or
email (the number or address is sealed with the client's key and never queued).
"""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from flask import redirect, render_template, request, url_for

from fic import jobs
from fic.errors import InvalidRequest, NotFound
from fic.extensions import services
from fic.services.core import access, audit, outbox
from fic.services.core.access import Actor
from fic.services.delivery import link_messages
from fic.services.forms import links, room
from fic.storage.models import Clinic, Staff
from fic.web.staff import bp
from fic.web.staff_session import deny, now, page_clinic, signed_in

CHANNELS = ("room", "sms", "email")


@bp.post("/clients/<uuid:client_id>/send")
@signed_in("caseload")
def send_link(actor: Actor, client_id: uuid.UUID):
    svc = services()
    channel = request.form.get("channel", "")
    at = now()
    try:
        with svc.db.session() as session:
            client = access.client(session, actor, client_id)
            if channel not in CHANNELS:
                raise InvalidRequest("channel: choose the room, SMS or email")
            clinic = session.get(Clinic, client.clinic_id)
            clinician = session.get(Staff, client.clinician_id)
            assert clinic is not None and clinician is not None  # noqa: S101 - foreign keys
            made = links.record_session(
                session,
                svc.settings,
                svc.keys,
                clinic,
                client.client_ref,
                clinician.email,
                at,
                request.form.get("email", "").strip() if channel == "email" else None,
            )
            jobs_written = list(made.outbox_ids)
            shown = None
            if channel == "sms":
                link_messages.add_phone(
                    session, svc.keys, made.link.session_id, request.form.get("phone", "")
                )
                jobs_written.append(
                    outbox.add(session, "fic.deliver_link_sms", made.link.session_id)
                )
            elif channel == "room":
                shown = room.open_in_room(
                    session,
                    svc.settings,
                    made.link.session_id,
                    at,
                    svc.settings.room_code_minutes,
                )
            audit.record(
                session,
                "link_sent",
                actor_id=actor.staff_id,
                clinic_id=clinic.id,
                object_type="session",
                object_id=made.link.session_id,
                at=at,
            )
            ref = client.client_ref
            zone, header = ZoneInfo(clinic.timezone), page_clinic(session, actor)
    except NotFound:
        deny(actor, "client", client_id)
        raise
    except InvalidRequest as error:
        return redirect(
            url_for(
                "staff.client_course", client_id=client_id, send_error=str(error).partition(": ")[2]
            )
            + "#send",
            code=303,
        )
    outbox.flush(svc.db, jobs.publish, jobs_written)
    if shown is None:
        return redirect(
            url_for("staff.client_course", client_id=client_id, sent=channel) + "#send", code=303
        )
    return render_template(
        "staff/in_room.html",
        actor=actor,
        clinic=header,
        ref=ref,
        shown=shown,
        code_url=f"{svc.settings.base_url}/c",
        client_id=client_id,
        until=shown.expires_at.astimezone(zone).strftime("%H:%M"),
    )
