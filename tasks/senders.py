"""The senders a task needs, built from the app it runs in (one place, not in every task)."""

from __future__ import annotations

from fic.delivery.email import Mailer
from fic.delivery.files import FileSms, mail_folder
from fic.delivery.sms import sms_sender
from fic.extensions import services
from fic.services.alerts.notifications import Senders
from fic.services.delivery.link_messages import LinkSenders


def alert_senders() -> Senders:
    svc = services()
    return Senders(Mailer(svc.settings), svc.keys, svc.settings)


def link_senders() -> LinkSenders:
    svc = services()
    sms = sms_sender(svc.settings)
    if sms is None and svc.settings.mail_to_files:
        sms = FileSms(mail_folder(svc.settings.instance_path))
    return LinkSenders(Mailer(svc.settings), sms, svc.keys, svc.settings)
