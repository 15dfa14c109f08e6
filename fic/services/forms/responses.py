"""A client submits the form: validate, store the response and its evaluation job together.

One transaction and, on PostgreSQL, three round trips: the claim (one UPDATE … RETURNING
that consumes the link and brings back the client and clinic), one statement writing the
response, its answers and the outbox row, and the commit. On SQLite the write is three
statements in the same transaction (SQLite has no data-modifying CTEs; its "round trips"
are function calls). Answers are read only once the link is held, so answers that do not
validate roll the claim back and the link stays live.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from fic import jobs
from fic.crypto import KeyRing, WrappedKey
from fic.domain.answers import AnswerErrors, Answers
from fic.errors import LinkUnavailable, StorageUnavailable
from fic.services.core import outbox
from fic.services.forms.links import Claim, FormSpec, claim_link
from fic.storage import counts, repository
from fic.storage.db import Database, table
from fic.storage.models import Answer, Client, Outbox, Response, utcnow

EVALUATE = jobs.EVALUATE_RESPONSE


@dataclass(frozen=True)
class Submitted:
    response_id: uuid.UUID
    clinic_id: uuid.UUID
    answers: Answers
    jobs: tuple[outbox.Job, ...]

    @property
    def outbox_ids(self) -> tuple[uuid.UUID, ...]:
        return tuple(job.id for job in self.jobs)


@dataclass
class Rejected(AnswerErrors):
    """The answers did not validate; the link was not consumed. Carries what to re-render."""

    spec: FormSpec | None = None


def given(answers: Answers) -> Callable[[FormSpec], Answers]:
    """Answers read already (an import, the demo), whatever form the claim brings back."""
    return lambda _form: answers


def submit(
    db: Database, keys: KeyRing, token: str, read: Callable[[FormSpec], Answers],
    instruments: Sequence[str] | None = None,
) -> Submitted:
    """Consume the link, read the answers for its form, store them and queue the evaluation.

    `read` turns the clinic's form into validated answers (it raises AnswerErrors).
    `instruments`: the form as the client saw it (with their goals), if the caller read it
    already; else the clinic's, from the claim.
    """
    for attempt in (1, 2):
        try:
            with db.session() as session:
                return _submit(session, keys, token, read, db.is_sqlite, instruments)
        except IntegrityError:
            # Another link to the same session won the race: the neutral answer of a used link.
            raise LinkUnavailable("link unavailable") from None
        except (DBAPIError, StorageUnavailable) as error:
            # A pooled connection the server had dropped: the pool is fresh now, try once more.
            # (The database layer reports a dropped connection as StorageUnavailable.)
            cause = error.__cause__ if isinstance(error, StorageUnavailable) else error
            if attempt == 2 or not getattr(cause, "connection_invalidated", False):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _submit(session: Session, keys: KeyRing, token: str, read: Callable[[FormSpec], Answers],
            sqlite: bool, instruments: Sequence[str] | None) -> Submitted:
    claim = claim_link(session, token)
    try:
        answers = read(claim.spec)
    except AnswerErrors as problems:
        raise Rejected(problems.errors, claim.spec) from None
    response_id, now = uuid.uuid4(), utcnow()
    comment_ct = None
    if answers.comment:
        wrapped = _data_key(session, keys, claim)
        comment_ct = keys.seal(answers.comment, wrapped, repository.client_key_owner(
            claim.client_id), repository.comment_binding(response_id))
    job = outbox.Job(uuid.uuid4(), EVALUATE, (str(response_id),))
    response = {"id": response_id, "session_id": claim.session_id, "link_id": claim.link_id,
                "instrument": ",".join(instruments or claim.spec.instruments),
                "comment_ct": comment_ct, "submitted_at": now}
    rows = [{"response_id": response_id, "item": k, "value": v}
            for k, v in answers.values.items()]
    job_row = {"id": job.id, "task": job.task, "args": list(job.args), "created_at": now,
               "attempts": 0}
    if sqlite:
        session.execute(insert(table(Response)), response)
        if rows:
            session.execute(insert(table(Answer)), rows)
        session.execute(insert(table(Outbox)), job_row)
    else:
        params = {**{f"r_{k}": v for k, v in response.items()},
                  **{f"o_{k}": v for k, v in job_row.items()}}
        for n, row in enumerate(rows):
            params.update({f"a{n}_item": row["item"], f"a{n}_value": row["value"]})
        session.execute(_one_write(len(rows)), params)
    counts.wrote(session, counts.FORMS)
    return Submitted(response_id, claim.clinic_id, answers, (job,))


@functools.cache
def _one_write(answers: int) -> Executable:
    """Response, answers and outbox row as one PostgreSQL statement (built once per size)."""
    response, answer, job = table(Response), table(Answer), table(Outbox)
    ctes = [insert(response).values({c.name: bindparam(f"r_{c.name}") for c in response.c
                                     if c.name in _RESPONSE}).cte("new_response")]
    if answers:
        ctes.append(insert(answer).values([
            {"response_id": bindparam("r_id"), "item": bindparam(f"a{n}_item"),
             "value": bindparam(f"a{n}_value")} for n in range(answers)
        ]).cte("new_answers"))
    return insert(job).values({c.name: bindparam(f"o_{c.name}") for c in job.c
                               if c.name in _JOB}).add_cte(*ctes)


_RESPONSE = ("id", "session_id", "link_id", "instrument", "comment_ct", "submitted_at")
_JOB = ("id", "task", "args", "created_at", "attempts")


def _data_key(session: Session, keys: KeyRing, claim: Claim) -> WrappedKey:
    """The client's data key; made here on the client's first comment (a rare extra trip)."""
    if claim.dek_wrapped is not None and claim.dek_kid is not None:
        return WrappedKey(claim.dek_kid, claim.dek_wrapped)
    wrapped = keys.new_data_key(repository.client_key_owner(claim.client_id))
    made = cast(CursorResult[Any], session.execute(
        update(Client)
        .where(Client.id == claim.client_id, Client.dek_wrapped.is_(None))
        .values(dek_kid=wrapped.kid, dek_wrapped=wrapped.blob)
        .execution_options(synchronize_session=False)
    )).rowcount
    if made:
        return wrapped
    # A concurrent first comment of the same client stored its key first: use that one.
    kid, blob = session.execute(
        select(Client.dek_kid, Client.dek_wrapped).where(Client.id == claim.client_id)
    ).one()
    assert kid is not None and blob is not None  # noqa: S101 - stored by the other comment
    return WrappedKey(kid, blob)
