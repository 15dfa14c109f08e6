"""WCAG 2.2 AA, checked by axe-core in Chromium, on every page a client or staff member uses;
the form completed by keyboard alone; targets of 44 px; no sideways scrolling at 320 px."""

from __future__ import annotations

from types import SimpleNamespace

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


# 200 % zoom of a 1280 px wide window: a 640 CSS px viewport drawn with two device pixels each.
ZOOMED = {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2}


def _sign_in(page, base, email, secret):
    page.goto(f"{base}/staff/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/staff/sign-in/code")
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/staff/caseload")


def test_a_supervisor_who_reads_german_gets_german_staff_pages_without_wcag_violations(
        sqlite_app, browser):
    world = build_world(sqlite_app)
    base, stop = serve(sqlite_app)
    email = world.emails["supervisor"]
    secret = make_account(world.app, email)
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    _sign_in(page, base, email, secret)
    page.goto(f"{base}/staff/account")
    page.locator("#language").select_option("de")
    page.locator("#language ~ button[type=submit]").click()
    page.wait_for_url("**/staff/account")
    found = {"account": violations(page)}
    for name, path in (("caseload", "/staff/caseload"),
                       ("client course", f"/staff/clients/{world.ids['client_id']}"),
                       ("alerts", "/staff/alerts"),
                       ("alert", f"/staff/alerts/{world.ids['alert_id']}"),
                       ("team", "/staff/team"),
                       ("reports", "/staff/reports")):
        page.goto(base + path)
        assert page.get_attribute("html", "lang") == "de", name
        found[name] = violations(page)
        slug = name.replace(" ", "-")
        page.screenshot(path=str(ARTIFACTS / f"staff-{slug}-de.png"), full_page=True)
    nav = page.inner_text("header nav")
    assert "Fälle des Teams" in nav and "Meldungen" in nav and "Berichte" in nav
    page.goto(f"{base}/staff/clients/{world.ids['client_id']}")
    main = page.inner_text("main")
    assert "Gemeinsam gesetzte Ziele" in main and "Sitzungen, neueste zuerst" in main
    assert "Sessions, newest first" not in main and "Goals set together" not in main
    context.close()
    stop()
    assert found == {name: [] for name in found}


@pytest.mark.parametrize("display", [{"viewport": NARROW}, ZOOMED], ids=["320px", "zoom-200"])
def test_every_page_reflows_without_sideways_scrolling(sqlite_app, browser, display):
    """WCAG 1.4.10: at 320 CSS px (and so at 200 % zoom of a 640 px window) nothing needs
    horizontal scrolling: client pages and staff pages alike."""
    world = build_world(sqlite_app)
    base, stop = serve(sqlite_app)
    context = browser.new_context(**display)
    page = context.new_page()
    size = "320" if display["viewport"] is NARROW else "zoom200"
    wide = {}

    def check(name):
        page.wait_for_load_state()
        if not page.evaluate("document.documentElement.scrollWidth"
                             " <= document.documentElement.clientWidth"):
            wide[name] = page.evaluate("document.documentElement.scrollWidth")
        slug = name.replace(" ", "-")
        page.screenshot(path=str(ARTIFACTS / f"reflow-{slug}-{size}.png"), full_page=True)

    sqlite_app.extensions["test_clinic"] = SimpleNamespace(  # the world's clinic, for links
        clinician=world.emails["clinician"], api_key=world.api_keys["api_key"])
    url = _form_url(sqlite_app, f"Z-{size}", "de")
    page.goto(base + url)
    check("form")
    page.locator("form button[type=submit]").click()
    check("form asking")
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/thanks*")
    check("thank-you")
    page.goto(base + url)
    check("unavailable")
    page.goto(base + "/c")
    check("in-room code entry")
    page.goto(base + "/staff/sign-in")
    check("sign-in")
    email = world.emails["supervisor"]
    _sign_in(page, base, email, make_account(world.app, email))
    for name, path in (("caseload", "/staff/caseload"),
                       ("client course", f"/staff/clients/{world.ids['client_id']}"),
                       ("alerts", "/staff/alerts"),
                       ("alert", f"/staff/alerts/{world.ids['alert_id']}"),
                       ("team", "/staff/team"),
                       ("reports", "/staff/reports"),
                       ("account", "/staff/account")):
        page.goto(base + path)
        check(name)
    context.close()
    stop()
    assert wide == {}


def test_a_keyboard_alone_completes_the_form_without_javascript(served, browser):
    """Without JavaScript each item is a group of 0–10 choices: Tab into it, Space picks,
    the arrow keys move; the tension choice and the comment follow; Enter sends."""
    app, base = served
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(base + _form_url(app, "K-2"))

    def tab_to(selector):
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle"
                                     " !== 'none'")
                return
        raise AssertionError(f"Tab never reached {selector}")

    for item in ("safety", "heard", "goals", "approach"):
        tab_to(f"input[name={item}]")
        page.keyboard.press("Space")
        for _ in range(7):
            page.keyboard.press("ArrowRight")
    for item in ("safety", "heard", "goals", "approach"):  # the eighth point: 7 of 10
        assert page.evaluate(f"document.querySelectorAll('input[name={item}]')[7].checked")
    tab_to("input[name=tension]")
    page.keyboard.press("Space")
    tab_to("#comment")
    page.keyboard.type("It went well.")
    tab_to("button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/thanks*")
    context.close()
