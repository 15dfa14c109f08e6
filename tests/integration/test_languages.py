"""The client's language: remembered per client, falling back to the clinic's; the link email,
the form, the thank-you page and the crisis text all speak it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from fic.services.clinic import clinic_settings, clinics
from fic.storage import repository
from fic.storage.models import Client, utcnow
from tests.flows import answers, new_session, path_of, set_up_clinic, submit_form

pytestmark = pytest.mark.usefixtures("frozen_clock")


def test_a_spanish_clients_link_email_is_spanish_and_counts_the_questions_truthfully(
    sqlite_app, mail
):
    clinic = set_up_clinic(sqlite_app)
    new_session(sqlite_app.test_client(), clinic, "ES-1", utcnow(), contact="c@example.test",
                language="es")
    message = mail.wait_for(1)[0]
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "Test Clinic: ¿cómo fue su sesión?"
    assert "El formulario tiene 7 preguntas breves" in text
    months = ("enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
              "noviembre|diciembre")
    assert re.search(rf"hasta el \d{{1,2}} de ({months}) de \d{{4}}", text)
    assert "three" not in text and "session" not in text.lower().replace("sesión", "")


def test_the_language_is_remembered_for_the_client_and_falls_back_to_the_clinics(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    svc = sqlite_app.extensions["fic"]
    with svc.db.session() as session:
        clinic_settings.update(session, repository.clinic_named(session, clinic.name).id,
                               {"language": "de"})
    api = sqlite_app.test_client()
    new_session(api, clinic, "FR-1", utcnow(), language="fr")
    later = new_session(api, clinic, "FR-1", utcnow())["feedback_url"]  # no language given
    other = new_session(api, clinic, "DE-1", utcnow())["feedback_url"]
    french = sqlite_app.test_client().get(path_of(later)).get_data(as_text=True)
    german = sqlite_app.test_client().get(path_of(other)).get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in french and "Envoyer mes réponses" in french
    assert "Comment s&#39;est passée la séance d&#39;aujourd&#39;hui ?" in french
    assert '<html lang="de" dir="ltr">' in german and "Wie war die heutige Sitzung?" in german
    assert "How was today" not in german and "Send my answers" not in german
    switched = sqlite_app.test_client().get(path_of(other) + "?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in switched and "كيف كانت جلسة اليوم؟" in switched
    with svc.db.session() as session:
        assert session.scalar(select(Client.language).where(Client.client_ref == "FR-1")) == "fr"


def test_an_unknown_language_is_refused_by_the_api_with_the_field_named(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    response = sqlite_app.test_client().post(
        "/api/v1/sessions", headers={"Authorization": f"Bearer {clinic.api_key}"},
        json={"client_ref": "X-1", "clinician": clinic.clinician,
              "held_at": utcnow().isoformat(), "language": "tlh"})
    assert response.status_code == 422 and "language" in response.get_json()["fields"]


def test_an_arabic_client_who_writes_risk_language_gets_the_crisis_text_in_arabic(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    url = new_session(sqlite_app.test_client(), clinic, "AR-1", utcnow(),
                      language="ar")["feedback_url"]
    browser = sqlite_app.test_client()
    sent = submit_form(browser, url, answers(9, comment="I want to kill myself"))
    page = browser.get(sent.headers["Location"]).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "إذا كنت بحاجة إلى مساعدة الآن" in page and "رقم الطوارئ المحلي" in page


def test_a_german_clinics_alert_email_is_german_and_still_says_nothing_about_the_client(
    sqlite_app, mail
):
    from fic.delivery.email import Mailer
    from fic.services.alerts import notifications
    from tests.delivery.helpers import CLIENT_REF, alert_case

    case = alert_case(sqlite_app, level="urgent")
    svc = sqlite_app.extensions["fic"]
    with svc.db.session() as session:
        clinic_settings.update(session, case.clinic_id, {"language": "de"})
    senders = notifications.Senders(Mailer(svc.settings), svc.keys, svc.settings)
    with sqlite_app.app_context():  # as in the worker (FlaskTask)
        assert notifications.notify_alert(svc.db, senders, case.alert_id, utcnow()).sent >= 2
    for message in mail.wait_for(2):
        text = message.get_body(("plain",)).get_content()
        assert message["Subject"] == "[fic] DRINGEND: Sorge um die Sicherheit"
        assert "Melden Sie sich an, um sie zu sehen" in text and CLIENT_REF not in text


def test_a_clinic_may_speak_any_client_language_and_its_clients_follow(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    svc = sqlite_app.extensions["fic"]
    with svc.db.session() as session:
        clinic_settings.update(session, repository.clinic_named(session, clinic.name).id,
                               {"language": "es"})
    url = new_session(sqlite_app.test_client(), clinic, "ES-2", utcnow())["feedback_url"]
    page = sqlite_app.test_client().get(path_of(url)).get_data(as_text=True)
    assert '<html lang="es" dir="ltr">' in page and "¿Cómo fue la sesión de hoy?" in page


def test_staff_pages_speak_the_clinics_language_until_a_staff_member_chooses_their_own(
    sqlite_app
):
    from tests.flows import csrf_token
    from tests.staff_flows import make_account, post_form, signed_in_client

    clinic = set_up_clinic(sqlite_app)
    svc = sqlite_app.extensions["fic"]
    with svc.db.session() as session:
        clinic_settings.update(session, repository.clinic_named(session, clinic.name).id,
                               {"language": "de"})
    new_session(sqlite_app.test_client(), clinic, "L-1", utcnow())
    staff = signed_in_client(sqlite_app, clinic.clinician,
                             make_account(sqlite_app, clinic.clinician))
    page = staff.get("/staff/caseload").get_data(as_text=True)
    assert 'lang="de"' in page and "Meine Klient/innen" in page and "My clients" not in page
    assert post_form(staff, "/staff/account", {"language": "es"},
                     "/staff/account/language").status_code == 303
    page = staff.get("/staff/caseload").get_data(as_text=True)
    assert 'lang="es"' in page and "Mis clientes" in page and "Meine" not in page
    account = staff.get("/staff/account").get_data(as_text=True)
    assert staff.post("/staff/account/language", data={
        "csrf_token": csrf_token(account), "language": "ar"}).status_code == 303  # not a staff one
    assert "Mis clientes" in staff.get("/staff/caseload").get_data(as_text=True)
    post_form(staff, "/staff/account", {"language": ""}, "/staff/account/language")
    assert "Meine Klient/innen" in staff.get("/staff/caseload").get_data(as_text=True)


def test_signed_out_the_sign_in_page_follows_the_browser_among_the_staff_languages(sqlite_app):
    browser = sqlite_app.test_client()
    french = browser.get("/staff/sign-in", headers={"Accept-Language": "fr-CH, en;q=0.5"})
    assert "Se connecter à fic" in french.get_data(as_text=True)
    arabic = browser.get("/staff/sign-in", headers={"Accept-Language": "ar"}).get_data(
        as_text=True)
    assert 'lang="en"' in arabic and "Sign in to fic" in arabic  # staff pages: en, es, fr, de


def test_a_password_reset_email_speaks_the_staff_members_language(sqlite_app, mail):
    from tests.staff_flows import post_form

    clinic = set_up_clinic(sqlite_app)
    with sqlite_app.extensions["fic"].db.session() as session:
        repository.staff_by_email(session, clinic.clinician).language = "fr"
    post_form(sqlite_app.test_client(), "/staff/password/reset", {"email": clinic.clinician})
    message = mail.wait_for(1)[0]
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "[fic] Choisissez un nouveau mot de passe"
    assert "réinitialiser votre mot de passe fic" in text and "/staff/password/reset/" in text


def test_a_clinic_that_speaks_arabic_to_its_clients_gives_its_staff_english_pages(sqlite_app):
    from tests.staff_flows import make_account, signed_in_client

    clinic = set_up_clinic(sqlite_app)
    svc = sqlite_app.extensions["fic"]
    with svc.db.session() as session:
        clinic_settings.update(session, repository.clinic_named(session, clinic.name).id,
                               {"language": "ar"})
    staff = signed_in_client(sqlite_app, clinic.clinician,
                             make_account(sqlite_app, clinic.clinician))
    page = staff.get("/staff/caseload", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert 'lang="en" dir="ltr"' in page and "My clients" in page


def test_a_clinic_setting_out_of_range_is_refused_in_the_admins_language(sqlite_app):
    from tests.staff_flows import make_account, post_form, signed_in_client

    clinic = set_up_clinic(sqlite_app)
    admin_email = "admin@clinic.test"
    svc = sqlite_app.extensions["fic"]
    with svc.db.session() as session:
        home = repository.clinic_named(session, clinic.name)
        clinics.add_staff(session, home, admin_email, "admin").language = "es"
    admin = signed_in_client(sqlite_app, admin_email, make_account(sqlite_app, admin_email))
    page = admin.get("/staff/admin/clinic").get_data(as_text=True)
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page))
    fields.update({"report_weekday": "0", "report_hour": "7", "report_retention_days": "9999",
                   "language": "en", "form_instruments": "alliance"})
    fields.pop("csrf_token", None)
    refused = post_form(admin, "/staff/admin/clinic", fields).get_data(as_text=True)
    shown = re.search(r'role="alert"><p>([^<]*)', refused)
    assert shown, refused[-3000:]
    assert shown.group(1) == ("No se guardó nada: report_retention_days: "
                              "un número entero de 30 a 3650.")


def test_the_daily_watch_digest_speaks_the_clinicians_language(sqlite_app, mail):
    from datetime import datetime, timedelta

    from fic.delivery.email import Mailer
    from fic.services.alerts import digest, notifications
    from fic.services.clinic import delivery_settings
    from fic.storage.models import Alert, Staff
    from tests.delivery.helpers import CLIENT_REF, alert_case

    svc = sqlite_app.extensions["fic"]
    case = alert_case(sqlite_app, level="watch")
    with svc.db.session() as session:
        zone = delivery_settings.update(session, case.clinic_id, watch_digest=True,
                                        digest_hour=8).zone
        at = datetime.now(zone).replace(hour=8, minute=5, second=0, microsecond=0)
        session.get(Alert, case.alert_id).created_at = at - timedelta(hours=2)
        session.get(Staff, case.clinician_id).language = "es"
    senders = notifications.Senders(Mailer(svc.settings), svc.keys, svc.settings)
    with sqlite_app.app_context():  # as in the worker (FlaskTask)
        assert digest.send_due(svc.db, senders, at) == 1
    message = mail.wait_for(1)[0]
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "[fic] Resumen diario: 1 señal a vigilar"
    assert "fic registró 1 señal a vigilar" in text and CLIENT_REF not in text
