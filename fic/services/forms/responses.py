"""A client submits the form: validate, store the response and its evaluation job together.

Two round trips on PostgreSQL: one read of the live link with its form (nothing is held,
so answers that do not validate leave the link live), then ONE statement that claims the
link and every other link to its session (`UPDATE … WHERE used_at IS NULL`, atomic) and,
only if it got this link, writes the response, its answers and the outbox row. A single
statement is its own transaction, so neither BEGIN nor COMMIT costs a trip. On SQLite
(no data-modifying CTEs, no network between) the claim and the writes are separate
statements in one transaction. UNIQUE(response.session_id) backs the claim up either way.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    Dialect,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from fic import jobs
from fic.crypto import KeyRing, WrappedKey
from fic.domain.answers import AnswerErrors, Answers
from fic.errors import LinkUnavailable, StorageUnavailable
from fic.services.core import outbox
from fic.services.forms.links import FormSpec, LiveLink, live_for_answers
from fic.storage import counts, repository
from fic.storage.db import Database, first_row, table
from fic.storage.models import Answer, Client, FeedbackLink, Outbox, Response, utcnow

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
    """Answers read already (an import, the demo), whatever form the link brings back."""
    return lambda _form: answers


def live(db: Database, token: str, connection: Connection | None = None) -> LiveLink:
    """The live link and its form in one read (LinkUnavailable if there is none).

    `connection`: one from `db.shared_connection()`, kept for the write (`store`)."""
    with db.connection(reuse=connection) as used:
        return live_for_answers(used, token)


def submit(
    db: Database, keys: KeyRing, token: str, read: Callable[[FormSpec], Answers],
    instruments: Sequence[str] | None = None,
) -> Submitted:
    """Read the link's form, read the answers for it, then store them and queue the evaluation.

    `read` turns the form into validated answers (it raises AnswerErrors).
    """
    link = live(db, token)
    try:
        answers = read(link.spec)
    except AnswerErrors as problems:
        raise Rejected(problems.errors, link.spec) from None
    return store(db, keys, link, answers, instruments)


def store(db: Database, keys: KeyRing, link: LiveLink, answers: Answers,
          instruments: Sequence[str] | None = None, connection: Connection | None = None,
          ) -> Submitted:
    """Consume the link and store validated answers with their evaluation job, atomically.

    `instruments`: the form as the client saw it, if not the link's own. `connection`: the
    one the link was read on (db.shared_connection), for the first try.
    """
    response_id, now = uuid.uuid4(), utcnow()
    comment_ct = None
    if answers.comment:
        wrapped = _data_key(db, keys, link)
        comment_ct = keys.seal(answers.comment, wrapped, repository.client_key_owner(
            link.client_id), repository.comment_binding(response_id))
    job = outbox.Job(uuid.uuid4(), EVALUATE, (str(response_id),))
    row = {"response_id": response_id, "session_id": link.session_id, "link_id": link.link_id,
           "instrument": ",".join(instruments or link.spec.instruments),
           "comment_ct": comment_ct, "now": now, "job_id": job.id, "task": job.task,
           "args": list(job.args), "items": list(answers.values),
           "values": list(answers.values.values())}
    for attempt in (1, 2):
        try:
            with db.connection(reuse=connection if attempt == 1 else None) as used:
                stored = (_write_sqlite if db.is_sqlite else _write_postgres)(used, row)
                if not stored and attempt == 2:
                    # The first try may have been written before its connection died.
                    stored = used.execute(_STORED, {"id": response_id}).first() is not None
                if not stored:
                    raise LinkUnavailable("link unavailable")
            counts.committed(counts.FORMS)
            return Submitted(response_id, link.clinic_id, answers, (job,))
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


# Claim, response, answers and outbox row in ONE PostgreSQL statement. The claim takes
# every live link of the session; the rest is written only if it took this one.
_WRITE_POSTGRES = text("""
WITH claim AS (
    UPDATE feedback_link SET used_at = :now
    WHERE session_id = :session_id AND used_at IS NULL
      AND EXISTS (SELECT 1 FROM feedback_link mine
                  WHERE mine.id = :link_id AND mine.used_at IS NULL AND mine.expires_at > :now)
    RETURNING id
), new_response AS (
    INSERT INTO response (id, session_id, link_id, instrument, comment_ct, submitted_at)
    SELECT :response_id, :session_id, :link_id, :instrument, :comment_ct, :now
    FROM claim WHERE claim.id = :link_id
    RETURNING id
), new_answers AS (
    INSERT INTO answer (response_id, item, value)
    SELECT new_response.id, given.item, given.value FROM new_response,
           unnest(CAST(:items AS varchar[]), CAST(:values AS integer[])) AS given(item, value)
)
INSERT INTO outbox (id, task, args, created_at, attempts)
SELECT :job_id, :task, CAST(:args AS json), :now, 0 FROM new_response
RETURNING id
""").bindparams(bindparam("now", type_=Response.submitted_at.type),
                bindparam("args", type_=Outbox.args.type))


_STORED = select(table(Response).c.id).where(table(Response).c.id == bindparam("id"))


def _write_postgres(connection: Connection, row: dict[str, Any]) -> bool:
    # Straight to the driver (first_row): what SQLAlchemy's types would do to the
    # values is done here (`now` is aware UTC already; `args` as the JSON text).
    return first_row(connection, _write_sql(connection.dialect),
                     {**row, "args": json.dumps(row["args"])}) is not None


@functools.cache
def _write_sql(dialect: Dialect) -> str:
    return str(_WRITE_POSTGRES.compile(dialect=dialect))


def _write_sqlite(connection: Connection, row: dict[str, Any]) -> bool:
    link = table(FeedbackLink)
    claimed = connection.execute(
        update(link)
        .where(link.c.session_id == bindparam("b_session_id"), link.c.used_at.is_(None),
               select(link.c.id).where(link.c.id == bindparam("b_link_id"),
                                       link.c.expires_at > bindparam("b_now")).exists())
        .values(used_at=bindparam("b_now"))
        .returning(link.c.id),
        {"b_session_id": row["session_id"], "b_link_id": row["link_id"], "b_now": row["now"]},
    ).scalars().all()
    if row["link_id"] not in claimed:
        return False
    connection.execute(insert(table(Response)), {
        "id": row["response_id"], "session_id": row["session_id"], "link_id": row["link_id"],
        "instrument": row["instrument"], "comment_ct": row["comment_ct"],
        "submitted_at": row["now"]})
    if row["items"]:
        connection.execute(insert(table(Answer)), [
            {"response_id": row["response_id"], "item": item, "value": value}
            for item, value in zip(row["items"], row["values"], strict=True)])
    connection.execute(insert(table(Outbox)), {
        "id": row["job_id"], "task": row["task"], "args": row["args"], "created_at": row["now"],
        "attempts": 0})
    return True


def _data_key(db: Database, keys: KeyRing, link: LiveLink) -> WrappedKey:
    """The client's data key; made here on the client's first comment (a rare extra trip)."""
    if link.dek_wrapped is not None and link.dek_kid is not None:
        return WrappedKey(link.dek_kid, link.dek_wrapped)
    wrapped = keys.new_data_key(repository.client_key_owner(link.client_id))
    with db.session() as session:
        made = cast(CursorResult[Any], session.execute(
            update(Client)
            .where(Client.id == link.client_id, Client.dek_wrapped.is_(None))
            .values(dek_kid=wrapped.kid, dek_wrapped=wrapped.blob)
            .execution_options(synchronize_session=False)
        )).rowcount
        if made:
            return wrapped
        # A concurrent first comment of the same client stored its key first: use that one.
        kid, blob = session.execute(
            select(Client.dek_kid, Client.dek_wrapped).where(Client.id == link.client_id)
        ).one()
    assert kid is not None and blob is not None  # noqa: S101 - stored by the other comment
    return WrappedKey(kid, blob)

