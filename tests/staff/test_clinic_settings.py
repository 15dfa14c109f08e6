"""An admin sets the clinic up on one page; mistakes keep what was typed and save nothing."""

from __future__ import annotations

import io
import uuid

import pypdf
from PIL import Image
from sqlalchemy import select

from fic.services.clinic import clinics, delivery_settings, policies
from fic.services.reports import lifecycle
from fic.storage import repository
from fic.storage.models import Clinic, Report, Staff
from tests.flows import csrf_token, set_up_clinic
from tests.staff_flows import make_account, signed_in_client

PAGE = "/staff/admin/clinic"


def _admin(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    with sqlite_app.extensions["fic"].db.session() as session:
        clinics.add_staff(session, repository.clinic_named(session, clinic.name),
                          "admin@clinic.test", "admin")
    client = signed_in_client(sqlite_app, "admin@clinic.test",
                              make_account(sqlite_app, "admin@clinic.test"))
    return client


def _form(client) -> dict[str, str]:
    html = client.get(PAGE).get_data(as_text=True)
    return {"csrf_token": csrf_token(html), "timezone": "Europe/Berlin", "language": "de",
            "form_instruments": "alliance+wellbeing", "link_lifetime_hours": "48",
            "reminder_after_hours": "24", "quiet_start": "20:00", "quiet_end": "09:00",
            "escalate_rupture_minutes": "720", "escalate_urgent_minutes": "30",
            "on_call_email": "oncall@clinic.test", "report_weekday": "4", "report_hour": "16",
            "report_retention_days": "180", "report_attach_pdf": "on",
            "crisis_en": "Call our front desk on 0123 456 789 today."}


def test_an_admin_saves_the_clinics_settings_in_one_go(sqlite_app):
    admin = _admin(sqlite_app)
    saved = admin.post(PAGE, data=_form(admin))
    assert saved.status_code == 303
    with sqlite_app.extensions["fic"].db.session() as session:
        clinic = session.scalar(select(Clinic))
        policy = delivery_settings.delivery_policy(session, clinic.id)
        assert (clinic.timezone, clinic.language, clinic.instruments) == (
            "Europe/Berlin", "de", ["alliance", "wellbeing"])
        assert (clinic.report_weekday, clinic.report_hour, clinic.report_retention_days,
                clinic.report_attach_pdf) == (4, 16, 180, True)
        assert (policy.link_lifetime_hours, policy.reminder_after_hours, policy.quiet_start,
                policy.escalate_urgent_minutes, policy.on_call_email) == (
            48, 24, "20:00", 30, "oncall@clinic.test")
        assert policy.crisis_text == {"en": "Call our front desk on 0123 456 789 today."}


def test_a_mistake_saves_nothing_and_keeps_what_was_typed(sqlite_app):
    admin = _admin(sqlite_app)
    form = {**_form(admin), "timezone": "Mars/Olympus", "crisis_en": "typed text stays"}
    refused = admin.post(PAGE, data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "time zone such as" in html
    assert "typed text stays" in html and 'value="48"' in html
    with sqlite_app.extensions["fic"].db.session() as session:
        clinic = session.scalar(select(Clinic))
        assert clinic.timezone == "UTC" and clinic.form_instruments is None
        assert delivery_settings.delivery_policy(session, clinic.id).link_lifetime_hours == 96


def test_a_policy_file_is_checked_before_it_replaces_the_default(sqlite_app):
    admin = _admin(sqlite_app)
    settings = sqlite_app.extensions["fic"].settings
    with sqlite_app.extensions["fic"].db.session() as session:
        clinic_id = session.scalar(select(Clinic.id))
    token = csrf_token(admin.get(PAGE).get_data(as_text=True))

    def upload(content: bytes):
        return admin.post(f"{PAGE}/policy", data={
            "csrf_token": token, "policy": (io.BytesIO(content), "policy.json")},
            content_type="multipart/form-data")

    bad = upload(b'{"rupture_zz": 1}')
    assert bad.status_code == 400 and "The policy was not changed" in bad.get_data(as_text=True)
    assert not policies.policy_path(settings, clinic_id).exists()
    assert upload(b'{"cooldown": 4}').status_code == 303
    assert policies.policy_for(settings, clinic_id).cooldown == 4


def _png(width: int, height: int) -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (width, height), (47, 93, 138)).save(image, format="PNG")
    return image.getvalue()


def test_the_clinics_logo_appears_on_its_reports_and_only_a_png_is_taken(sqlite_app, mail):
    admin = _admin(sqlite_app)
    token = csrf_token(admin.get(PAGE).get_data(as_text=True))

    def upload(content: bytes):
        return admin.post(f"{PAGE}/logo", data={"csrf_token": token,
                                                "logo": (io.BytesIO(content), "logo")},
                          content_type="multipart/form-data")

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://127.0.0.1:9/x"/></svg>'
    refused = upload(svg)
    assert refused.status_code == 400 and "The logo was not changed" in refused.get_data(
        as_text=True)
    assert upload(_png(97, 31)).status_code == 303
    clinic_name = "Test Clinic"
    with sqlite_app.extensions["fic"].db.session() as session:
        supervisor = session.scalar(select(Staff).where(Staff.role == "supervisor")).email
        key = clinics.create_api_key(session, repository.clinic_named(session, clinic_name)).key
    made = sqlite_app.test_client().post(
        "/api/v1/reports", json={"supervisor": supervisor, "period": "2026-W47"},
        headers={"Authorization": f"Bearer {key}"}).get_json()
    with sqlite_app.extensions["fic"].db.session() as session:
        passphrase = clinics.report_passphrase(
            sqlite_app.extensions["fic"].keys,
            session.scalar(select(Staff).where(Staff.role == "supervisor")))
        pdf = lifecycle.content(sqlite_app.extensions["fic"].keys,
                              session.get(Report, uuid.UUID(made["id"])))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.decrypt(passphrase)
    sizes = {(image.image.width, image.image.height) for image in reader.pages[0].images}
    assert (97, 31) in sizes
