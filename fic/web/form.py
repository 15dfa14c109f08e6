"""The client's side: the post-session form behind a one-time link.

Unknown, expired and used links all get the same neutral page. GET never consumes a link.
A rejected POST shows the form again with every answer the client gave still in place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import Blueprint, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_wtf.csrf import CSRFError

from fic import jobs
from fic.domain.answers import FORM_ERROR, AnswerErrors, parse_answers
from fic.domain.instruments import Instrument
from fic.errors import LinkUnavailable
from fic.extensions import services
from fic.instruments import load
from fic.services.core import outbox
from fic.services.forms import links, responses
from fic.services.forms import thanks as thanks_note

bp = Blueprint("form", __name__)


@bp.get("/f/<token>")
def show(token: str):
    spec = _live_form(token)
    if spec is None:
        return _unavailable()
    return _render(spec, token, values={}, errors={})


@bp.post("/f/<token>")
def submit(token: str):
    svc = services()
    fields = _fields()
    spec = _live_form(token)
    if spec is None:
        return _unavailable()
    try:
        answers = parse_answers(_instruments(spec), fields)
        submitted = responses.submit(svc.db, svc.keys, token, spec.instruments, answers)
    except AnswerErrors as problems:
        return _render(spec, token, _flat(fields), problems.errors, status=422)
    except LinkUnavailable:
        return _unavailable()
    outbox.flush(svc.db, jobs.publish, submitted.outbox_ids)
    # Sealed and the same length for everyone: the cookie says nothing about the answers.
    browser_session["thanks"] = thanks_note.note_for(
        svc.db, svc.keys, svc.settings, submitted.response_id, answers.comment
    )
    return redirect(url_for("form.thanks"), code=303)


@bp.get("/thanks")
def thanks():
    svc = services()
    languages = [lang for lang, _ in request.accept_languages]
    note = browser_session.pop("thanks", "")
    crisis = thanks_note.crisis_text(svc.db, svc.keys, str(note), languages)
    return render_template("form/thanks.html", crisis_text=crisis)


@bp.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    token = (request.view_args or {}).get("token")
    spec = _live_form(token) if request.endpoint == "form.submit" and token else None
    if spec is not None:
        message = "This page had been open too long. Please check your answers and send again."
        return _render(spec, str(token), _flat(_fields()), {FORM_ERROR: message}, 400)
    return render_template("error.html", code=400, title="Please reload the page"), 400


@bp.app_errorhandler(413)
def too_large(error: Exception):
    return render_template(
        "error.html",
        code=413,
        title="That was too long to send",
        message="Please go back and shorten your comment to at most 2,000 characters.",
    ), 413


def _live_form(token: str) -> links.FormSpec | None:
    if len(token) > 64:
        return None
    try:
        with services().db.session() as session:
            return links.form_for(session, token)
    except LinkUnavailable:
        return None


def _instruments(spec: links.FormSpec) -> list[Instrument]:
    return [load(name) for name in spec.instruments]


def _fields() -> dict[str, list[str]]:
    fields = request.form.to_dict(flat=False)
    fields.pop("csrf_token", None)
    return fields


def _flat(fields: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {name: values[-1] for name, values in fields.items() if values}


def _render(
    spec: links.FormSpec,
    token: str,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
):
    sections = []
    for instrument in _instruments(spec):
        language = spec.language if spec.language in instrument.languages else "en"
        sections.append(
            {
                "title": instrument.title.get(language) or next(iter(instrument.title.values())),
                "questions": [_item(item, language, values, errors) for item in instrument.items],
            }
        )
    html = render_template(
        "form/form.html",
        sections=sections,
        form_error=errors.get(FORM_ERROR),
        token=token,
        error_count=len(errors),
        lang=spec.language,
    )
    return html, status


def _item(item, language: str, values: Mapping[str, str], errors: Mapping[str, str]) -> dict:
    return {
        "id": item.id,
        "kind": item.kind,
        "text": item.label(language),
        "anchors": item.anchors.get(language) or next(iter(item.anchors.values()), ("", "")),
        "choices": list(
            zip(item.choices, item.choice_labels.get(language, item.choices), strict=True)
        ),
        "value": values.get(item.id, ""),
        "error": errors.get(item.id),
        "max_length": item.max_length,
    }


def _unavailable():
    return render_template("form/unavailable.html"), 410
