"""The restore drill: back an install up, restore it into a fresh one, find everything there;
without the key ring the comments stay sealed."""

from __future__ import annotations

import base64
import io
import json
import os
import secrets
import stat
import uuid
from pathlib import Path

import psycopg
import pypdf
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select
from sqlalchemy.engine import make_url

from fic import create_app
from fic.cli import cli
from fic.crypto import KeyRing
from fic.errors import DecryptionFailed
from fic.services.core import vault
from fic.services.reports import lifecycle as reports
from fic.storage import repository
from fic.storage.models import Alert, Client, Report, Response, TherapySession, utcnow
from tests.conftest import TEST_KEYS, make_settings
from tests.flows import answers, new_session, set_up_clinic, submit_form

COMMENT = "restore drill comment: we argued about homework"


@pytest.fixture
def second_database(database_url: str):
    """Another empty database of the same kind, for the fresh install."""
    if database_url.startswith("sqlite"):
        yield database_url.replace("fic.db", f"restored-{uuid.uuid4().hex[:6]}.db")
        return
    url = make_url(database_url)
    name = f"{url.database}_r{uuid.uuid4().hex[:6]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(monkeypatch, instance: Path, database_url: str, keys: str, *args: str, **kw):
    for name, value in (("FIC_INSTANCE_PATH", str(instance)), ("FIC_DATABASE_URL", database_url),
                        ("FIC_DATA_KEYS", keys), ("FIC_SECRET_KEY", "drill-secret")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("FIC_REDIS_URL", raising=False)
    made = []

    def factory():
        made.append(create_app())
        return made[-1]

    try:
        return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=factory),
                                  catch_exceptions=False, **kw)
    finally:
        for app in made:
            app.extensions["fic"].db.dispose()


def snapshot(app) -> dict:
    """What an operator checks after a restore: courses, alerts, reports, as plain values."""
    with app.extensions["fic"].db.session() as session:
        clients = session.scalars(select(Client).order_by(Client.id)).all()
        return {
            "courses": {str(c.id): [(str(r.id), r.values) for r in session.scalars(
                select(Response).join(TherapySession, TherapySession.id == Response.session_id)
                .where(TherapySession.client_id == c.id).order_by(Response.id))]
                for c in clients},
            "alerts": sorted((str(a.id), a.rule, a.level) for a in session.scalars(select(Alert))),
            "reports": sorted((str(r.id), r.status) for r in session.scalars(select(Report))),
        }


def first_comment(app, keys: KeyRing) -> str:
    with app.extensions["fic"].db.session() as session:
        response = session.scalars(select(Response).where(Response.comment_ct.is_not(None))).one()
        client = session.get(Client, session.get(TherapySession, response.session_id).client_id)
        return vault.unseal(keys, client, response.comment_ct,
                            repository.comment_binding(response.id))


def test_a_restored_install_holds_the_same_courses_alerts_reports_and_an_intact_audit_trail(
    tmp_path, mail, database_url, second_database, monkeypatch
):
    source = create_app(make_settings(tmp_path / "a", mail, database_url=database_url))
    source.extensions["fic"].db.upgrade()
    clinic = set_up_clinic(source)
    api = source.test_client()
    for score, comment in [(9.6, ""), (9.5, ""), (6.0, COMMENT)]:
        url = new_session(api, clinic, "DRILL-1", utcnow())["feedback_url"]
        sent = submit_form(source.test_client(), url, answers(score, comment=comment))
        assert sent.status_code == 303
    built = api.post("/api/v1/reports",
                     json={"supervisor": clinic.supervisor, "period": "2026-W47"},
                     headers={"Authorization": f"Bearer {clinic.api_key}"})
    assert built.status_code in (201, 202), built.get_json()
    policy = tmp_path / "a" / "policies" / "note.txt"  # an operator-installed instance file
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text("kept")
    before = snapshot(source)
    assert before["alerts"] and len(before["courses"]) == 1
    assert [status for _, status in before["reports"]] == ["ready"], before["reports"]

    out = tmp_path / "backup"
    made = run(monkeypatch, tmp_path / "a", database_url, TEST_KEYS, "backup", "--out", str(out))
    assert made.exit_code == 0, made.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["keys_included"] is False and manifest["tables"]["response"] == 3
    assert manifest["key_ids_in_use"] == ["t1"]
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert TEST_KEYS.split(":")[1].encode() not in everything and b"drill-secret" not in everything
    assert COMMENT.encode() not in everything  # comments are sealed in the dump too
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o700

    fresh = tmp_path / "b"
    init = run(monkeypatch, fresh, second_database, TEST_KEYS, "init")
    assert init.exit_code == 0, init.output
    restored = run(monkeypatch, fresh, second_database, TEST_KEYS, "restore", str(out))
    assert restored.exit_code == 0, restored.output
    assert "WARNING" not in restored.output
    verify = run(monkeypatch, fresh, second_database, TEST_KEYS, "audit", "verify")
    assert verify.exit_code == 0 and "audit trail intact" in verify.output, verify.output

    target = create_app(make_settings(fresh, mail, database_url=second_database))
    assert snapshot(target) == before
    assert first_comment(target, KeyRing(TEST_KEYS)) == COMMENT
    assert (fresh / "policies" / "note.txt").read_text() == "kept"
    with target.extensions["fic"].db.session() as session:
        report = session.scalars(select(Report)).one()
        pdf = pypdf.PdfReader(io.BytesIO(reports.content(KeyRing(TEST_KEYS), report)))
        assert pdf.decrypt(clinic.passphrase)
    again = run(monkeypatch, fresh, second_database, TEST_KEYS, "restore", str(out))
    assert again.exit_code != 0 and "already holds fic data" in again.output
    source.extensions["fic"].db.dispose()
    target.extensions["fic"].db.dispose()


def test_without_the_key_ring_a_restored_install_cannot_read_the_comments(
    tmp_path, mail, database_url, second_database, monkeypatch
):
    source = create_app(make_settings(tmp_path / "a", mail, database_url=database_url))
    source.extensions["fic"].db.upgrade()
    clinic = set_up_clinic(source)
    url = new_session(source.test_client(), clinic, "DRILL-2", utcnow())["feedback_url"]
    submit_form(source.test_client(), url, answers(9.0, comment=COMMENT))
    out = tmp_path / "backup"
    assert run(monkeypatch, tmp_path / "a", database_url, TEST_KEYS,
               "backup", "--out", str(out)).exit_code == 0

    other_keys = "k9:" + base64.b64encode(secrets.token_bytes(32)).decode()
    restored = run(monkeypatch, tmp_path / "b", second_database, other_keys,
                   "restore", str(out))
    assert restored.exit_code == 0, restored.output
    assert "lacks key id(s) t1" in restored.output
    target = create_app(make_settings(tmp_path / "b", mail, database_url=second_database,
                                      data_keys=other_keys))
    with pytest.raises(DecryptionFailed):
        first_comment(target, KeyRing(other_keys))
    source.extensions["fic"].db.dispose()
    target.extensions["fic"].db.dispose()


def test_a_backup_with_its_keys_warns_and_keeps_them_private(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    url = f"sqlite:///{instance / 'fic.db'}"
    assert run(monkeypatch, instance, url, TEST_KEYS, "init").exit_code == 0
    made = run(monkeypatch, instance, url, TEST_KEYS, "backup", "--out", str(tmp_path / "k"),
               "--include-keys")
    assert made.exit_code == 0
    assert "WARNING: this backup holds the keys" in made.output
    keys = tmp_path / "k" / "keys.json"
    assert json.loads(keys.read_text())["data_keys"] == TEST_KEYS
    assert stat.S_IMODE(os.stat(keys).st_mode) == 0o600


def test_a_damaged_backup_is_refused_and_changes_nothing(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    url = f"sqlite:///{instance / 'fic.db'}"
    assert run(monkeypatch, instance, url, TEST_KEYS, "init").exit_code == 0
    out = tmp_path / "b"
    assert run(monkeypatch, instance, url, TEST_KEYS, "backup", "--out", str(out)).exit_code == 0
    with (out / "fic.db").open("r+b") as fh:
        fh.seek(200)
        fh.write(b"\xff" * 16)
    fresh = tmp_path / "fresh"
    result = run(monkeypatch, fresh, f"sqlite:///{fresh / 'fic.db'}", TEST_KEYS,
                 "restore", str(out))
    assert result.exit_code != 0 and "does not match its checksum" in result.output
    again = run(monkeypatch, instance, url, TEST_KEYS, "backup", "--out", str(out))
    assert again.exit_code != 0 and "not empty" in again.output
