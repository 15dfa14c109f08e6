"""A supervisor, in real Chromium, follows an alert email's link, signs in with TOTP,
records the repair, and sees the alert leave the inbox; the client course is screenshotted."""

from __future__ import annotations

import pyotp
import pytest

from fic.storage.models import Alert
from fic.storage.models_delivery import Acknowledgement
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, serve
from tests.staff.world import build_world
from tests.staff_flows import PASSWORD, make_account


@pytest.fixture
def served_world(sqlite_app):
    world = build_world(sqlite_app)
    base, stop = serve(sqlite_app)
    yield world, base
    stop()


def test_a_supervisor_signs_in_with_totp_and_acknowledges_an_alert(served_world, browser):
    world, base = served_world
    email = world.emails["supervisor"]
    secret = make_account(world.app, email)
    alert_id = world.ids["alert_id"]
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{base}/staff/alerts/{alert_id}")  # the link in the alert email
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/sign-in/code")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/staff/alerts/{alert_id}")
    assert "Possible rupture" in page.inner_text("h1")
    assert "I felt unheard today." in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "staff-alert.png"), full_page=True)
    page.get_by_label("Talked it through in session").check()
    page.get_by_label("Note (optional; stored encrypted)").fill("Named the tension; agreed to "
                                                                "leave ten minutes at the end.")
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url("**/staff/alerts?acknowledged=*")
    assert "The alert has left your open list" in page.inner_text("main")
    assert page.locator(f'a[href="/staff/alerts/{alert_id}"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "staff-alerts.png"), full_page=True)
    page.get_by_role("link", name="Acknowledged", exact=True).click()
    assert page.locator(f'a[href="/staff/alerts/{alert_id}"]').count() == 1
    assert "Talked it through in session" in page.inner_text("main")

    page.goto(f"{base}/staff/clients/{world.ids['client_id']}")
    assert "Client C-1" in page.inner_text("h1")
    # the episode the worker opened says why, in words and numbers
    assert "tension that was not talked through" in page.locator(".reason").first.inner_text()
    assert page.locator(".chart img").evaluate("img => img.naturalWidth") > 0
    page.screenshot(path=str(ARTIFACTS / "staff-client-course.png"), full_page=True)
    page.goto(f"{base}/staff/caseload")
    page.screenshot(path=str(ARTIFACTS / "staff-caseload.png"), full_page=True)
    context.close()

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                java_script_enabled=False)
    mobile = phone.new_page()
    mobile.goto(f"{base}/staff/sign-in")
    mobile.screenshot(path=str(ARTIFACTS / "staff-sign-in-phone.png"), full_page=True)
    phone.close()

    with world.app.extensions["fic"].db.session() as session:
        assert session.get(Alert, alert_id).acknowledged_at is not None
        ack = session.query(Acknowledgement).filter_by(alert_id=alert_id).one()
        assert ack.action == "talked_in_session" and ack.note_ct is not None
