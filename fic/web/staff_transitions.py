"""Staff pages: add a client ahead of a first session, move a client to another clinician,
discharge a client. Thin: the by_staff use cases hold the rules and the audit rows."""

from __future__ import annotations

import uuid
from typing import Any

from flask import redirect, request, url_for

from fic.errors import InvalidRequest, NotFound
from fic.extensions import services
from fic.services.clients import by_staff
from fic.services.core.access import Actor
from fic.web.staff import bp
from fic.web.staff_session import deny, signed_in


def _back(client_id: uuid.UUID, **notice: Any):
    return redirect(url_for("staff.client_course", client_id=client_id, **notice) + "#roster",
                    code=303)


@bp.post("/clients")
@signed_in("caseload")
def add_client(actor: Actor):
    ref = request.form.get("client_ref", "").strip()
    try:
        with services().db.session() as session:
            client_id = by_staff.add(session, actor, ref, request.form.get("clinician") or None)
    except InvalidRequest as error:
        return redirect(url_for("staff.caseload", add_error=error.problem),
                        code=303)
    return redirect(url_for("staff.client_course", client_id=client_id), code=303)


@bp.post("/clients/<uuid:client_id>/reassign")
@signed_in("caseload")
def reassign_client(actor: Actor, client_id: uuid.UUID):
    try:
        with services().db.session() as session:
            by_staff.reassign(session, actor, client_id, request.form.get("clinician", ""))
    except NotFound:
        deny(actor, "client", client_id)
        raise
    except InvalidRequest as error:
        return _back(client_id, roster_error=error.problem)
    return _back(client_id, roster="reassigned")


@bp.post("/clients/<uuid:client_id>/discharge")
@signed_in("caseload")
def discharge_client(actor: Actor, client_id: uuid.UUID):
    try:
        with services().db.session() as session:
            by_staff.discharge(session, actor, client_id)
    except NotFound:
        deny(actor, "client", client_id)
        raise
    return _back(client_id, roster="discharged")
