"""Client course page: name a goal with the client, reword it, or retire it (audited)."""

from __future__ import annotations

import uuid

from flask import redirect, request, url_for

from fic.domain.answers import N_
from fic.errors import InvalidRequest, NotFound
from fic.extensions import services
from fic.services.core import access
from fic.services.core.access import Actor
from fic.services.forms import goals
from fic.web.staff import bp
from fic.web.staff_session import deny, now, signed_in


@bp.post("/clients/<uuid:client_id>/goals")
@signed_in("caseload")
def change_goals(actor: Actor, client_id: uuid.UUID):
    svc = services()
    action = request.form.get("action", "")
    at = now()
    try:
        with svc.db.session() as session:
            client = access.client(session, actor, client_id)
            wording = request.form.get("wording", "")[: goals.MAX_LENGTH * 4]
            if action == "name":
                goals.name_goal(session, svc.keys, client, wording, actor.staff_id, at)
            elif action in ("reword", "retire"):
                goal_id = _goal_id(request.form.get("goal", ""))
                if action == "reword":
                    goals.reword(session, svc.keys, client, goal_id, wording, actor.staff_id, at)
                else:
                    goals.retire(session, client, goal_id, actor.staff_id, at)
            else:
                raise InvalidRequest.about("goal", N_("choose to name, reword or retire a goal"))
    except NotFound:
        deny(actor, "client", client_id)
        raise
    except InvalidRequest as error:
        return redirect(url_for("staff.client_course", client_id=client_id,
                                goal_error=error.problem if error.field else "") + "#goals",
                        code=303)
    return redirect(url_for("staff.client_course", client_id=client_id, goals=action)
                    + "#goals", code=303)


def _goal_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw[:40])
    except ValueError:
        raise InvalidRequest.about("goal", N_("no such goal")) from None
