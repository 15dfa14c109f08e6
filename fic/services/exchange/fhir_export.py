"""A client's course, or a whole clinic's, as FHIR R4 resources (NDJSON for bulk).

Per client: each answered form as one QuestionnaireResponse per instrument on it, an
Observation for each alliance total, and one for each rupture episode as the rules left
it. The Questionnaires themselves come first in a bulk file so it stands on its own.
Comments travel (the clinic's own record); decrypting them is part of the audited export.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from fic.crypto import KeyRing
from fic.errors import DecryptionFailed
from fic.instruments import load
from fic.services.clients.roster import get_client
from fic.services.core import audit, vault
from fic.services.exchange import fhir_resources as fr
from fic.storage import repository
from fic.storage.models import Client, Clinic, Episode, Response, TherapySession

INSTRUMENTS = ("alliance", "wellbeing", "goals")


def questionnaires(base: fr.Base, language: str = "en") -> list[dict[str, Any]]:
    return [fr.questionnaire(base, load(name), language) for name in INSTRUMENTS]


def client_resources(session: Session, keys: KeyRing, base: fr.Base,
                     client: Client) -> Iterator[dict[str, Any]]:
    course = repository.course(session, client.id).sessions
    held = {therapy.id: therapy.held_at for therapy, _ in course}
    for therapy, response in course:
        if response is not None:
            yield from _form(keys, base, client, therapy, response)
    for episode in session.scalars(select(Episode).where(Episode.client_id == client.id)
                                   .order_by(Episode.number)):
        yield fr.episode_observation(
            base, resource_id=f"{client.id}-episode-{episode.number}",
            client_ref=client.client_ref, number=episode.number, state=episode.state,
            opened_at=held[episode.opened_session_id],
            closed_at=held.get(episode.closed_session_id) if episode.closed_session_id else None,
            rules=list(episode.rules))


def _form(keys: KeyRing, base: fr.Base, client: Client, therapy: TherapySession,
          response: Response) -> Iterator[dict[str, Any]]:
    values = response.values
    comment = _comment(keys, client, response)
    for name in response.instruments:
        instrument = load(name)
        resource_id = f"{response.id}-{name}"
        yield fr.questionnaire_response(
            base, instrument, resource_id=resource_id, session_ref=str(therapy.id),
            client_ref=client.client_ref, authored=therapy.held_at, values=values,
            comment=comment if any(i.kind == "text" for i in instrument.items) else None)
        total = instrument.total_of(values)
        if total is not None and name == "alliance":
            yield fr.total_observation(
                base, instrument, resource_id=f"{response.id}-{name}-total",
                client_ref=client.client_ref, held_at=therapy.held_at, total=total,
                response_id=resource_id)


def _comment(keys: KeyRing, client: Client, response: Response) -> str | None:
    if response.comment_ct is None:
        return None
    try:
        return vault.unseal(keys, client, response.comment_ct,
                            repository.comment_binding(response.id))
    except DecryptionFailed:
        return None  # an erased client's comments are gone for good


def export_client(session: Session, keys: KeyRing, base: fr.Base, clinic_id: uuid.UUID,
                  client_id: uuid.UUID, actor_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    client = get_client(session, clinic_id, client_id)
    resources = list(client_resources(session, keys, base, client))
    audit.record(session, "export", actor_id=actor_id, clinic_id=clinic_id,
                 object_type="client", object_id=client.id, outcome="fhir")
    return resources


def export_ndjson(session: Session, keys: KeyRing, base: fr.Base, clinic: Clinic, out: TextIO,
                  actor_id: uuid.UUID | None = None) -> int:
    """Every Questionnaire, then every client's resources, one JSON object a line."""
    count = 0
    for resource in questionnaires(base, clinic.language):
        out.write(json.dumps(resource, ensure_ascii=False) + "\n")
        count += 1
    for client in session.scalars(select(Client).where(Client.clinic_id == clinic.id)
                                  .order_by(Client.client_ref)):
        for resource in client_resources(session, keys, base, client):
            out.write(json.dumps(resource, ensure_ascii=False) + "\n")
            count += 1
    audit.record(session, "export", actor_id=actor_id, clinic_id=clinic.id,
                 object_type="clinic", object_id=clinic.id, outcome="fhir")
    return count
