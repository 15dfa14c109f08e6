"""`fic export csv`: a clinic's answered forms in the `fic backtest` CSV format.

One row per answered alliance form, numbered by the session's place in the client's
course (a session without a form leaves its number out, as the worker counts it), so
`fic backtest` on the file reruns the very rules the worker ran. Comments never leave.

The research extract (`research=`) is de-identified: client_ref becomes a pseudonym
salted afresh for each export (two exports cannot be linked), and dates are either shifted
by a random offset per client (intervals kept) or replaced by a weekly calendar counted
from the session number. Every export is audited.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from fic.errors import InvalidRequest
from fic.instruments import load
from fic.services.alerts.backtest import REQUIRED, SCORES
from fic.services.alerts.backtest import WELLBEING_COLUMNS as WELLBEING
from fic.services.core import audit
from fic.storage import repository
from fic.storage.models import Client

DATES = ("shift", "numbers")
MAX_SHIFT_DAYS = 365
NUMBERED_FROM = date(2000, 1, 3)  # a Monday; research dates count weeks from here


@dataclass(frozen=True)
class Research:
    dates: str = "shift"  # shift | numbers


@dataclass(frozen=True)
class Exported:
    rows: int
    clients: int


def export_csv(session: Session, clinic_id: uuid.UUID, out: TextIO, *,
               start: date | None = None, end: date | None = None,
               research: Research | None = None, actor_id: uuid.UUID | None = None) -> Exported:
    if research is not None and research.dates not in DATES:
        raise InvalidRequest.about("dates", f"one of {', '.join(DATES)}")
    salt = secrets.token_bytes(32)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*REQUIRED, *WELLBEING])
    rows = clients = 0
    for client in _clients(session, clinic_id):
        written = 0
        for row in _rows(session, client, start, end):
            if research is not None:
                row = _deidentify(row, client.id, salt, research)
            writer.writerow([row.get(name, "") for name in (*REQUIRED, *WELLBEING)])
            written += 1
        rows += written
        clients += 1 if written else 0
    audit.record(session, "export", actor_id=actor_id, clinic_id=clinic_id,
                 object_type="clinic", object_id=clinic_id,
                 outcome="research_csv" if research else "csv")
    return Exported(rows, clients)


def export_text(session: Session, clinic_id: uuid.UUID, **options: object) -> str:
    buffer = io.StringIO()
    export_csv(session, clinic_id, buffer, **options)  # type: ignore[arg-type]
    return buffer.getvalue()


def _clients(session: Session, clinic_id: uuid.UUID) -> Iterator[Client]:
    yield from session.scalars(select(Client).where(Client.clinic_id == clinic_id)
                               .order_by(Client.client_ref))


def _rows(session: Session, client: Client, start: date | None,
          end: date | None) -> Iterator[dict[str, str]]:
    alliance, wellbeing = load("alliance"), load("wellbeing")
    for number, (therapy, response) in enumerate(repository.course(session, client.id).sessions, 1):
        held = therapy.held_at.date()
        if response is None or (start and held < start) or (end and held > end):
            continue
        values = response.values
        if not all(name in values for name in SCORES):
            continue  # not an alliance form
        row = {"client_ref": client.client_ref, "session_number": str(number),
               "session_date": held.isoformat()}
        row.update({name: _points(values[name]) for name in SCORES})
        if "tension" in values:
            row["tension"] = alliance.item("tension").choices[values["tension"]]
        if "talked_through" in values:
            row["talked_through"] = "yes" if values["talked_through"] else "no"
        items = [i.id for i in wellbeing.items]
        if all(name in values for name in items):
            row.update({f"wb_{name}": _points(values[name]) for name in items})
        yield row


def _points(tenths: int) -> str:
    return f"{tenths // 10}.{tenths % 10}"


def _deidentify(row: dict[str, str], client_id: uuid.UUID, salt: bytes,
                research: Research) -> dict[str, str]:
    digest = hmac.new(salt, client_id.bytes, hashlib.sha256).digest()
    row = {**row, "client_ref": "P-" + digest[:6].hex()}
    if research.dates == "numbers":
        weeks = int(row["session_number"]) - 1
        row["session_date"] = (NUMBERED_FROM + timedelta(weeks=weeks)).isoformat()
    else:
        # 1 to MAX_SHIFT_DAYS days, earlier or later: never the true date.
        magnitude = 1 + int.from_bytes(digest[6:10], "big") % MAX_SHIFT_DAYS
        shift = magnitude if digest[10] & 1 else -magnitude
        held = date.fromisoformat(row["session_date"])
        row["session_date"] = (held + timedelta(days=shift)).isoformat()
    return row
