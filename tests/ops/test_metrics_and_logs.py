"""/metrics shows what a full loop did; its JSON log lines carry request ids, never health data."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from fic import create_app
from fic.ops.logs import JsonFormatter
from fic.storage.models import utcnow
from tests.conftest import make_settings
from tests.flows import answers, new_session, set_up_clinic, submit_form

TOKEN = "metrics-token-for-tests"
CLIENT_REF = "CANARY-REF-9931"
CONTACT = "canary.metrics@example.test"
COMMENT = "canary words: I felt judged about my drinking"


@pytest.fixture
def app(tmp_path, mail, database_url):
    flask_app = create_app(make_settings(tmp_path / "instance", mail, database_url=database_url,
                                         metrics_token=TOKEN))
    flask_app.extensions["fic"].db.upgrade()
    yield flask_app
    flask_app.extensions["fic"].db.dispose()


def scrape(app) -> dict[tuple[str, tuple], float]:
    page = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200
    assert page.mimetype == "text/plain"
    series = {}
    for family in text_string_to_metric_families(page.get_data(as_text=True)):
        for sample in family.samples:
            series[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return series


def value(series, name: str, **labels: str) -> float:
    return series.get((name, tuple(sorted(labels.items()))), 0.0)


def full_loop(app, mail) -> None:
    """A session with a contact, a low score with a comment, the alert mails, a report."""
    clinic = set_up_clinic(app)
    api = app.test_client()
    url = new_session(api, clinic, CLIENT_REF, utcnow(), contact=CONTACT)["feedback_url"]
    fields = {**answers(3.7, tension="lot", comment=COMMENT), "talked_through": "no"}
    sent = submit_form(app.test_client(), url, fields)
    assert sent.status_code == 303
    mail.wait_for(3)  # the link to the client, the alert to clinician and supervisor
    built = api.post("/api/v1/reports", json={"supervisor": clinic.supervisor,
                                              "period": "2026-W47"},
                     headers={"Authorization": f"Bearer {clinic.api_key}"})
    assert built.status_code in (201, 202)


def test_metrics_answer_only_with_the_bearer_token(tmp_path, app):
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert "fic_outbox_oldest_seconds" in scrape(app).__repr__()
    closed = create_app(make_settings(tmp_path / "other"))
    assert closed.test_client().get("/metrics",
                                    headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_a_full_loop_shows_in_every_named_series(app, mail):
    before = scrape(app)
    full_loop(app, mail)
    after = scrape(app)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("fic_forms_received_total") == 1
    assert grew("fic_alerts_total", level="rupture") >= 1
    assert grew("fic_deliveries_total", channel="email", kind="alert", outcome="sent") == 2
    assert grew("fic_deliveries_total", channel="email", kind="link_email", outcome="sent") == 1
    assert grew("fic_evaluation_seconds_count") == 1
    assert grew("fic_report_build_seconds_count") == 1
    assert value(after, "fic_outbox_oldest_seconds") == 0  # everything was handed on
    assert value(after, "fic_outbox_pending") == 0
    assert ("fic_queue_depth", (("queue", "reports"),)) in after
    assert value(after, "fic_deliveries_by_status", status="sent") >= 3
    assert ("fic_escalations_open", ()) in after
    page = "\n".join(f"{name} {labels}" for name, labels in after)
    assert CLIENT_REF not in page and CONTACT not in page


def test_the_json_log_lines_of_a_full_loop_have_request_ids_and_no_health_data(app, mail):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        full_loop(app, mail)
        tagged = app.test_client().get("/healthz", headers={"X-Request-ID": "lb-1234"})
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert tagged.headers["X-Request-ID"] == "lb-1234"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()
             if line.startswith("{")]
    assert len(lines) == len(stream.getvalue().splitlines())  # every line is one JSON object
    requests = [line for line in lines if line["logger"] == "fic.request"]
    assert len(requests) >= 5 and all(re.fullmatch(r"[0-9a-f]{32}|lb-1234", r["request_id"])
                                      for r in requests)
    assert {"/f/<token>", "/api/v1/sessions"} <= {r["endpoint"] for r in requests}
    text = "\n".join(json.dumps(line) for line in lines if line["logger"] != "mail.log")
    for canary in (CLIENT_REF, CONTACT, "canary", "drinking", "judged"):
        assert canary not in text, canary
    timeless = re.sub(r"\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)?", "<time>", text)
    timeless = re.sub(r'"duration_ms": [0-9.]+', "<ms>", timeless)
    assert not re.search(r"\b(3\.7|37|14\.8|148)\b", timeless), "no score"
