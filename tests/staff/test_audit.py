"""The audit trail: every view and change leaves a row, and tampering is found by row."""

from __future__ import annotations

import threading

from sqlalchemy import delete, select, update

from fic.cli.staff import audit_group
from fic.services.core import audit
from fic.storage.models_staff import AuditEvent
from tests.staff.world import build_world


def _verify(app):
    return app.test_cli_runner().invoke(audit_group, ["verify"])


def _five_rows(app):
    db = app.extensions["fic"].db
    for n in range(5):
        audit.write(db, "client_course_viewed", object_type="client", object_id=f"c{n}")


def test_an_untouched_trail_verifies(app):
    _five_rows(app)
    result = _verify(app)
    assert result.exit_code == 0 and "intact: 5 rows" in result.output


def test_editing_a_middle_row_is_named_by_verify(app):
    _five_rows(app)
    with app.extensions["fic"].db.session() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(object_id="other"))
    result = _verify(app)
    assert result.exit_code == 1
    assert "audit row 3 was changed" in result.output


def test_deleting_a_middle_row_or_the_last_row_is_named_by_verify(app):
    _five_rows(app)
    db = app.extensions["fic"].db
    with db.session() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    assert "audit row 3 is missing" in _verify(app).output
    with db.session() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq >= 3))
    result = _verify(app)
    assert result.exit_code == 1 and "audit row 3 is missing" in result.output


def test_appends_from_many_threads_keep_one_unbroken_chain(app):
    db = app.extensions["fic"].db

    def append() -> None:
        for _ in range(10):
            audit.write(db, "alert_viewed", object_type="alert", object_id="a")

    threads = [threading.Thread(target=append) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert audit.verify(db) is None and audit.count(db) == 40


def test_views_and_decryptions_are_recorded_without_health_data(sqlite_app):
    app = sqlite_app
    world = build_world(app)
    client = world.client_for("clinician")
    assert client.get(f"/staff/clients/{world.ids['client_id']}").status_code == 200
    outsider = world.client_for("other_team_clinician")
    assert outsider.get(f"/staff/clients/{world.ids['client_id']}").status_code == 404
    with app.extensions["fic"].db.session() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    actions = [r.action for r in rows]
    assert "client_course_viewed" in actions and "access_denied" in actions
    assert actions.count("comment_decrypted") == 4
    dump = repr([(r.action, r.object_type, r.object_id, r.outcome) for r in rows])
    for secret in ("I felt unheard", "C-1", "9.5"):
        assert secret not in dump
    assert audit.verify(app.extensions["fic"].db) is None
