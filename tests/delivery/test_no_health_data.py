"""No message, webhook body or log line carries a score, comment, client_ref or contact."""

from __future__ import annotations

import logging
import re
import uuid

from fic.services.delivery.webhook_channel import webhook_secret_binding
from fic.storage import repository
from fic.storage.models import utcnow
from fic.storage.models_delivery import WebhookEndpoint
from tests.delivery.receiver import Receiver
from tests.flows import answers, new_session, set_up_clinic, submit_form

CLIENT_REF = "CANARY-REF-0042"
CONTACT = "canary.client@example.test"
COMMENT = "canary: I keep thinking I want to end my life"


def test_an_urgent_alert_leaves_no_health_data_in_emails_webhooks_or_logs(sqlite_app, mail,
                                                                           caplog):
    caplog.set_level(logging.DEBUG)
    svc = sqlite_app.extensions["fic"]
    clinic = set_up_clinic(sqlite_app)
    with Receiver() as hook:
        with svc.db.session() as session:
            clinic_id = repository.clinic_named(session, clinic.name).id
            endpoint = WebhookEndpoint(id=uuid.uuid4(), clinic_id=clinic_id, url=hook.url,
                                       secret_ct=b"", allow_private=True)
            endpoint.secret_ct = svc.keys.seal_direct("s", webhook_secret_binding(endpoint.id))
            session.add(endpoint)
        api = sqlite_app.test_client()
        url = new_session(api, clinic, CLIENT_REF, utcnow(), contact=CONTACT)["feedback_url"]
        assert submit_form(sqlite_app.test_client(), url,
                           answers(3.7, comment=COMMENT)).status_code == 303
        staff_mail = [m for m in mail.wait_for(3) if m["To"] != CONTACT]
    assert len(hook.accepted) == 1 and len(staff_mail) == 2
    for message in staff_mail:
        del message["Date"]  # a clock time such as 18:21:37 is not a score
    outgoing = [mail.text(m) for m in staff_mail] + [r.body.decode() for r in hook.requests]
    outgoing += [str(r.headers) for r in hook.requests]
    # Every logger but the test SMTP server's own (it stands for the outside world).
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    for text in [*outgoing, logged]:
        for canary in (CLIENT_REF, CONTACT, "canary", "end my life"):
            assert canary not in text, canary
        timeless = re.sub(r"\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)?", "<time>", text)
        assert not re.search(r"\b(3\.7|37|14\.8|148)\b", timeless), "no score"
