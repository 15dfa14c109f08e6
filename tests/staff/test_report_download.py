"""A stored report is downloaded by its owner only, and every download is in the audit trail."""

from __future__ import annotations

import io

import pypdf
from sqlalchemy import select

from fic.services.clinic import clinics
from fic.services.core import audit
from fic.storage import repository
from fic.storage.models import Report
from fic.storage.models_staff import AuditEvent
from tests.flows import set_up_clinic
from tests.staff_flows import make_account, signed_in_client


def _audit_actions(app, clinic_id):
    with app.extensions["fic"].db.session() as session:
        return [e.action for e in audit.events(session, clinic_id, limit=1000)]


def test_the_owner_downloads_the_stored_report_and_each_download_is_audited(sqlite_app, mail):
    clinic = set_up_clinic(sqlite_app)
    other = set_up_clinic(sqlite_app, "Other Clinic")
    with sqlite_app.extensions["fic"].db.session() as session:
        home = repository.clinic_named(session, clinic.name)
        clinics.add_staff(session, home, "peer.supervisor@clinic.test", "supervisor")
        home_id = home.id
    api = sqlite_app.test_client()
    made = api.post("/api/v1/reports", json={"supervisor": clinic.supervisor,
                                             "period": "2026-W47"},
                    headers={"Authorization": f"Bearer {clinic.api_key}"}).get_json()
    url = f"/staff/reports/{made['id']}"

    owner = signed_in_client(sqlite_app, clinic.supervisor,
                             make_account(sqlite_app, clinic.supervisor))
    for _ in range(2):
        response = owner.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        reader = pypdf.PdfReader(io.BytesIO(response.data))
        assert reader.is_encrypted and reader.decrypt(clinic.passphrase)
    with sqlite_app.extensions["fic"].db.session() as session:
        stored = session.scalar(select(Report))
        assert response.headers["Content-Disposition"].endswith(f'"{stored.file_name}"')
        assert str(stored.supervisor_id) not in response.headers["Content-Disposition"]
    assert _audit_actions(sqlite_app, home_id).count("report_downloaded") == 2

    for email in ("peer.supervisor@clinic.test", clinic.clinician, other.supervisor):
        outsider = signed_in_client(sqlite_app, email, make_account(sqlite_app, email))
        assert outsider.get(url).status_code == 404
    assert _audit_actions(sqlite_app, home_id).count("report_downloaded") == 2
    with sqlite_app.extensions["fic"].db.session() as session:
        denied = session.scalars(select(AuditEvent).where(AuditEvent.object_id == made["id"],
                                                          AuditEvent.action != "report_downloaded"))
        assert len(denied.all()) == 3
