"""Alerts reach the routed people once, through a flaky SMTP server and a flaky webhook."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from fic.delivery import webhooks
from fic.delivery.email import Mailer
from fic.services.alerts import notifications
from fic.services.alerts.notifications import Senders
from fic.services.clinic import delivery_settings
from fic.services.delivery.webhook_channel import webhook_secret_binding
from fic.storage.models import utcnow
from fic.storage.models_delivery import Delivery, DeliveryAttempt, WebhookEndpoint
from tests.delivery.helpers import CLIENT_REF, alert_case
from tests.delivery.receiver import Receiver

# Times passed in and times read inside agree, however slow the machine.
pytestmark = pytest.mark.usefixtures("frozen_clock")

SECRET = "whsec_test_secret"


def _senders(app) -> Senders:
    svc = app.extensions["fic"]
    settings = svc.settings.model_copy(update={"retry_base_seconds": 5, "http_timeout": 3})
    return Senders(Mailer(settings), svc.keys, settings)


def _add_webhook(app, clinic_id: uuid.UUID, url: str) -> None:
    svc = app.extensions["fic"]
    with svc.db.session() as session:
        endpoint = WebhookEndpoint(id=uuid.uuid4(), clinic_id=clinic_id, url=url, secret_ct=b"",
                                   allow_private=True)  # a receiver on 127.0.0.1
        endpoint.secret_ct = svc.keys.seal_direct(SECRET, webhook_secret_binding(endpoint.id))
        session.add(endpoint)


def test_an_smtp_server_refusing_three_times_gets_the_alert_on_a_retry_and_only_once(app, mail):
    db = app.extensions["fic"].db
    case = alert_case(app)
    mail.refuse_next = 3
    senders, now = _senders(app), utcnow()
    first = notifications.notify_alert(db, senders, case.alert_id, now)
    assert first.failed == 2 and not mail.messages  # clinician and supervisor refused
    # Before the backoff has run out nothing is tried; then each retry waits twice as long.
    assert notifications.notify_alert(db, senders, case.alert_id, now + timedelta(seconds=1)) \
        == notifications.Outcome(0, 0, 2)
    notifications.notify_alert(db, senders, case.alert_id, now + timedelta(seconds=6))
    assert len(mail.messages) == 1  # the third refusal fell on the clinician's second try
    notifications.notify_alert(db, senders, case.alert_id, now + timedelta(seconds=30))
    mail.wait_for(2)
    for later in (60, 600, 3600):
        notifications.notify_alert(db, senders, case.alert_id, now + timedelta(seconds=later))
    assert sorted(m["To"] for m in mail.messages) == sorted(
        [case.clinic.clinician, case.clinic.supervisor])
    with db.session() as session:
        rows = session.scalars(select(Delivery)).all()
        assert {r.status for r in rows} == {"sent"}
        tries = session.scalars(select(DeliveryAttempt)).all()
        assert len(tries) == 5 and sum(1 for t in tries if t.ok) == 2


def test_a_webhook_answering_500_then_200_is_delivered_once_and_its_signature_verifies(
    sqlite_app, mail
):
    db = sqlite_app.extensions["fic"].db
    case = alert_case(sqlite_app)
    senders, now = _senders(sqlite_app), utcnow()
    with Receiver([500]) as receiver:
        _add_webhook(sqlite_app, case.clinic_id, receiver.url + "/hooks/fic")
        notifications.notify_alert(db, senders, case.alert_id, now)
        assert len(receiver.requests) == 1 and not receiver.accepted
        notifications.notify_alert(db, senders, case.alert_id, now + timedelta(seconds=10))
        notifications.notify_alert(db, senders, case.alert_id, now + timedelta(seconds=60))
    assert len(receiver.requests) == 2 and len(receiver.accepted) == 1
    got = receiver.accepted[0]
    # The documented method (README): HMAC-SHA256 over "<t>.<raw body>" with the secret.
    assert webhooks.verify(SECRET, got.headers["Fic-Signature"], got.body)
    assert not webhooks.verify("wrong", got.headers["Fic-Signature"], got.body)
    assert not webhooks.verify(SECRET, got.headers["Fic-Signature"], got.body + b" ")
    assert got.headers["Fic-Delivery"] == receiver.requests[0].headers["Fic-Delivery"]
    body = json.loads(got.body)
    assert body["alert_id"] == str(case.alert_id) and body["level"] == "rupture"
    assert body["event"] == "alert.raised"
    assert set(body) == {"id", "event", "alert_id", "level", "raised_at", "url"}
    assert CLIENT_REF not in got.body.decode() and case.clinic.clinician not in got.body.decode()
    with db.session() as session:
        attempts = session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.number)).all()
        hook = [a for a in attempts if a.status_code is not None]
        assert [a.status_code for a in hook] == [500, 200]
    assert len(mail.messages) == 2


def test_routing_sends_urgent_alerts_to_the_on_call_address_and_low_alliance_to_the_clinician(
    sqlite_app, mail
):
    svc = sqlite_app.extensions["fic"]
    urgent = alert_case(sqlite_app, level="urgent")
    with svc.db.session() as session:
        delivery_settings.update(session, urgent.clinic_id, on_call_email="oncall@clinic.test")
    notifications.notify_alert(svc.db, _senders(sqlite_app), urgent.alert_id)
    mail.wait_for(3)
    assert sorted(m["To"] for m in mail.messages) == sorted(
        [urgent.clinic.clinician, urgent.clinic.supervisor, "oncall@clinic.test"])
    other = alert_case(sqlite_app, level="low_alliance", name="Other Clinic")
    notifications.notify_alert(svc.db, _senders(sqlite_app), other.alert_id)
    mail.wait_for(4)
    assert mail.messages[-1]["To"] == other.clinic.clinician and len(mail.messages) == 4


def test_the_verification_code_in_the_readme_accepts_fics_signature_and_nothing_else():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    snippet = readme.split("## Deliveries")[1].split("```python")[1].split("```")[0]
    namespace: dict[str, object] = {}
    exec(snippet, namespace)  # noqa: S102 - our own README, run as an integrator would
    verify = namespace["verify"]
    body = b'{"alert_id":"x","level":"urgent"}'
    header = webhooks.sign(SECRET, int(time.time()), body)
    assert verify(SECRET, header, body)
    assert not verify(SECRET, header, body.replace(b"urgent", b"watch"))
    assert not verify(SECRET, webhooks.sign(SECRET, int(time.time()) - 900, body), body)
