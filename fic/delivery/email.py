"""Plain SMTP delivery. Callers pass finished text; nothing here knows about clients."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from fic.delivery import files, smtp_pool
from fic.errors import DeliveryFailed
from fic.settings import Settings


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str | None = None
    message_id: str | None = None
    # (file name, content, MIME type); only ever an already-encrypted report PDF.
    attachments: tuple[tuple[str, bytes, str], ...] = ()


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, email: Email) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"] = s.smtp_sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = email.message_id or make_msgid(domain="fic.invalid")
        message.set_content(email.text)
        if email.html:
            message.add_alternative(email.html, subtype="html")
        for name, content, mime in email.attachments:
            maintype, _, subtype = mime.partition("/")
            message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
        if s.mail_to_files:
            files.write_email(files.mail_folder(s.instance_path), message)
            return
        try:
            smtp_pool.send(s, message)
        except (OSError, smtplib.SMTPException) as error:
            # The class name only: SMTP replies can echo addresses back.
            raise DeliveryFailed(f"SMTP delivery failed: {type(error).__name__}") from None
