"""A client submits the form: validate, store the response and its evaluation job together."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from fic import jobs
from fic.crypto import KeyRing
from fic.domain.answers import Answers
from fic.errors import LinkUnavailable
from fic.services.core import outbox, vault
from fic.services.forms import links
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import Answer, Client, Response, TherapySession

EVALUATE = jobs.EVALUATE_RESPONSE


@dataclass(frozen=True)
class Submitted:
    response_id: uuid.UUID
    outbox_ids: tuple[uuid.UUID, ...]


def submit(
    db: Database, keys: KeyRing, token: str, instruments: Sequence[str], answers: Answers
) -> Submitted:
    """One transaction: consume the link, insert the response, queue its evaluation."""
    try:
        with db.session() as session:
            link = links.consume_link(session, token)
            therapy = session.get(TherapySession, link.session_id)
            client = session.get(Client, therapy.client_id) if therapy else None
            assert client is not None  # noqa: S101 - foreign keys guarantee both
            response = Response(
                id=uuid.uuid4(),
                session_id=link.session_id,
                link_id=link.id,
                instrument=",".join(instruments),
            )
            if answers.comment:
                response.comment_ct = vault.seal(
                    keys, client, answers.comment, repository.comment_binding(response.id)
                )
            response.answers = [Answer(item=k, value=v) for k, v in answers.values.items()]
            session.add(response)
            session.flush()
            job = outbox.add(session, EVALUATE, response.id)
    except IntegrityError:
        # Another link to the same session won the race: same neutral answer as a used link.
        raise LinkUnavailable("link unavailable") from None
    return Submitted(response.id, (job,))
