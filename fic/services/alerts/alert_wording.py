"""The alert email, in the clinic's language, with times in the clinic's time zone.

It says that there is an alert, its level and where to act; never who the client is or what
they answered.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

from fic import i18n
from fic.delivery.email import Email
from fic.domain.answers import N_

LEVEL_TEXT = {
    "low_alliance": N_("Low alliance"),
    "rupture": N_("Possible alliance rupture"),
    "escalation": N_("Escalated alliance rupture"),
    "urgent": N_("URGENT: safety concern"),
}


def alert_email(*, to: str, alert_id: uuid.UUID, level: str, raised_at: datetime,
                escalation: bool, language: str, timezone: str, url: str, ack_url: str | None,
                delivery_key: str) -> Email:
    language = i18n.choose(language, offered=i18n.STAFF_LANGUAGES)
    with force_locale(language):
        title = _(LEVEL_TEXT[level])
        if escalation:
            title = _("Unacknowledged: %(title)s", title=title)
            when = format_datetime(raised_at.astimezone(ZoneInfo(timezone)), "medium",
                                   locale=language)
            opening = _("An alert (%(title)s) raised on %(when)s has not been acknowledged "
                        "yet, so fic is passing it on to you.", title=title, when=when)
        else:
            opening = _("fic raised an alert (%(title)s) for one of the clients in your care.",
                        title=title)
        act = ack_url or url
        reference = _("Alert: %(id)s", id=alert_id)
        sign_in = _("Sign in to see it and record what you did")
        note = _("This message deliberately carries no client details.")
    text = f"{title}\n\n{opening}\n{reference}\n\n{sign_in}:\n{act}\n\n{note}\n"
    html = (
        f"<p><strong>{escape(title)}</strong></p><p>{escape(opening)}<br>{escape(reference)}</p>"
        f'<p><a href="{act}">{escape(sign_in)}</a></p><p>{escape(note)}</p>'
    )
    return Email(to=to, subject=f"[fic] {title}", text=text, html=html,
                 message_id=f"<{uuid.uuid5(uuid.NAMESPACE_URL, delivery_key)}@fic.invalid>")
