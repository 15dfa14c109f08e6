"""WCAG 2.2 AA, checked by axe-core in Chromium, on every page a client or staff member uses;
the form completed by keyboard alone; targets of 44 px; no sideways scrolling at 320 px."""

from __future__ import annotations

import pyotp
import pytest

from fic.storage.models import utcnow
from tests.e2e.axe import violations
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, serve
from tests.flows import new_session, path_of, set_up_clinic
from tests.staff.world import build_world
from tests.staff_flows import PASSWORD, make_account

NARROW = {"width": 320, "height": 640}


@pytest.fixture
def served(sqlite_app):
    base, stop = serve(sqlite_app)
    yield sqlite_app, base
    stop()


def _form_url(app, ref, language=None):
    """A fresh link at the one test clinic (made on first use)."""
    clinic = app.extensions.get("test_clinic") or app.extensions.setdefault(
        "test_clinic", set_up_clinic(app))
    return path_of(new_session(app.test_client(), clinic, ref, utcnow(),
                               language=language)["feedback_url"])


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_client_pages_have_no_wcag_violations(served, browser, viewport):
    app, base = served
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    found = {}
    size = "phone" if viewport is PHONE else "desktop"

    def check(name):
        found[name] = violations(page)
        slug = "".join(ch if ch.isalnum() else "-" for ch in name)
        page.screenshot(path=str(ARTIFACTS / f"page-{slug}-{size}.png"), full_page=True)

    ARTIFACTS.mkdir(exist_ok=True)
    url = _form_url(app, "A-1")
    page.goto(base + url)
    check("form")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    check("form, asking about unanswered questions")
    page.evaluate("const sent = document.querySelector('input[type=hidden][name=heard]');"
                  "sent.value = 'NaN'; sent.disabled = false;")  # what a broken client might send
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert "Please give a number from 0 to 10" in page.inner_text("main")
    check("form with errors")
    page.locator("#heard").fill("8")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/thanks*")
    check("thank-you")
    page.goto(base + url)
    check("unavailable")
    page.goto(base + "/c")
    check("in-room code entry")
    for language in ("es", "ar"):
        page.goto(base + _form_url(app, f"A-{language}", language))
        check(f"form ({language})")
    context.close()
    assert found == {name: [] for name in found}


def test_the_form_without_javascript_has_no_wcag_violations(served, browser):
    app, base = served
    context = browser.new_context(viewport=PHONE)
    context.route("**/form.js", lambda route: route.abort())  # the page as it is without JS
    page = context.new_page()
    page.goto(base + _form_url(app, "A-2"))
    assert page.locator("input[type=range]").count() == 0
    assert violations(page) == []
    context.close()


def test_a_keyboard_alone_completes_the_form_with_visible_focus(served, browser):
    app, base = served
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(base + _form_url(app, "K-1"))
    seen_focus = []

    def tab_to(selector):
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                style = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                seen_focus.append(style)
                return
        raise AssertionError(f"Tab never reached {selector}")

    for item in ("safety", "heard", "goals", "approach"):
        tab_to(f"#{item}")
        page.keyboard.press("End")
        page.keyboard.press("ArrowLeft")  # 9.9
    tab_to("input[name=tension]")
    page.keyboard.press("ArrowRight")  # "A little"
    page.keyboard.press("ArrowLeft")  # back to "No"
    page.keyboard.press("Space")
    tab_to("#comment")
    page.keyboard.type("Fine.")
    tab_to("button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/thanks*")
    assert "Thank you" in page.inner_text("h1")
    assert all(style != "none" for style in seen_focus)
    context.close()


def test_targets_are_44_px_and_the_form_reflows_at_320_px(served, browser):
    app, base = served
    for javascript in (True, False):
        context = browser.new_context(viewport=NARROW, java_script_enabled=javascript)
        page = context.new_page()
        page.goto(base + _form_url(app, f"R-{javascript}", "de"))
        assert _no_horizontal_scroll(page)
        small = page.evaluate("""[...document.querySelectorAll(
              'main label.point, main label.choice, main button, main input[type=range], nav a')]
            .filter(e => e.offsetParent !== null)
            .map(e => e.getBoundingClientRect())
            .filter(r => r.width < 44 || r.height < 44).length""")
        assert small == 0
        page.screenshot(path=str(ARTIFACTS / f"form-320-{'js' if javascript else 'nojs'}.png"),
                        full_page=True)
        context.close()


def test_the_staff_pages_have_no_wcag_violations(sqlite_app, browser):
    world = build_world(sqlite_app)
    base, stop = serve(sqlite_app)
    email = world.emails["supervisor"]
    secret = make_account(world.app, email)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    found = {}
    page.goto(f"{base}/staff/sign-in")
    found["sign-in"] = violations(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/sign-in/code")
    found["sign-in code"] = violations(page)
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    for name, path in (("caseload", "/staff/caseload"),
                       ("client course", f"/staff/clients/{world.ids['client_id']}"),
                       ("alerts", "/staff/alerts"),
                       ("alert", f"/staff/alerts/{world.ids['alert_id']}"),
                       ("reports", "/staff/reports")):
        page.goto(base + path)
        found[name] = violations(page)
    page.goto(f"{base}/staff/clients/{world.ids['client_id']}")
    page.get_by_role("button", name="Send the form").click()
    page.wait_for_load_state()
    found["in-room code"] = violations(page)
    context.close()
    stop()
    assert found == {name: [] for name in found}


def test_the_checker_itself_reports_an_unlabelled_control_and_a_low_contrast_text(browser):
    page = browser.new_page()
    page.set_content('<html lang="en"><title>t</title><main><input type="text">'
                     '<p style="color:#bbb;background:#fff">faint</p></main></html>')
    found = violations(page)
    page.close()
    assert any(v.startswith("label:") for v in found)
    assert any(v.startswith("color-contrast:") for v in found)
