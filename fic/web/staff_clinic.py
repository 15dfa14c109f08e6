"""Admin: the clinic's own settings (form, languages, links, alerts, reports, crisis text,
alert policy) on one page. Every value is checked before anything is saved, a rejected form
keeps what the admin typed, and every change is audited."""

from __future__ import annotations

from babel.dates import get_day_names
from flask import redirect, render_template, request, url_for
from flask_babel import gettext

from fic import i18n
from fic.domain.answers import N_
from fic.errors import InvalidRequest, PolicyError
from fic.extensions import services
from fic.services.clinic import (
    branding,
    clinic_settings,
    policies,
    settings_page,
)
from fic.services.core.access import Actor
from fic.web.staff_admin import bp
from fic.web.staff_session import now, page_clinic, signed_in

WHOLE = (
    "link_lifetime_hours",
    "escalate_rupture_minutes",
    "escalate_urgent_minutes",
    "report_weekday",
    "report_hour",
    "report_retention_days",
)
CLINIC_FIELDS = (
    "timezone",
    "language",
    "form_instruments",
    "report_weekday",
    "report_hour",
    "report_retention_days",
    "report_attach_pdf",
)


@bp.route("/clinic", methods=["GET", "POST"])
@signed_in("admin")
def clinic_page(actor: Actor):
    svc = services()
    error = None
    typed = request.form.to_dict() if request.method == "POST" else None
    if typed is not None:
        try:
            settings_page.save(svc.db, actor, *_changes(typed), now())
        except InvalidRequest as problem:
            shown = problem.problem_in(gettext)  # in the page's language; the field as named
            error = f"{problem.field}: {shown}" if problem.field else shown
        else:
            return redirect(url_for(".clinic_page", saved=1), code=303)
    values: dict[str, object] = (dict(typed) if typed is not None and error
                                 else settings_page.current(svc.db, actor.clinic_id))
    return _render(actor, page_clinic(actor), values, 400 if error else 200, error=error,
                   saved=bool(request.args.get("saved")))


def _render(actor: Actor, header: dict[str, str], values: dict[str, object], status: int,
            **notes: object):
    """The page; `notes` are the fixed notices and the errors of this request (never text
    from the query string)."""
    settings = services().settings
    return render_template(
        "staff/admin_clinic.html",
        actor=actor,
        clinic=header,
        values=values,
        has_logo=branding.logo_path(settings, actor.clinic_id).is_file(),
        custom_policy=policies.policy_path(settings, actor.clinic_id).exists(),
        weekdays=[get_day_names("wide", locale=i18n.current())[day] for day in range(7)],
        forms=clinic_settings.FORMS,
        crisis_languages=list(i18n.LANGUAGES),
        **{"error": None, "saved": False, "policy_error": None, "logo_error": None, **notes},
    ), status


def _refused(actor: Actor, **notes: object):
    """A rejected upload: the page again with the reason, 400, nothing changed."""
    values = settings_page.current(services().db, actor.clinic_id)
    return _render(actor, page_clinic(actor), values, 400, **notes)


@bp.post("/clinic/policy")
@signed_in("admin")
def clinic_policy(actor: Actor):
    """Upload a policy file (tried first with `fic backtest`), or go back to the default."""
    svc = services()
    try:
        upload = request.files.get("policy")
        text = None if request.form.get("default") == "on" else (
            upload.read().decode("utf-8") if upload else "")
        settings_page.set_policy(svc.db, svc.settings, actor, text, now())
    except (PolicyError, UnicodeDecodeError) as problem:
        message = str(problem) if isinstance(problem, PolicyError) else N_("not UTF-8 text")
        return _refused(actor, policy_error=message)
    return redirect(url_for(".clinic_page", saved=1), code=303)


@bp.post("/clinic/logo")
@signed_in("admin")
def clinic_logo(actor: Actor):
    """The logo on the clinic's reports: a PNG of at most 256 kB."""
    svc = services()
    upload = request.files.get("logo")
    try:
        settings_page.set_logo(svc.db, svc.settings, actor, upload.read() if upload else b"",
                               now())
    except InvalidRequest as problem:
        return _refused(actor, logo_error=problem.problem)
    return redirect(url_for(".clinic_page", saved=1), code=303)


def _changes(form: dict[str, str]) -> tuple[dict[str, object], dict[str, object]]:
    values: dict[str, object] = dict(form)
    values.pop("csrf_token", None)
    for name in WHOLE:
        try:
            values[name] = int(form.get(name, ""))
        except ValueError:
            raise InvalidRequest.about(name, N_("a whole number")) from None
    reminder = form.get("reminder_after_hours", "").strip()
    values["reminder_after_hours"] = int(reminder) if reminder.isdigit() and len(
        reminder) < 10 else (reminder or None)
    for name in ("quiet_start", "quiet_end", "on_call_email"):
        values[name] = form.get(name, "").strip() or None
    values["report_attach_pdf"] = form.get("report_attach_pdf") == "on"
    values["watch_digest"] = form.get("watch_digest") == "on"
    crisis = {
        key.removeprefix("crisis_"): text.strip()
        for key, text in form.items()
        if key.startswith("crisis_") and text.strip()
    }
    for key in [k for k in values if k.startswith("crisis_")]:
        del values[key]
    values["crisis_text"] = crisis
    clinic_part = {k: v for k, v in values.items() if k in CLINIC_FIELDS}
    delivery_part = {k: v for k, v in values.items() if k not in CLINIC_FIELDS}
    return clinic_part, delivery_part


