"""A response whose evaluation message was lost gets its job back in the outbox, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from fic.services.alerts import unevaluated
from fic.storage.models import Outbox, utcnow
from fic.storage.models_course import CourseState
from tests.flows import answers, new_session, set_up_clinic, submit_form

STALE = timedelta(minutes=10)


def test_a_lost_evaluation_is_queued_again_once_and_an_evaluated_one_never(sqlite_app):
    db = sqlite_app.extensions["fic"].db
    clinic = set_up_clinic(sqlite_app)
    url = new_session(sqlite_app.test_client(), clinic, "LOST-1", utcnow())["feedback_url"]
    assert submit_form(sqlite_app.test_client(), url, answers(9.0)).status_code == 303
    later = utcnow() + timedelta(minutes=11)
    with db.session() as session:
        assert session.scalars(select(Outbox.published_at)).one() is not None
        assert session.scalars(select(CourseState)).all(), "evaluated in embedded mode"
    assert unevaluated.reopen(db, later, STALE) == 0  # evaluated: nothing to do

    with db.session() as session:  # as if the worker died holding the message
        session.execute(delete(CourseState))
    assert unevaluated.reopen(db, utcnow() + timedelta(minutes=5), STALE) == 0  # not yet stale
    assert unevaluated.reopen(db, later, STALE) == 1
    with db.session() as session:
        job = session.scalars(select(Outbox)).one()
        assert job.published_at is None and job.created_at <= later - STALE
    assert unevaluated.reopen(db, later, STALE) == 0  # waiting for the relay: no second copy


def test_an_evaluation_that_fails_in_embedded_mode_stays_in_the_outbox_for_the_reconciler(
        sqlite_app, monkeypatch):
    from fic.errors import StorageUnavailable
    from fic.services.alerts import evaluation

    def database_gone(*_args, **_kwargs):
        raise StorageUnavailable("database unavailable")

    monkeypatch.setattr(evaluation, "evaluate_response", database_gone)
    db = sqlite_app.extensions["fic"].db
    clinic = set_up_clinic(sqlite_app)
    url = new_session(sqlite_app.test_client(), clinic, "FAILS-1", utcnow())["feedback_url"]
    assert submit_form(sqlite_app.test_client(), url, answers(9.0)).status_code == 303
    with db.session() as session:
        job = session.scalars(select(Outbox)).one()
        assert job.published_at is None  # not marked as handed over: it runs again later
        assert not session.scalars(select(CourseState)).all()
