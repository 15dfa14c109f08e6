"""Retention: a dry run says what would go and changes nothing; --apply deletes exactly that,
keeps what is still in its period, erases old comments, and leaves an audit trail that still
verifies after its oldest rows are cut."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from fic import create_app
from fic.cli import cli
from fic.errors import InvalidRequest
from fic.ops import retention
from fic.services.core import audit
from fic.storage import repository
from fic.storage.models import Alert, Answer, Client, Response, TherapySession, utcnow
from fic.storage.models_staff import AuditEvent
from tests.conftest import make_settings
from tests.flows import answers, new_session, set_up_clinic, submit_form


@pytest.fixture
def app(tmp_path, mail, database_url):
    flask_app = create_app(make_settings(tmp_path / "instance", mail, database_url=database_url))
    flask_app.extensions["fic"].db.upgrade()
    yield flask_app
    flask_app.extensions["fic"].db.dispose()


def invoke(app, *args: str):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app),
                              catch_exceptions=False)


def answered(app, clinic, ref: str, days_ago: int, score: float, comment: str = "") -> None:
    url = new_session(app.test_client(), clinic, ref, utcnow() - timedelta(days=days_ago))
    sent = submit_form(app.test_client(), url["feedback_url"],
                       {**answers(score, tension="lot", comment=comment), "talked_through": "no"})
    assert sent.status_code == 303


def counts(app) -> dict[str, int]:
    with app.extensions["fic"].db.session() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (Client, TherapySession, Response, Answer, Alert)}


def test_a_dry_run_says_what_would_go_and_apply_deletes_only_that(app):
    clinic = set_up_clinic(app)
    answered(app, clinic, "OLD-1", 50, 4.0, comment="old words")
    answered(app, clinic, "OLD-1", 45, 4.5)
    answered(app, clinic, "NEW-1", 5, 4.0, comment="recent words")
    assert invoke(app, "retention", "set", clinic.name, "--data-days", "40",
                  "--audit-days", "400").exit_code == 0
    before = counts(app)

    dry = invoke(app, "retention")
    assert dry.exit_code == 0, dry.output
    assert "would go: Test Clinic: 1 client record(s) past 40 days" in dry.output
    assert "2 response" in dry.output and "2 therapy_session" in dry.output
    assert "dry run: nothing was changed" in dry.output
    assert counts(app) == before

    done = invoke(app, "retention", "--apply")
    assert done.exit_code == 0, done.output
    after = counts(app)
    assert after["client"] == before["client"] - 1
    assert after["response"] == before["response"] - 2
    assert after["therapy_session"] == before["therapy_session"] - 2
    assert 0 < after["alert"] < before["alert"] and 0 < after["answer"] < before["answer"]
    with app.extensions["fic"].db.session() as session:
        clinic_id = repository.clinic_named(session, clinic.name).id
        assert repository.client_by_ref(session, clinic_id, "OLD-1") is None
        assert repository.client_by_ref(session, clinic_id, "NEW-1") is not None
        assert session.scalars(select(AuditEvent.action)
                               .where(AuditEvent.action == "retention_purged")).all()
    assert invoke(app, "retention", "--apply").output.count("0 client record(s)") == 1
    assert "audit trail intact" in invoke(app, "audit", "verify").output


def test_comments_past_their_period_are_erased_while_the_client_stays_in_care(app):
    clinic = set_up_clinic(app)
    answered(app, clinic, "C-1", 40, 9.0, comment="said long ago")
    answered(app, clinic, "C-1", 2, 9.0, comment="said this week")
    assert invoke(app, "retention", "set", clinic.name, "--data-days", "365", "--comment-days",
                  "30", "--audit-days", "400").exit_code == 0
    assert "1 comment(s) past 30 days" in invoke(app, "retention").output
    invoke(app, "retention", "--apply")
    with app.extensions["fic"].db.session() as session:
        kept = session.scalars(select(Response.comment_ct.is_not(None))
                               .join(TherapySession,
                                     TherapySession.id == Response.session_id)
                               .order_by(TherapySession.held_at)).all()
    assert kept == [False, True] and counts(app)["client"] == 1


def test_the_oldest_audit_rows_go_last_and_the_trail_still_verifies(app):
    db = app.extensions["fic"].db
    now = utcnow()
    for days_ago in (900, 800, 10, 1):
        audit.write(db, "settings_changed", object_type="test", at=now - timedelta(days=days_ago))
    set_up_clinic(app)
    with db.session() as session:
        clinic = session.scalars(select(retention.Clinic)).one()
        retention.set_periods(session, clinic, retention.Periods(100, 100, 365))
    outcomes, audit_rows = retention.plan(db, now)
    assert audit_rows == 2 and audit.verify(db) is None
    assert retention.apply(db, now)[1] == 2
    assert audit.verify(db) is None
    with db.session() as session:
        assert session.scalar(select(func.min(AuditEvent.seq))) == 3
        session.execute(AuditEvent.__table__.delete().where(AuditEvent.seq == 3))
    assert str(audit.verify(db)) == "audit row 3 is missing"


@pytest.mark.parametrize(("periods", "problem"), [
    (retention.Periods(400, 400, 300), "audit_days: at least data_days"),
    (retention.Periods(100, 200, 400), "comment_days: at most data_days"),
    (retention.Periods(10, 10, 400), "data_days: between 30 and 36500"),
])
def test_retention_periods_that_would_keep_audit_shorter_than_data_are_refused(
    app, periods, problem
):
    set_up_clinic(app)
    with app.extensions["fic"].db.session() as session:
        clinic = session.scalars(select(retention.Clinic)).one()
        with pytest.raises(InvalidRequest, match=problem):
            retention.set_periods(session, clinic, periods)
