"""Someone with write access to the database, but not the key ring, cannot hide a change."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import delete, select, update

from fic.cli.staff import audit_group
from fic.services.core import audit
from fic.storage.models_staff import AuditEvent, AuditHead


def _verify(app):
    return app.test_cli_runner().invoke(audit_group, ["verify"])


def _rows(app, n=6):
    db = app.extensions["fic"].db
    for i in range(n):
        audit.write(db, "client_course_viewed", object_type="client", object_id=f"c{i}")
    return db


def _unkeyed_rechain(session, from_seq=1):
    """What the old plain SHA-256 chain let anyone do: recompute every hash from a row on."""
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    prev = audit.GENESIS
    for row in rows:
        if row.seq >= from_seq:
            row.key_id = None
            row.prev_hash = prev
            row.hash = hashlib.sha256(prev.encode() + audit.canonical(row)).hexdigest()
        prev = row.hash
    head = session.get(AuditHead, 1)
    head.seq, head.hash = rows[-1].seq, prev


def test_the_chain_is_keyed_and_no_key_is_stored_in_the_database(app):
    db = _rows(app, 2)
    with db.session() as session:
        rows = session.scalars(select(AuditEvent)).all()
        for row in rows:
            assert row.key_id == "t1"
            plain = hashlib.sha256(row.prev_hash.encode() + audit.canonical(row)).hexdigest()
            assert row.hash != plain
    assert _verify(app).exit_code == 0


def test_editing_a_row_and_recomputing_the_unkeyed_hash_chain_is_detected(app):
    db = _rows(app)
    with db.session() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(object_id="forged"))
        _unkeyed_rechain(session, from_seq=3)
    result = _verify(app)
    assert result.exit_code == 1
    assert "audit row 3 was changed" in result.output


def test_dropping_every_key_id_and_rechaining_without_the_key_is_caught_by_the_checkpoints(app):
    db = _rows(app)
    with db.session() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(outcome="denied"))
        _unkeyed_rechain(session, from_seq=1)
    result = _verify(app)
    assert result.exit_code == 1
    assert "disagrees with audit row" in result.output


def test_truncating_the_newest_rows_and_resetting_the_head_is_detected(app):
    db = _rows(app)
    with db.session() as session:
        kept = session.get(AuditEvent, 4)
        session.execute(delete(AuditEvent).where(AuditEvent.seq > 4))
        session.execute(update(AuditHead).values(seq=4, hash=kept.hash))
    result = _verify(app)
    assert result.exit_code == 1
    assert "audit row 5 is missing" in result.output
    assert "counted 6 rows, the trail has 4" in result.output


def test_rolling_the_head_back_is_detected(app):
    db = _rows(app)
    with db.session() as session:
        third = session.get(AuditEvent, 3)
        session.execute(update(AuditHead).values(seq=3, hash=third.hash))
    result = _verify(app)
    assert result.exit_code == 1 and "head rolled back" in result.output


def test_reordering_two_rows_is_detected(app):
    db = _rows(app)
    with db.session() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(seq=-2))
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(seq=2))
        session.execute(update(AuditEvent).where(AuditEvent.seq == -2).values(seq=3))
    result = _verify(app)
    assert result.exit_code == 1 and "audit row 2 was changed" in result.output


def test_a_forged_checkpoint_line_is_named_by_its_line(app):
    _rows(app, 2)
    path = app.extensions["fic"].settings.audit_checkpoints
    lines = path.read_text().splitlines()
    forged = json.loads(lines[-1])
    forged["seq"] = 1
    path.write_text("\n".join([*lines, json.dumps(forged)]) + "\n")
    result = _verify(app)
    assert result.exit_code == 1
    assert f"checkpoint {len(lines) + 1} has a bad signature" in result.output


def test_a_trail_whose_checkpoints_were_removed_does_not_pass_as_intact(app):
    _rows(app, 2)
    app.extensions["fic"].settings.audit_checkpoints.unlink()
    result = _verify(app)
    assert result.exit_code == 1 and "holds no checkpoint" in result.output


def test_a_rolled_back_transaction_leaves_no_checkpoint(app):
    db = _rows(app, 1)
    try:
        with db.session() as session:
            audit.record(session, "alert_viewed", object_type="alert", object_id="x")
            raise RuntimeError("the use case failed")
    except RuntimeError:
        pass
    assert audit.verify(db) is None
    points = list(db.session().__enter__().info["audit_seal"].checkpoints())
    assert max(point.seq for point in points) == 1
