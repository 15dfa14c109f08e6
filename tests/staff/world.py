"""Two clinics, two teams, every role, and one object of each kind, for access tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from fic.services.clinic import clinics
from fic.services.integration import webhooks
from fic.services.reports.lifecycle import content_binding
from fic.services.staff import staff_tokens
from fic.storage import repository
from fic.storage.models import Alert, Report, Response, TherapySession, utcnow
from tests.flows import answers, new_session, set_up_clinic, submit_form
from tests.staff_flows import make_account, signed_in_client

# Staff principals: a clinician and supervisor of the team that owns the objects, the other
# team of the same clinic, the clinic's admin, and every role of another clinic.
PRINCIPALS = ("clinician", "supervisor", "other_team_clinician", "other_team_supervisor",
              "admin", "other_clinic_clinician", "other_clinic_supervisor", "other_clinic_admin")
API_PRINCIPALS = ("api_key", "other_clinic_api_key")


@dataclass
class World:
    app: Flask
    emails: dict[str, str]
    ids: dict[str, uuid.UUID]
    api_keys: dict[str, str]
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def client_for(self, principal: str) -> FlaskClient:
        if principal not in self.clients:
            email = self.emails[principal]
            secret = make_account(self.app, email, totp="clinician" not in principal)
            self.clients[principal] = signed_in_client(self.app, email, secret)
        return self.clients[principal]


def build_world(app: Flask) -> World:
    svc = app.extensions["fic"]
    home = set_up_clinic(app)
    other = set_up_clinic(app, "Other Clinic")
    emails = {
        "clinician": home.clinician, "supervisor": home.supervisor,
        "other_team_clinician": "clinician2@clinic.test",
        "other_team_supervisor": "supervisor2@clinic.test",
        "admin": "admin@clinic.test",
        "other_clinic_clinician": other.clinician, "other_clinic_supervisor": other.supervisor,
        "other_clinic_admin": "admin@other-clinic.clinic.test",
    }
    with svc.db.session() as session:
        clinic = repository.clinic_named(session, home.name)
        clinics.add_staff(session, clinic, emails["other_team_supervisor"], "supervisor")
        clinics.add_staff(session, clinic, emails["other_team_clinician"], "clinician",
                          emails["other_team_supervisor"])
        clinics.add_staff(session, clinic, emails["admin"], "admin")
        target = clinics.add_staff(session, clinic, "leaver@clinic.test", "clinician",
                                   home.supervisor)
        invited = clinics.add_staff(session, clinic, "new@clinic.test", "clinician",
                                    home.supervisor)
        invitation = staff_tokens.issue(session, svc.settings, invited, "invite", utcnow())
        spare_key = clinics.create_api_key(session, clinic)
        other_clinic = repository.clinic_named(session, other.name)
        clinics.add_staff(session, other_clinic, emails["other_clinic_admin"], "admin")
        target_id = target.id
    api = app.test_client()
    for week, score in enumerate((9.5, 9.6, 9.4, 4.0)):
        made = new_session(api, home, "C-1", utcnow() - timedelta(weeks=4 - week))
        submit_form(api, made["feedback_url"], answers(score, "lot", "I felt unheard today."))
    waiting = new_session(api, home, "C-1", utcnow())
    with svc.db.session() as session:
        response = session.query(Response).order_by(Response.submitted_at.desc()).first()
        therapy = session.get(TherapySession, response.session_id)
        alert = Alert(id=uuid.uuid4(), dedupe_key=f"test:{uuid.uuid4()}",
                      client_id=therapy.client_id, response_id=response.id, rule="R5",
                      level="rupture")
        session.add(alert)
        supervisor = repository.staff_by_email(session, home.supervisor)
        report = Report(id=uuid.uuid4(), dedupe_key=f"test:{uuid.uuid4()}",
                        supervisor_id=supervisor.id, period_start=utcnow() - timedelta(days=7),
                        period_end=utcnow(), period_label="test", status="ready",
                        file_name="fic-test.pdf")
        report.content_ct = svc.keys.seal_bytes(b"%PDF-1.7 test", content_binding(report.id))
        session.add(report)
        ids = {"client_id": therapy.client_id, "alert_id": alert.id,
               "session_id": uuid.UUID(waiting["id"]), "report_id": report.id,
               "staff_id": target_id, "key_id": spare_key.id, "invitation_id": invitation.id,
               "response_id": response.id,
               "webhook_id": webhooks.add(session, svc.keys, supervisor.clinic_id,
                                          "https://ehr.example/hook").id}
    return World(app, emails, ids, {"api_key": home.api_key,
                                    "other_clinic_api_key": other.api_key})
