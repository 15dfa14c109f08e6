"""API v1: clients (create or upsert by client_ref, list, get, reassign, discharge, erase),
their sessions, responses and episodes. Thin: parse, call a use case, shape the answer."""

from __future__ import annotations

import uuid

from flask import Blueprint
from spectree import Response

from fic.extensions import services
from fic.services.clients import records, roster
from fic.web.api_core import body, caller, install_api, query, scope, spec
from fic.web.api_models import (
    ClientOut,
    ClientPage,
    ClientQuery,
    ClientUpsert,
    EpisodeList,
    EpisodeOut,
    Reassign,
    ResponseList,
    ResponseOut,
    SessionOut,
    out,
)

bp = Blueprint("api_clients", __name__, url_prefix="/api/v1")
install_api(bp)
TAGS = ["clients"]


def _who() -> roster.Who:
    return roster.Who(api_key_id=caller().key_id)


@bp.post("/clients")
@scope("clients:write")
@spec.validate(json=ClientUpsert, resp=Response(HTTP_200=ClientOut, HTTP_201=ClientOut),
               tags=TAGS)
def upsert_client():
    """Create a client ahead of their first session (201), or reassign one by client_ref (200)."""
    data = body(ClientUpsert)
    with services().db.session() as session:
        view, created = roster.upsert(session, caller().clinic_id, data.client_ref,
                                      data.clinician, _who())
        return out(ClientOut, view), 201 if created else 200


@bp.get("/clients")
@scope("clients:read")
@spec.validate(query=ClientQuery, resp=Response(HTTP_200=ClientPage), tags=TAGS)
def list_clients():
    """Clients, `limit` at a time; pass `next_cursor` back as `cursor` for the next page."""
    q = query(ClientQuery)
    with services().db.session() as session:
        page = roster.listing(session, caller().clinic_id,
                              cursor=str(q.cursor) if q.cursor else None, limit=q.limit,
                              status=q.status, clinician_email=q.clinician)
        return out(ClientPage, page), 200


@bp.get("/clients/<uuid:client_id>")
@scope("clients:read")
@spec.validate(resp=Response(HTTP_200=ClientOut), tags=TAGS)
def show_client(client_id: uuid.UUID):
    """One client."""
    with services().db.session() as session:
        return out(ClientOut, roster.show(session, caller().clinic_id, client_id)), 200


@bp.post("/clients/<uuid:client_id>/reassign")
@scope("clients:write")
@spec.validate(json=Reassign, resp=Response(HTTP_200=ClientOut), tags=TAGS)
def reassign_client(client_id: uuid.UUID):
    """Move the client to another clinician: history stays, new alerts go to the new one."""
    data = body(Reassign)
    with services().db.session() as session:
        view = roster.reassign(session, caller().clinic_id, client_id, data.clinician, _who())
        return out(ClientOut, view), 200


@bp.post("/clients/<uuid:client_id>/discharge")
@scope("clients:write")
@spec.validate(resp=Response(HTTP_200=ClientOut), tags=TAGS)
def discharge_client(client_id: uuid.UUID):
    """End the course: no more sessions or links; the data is kept to retention."""
    with services().db.session() as session:
        view = roster.discharge(session, caller().clinic_id, client_id, _who())
        return out(ClientOut, view), 200


@bp.post("/clients/<uuid:client_id>/erase")
@scope("clients:write")
@spec.validate(resp=Response(HTTP_200=ClientOut), tags=TAGS)
def erase_client(client_id: uuid.UUID):
    """Crypto-shred the client's comments, contacts and notes for good."""
    with services().db.session() as session:
        view = roster.erase(session, caller().clinic_id, client_id, _who())
        return out(ClientOut, view), 200


@bp.get("/clients/<uuid:client_id>/responses")
@scope("responses:read")
@spec.validate(resp=Response(HTTP_200=ResponseList), tags=["responses"])
def client_responses(client_id: uuid.UUID):
    """The client's answered forms in course order (scores only; comments stay sealed)."""
    with services().db.session() as session:
        items = records.responses_of(session, caller().clinic_id, client_id)
        return {"items": [out(ResponseOut, r) for r in items]}, 200


@bp.get("/responses/<uuid:response_id>")
@scope("responses:read")
@spec.validate(resp=Response(HTTP_200=ResponseOut), tags=["responses"])
def show_response(response_id: uuid.UUID):
    """One answered form."""
    with services().db.session() as session:
        return out(ResponseOut, records.response_view(session, caller().clinic_id,
                                                      response_id)), 200


@bp.get("/clients/<uuid:client_id>/episodes")
@scope("alerts:read")
@spec.validate(resp=Response(HTTP_200=EpisodeList), tags=["alerts"])
def client_episodes(client_id: uuid.UUID):
    """The client's rupture episodes as the rules left them."""
    with services().db.session() as session:
        items = records.episodes_of(session, caller().clinic_id, client_id)
        return {"items": [out(EpisodeOut, e) for e in items]}, 200


@bp.get("/sessions/<uuid:session_id>")
@scope("sessions:read")
@spec.validate(resp=Response(HTTP_200=SessionOut), tags=["sessions"])
def show_session(session_id: uuid.UUID):
    """A session and whether its form is open, answered or closed."""
    with services().db.session() as session:
        return out(SessionOut, records.session_view(session, caller().clinic_id,
                                                    session_id)), 200


@bp.post("/sessions/<uuid:session_id>/cancel")
@scope("sessions:write")
@spec.validate(resp=Response(HTTP_200=SessionOut), tags=["sessions"])
def cancel_session(session_id: uuid.UUID):
    """The session did not take place: its links stop working (not once answered)."""
    with services().db.session() as session:
        return out(SessionOut, records.cancel_session(session, caller().clinic_id,
                                                      session_id)), 200
