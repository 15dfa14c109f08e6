"""A drill's traffic and its ledger: clients who open their link and send it at a steady
rate, each pressing "send again" on a retry page the way a person would, and the counts
that decide the drill (lost, duplicated, stuck)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import func, select

from fic.services.forms import links
from fic.storage import repository
from fic.storage.models import Alert, Outbox, Response, utcnow
from fic.storage.models_course import CourseState
from fic.storage.models_delivery import Delivery
from tests.flows import Clinic, csrf_token, path_of

RUPTURE = {"safety": "4.0", "heard": "4.5", "goals": "5.0", "approach": "4.0",
           "tension": "lot", "talked_through": "no"}
STEADY = {"safety": "9.5", "heard": "9.6", "goals": "9.4", "approach": "9.7", "tension": "none"}
STEADY_LISTS = {name: [value] for name, value in STEADY.items()}


@dataclass
class Visit:
    session_id: uuid.UUID
    rupture: bool
    outcome: str = "pending"  # thanked | retry_page | lost
    detail: str = ""
    retries: int = 0
    thanked_at: float = 0.0


@dataclass
class Ledger:
    visits: list[Visit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def outcomes(self) -> Counter:
        return Counter(v.outcome for v in self.visits)


class _FormState(HTMLParser):
    """What a browser would send from this page: hidden values, checked radios, a 0-10
    item's kept value, textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "fieldset" and a.get("data-item") and a.get("data-value"):
            # a 0-10 item: the page's script restores a value between the eleven points
            self.values[str(a["data-item"])] = str(a["data-value"])
        elif tag == "input" and name and name != "csrf_token":
            kind = a.get("type", "text")
            if kind in ("hidden", "range", "text") or (kind == "radio" and "checked" in a):
                self.values[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea, self.values[name] = name, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def kept_answers(html: str) -> dict[str, str]:
    parser = _FormState()
    parser.feed(html)
    return parser.values


def seed_links(app: Flask, clinic: Clinic, count: int, prefix: str) -> list[tuple[uuid.UUID, str]]:
    """`count` sessions held an hour ago, each for its own client: (session id, form URL)."""
    svc = app.extensions["fic"]
    made = []
    held = utcnow() - timedelta(hours=1)
    for start in range(0, count, 100):
        with svc.db.session() as session:
            row = repository.clinic_named(session, clinic.name)
            for number in range(start, min(count, start + 100)):
                created = links.record_session(session, svc.settings, svc.keys, row,
                                               f"{prefix}-{number}", clinic.clinician, held)
                made.append((created.link.session_id, created.link.url))
    return made


def visit(app: Flask, url: str, record: Visit, give_up_at: float) -> None:
    """One client: open the link, send the answers, send again from any retry page."""
    fields = dict(RUPTURE if record.rupture else STEADY)
    if record.rupture:
        fields["comment"] = "drill: we disagreed about the plan <b>&</b> \"quotes\""
    client = app.test_client()
    path = path_of(url)
    while True:
        page = client.get(path)
        if page.status_code == 200:
            break
        if page.status_code == 503 and time.monotonic() < give_up_at:
            record.retries += 1
            time.sleep(0.5)
            continue
        record.outcome, record.detail = "lost", f"GET {page.status_code}"
        return
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), **fields}
    while True:
        sent = client.post(path, data=data)
        if sent.status_code == 303 and urlsplit(sent.headers["Location"]).path == "/thanks":
            thanks = client.get(sent.headers["Location"])
            ok = thanks.status_code == 200 and "Thank you" in thanks.get_data(as_text=True)
            record.outcome = "thanked" if ok else "lost"
            record.detail = "" if ok else f"thanks page {thanks.status_code}"
            record.thanked_at = time.monotonic()
            return
        if sent.status_code != 503:
            record.outcome, record.detail = "lost", f"POST {sent.status_code}"
            return
        html = sent.get_data(as_text=True)
        kept = kept_answers(html)
        missing = sorted(name for name, value in fields.items() if kept.get(name) != value)
        if missing:
            record.outcome = "lost"
            record.detail = f"a retry page without the answers to {missing}: {kept}"
            return
        record.retries += 1
        if time.monotonic() >= give_up_at:
            record.outcome = "retry_page"  # still holding their answers, but out of time
            return
        data = {"csrf_token": csrf_token(html), **kept}
        time.sleep(0.5)


def offer(app: Flask, targets: list[tuple[uuid.UUID, str]], rate: float, ledger: Ledger,
          give_up_after: float = 90.0, every_nth_rupture: int = 10) -> ThreadPoolExecutor:
    """Start the clients at `rate` per second on a pool; returns it to wait on."""
    pool = ThreadPoolExecutor(max_workers=12, thread_name_prefix="drill-client")
    started = time.monotonic()

    def arrivals() -> None:
        for number, (session_id, url) in enumerate(targets):
            due = started + number / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            record = Visit(session_id, rupture=number % every_nth_rupture == 0)
            with ledger.lock:
                ledger.visits.append(record)
            pool.submit(visit, app, url, record, time.monotonic() + give_up_after)

    thread = threading.Thread(target=arrivals, name="drill-arrivals", daemon=True)
    thread.start()
    pool.arrivals = thread  # type: ignore[attr-defined]
    return pool


def finish(pool: ThreadPoolExecutor) -> None:
    pool.arrivals.join()  # type: ignore[attr-defined]
    pool.shutdown(wait=True)


@dataclass
class Tally:
    offered: int
    thanked: int
    retried: int
    retry_page_only: int
    lost: int
    stored: int
    stored_twice: int
    stored_unthanked: int
    not_evaluated: int
    alerts: int
    alerts_missing: int
    alerts_unexpected: int
    emails: int
    emails_duplicated: int
    emails_resent: int
    emails_missing: int
    outbox_waiting: int
    deliveries_open: int

    @property
    def stuck(self) -> int:
        return self.outbox_waiting + self.deliveries_open + self.not_evaluated

    @property
    def duplicated(self) -> int:
        return self.stored_twice + self.emails_duplicated + self.alerts_unexpected

    @property
    def missing(self) -> int:
        return (self.lost + self.retry_page_only + self.stored_unthanked
                + self.emails_missing + self.alerts_missing)

    def line(self, name: str, seconds: float) -> str:
        return (f"drill {name}: {self.offered} forms offered, {self.thanked} thanked "
                f"({self.retried} after a retry page), {self.stored} stored, "
                f"{self.alerts} alerts, {self.emails} alert emails "
                f"({self.emails_resent} re-sent with the same Message-ID); "
                f"{self.missing} lost, {self.duplicated} duplicated, {self.stuck} stuck "
                f"[{seconds:.0f} s]")


def tally(app: Flask, ledger: Ledger, clinic: Clinic,
          alert_mail: list[tuple[str, str, str]]) -> Tally:
    db = app.extensions["fic"].db
    outcomes = ledger.outcomes()
    thanked = {v.session_id for v in ledger.visits if v.outcome == "thanked"}
    ruptures = {v.session_id for v in ledger.visits if v.outcome == "thanked" and v.rupture}
    with db.session() as session:
        per_session = Counter(session.scalars(select(Response.session_id)).all())
        folded = set(session.scalars(select(CourseState.session_id)).all())
        alerts = session.execute(select(Alert.id, Alert.response_id, Alert.level)
                                 .where(Alert.level != "watch")).all()
        waiting = session.scalar(select(func.count()).select_from(Outbox)
                                 .where(Outbox.published_at.is_(None))) or 0
        open_deliveries = session.scalar(
            select(func.count()).select_from(Delivery)
            .where(Delivery.status.in_(("pending", "sending", "failed", "dead")))) or 0
        response_session = {row.id: row.session_id for row in session.execute(
            select(Response.id, Response.session_id))}
    offered = {v.session_id for v in ledger.visits}
    stored_all = set(per_session)
    stored = stored_all & offered  # a drill may store other responses of its own beforehand
    alerted = {response_session[a.response_id] for a in alerts}
    expected_mail = {(to, str(a.id)) for a in alerts for to in (clinic.clinician,
                                                                clinic.supervisor)}
    # What a mailbox shows: one message per Message-ID. A worker killed after the SMTP
    # server accepted a message and before the ledger recorded it sends it again with the
    # same Message-ID (the one window no sender can close); counted apart, as re-sends.
    got = Counter((to, alert) for to, alert, _ in set(alert_mail))
    resent = len(alert_mail) - len(set(alert_mail))
    return Tally(
        offered=len(ledger.visits),
        thanked=outcomes["thanked"],
        retried=sum(1 for v in ledger.visits if v.outcome == "thanked" and v.retries),
        retry_page_only=outcomes["retry_page"],
        lost=outcomes["lost"] + outcomes["pending"],
        stored=len(stored),
        stored_twice=sum(n - 1 for n in per_session.values()),
        stored_unthanked=len(stored - thanked),
        not_evaluated=len(stored_all - folded),
        alerts=len(alerts),
        alerts_missing=len(ruptures - alerted),
        alerts_unexpected=len(alerted - ruptures) + len(alerts) - len(alerted),
        emails=sum(got.values()),
        emails_resent=resent,
        emails_duplicated=sum(n - 1 for n in got.values() if n > 1),
        emails_missing=len(expected_mail - set(got)),
        outbox_waiting=waiting,
        deliveries_open=open_deliveries,
    )
