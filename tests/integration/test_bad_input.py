"""Bad answers get a clear message, keep what the client typed, and store nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from fic.storage.models import Outbox, Response, utcnow
from tests.flows import answers, csrf_token, new_session, path_of, set_up_clinic


@pytest.fixture
def form(sqlite_app):
    clinic = set_up_clinic(sqlite_app)
    url = new_session(sqlite_app.test_client(), clinic, "C-9", utcnow())["feedback_url"]
    client = sqlite_app.test_client()
    token = csrf_token(client.get(path_of(url)).get_data(as_text=True))
    return sqlite_app, client, path_of(url), token


def _nothing_stored(app) -> bool:
    with app.extensions["fic"].db.session() as session:
        return not session.scalar(select(func.count()).select_from(Response)) and not (
            session.scalar(select(func.count()).select_from(Outbox)))


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("-1", "Please give a number from 0 to 10"),
        ("11", "Please give a number from 0 to 10"),
        ("NaN", "Please give a number from 0 to 10"),
        ("inf", "Please give a number from 0 to 10"),
        ("abc", "Please give a number from 0 to 10"),
        ("1e309", "Please give a number from 0 to 10"),
        ("٧", "Please give a number from 0 to 10"),
    ],
)
def test_a_bad_score_is_refused_with_a_clear_message_and_the_other_answers_stay(
    form, score, message
):
    app, client, path, token = form
    fields = {**answers(8.5, tension="little", comment="my own words"), "heard": score}
    response = client.post(path, data={"csrf_token": token, **fields})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'id="heard-error"' in html
    assert html.count('value="8.5"') == 3
    assert "my own words" in html
    assert re.search(r'value="little"\s+checked', html)
    assert _nothing_stored(app)


def test_a_score_sent_twice_is_refused(form):
    app, client, path, token = form
    data = {"csrf_token": token, **answers(9)}
    data["goals"] = ["9", "1"]
    response = client.post(path, data=data)
    assert response.status_code == 422
    assert "answered more than once" in response.get_data(as_text=True)
    assert _nothing_stored(app)


def test_a_one_megabyte_comment_is_refused_with_a_clear_message(form):
    app, client, path, token = form
    response = client.post(path, data={"csrf_token": token,
                                       **answers(9, comment="x" * 1_000_000)})
    assert response.status_code == 413
    assert "shorten your comment" in response.get_data(as_text=True)
    assert _nothing_stored(app)


def test_a_comment_over_the_limit_is_refused_and_kept_on_the_page(form):
    app, client, path, token = form
    response = client.post(path, data={"csrf_token": token, **answers(9, comment="y" * 2500)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "under 2,000 characters" in html and "y" * 2500 in html
    assert _nothing_stored(app)


def test_an_unexpected_field_is_refused(form):
    app, client, path, token = form
    response = client.post(path, data={"csrf_token": token, **answers(9), "score": "10"})
    assert response.status_code == 422
    assert "fields we did not expect" in response.get_data(as_text=True)
    assert _nothing_stored(app)
