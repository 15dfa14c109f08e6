"""A client answers the form on a phone, in real Chromium, with and without JavaScript."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fic.storage.models import Answer, Response, utcnow
from tests.e2e.conftest import ARTIFACTS, PHONE, serve
from tests.flows import new_session, path_of, set_up_clinic


@pytest.fixture
def served(sqlite_app):
    base, stop = serve(sqlite_app)
    yield sqlite_app, base
    stop()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_client_answers_the_form_on_a_phone(served, browser, javascript):
    app, base = served
    url = new_session(app.test_client(), set_up_clinic(app), "P-1", utcnow())["feedback_url"]
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(base + path_of(url))
    assert page.get_by_role("heading", level=1).inner_text() == "How was today's session?"
    for item, value in (("safety", "8.5"), ("heard", "9"), ("goals", "6.5"), ("approach", "7")):
        page.locator(f"#{item}").fill(value)
    page.get_by_label("A little").check()
    page.get_by_label("Yes").check()
    page.locator("#comment").fill("More time at the end, please.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"form-phone-{'js' if javascript else 'nojs'}.png"),
                    full_page=True)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/thanks")
    assert "Thank you" in page.inner_text("h1")
    context.close()
    with app.extensions["fic"].db.session() as session:
        stored = {a.item: a.value for a in session.scalars(select(Answer))}
        assert session.scalar(select(Response.comment_ct)) is not None
    assert stored == {"safety": 85, "heard": 90, "goals": 65, "approach": 70, "tension": 1,
                      "talked_through": 1}


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
