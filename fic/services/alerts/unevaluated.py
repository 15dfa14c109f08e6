"""Responses whose evaluation never ran: put their job back in the outbox.

The outbox guarantees a job reaches the broker, not that a worker finishes it. With the
Redis broker a worker killed between taking a message and recording it as unacked loses
that message for good (kombu's BRPOP window), and the client's alert would never be
raised. So beat asks the database: a response whose client's kept course state is older
than the response, `stale_after` after its job was published, gets that job re-opened for
the relay; evaluation is idempotent. Re-opening stamps the row again, so a backlog is
re-queued at most once per `stale_after`, never in a loop.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update

from fic.storage.db import Database
from fic.storage.models import Outbox, Response, TherapySession
from fic.storage.models_course import CourseState

EVALUATE = "fic.evaluate_response"
HORIZON = timedelta(days=2)


def reopen(db: Database, now: datetime, stale_after: timedelta, limit: int = 500) -> int:
    """Re-open the evaluation jobs of responses still unevaluated; returns how many."""
    with db.session() as session:
        jobs = session.execute(
            select(Outbox.id, Outbox.args).where(
                Outbox.task == EVALUATE, Outbox.published_at.is_not(None),
                Outbox.published_at <= now - stale_after, Outbox.created_at >= now - HORIZON)
            .limit(limit * 4)).all()
        by_response = {uuid.UUID(str(job.args[0])): job.id for job in jobs if job.args}
        if not by_response:
            return 0
        waiting = session.scalars(
            select(Response.id)
            .join(TherapySession, TherapySession.id == Response.session_id)
            .outerjoin(CourseState, CourseState.client_id == TherapySession.client_id)
            .where(Response.id.in_(by_response),
                   (CourseState.client_id.is_(None))
                   | (CourseState.updated_at < Response.submitted_at))
            .limit(limit)).all()
        if waiting:
            session.execute(update(Outbox)
                            .where(Outbox.id.in_([by_response[r] for r in waiting]))
                            .values(published_at=None, created_at=now - stale_after))
    return len(waiting)
