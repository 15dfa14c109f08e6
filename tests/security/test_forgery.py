"""Forged posts are refused; real ones pass, over HTTPS too, where browsers send no Referer.

Every page says Referrer-Policy: no-referrer, so a browser posting a form over HTTPS sends
no Referer (and Origin: null). The client's form carries a token bound to its link, so the
client's phone is given no session cookie.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fic import create_app
from fic.storage.models import Client, Response, utcnow
from tests.conftest import make_settings
from tests.flows import CLINICIAN, answers, csrf_token, new_session, path_of, set_up_clinic
from tests.staff_flows import (
    PASSWORD,
    code_for,
    make_account,
    password_only_clinicians,
    sign_in,
)

HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7",
         "X-Forwarded-Host": "fic.example"}


@pytest.fixture
def behind_tls(tmp_path, mail):
    """fic behind one TLS-terminating proxy, as a clinic runs it."""
    app = create_app(make_settings(tmp_path / "instance", mail,
                                   database_url=f"sqlite:///{tmp_path / 'fic.db'}",
                                   base_url="https://fic.example", trusted_proxies=1))
    app.extensions["fic"].db.upgrade()
    yield app
    app.extensions["fic"].db.dispose()


def _stored(app) -> int:
    with app.extensions["fic"].db.session() as session:
        return session.scalar(select(func.count()).select_from(Response))


def _link(app) -> str:
    return path_of(new_session(app.test_client(), set_up_clinic(app), "C-1", utcnow())[
        "feedback_url"])


def test_over_https_a_clients_form_sent_without_a_referer_is_stored(behind_tls):
    client = behind_tls.test_client()
    path = _link(behind_tls)
    page = client.get(path, headers=HTTPS)
    sent = client.post(path, headers=HTTPS, data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), **answers(8)})
    assert sent.status_code == 303, sent.get_data(as_text=True)[:300]
    assert _stored(behind_tls) == 1


def test_over_https_staff_sign_in_without_a_referer_goes_through(behind_tls):
    set_up_clinic(behind_tls)
    secret = make_account(behind_tls, CLINICIAN)
    assert secret is not None
    client = behind_tls.test_client()

    def post(page: str, **fields: str):
        html = client.get(page, headers=HTTPS).get_data(as_text=True)
        return client.post(page, headers=HTTPS, data={"csrf_token": csrf_token(html), **fields})

    assert post("/staff/sign-in", email=CLINICIAN, password=PASSWORD).headers[
        "Location"].endswith("/staff/sign-in/code")
    signed = post("/staff/sign-in/code", code=code_for(secret, utcnow()))
    assert signed.status_code == 303 and "/sign-in" not in signed.headers["Location"]


def test_the_clients_form_leaves_no_session_cookie_on_the_phone(app):
    client = app.test_client()
    path = _link(app)
    page = client.get(path)
    sent = client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                   **answers(8)})
    assert sent.status_code == 303
    name = app.config["SESSION_COOKIE_NAME"]
    assert client.get_cookie(name) is None
    assert not [cookie for cookie in page.headers.getlist("Set-Cookie")
                + sent.headers.getlist("Set-Cookie") if cookie.startswith(name + "=")]


def test_a_token_from_another_links_form_is_refused_and_the_answers_stay(app):
    clinic = set_up_clinic(app)
    first, second = (path_of(new_session(app.test_client(), clinic, ref, utcnow())[
        "feedback_url"]) for ref in ("C-1", "C-2"))
    client = app.test_client()
    other = csrf_token(client.get(second).get_data(as_text=True))
    refused = client.post(first, data={"csrf_token": other,
                                       **answers(6.5, comment="keep me")})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "keep me" in html and 'value="6.5"' in html
    assert csrf_token(html) != other  # the page drawn again carries its own link's token
    assert _stored(app) == 0
    again = client.post(first, data={"csrf_token": csrf_token(html), **answers(6.5)})
    assert again.status_code == 303 and _stored(app) == 1


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_post_the_browser_marks_as_from_another_site_is_refused_even_with_its_token(
    app, site
):
    client = app.test_client()
    path = _link(app)
    token = csrf_token(client.get(path).get_data(as_text=True))
    forged = client.post(path, headers={"Sec-Fetch-Site": site},
                         data={"csrf_token": token, **answers(2, comment="planted words")})
    assert forged.status_code == 403 and _stored(app) == 0
    assert "planted words" not in forged.get_data(as_text=True)  # nothing drawn back
    own = client.post(path, headers={"Sec-Fetch-Site": "same-origin"},
                      data={"csrf_token": token, **answers(2)})
    assert own.status_code == 303 and _stored(app) == 1


@pytest.mark.parametrize("given", ["é", "\u0000", "x" * 5000])
def test_any_text_in_the_token_field_is_a_refused_token_never_a_crash(app, given):
    client = app.test_client()
    path = _link(app)
    client.get(path)
    refused = client.post(path, data={"csrf_token": given, **answers(7, comment="keep me")})
    assert refused.status_code == 400 and "keep me" in refused.get_data(as_text=True)
    assert _stored(app) == 0


def test_a_kiosk_form_sent_with_a_stale_token_comes_back_with_its_answers(app):
    clinic = set_up_clinic(app)
    new_session(app.test_client(), clinic, "K-1", utcnow())
    password_only_clinicians(app, clinic.name)
    make_account(app, clinic.clinician, totp=False)
    tablet = app.test_client()
    assert sign_in(tablet, clinic.clinician, None).status_code == 303
    with app.extensions["fic"].db.session() as session:
        client_id = session.scalar(select(Client.id).where(Client.client_ref == "K-1"))
    course = tablet.get(f"/staff/clients/{client_id}").get_data(as_text=True)
    handed = tablet.post(f"/staff/clients/{client_id}/send",
                         data={"csrf_token": csrf_token(course), "channel": "kiosk"})
    assert handed.headers["Location"].endswith("/kiosk")
    assert "csrf_token" in tablet.get("/kiosk").get_data(as_text=True)
    stale = tablet.post("/kiosk", data={"csrf_token": "from-before",
                                        **answers(6.5, comment="keep me")})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 400 and "keep me" in html and 'value="6.5"' in html
    assert 'action="/kiosk"' in html and "/f/" not in html
    sent = tablet.post("/kiosk", data={"csrf_token": csrf_token(html), **answers(6.5)})
    assert sent.headers["Location"].endswith("/kiosk/done") and _stored(app) == 1
