"""A client answers the form in real Chromium: phone and desktop, with and without JavaScript,
in English, Spanish and Arabic."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from fic.storage.models import Answer, Response, utcnow
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, serve
from tests.flows import new_session, path_of, set_up_clinic

SCORES = (("safety", "8.5"), ("heard", "9"), ("goals", "6.5"), ("approach", "7"))


@pytest.fixture
def served(sqlite_app):
    base, stop = serve(sqlite_app)
    yield sqlite_app, base
    stop()


def _open(browser, app, base, ref, javascript=True, viewport=PHONE, language=None):
    url = new_session(app.test_client(), set_up_clinic(app), ref, utcnow(),
                      language=language)["feedback_url"]
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript,
                                  is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    page = context.new_page()
    page.goto(base + path_of(url))
    return context, page


def _stored(app):
    with app.extensions["fic"].db.session() as session:
        return ({a.item: a.value for a in session.scalars(select(Answer))},
                session.scalar(select(func.count()).select_from(Response)))


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_client_answers_the_form_on_a_phone(served, browser, javascript):
    app, base = served
    context, page = _open(browser, app, base, "P-1", javascript)
    assert page.get_by_role("heading", level=1).inner_text() == "How was today's session?"
    for item, value in SCORES:
        if javascript:
            page.locator(f"#{item}").fill(value)
        else:  # without JavaScript each item is a 0-10 choice
            page.locator(f"label:has(#{item}-{value.split('.')[0]})").click()
    page.get_by_label("A little").check()
    page.get_by_label("Yes").check()
    page.locator("#comment").fill("More time at the end, please.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"form-phone-{'js' if javascript else 'nojs'}.png"),
                    full_page=True)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/thanks*")
    assert "Thank you" in page.inner_text("h1")
    context.close()
    stored, _ = _stored(app)
    expected = {"safety": 85, "goals": 65} if javascript else {"safety": 80, "goals": 60}
    assert stored == {**expected, "heard": 90, "approach": 70, "tension": 1,
                      "talked_through": 1}


def test_a_slider_says_its_value_in_words_once_moved(served, browser):
    app, base = served
    context, page = _open(browser, app, base, "P-3")
    slider = page.locator("#safety")
    assert slider.get_attribute("aria-valuetext") == "Not answered yet"
    slider.fill("7.5")
    assert slider.get_attribute("aria-valuetext") == "7.5 of 10, Completely"
    slider.fill("2")
    assert slider.get_attribute("aria-valuetext") == "2.0 of 10, Not at all"
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_untouched_submit_stores_nothing_and_asks_gently_once(served, browser, viewport):
    app, base = served
    context, page = _open(browser, app, base, "P-4", viewport=viewport)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert "You left 5 questions unanswered. That is all right." in page.inner_text("body")
    assert _stored(app) == ({}, 0)
    assert page.locator("#safety").get_attribute("aria-valuetext") == "Not answered yet"
    page.locator("#heard").fill("3")  # the client changes their mind and answers one
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/thanks*")
    context.close()
    assert _stored(app) == ({"heard": 30}, 1)


@pytest.mark.parametrize(("language", "direction", "heading", "button"), [
    ("es", "ltr", "¿Cómo fue la sesión de hoy?", "Enviar mis respuestas"),
    ("ar", "rtl", "كيف كانت جلسة اليوم؟", "إرسال إجاباتي"),
])
def test_the_form_speaks_the_clients_language_with_no_english_left(
    served, browser, language, direction, heading, button
):
    app, base = served
    context, page = _open(browser, app, base, f"L-{language}", language=language)
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == (language, direction)
    assert page.get_by_role("heading", level=1).inner_text() == heading
    main = page.inner_text("main")
    english = re.findall(r"\b(the|your|you|and|not|today|session|send|answer)\b", main,
                         flags=re.IGNORECASE)
    assert english == []
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(ARTIFACTS / f"form-{language}-{name}.png"), full_page=True)
    if direction == "rtl":  # the scale runs from the right: 0 is right of 10
        zero, ten = (page.locator("#safety-anchors span").nth(i).bounding_box() for i in (0, 1))
        assert zero["x"] > ten["x"]
    page.locator("#safety").fill("6")
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language
    context.close()


def test_the_page_loads_nothing_from_other_origins(served, browser):
    app, base = served
    url = new_session(app.test_client(), set_up_clinic(app), "P-2", utcnow())["feedback_url"]
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(base + path_of(url))
    page.wait_for_load_state("networkidle")
    assert requested and all(r.startswith(base) for r in requested)
    page.close()
