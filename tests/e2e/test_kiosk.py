"""Kiosk mode on a clinic tablet: one client's form, then "hand the tablet back"; nothing of
their answers is reachable by Back or reload, and the next client starts clean."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fic.storage.models import Answer, Client, utcnow
from tests.e2e.axe import violations
from tests.e2e.conftest import ARTIFACTS, serve
from tests.flows import new_session, set_up_clinic
from tests.staff_flows import PASSWORD, make_account, password_only_clinicians

TABLET = {"width": 820, "height": 1180}
SECRET = "The exercise at the end felt pointless"


@pytest.fixture
def clinic_tablet(sqlite_app, browser):
    clinic = set_up_clinic(sqlite_app)
    for ref in ("K-1", "K-2"):
        new_session(sqlite_app.test_client(), clinic, ref, utcnow())
    password_only_clinicians(sqlite_app, clinic.name)  # the tablet's sign-ins, not MFA, here
    make_account(sqlite_app, clinic.clinician, totp=False)
    base, stop = serve(sqlite_app)
    context = browser.new_context(viewport=TABLET, has_touch=True)
    yield sqlite_app, clinic, base, context.new_page()
    context.close()
    stop()


def _start_kiosk(app, clinic, base, page, ref):
    with app.extensions["fic"].db.session() as session:
        client_id = session.scalar(select(Client.id).where(Client.client_ref == ref))
    page.goto(f"{base}/staff/clients/{client_id}")
    if "/sign-in" in page.url:
        page.get_by_label("Email").fill(clinic.clinician)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"**/staff/clients/{client_id}")
    page.get_by_label("Hand this device to the client").check()
    page.get_by_role("button", name="Send the form").click()
    page.wait_for_url("**/kiosk")


def test_a_kiosk_session_leaves_nothing_of_the_client_reachable(clinic_tablet):
    app, clinic, base, page = clinic_tablet
    _start_kiosk(app, clinic, base, page, "K-1")
    assert page.get_by_role("heading", level=1).inner_text() == "How was today's session?"
    assert "/f/" not in page.url
    assert violations(page) == []
    for item in ("safety", "heard", "goals", "approach"):
        page.locator(f"#{item}").fill("6.5")
    page.get_by_label("Some").check()
    page.locator("#comment").fill(SECRET)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/kiosk/done")
    assert "Please hand the tablet back" in page.inner_text("h1")
    page.screenshot(path=str(ARTIFACTS / "kiosk-done.png"))
    assert violations(page) == []

    def nothing_left():
        text = page.content()
        return SECRET not in text and "6.5" not in text and 'type="range"' not in text

    page.reload()
    assert nothing_left() and "hand the tablet back" in page.inner_text("h1")
    for _ in range(3):
        page.go_back()
        page.wait_for_load_state()
        assert nothing_left()
    page.goto(f"{base}/kiosk")
    assert nothing_left() and "hand the tablet back" in page.inner_text("h1")
    page.goto(f"{base}/staff/caseload")  # the clinician was signed out on this tablet
    assert "/staff/sign-in" in page.url
    with app.extensions["fic"].db.session() as session:
        assert {a.item: a.value for a in session.scalars(select(Answer))}["safety"] == 65

    _start_kiosk(app, clinic, base, page, "K-2")  # the next client starts clean
    assert page.locator("input[type=range]").count() == 4
    assert all(page.locator(f"#{i}").get_attribute("aria-valuetext") == "Not answered yet"
               for i in ("safety", "heard", "goals", "approach"))
    assert page.locator("#comment").input_value() == ""
    assert page.locator("input[type=radio]:checked").count() == 0
