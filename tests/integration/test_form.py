"""The client's form behind a one-time link, on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from fic.storage.models import Answer, FeedbackLink, Outbox, Response, utcnow
from tests.flows import answers, csrf_token, new_session, path_of, set_up_clinic, submit_form

NEUTRAL = "This link is no longer available"


def _count(app, model) -> int:
    with app.extensions["fic"].db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def link(app) -> str:
    clinic = set_up_clinic(app)
    return new_session(app.test_client(), clinic, "C-1", utcnow())["feedback_url"]


def test_the_form_shows_four_unanswered_0_to_10_scales_the_tension_question_and_a_comment_box(
    app, link
):
    page = app.test_client().get(path_of(link))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for item in ("safety", "heard", "goals", "approach"):
        assert [f'name="{item}" value="{n}"' in html for n in range(11)] == [True] * 11
    assert "checked" not in html and 'data-value=""' in html
    assert 'name="tension"' in html and 'name="comment"' in html
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_a_submitted_form_stores_scores_in_tenths_and_an_evaluation_job_together(app, link):
    response = submit_form(app.test_client(), link, answers(7.5, comment="Felt rushed."))
    assert response.status_code == 303 and "/thanks" in response.headers["Location"]
    with app.extensions["fic"].db.session() as session:
        stored = session.scalars(select(Answer)).all()
        assert {a.item: a.value for a in stored if a.item != "tension"} == {
            "safety": 75, "heard": 75, "goals": 75, "approach": 75}
        row = session.scalar(select(Response))
        assert row.comment_ct is not None and b"Felt rushed" not in row.comment_ct
        jobs = session.scalars(select(Outbox)).all()
        assert [(j.task, j.args) for j in jobs] == [("fic.evaluate_response", [str(row.id)])]


def test_a_bot_opening_the_link_first_does_not_use_it_up(app, link):
    client = app.test_client()
    for _ in range(5):
        assert client.get(path_of(link)).status_code == 200
        assert client.head(path_of(link)).status_code == 200
    assert submit_form(client, link, answers(9)).status_code == 303


def test_used_expired_and_forged_links_all_get_the_same_neutral_page(app, link):
    client = app.test_client()
    submit_form(client, link, answers(9))
    replay = client.get(path_of(link))
    clinic_client = app.test_client()
    other = new_session(clinic_client, set_up_clinic(app, "Other Clinic"), "C-2", utcnow())
    with app.extensions["fic"].db.session() as session:
        session.execute(update(FeedbackLink).where(FeedbackLink.used_at.is_(None))
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = client.get(path_of(other["feedback_url"]))
    forged = client.get("/f/" + "A" * 43)
    pages = [(r.status_code, r.get_data()) for r in (replay, expired, forged)]
    assert pages[0] == pages[1] == pages[2]
    assert pages[0][0] == 410 and NEUTRAL.encode() in pages[0][1]


def test_a_replayed_post_after_submit_stores_nothing_more(app, link):
    client = app.test_client()
    page = client.get(path_of(link))
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), **answers(9)}
    assert client.post(path_of(link), data=data).status_code == 303
    again = client.post(path_of(link), data=data)
    assert again.status_code == 410 and NEUTRAL in again.get_data(as_text=True)
    assert _count(app, Response) == 1


def test_twenty_concurrent_posts_store_exactly_one_response(app, link):
    clients = [app.test_client() for _ in range(20)]
    prepared = []
    for client in clients:
        page = client.get(path_of(link))
        prepared.append((client, {"csrf_token": csrf_token(page.get_data(as_text=True)),
                                  **answers(8)}))
    barrier = threading.Barrier(len(prepared))
    codes: list[int] = []

    def post(client, data):
        barrier.wait()
        codes.append(client.post(path_of(link), data=data).status_code)

    threads = [threading.Thread(target=post, args=p) for p in prepared]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [303] + [410] * 19
    assert _count(app, Response) == 1


def test_a_post_without_the_csrf_token_is_refused_and_keeps_the_answers(app, link):
    client = app.test_client()
    client.get(path_of(link))
    response = client.post(path_of(link), data=answers(6.5, comment="keep me"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "keep me" in html and 'value="6.5"' in html
    assert _count(app, Response) == 0


def test_an_untouched_form_is_not_sent_but_asked_about_once_kindly(app, link):
    client = app.test_client()
    page = client.get(path_of(link))
    token = csrf_token(page.get_data(as_text=True))
    asked = client.post(path_of(link), data={"csrf_token": token})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "You left 5 questions unanswered. That is all right." in html
    assert html.count("Not answered yet</p>") == 5
    assert _count(app, Response) == 0 and _count(app, Outbox) == 0


def test_a_partial_form_sent_as_it_is_stores_only_what_was_answered(app, link):
    client = app.test_client()
    token = csrf_token(client.get(path_of(link)).get_data(as_text=True))
    partial = {"csrf_token": token, "safety": "3", "comment": "Not sure yet."}
    asked = client.post(path_of(link), data=partial)
    assert "You left 4 questions unanswered" in asked.get_data(as_text=True)
    assert re.search(r'id="safety-3"\s+checked', asked.get_data(as_text=True))
    sent = client.post(path_of(link), data={**partial, "send_as_it_is": "1"})
    assert sent.status_code == 303
    with app.extensions["fic"].db.session() as session:
        assert {a.item: a.value for a in session.scalars(select(Answer))} == {"safety": 30}


def test_the_client_changes_an_answer_after_the_prompt_and_the_last_one_counts(app, link):
    client = app.test_client()
    token = csrf_token(client.get(path_of(link)).get_data(as_text=True))
    client.post(path_of(link), data={"csrf_token": token, **answers(6), "tension": ""})
    changed = {"csrf_token": token, "send_as_it_is": "1", **answers(6), "heard": "9"}
    assert client.post(path_of(link), data=changed).status_code == 303
    with app.extensions["fic"].db.session() as session:
        stored = {a.item: a.value for a in session.scalars(select(Answer))}
    assert stored == {"safety": 60, "heard": 90, "goals": 60, "approach": 60, "tension": 0}
