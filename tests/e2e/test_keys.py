"""Key rotation keeps everything readable; erasing a client makes their words unreadable."""

from __future__ import annotations

import base64
import io
import secrets

import pypdf
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from fic import create_app
from fic.cli import cli
from fic.crypto import KeyRing
from fic.errors import DecryptionFailed
from fic.services.clinic import clinics
from fic.services.core import vault
from fic.services.reports import lifecycle
from fic.storage import repository
from fic.storage.models import Client, Report, Response, Staff, utcnow
from tests.conftest import make_settings
from tests.flows import answers, new_session, set_up_clinic, submit_form


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def cli_env(tmp_path, monkeypatch, mail):
    old = f"k1:{_key()}"
    settings = make_settings(tmp_path / "instance", mail, data_keys=old)
    app = create_app(settings)
    app.extensions["fic"].db.upgrade()
    for name, value in (("FIC_INSTANCE_PATH", str(settings.instance_path)),
                        ("FIC_DATABASE_URL", settings.sqlalchemy_url),
                        ("FIC_SECRET_KEY", settings.secret_key),
                        ("FIC_SMTP_PORT", str(mail.port))):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FIC_DATA_KEYS", old)
    return app, old, monkeypatch


def _comment(app, keys: KeyRing) -> str:
    with app.extensions["fic"].db.session() as session:
        response = session.scalar(select(Response))
        client = session.scalar(select(Client))
        return vault.unseal(keys, client, response.comment_ct,
                            repository.comment_binding(response.id))


def test_after_rotation_the_old_key_can_go_and_everything_still_opens(cli_env):
    app, old, monkeypatch = cli_env
    clinic = set_up_clinic(app)
    url = new_session(app.test_client(), clinic, "K-1", utcnow())["feedback_url"]
    submit_form(app.test_client(), url, answers(9, comment="kept across rotation"))
    app.test_client().post("/api/v1/reports", json={"supervisor": clinic.supervisor,
                                                    "period": "2026-W47"},
                           headers={"Authorization": f"Bearer {clinic.api_key}"})
    new = f"k2:{_key()}"
    monkeypatch.setenv("FIC_DATA_KEYS", f"{new},{old}")
    result = CliRunner().invoke(cli, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "1 client data keys re-wrapped" in result.output
    only_new = KeyRing(new)
    assert _comment(app, only_new) == "kept across rotation"
    with app.extensions["fic"].db.session() as session:
        supervisor = session.scalar(select(Staff).where(Staff.email == clinic.supervisor))
        assert clinics.report_passphrase(only_new, supervisor) == clinic.passphrase
        assert lifecycle.content(only_new, session.scalar(select(Report))).startswith(b"%PDF")
    again = CliRunner().invoke(cli, ["keys", "rotate"])
    assert "0 client data keys re-wrapped, 0 secrets re-sealed" in again.output


def test_an_erased_client_s_comments_cannot_be_read_any_more(cli_env):
    app, old, _ = cli_env
    clinic = set_up_clinic(app)
    url = new_session(app.test_client(), clinic, "K-2", utcnow(),
                      contact="k2@example.org")["feedback_url"]
    submit_form(app.test_client(), url, answers(9, comment="please forget me"))
    result = CliRunner().invoke(cli, ["client", "erase", "--clinic", clinic.name, "K-2",
                                      "--yes"])
    assert result.exit_code == 0, result.output
    with pytest.raises(DecryptionFailed):
        _comment(app, KeyRing(old))
    with app.extensions["fic"].db.session() as session:
        client = session.scalar(select(Client))
        assert client.client_ref != "K-2" and client.dek_wrapped is None


def test_a_rotated_report_passphrase_opens_the_stored_reports_and_the_old_one_does_not(cli_env):
    app, _, _ = cli_env
    clinic = set_up_clinic(app)
    app.test_client().post("/api/v1/reports", json={"supervisor": clinic.supervisor,
                                                    "period": "2026-W46"},
                           headers={"Authorization": f"Bearer {clinic.api_key}"})
    result = CliRunner().invoke(cli, ["staff", "passphrase", clinic.supervisor])
    assert result.exit_code == 0, result.output
    new = result.output.splitlines()[1]
    assert "1 stored report(s) now open with it" in result.output
    keys = app.extensions["fic"].keys
    with app.extensions["fic"].db.session() as session:
        pdf = lifecycle.content(keys, session.scalar(select(Report)))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert not reader.decrypt(clinic.passphrase)
    assert pypdf.PdfReader(io.BytesIO(pdf)).decrypt(new)
