"""SMTP connections kept open per worker process and reused for the next message.

Opening a connection costs a TCP handshake, the greeting, EHLO (and STARTTLS and AUTH
when configured), and QUIT afterwards: several round trips per email. A worker sending
an alert's two emails, or many alerts in a row, reuses one connection instead. Each
connection serves one sender at a time (the pool hands it out and takes it back), is
dropped after an error, and is not reused once it has been idle for longer than
`MAX_IDLE` (servers close idle sessions after a few minutes). A message that fails on a
reused connection because the server had closed it is sent once more on a fresh one;
the server had not accepted it (the message id is the same either way).
"""

from __future__ import annotations

import os
import smtplib
import ssl
import threading
import time
from email.message import Message

from fic.settings import Settings

MAX_IDLE = 30.0  # seconds

Key = tuple[str, int, str | None, bool]


class _Pool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[Key, list[tuple[float, smtplib.SMTP]]] = {}
        self._pid = os.getpid()

    def take(self, key: Key) -> smtplib.SMTP | None:
        with self._lock:
            if self._pid != os.getpid():  # a forked child never shares its parent's sockets
                self._idle, self._pid = {}, os.getpid()
            idle = self._idle.get(key, [])
            while idle:
                since, smtp = idle.pop()
                if time.monotonic() - since < MAX_IDLE:
                    return smtp
                _close(smtp)
        return None

    def give(self, key: Key, smtp: smtplib.SMTP) -> None:
        with self._lock:
            self._idle.setdefault(key, []).append((time.monotonic(), smtp))

    def clear(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for _, smtp in connections:
                _close(smtp)


_POOL = _Pool()


def send(settings: Settings, message: Message) -> None:
    """Send on a pooled connection; raises OSError / smtplib.SMTPException on failure."""
    key: Key = (settings.smtp_host, settings.smtp_port, settings.smtp_username,
                settings.smtp_starttls)
    smtp = _POOL.take(key)
    if smtp is not None:
        try:
            smtp.send_message(message)
        except smtplib.SMTPServerDisconnected:
            _close(smtp)  # closed while idle: a fresh connection below
        except (OSError, smtplib.SMTPException):
            _close(smtp)
            raise
        else:
            _POOL.give(key, smtp)
            return
    smtp = _connect(settings)
    try:
        smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        _close(smtp)
        raise
    _POOL.give(key, smtp)


def close_all() -> None:
    """Close every idle connection of this process (tests, shutdown)."""
    _POOL.clear()


def _connect(settings: Settings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    try:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password)
    except (OSError, smtplib.SMTPException):
        _close(smtp)
        raise
    return smtp


def _close(smtp: smtplib.SMTP) -> None:
    """Drop a connection without QUIT: a silent server would hold a QUIT for the timeout."""
    smtp.close()
