"""Marking published jobs: one statement per outcome, whatever the batch size, on both
databases (PostgreSQL takes the ids as one array, SQLite as a list)."""

from __future__ import annotations

from sqlalchemy import select

from fic.services.core import outbox
from fic.storage.db import Database
from fic.storage.models import Outbox


def test_marking_sets_published_and_failed_rows_and_leaves_the_others(database_url):
    db = Database(database_url)
    db.upgrade()
    try:
        with db.session() as session:
            jobs = [outbox.add_job(session, "t") for _ in range(7)]
        done, failed, untouched = jobs[:4], jobs[4:6], jobs[6]
        outbox.mark(db, [job.id for job in done], [job.id for job in failed])
        outbox.mark(db, [done[0].id], [])  # another batch size: the same statement
        with db.session() as session:
            rows = {row.id: row for row in session.scalars(select(Outbox))}
        assert all(rows[job.id].published_at is not None for job in done)
        assert [rows[job.id].attempts for job in done] == [2, 1, 1, 1]
        assert all(rows[job.id].published_at is None and rows[job.id].attempts == 1
                   and rows[job.id].last_error == "broker unreachable" for job in failed)
        assert rows[untouched.id].published_at is None and rows[untouched.id].attempts == 0
    finally:
        db.dispose()
