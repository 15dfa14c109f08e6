"""Plain SMTP delivery. Callers pass finished text; nothing here knows about clients."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import formataddr, formatdate, make_msgid, parseaddr

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
        message = _with_attachments(email) if email.attachments else _plain(email)
        message["From"] = _address(message, s.smtp_sender)
        message["To"] = _address(message, email.to)
        message["Subject"] = _header(message, email.subject)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = email.message_id or make_msgid(domain="fic.invalid")
        if s.mail_to_files:
            files.write_email(files.mail_folder(s.instance_path), message)
            return
        try:
            smtp_pool.send(s, message)
        except (OSError, smtplib.SMTPException) as error:
            # The class name only: SMTP replies can echo addresses back.
            raise DeliveryFailed(f"SMTP delivery failed: {type(error).__name__}") from None


def _plain(email: Email) -> Message:
    """Text (and html) with the classic MIME classes: a quarter of EmailMessage's cost, and
    every alert is two or more of these."""
    text = _part(email.text, "plain")
    if not email.html:
        return text
    message = MIMEMultipart("alternative")
    message.attach(text)
    message.attach(_part(email.html, "html"))
    return message


def _part(content: str, subtype: str) -> MIMENonMultipart:
    """7bit when ASCII, else UTF-8 as 8bit (texts stay readable); quoted-printable when a
    line is longer than SMTP allows."""
    part = MIMENonMultipart("text", subtype)
    if any(len(line) > 900 for line in content.splitlines()):
        part.set_payload(content, _UTF8_QP)
    else:
        part.set_payload(content, "us-ascii" if content.isascii() else _UTF8)
    return part


def _with_attachments(email: Email) -> EmailMessage:
    message = EmailMessage()
    message.set_content(email.text)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    for name, content, mime in email.attachments:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message


def _header(message: Message, value: str) -> str:
    """A header value as SMTP carries it. A line break in it could start the body (header
    injection through, say, a clinic's name), so it is refused on both paths."""
    if "\r" in value or "\n" in value:
        raise ValueError("a line break in an email header")
    if isinstance(message, EmailMessage) or value.isascii():
        return value
    return Header(value, "utf-8").encode()


def _address(message: Message, value: str) -> str:
    """An address header: only the display name is encoded, so the address itself stays
    readable to smtplib (MAIL FROM / RCPT TO are taken from these headers)."""
    if "\r" in value or "\n" in value or isinstance(message, EmailMessage) or value.isascii():
        return _header(message, value)
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8")


_UTF8 = Charset("utf-8")
_UTF8.body_encoding = None  # type: ignore[assignment]  # 8bit, not base64
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP
