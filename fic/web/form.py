"""The client's side: the post-session form behind a one-time link.

Unknown, expired and used links all get the same neutral page. GET never consumes a link.
A rejected POST shows the form again with every answer the client gave still in place.
A form with questions left blank is sent only after the page has asked once (the client
may send it as it is: a partial form is "not answered", never a low score).
The page speaks the client's language (`?lang=` lets the client switch).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as browser_session
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from fic import dispatch, i18n
from fic.domain.answers import FORM_ERROR, AnswerErrors, Message, parse_answers
from fic.domain.instruments import Instrument
from fic.errors import LinkUnavailable, StorageUnavailable
from fic.extensions import services
from fic.instruments import load
from fic.services.forms import links, responses
from fic.services.forms import thanks as thanks_note
from fic.web import csrf
from fic.web.form_view import form_sections, shown_items

bp = Blueprint("form", __name__)
SEND_ANYWAY = "send_as_it_is"
THANKS_COOKIE = "fic_thanks"
log = logging.getLogger(__name__)


def retry_message() -> str:
    return _("We could not save your answers just now. They are still here: please press "
             "Send again in a moment.")


@bp.get("/f/<token>")
def show(token: str):
    try:
        spec = live_form(token)
    except StorageUnavailable:
        return _try_later()
    if spec is None:
        return unavailable()
    return render_form(spec, token, values={}, errors={})


@bp.post("/f/<token>")
@csrf.link_bound
def submit(token: str):
    page = answer(token)
    if page is not None:
        return page
    location, cookie_path = _thanks_urls(i18n.current())
    done = redirect(location, code=303)
    # Its own cookie (sealed, the same length for everyone), so the browser session is
    # left as it was and is not signed and sent again.
    done.set_cookie(THANKS_COOKIE, g.fic_thanks, path=cookie_path, httponly=True,
                    samesite="Lax", secure=bool(current_app.config["SESSION_COOKIE_SECURE"]))
    return done


def _thanks_urls(language: str) -> tuple[str, str]:
    """The thank-you page's URL in this language and its path (the note's cookie path):
    the same for every POST at one mount point, so url_for runs once for each (it costs a
    POST some 20 µs)."""
    made: dict[tuple[str, str], tuple[str, str]] = current_app.extensions.setdefault(
        "fic_thanks_urls", {})
    key = (request.script_root, language)
    urls = made.get(key)
    if urls is None:
        urls = made[key] = (url_for("form.thanks", lang=language), url_for("form.thanks"))
    return urls


def answer(token: str, action: str | None = None):
    """Handle a posted form: the page to show again (prompt, errors, unavailable), or None
    once the answers are stored (the thank-you note is then in `g.fic_thanks`).

    The success path reads the link once and writes once, on one pooled connection; the
    form is drawn again (with the client's goals in their words) only when it has to be
    shown."""
    svc = services()
    fields = _fields()
    if len(token) > 64:
        return unavailable()
    csrf.check_form_token(token)
    with svc.db.shared_connection() as connection:  # the read and the write: one checkout
        try:
            link = responses.live(svc.db, token, connection)
        except StorageUnavailable:
            return _keep_answers(token, fields, action)
        except LinkUnavailable:
            return unavailable()
        _speak(request.args.get("lang"), link.spec.language)
        try:
            answers = parse_answers(_instruments(link.spec), fields)
            unanswered = [name for name in answers.unanswered if name in shown_items(
                _instruments(link.spec), link.spec.goal_slots)]
            if unanswered and not request.form.get(SEND_ANYWAY):
                return _again(token, fields, {}, unanswered=unanswered, action=action)
            submitted = responses.store(svc.db, svc.keys, link, answers, connection=connection)
        except AnswerErrors as problems:
            return _again(token, fields, problems.errors, status=422, action=action)
        except LinkUnavailable:
            return unavailable()
        except StorageUnavailable:
            return _again(token, fields, {FORM_ERROR: retry_message()}, status=503,
                          action=action)
    # Stored: from here on the client is thanked whatever else is down. A job that cannot
    # be published now stays in the outbox for beat's reconciler.
    dispatch.after_commit(submitted.jobs)
    g.fic_thanks = thanks_note.note_for(svc.keys, svc.settings, submitted.clinic_id,
                                        answers.comment)
    return None


def _again(token: str, fields: Mapping[str, Sequence[str]], errors: Mapping[str, str],
           **options: Any):
    """The form drawn again with what the client gave (read afresh: the goals' words)."""
    try:
        spec = live_form(token)
    except StorageUnavailable:
        return _keep_answers(token, fields, options.get("action"))
    if spec is None:
        return unavailable()
    return render_form(spec, token, _flat(fields), errors, **options)


def crisis_text() -> str | None:
    """The clinic's crisis text if the answers just sent call for it (the note is used up)."""
    svc = services()
    note = request.cookies.get(THANKS_COOKIE) or browser_session.pop("thanks", "")
    return thanks_note.crisis_text(svc.db, svc.keys, str(note), [i18n.current()])


@bp.get("/thanks")
def thanks():
    _speak(request.args.get("lang"))
    page = make_response(render_template("form/thanks.html", crisis_text=crisis_text()))
    page.delete_cookie(THANKS_COOKIE, path=url_for("form.thanks"))
    return page


@bp.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """A client's form whose token is missing or stale is drawn again with its answers (and
    a good token), so the client only has to send it again; any other page asks for a
    reload."""
    token, action = _posted_form()
    try:
        spec = live_form(token) if token else None
    except StorageUnavailable:
        return _keep_answers(str(token), _fields(), action)
    if spec is not None:
        message = _("This page had been open too long. Please check your answers and send again.")
        return render_form(spec, str(token), _flat(_fields()), {FORM_ERROR: message}, 400,
                           action=action)
    return render_template("error.html", code=400, title=_("Please reload the page")), 400


def _posted_form() -> tuple[str | None, str | None]:
    """The link token and address of the client's form being posted; (None, None) on any
    other page."""
    if request.endpoint == "form.submit":
        return (request.view_args or {}).get("token"), None
    if request.endpoint == "kiosk.send":
        from fic.web import kiosk  # noqa: PLC0415 - the kiosk is built on this module

        return kiosk.kiosk_token(), url_for("kiosk.send")
    return None, None


@bp.app_errorhandler(413)
def too_large(error: Exception):
    _speak(request.args.get("lang"))
    return render_template(
        "error.html",
        code=413,
        title=_("That was too long to send"),
        message=_("Please go back and shorten your comment to at most 2,000 characters."),
    ), 413


def live_form(token: str) -> links.FormSpec | None:
    if len(token) > 64:
        return None
    try:
        with services().db.session(single_statement=True) as session:  # reads only
            spec = links.form_for(session, token, services().keys)
    except LinkUnavailable:
        return None
    _speak(request.args.get("lang"), spec.language)
    return spec


def _speak(*candidates: str | None) -> None:
    browser = [lang for lang, _q in request.accept_languages]
    i18n.use(i18n.choose(*candidates, *browser))


def _instruments(spec: links.FormSpec) -> list[Instrument]:
    return [load(name) for name in spec.instruments]


def _fields() -> dict[str, list[str]]:
    fields = request.form.to_dict(flat=False)
    fields.pop(csrf.FIELD, None)
    fields.pop(SEND_ANYWAY, None)
    return fields


def _flat(fields: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {name: values[-1] for name, values in fields.items() if values}


def render_form(
    spec: links.FormSpec,
    token: str,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
    unanswered: Sequence[str] = (),
    action: str | None = None,
):
    language = i18n.current()
    errors = {name: _translated(message) for name, message in errors.items()}
    sections = form_sections(_instruments(spec), language, values, errors, unanswered,
                             goals=spec.goals)
    html = render_template(
        "form/form.html",
        sections=sections,
        form_error=errors.get(FORM_ERROR),
        action=action or url_for("form.submit", token=token, lang=language),
        form_token=csrf.form_token(token),
        error_count=len(errors),
        unanswered=len(unanswered),
        send_anyway=SEND_ANYWAY,
        # asked once already (this page or an earlier one): the next send goes as it is
        asked=bool(unanswered) or bool(request.form.get(SEND_ANYWAY)),
        languages=i18n.LANGUAGES,
    )
    return html, status


def _translated(message: str) -> str:
    if isinstance(message, Message):
        return _(message.template, **{k: format_decimal(v) for k, v in message.params.items()})
    return message


def _keep_answers(token: str, fields: Mapping[str, Sequence[str]], action: str | None = None):
    """The database is away and the form's questions with it: a page that sends the same
    answers again (to the same address), so nothing the client gave is lost."""
    _speak(request.args.get("lang"))
    kept = [(name, value) for name, values in fields.items() for value in values]
    page = render_template("form/retry.html", fields=kept, message=retry_message(),
                           action=action or url_for("form.submit", token=token),
                           form_token=csrf.form_token(token))
    return page, 503, {"Retry-After": "5"}


def _try_later():
    _speak(request.args.get("lang"))
    page = render_template("error.html", code=503, title=_("Please try again in a minute"),
                           message=_("This page could not open just now. Your link still works."))
    return page, 503, {"Retry-After": "30"}


def unavailable():
    _speak()
    return render_template("form/unavailable.html"), 410
