"""The `fic` command for integrations: clinics by id, clients that change, webhooks, scopes."""

from __future__ import annotations

import re

from sqlalchemy import select

from fic.storage.models import ApiKey, Client, Staff
from tests.e2e.test_cli import _db, run  # noqa: F401 - the CLI fixture


def _clinic_with_two_clinicians(run):  # noqa: F811
    run("init")
    made = run("clinic", "create", "East Clinic")
    clinic_id = re.search(r"\(([0-9a-f-]{36})\)", made).group(1)
    run("staff", "add", "--clinic", clinic_id, "--email", "sup@east.test", "--role", "supervisor")
    for email in ("one@east.test", "two@east.test"):
        run("staff", "add", "--clinic", clinic_id, "--email", email, "--role", "clinician",
            "--supervisor", "sup@east.test")
    return clinic_id


def test_the_id_clinic_create_prints_is_accepted_wherever_a_clinic_is_named(run, tmp_path):  # noqa: F811
    clinic_id = _clinic_with_two_clinicians(run)
    key = run("apikey", "create", "--clinic", clinic_id, "--scope", "alerts:read",
              "--scope", "sessions:write").splitlines()[-1]
    assert key.startswith("fic_")
    run("apikey", "create", "--clinic", "no-such-clinic", ok=False)
    with _db(tmp_path).session() as session:
        assert session.scalar(select(ApiKey.scopes)) == ["alerts:read", "sessions:write"]


def test_a_client_is_created_ahead_reassigned_and_discharged_from_the_command_line(run, tmp_path):  # noqa: F811
    clinic_id = _clinic_with_two_clinicians(run)
    assert "created client K-1" in run("client", "create", "--clinic", "East Clinic",
                                       "--clinician", "one@east.test", "K-1")
    assert "now with two@east.test" in run("client", "reassign", "--clinic", clinic_id,
                                           "--clinician", "two@east.test", "K-1")
    run("client", "reassign", "--clinic", clinic_id, "--clinician", "sup@east.test", "K-1",
        ok=False)
    assert "discharged" in run("client", "discharge", "--clinic", clinic_id, "K-1")
    with _db(tmp_path).session() as session:
        client = session.scalar(select(Client))
        two = session.scalar(select(Staff).where(Staff.email == "two@east.test"))
        assert client.clinician_id == two.id and client.discharged_at is not None


def test_webhooks_are_listed_rotated_and_removed(run):  # noqa: F811
    clinic_id = _clinic_with_two_clinicians(run)
    added = run("webhook", "add", "--clinic", clinic_id, "--url", "https://ehr.example/hook")
    webhook_id = re.search(r"webhook ([0-9a-f-]{36})", added).group(1)
    first_secret = added.splitlines()[-1]
    assert webhook_id in run("webhook", "list", "--clinic", clinic_id)
    rotated = run("webhook", "rotate", "--clinic", clinic_id, webhook_id).splitlines()[-1]
    assert rotated.startswith("whsec_") and rotated != first_secret
    run("webhook", "remove", "--clinic", clinic_id, webhook_id)
    assert "(no webhooks)" in run("webhook", "list", "--clinic", clinic_id)
    run("webhook", "rotate", "--clinic", clinic_id, webhook_id, ok=False)
