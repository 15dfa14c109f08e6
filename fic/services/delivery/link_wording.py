"""The link email and SMS, in the client's language, describing the form as it is.

They say who is asking, how long the form is (counted from the clinic's instruments), how
long the link works, and nothing about the client's health.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.dates import format_date
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from markupsafe import escape

from fic.delivery.email import Email
from fic.instruments import load
from fic.services.clinic.delivery_settings import DeliveryPolicy
from fic.services.forms import links


@dataclass(frozen=True)
class Audience:
    """Who reads the message: their language and the length of the form they will get."""

    language: str
    questions: int


def audience(language: str, instruments: list[str]) -> Audience:
    return Audience(language, sum(len(load(name).items) for name in instruments))


def link_email(to: str, policy: DeliveryPolicy, issued: links.IssuedLink, reader: Audience,
               reminder: bool = False) -> Email:
    with force_locale(reader.language):
        name = policy.clinic_name
        local = issued.expires_at.astimezone(policy.zone).date()
        until = format_date(local, "long", locale=reader.language)
        ask = policy.link_wording.get(reader.language) or _(
            "%(clinic)s would like to know how your last session felt for you.", clinic=name)
        if reminder:
            ask = _("A short reminder: %(ask)s", ask=ask)
        length = ngettext(
            "The form has %(num)d short question and takes about a minute.",
            "The form has %(num)d short questions and takes about a minute.",
            reader.questions)
        reads = _("Your therapist reads every answer, and critical answers are welcome.")
        once = _("The link works once, until %(date)s. If you did not expect this message, "
                 "you can ignore it.", date=until)
        hello = _("Hello,")
        text = f"{hello}\n\n{ask}\n{length} {reads}\n\n{issued.url}\n\n{once}\n"
        html = (
            f"<p>{escape(hello)}</p><p>{escape(ask)}<br>{escape(length)} {escape(reads)}</p>"
            f'<p><a href="{issued.url}">{escape(_("Open the form"))}</a></p>'
            f"<p>{escape(once)}</p>"
        )
        subject = _("%(clinic)s: how was your session?", clinic=name)
        if reminder:
            subject = _("Reminder – %(subject)s", subject=subject)
    return Email(to=to, subject=subject, text=text, html=html)


def link_sms(policy: DeliveryPolicy, issued: links.IssuedLink, reader: Audience,
             reminder: bool = False) -> str:
    with force_locale(reader.language):
        local = issued.expires_at.astimezone(policy.zone).date()
        until = format_date(local, "d MMM", locale=reader.language)
        text = ngettext(
            "%(clinic)s: how was your session? %(num)d short question: %(url)s "
            "(works once, until %(date)s)",
            "%(clinic)s: how was your session? %(num)d short questions: %(url)s "
            "(works once, until %(date)s)",
            reader.questions, clinic=policy.clinic_name, url=issued.url, date=until)
        return _("Reminder: %(text)s", text=text) if reminder else text
