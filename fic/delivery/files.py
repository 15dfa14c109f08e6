"""Outgoing mail and SMS written to files, for installs with no mail server (the demo).

In embedded mode with no SMTP host configured, every email fic sends is written as an
`.eml` file (open it in any mail program, or `fic mail`) and every SMS as a `.txt` file,
under `<instance>/mail/`, readable by the owner only. What is written is exactly what a
mail server would have received, so it carries no health data either.
"""

from __future__ import annotations

import email
import email.policy
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from pathlib import Path

from fic import clock


@dataclass(frozen=True)
class Written:
    path: Path
    at: datetime
    to: str
    subject: str


def mail_folder(instance_path: Path) -> Path:
    return instance_path / "mail"


def write_email(folder: Path, message: Message) -> Path:
    return _write(folder, "eml", message.as_bytes())


def _write(folder: Path, suffix: str, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    return path


class FileSms:
    """An SMS "provider" that writes each message to a file instead of sending it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, to: str, text: str) -> None:
        _write(self.folder, "txt", f"SMS to: {to}\n\n{text}\n".encode())


def listing(folder: Path) -> list[Written]:
    """What was written, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        at = datetime.strptime(path.name.split("-", 1)[0], "%Y%m%dT%H%M%S%fZ").replace(
            tzinfo=clock.now().tzinfo)
        if path.suffix == ".eml":
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            found.append(Written(path, at, str(message["To"]), str(message["Subject"])))
        elif path.suffix == ".txt":
            first = path.read_text().splitlines()[0]
            found.append(Written(path, at, first.removeprefix("SMS to: "), "(SMS)"))
    return found


def text_of(path: Path) -> str:
    """The plain-text body of a written email (or the SMS text)."""
    if path.suffix != ".eml":
        return path.read_text()
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""
