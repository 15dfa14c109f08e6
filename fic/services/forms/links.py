"""Post-session links: recording a session, issuing tokens, opening and using them.

A token is 256 random bits; only its SHA-256 is stored. Each delivery (the API caller's
URL, an email, later an SMS or a reminder) gets its own token for the same session, so no
token ever has to be stored or queued to be sent. Whichever link is used first consumes
the session: the atomic UPDATE … WHERE used_at IS NULL plus UNIQUE(response.session_id).
"""

from __future__ import annotations

import functools
import uuid
from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Dialect, Select, bindparam, case, distinct, func, select
from sqlalchemy.orm import Session

from fic import i18n, jobs
from fic.crypto import KeyRing, new_token, sha256_hex
from fic.errors import InvalidRequest, LinkUnavailable, NotFound
from fic.services.clinic import delivery_settings
from fic.services.core import addresses, outbox, vault
from fic.services.core.outbox import Publisher
from fic.services.forms import goals
from fic.settings import Settings
from fic.storage import repository
from fic.storage.db import Database, first_row, table
from fic.storage.models import Client, Clinic, FeedbackLink, TherapySession, utcnow
from fic.storage.models_goals import ClientGoal

DELIVER_LINK = jobs.DELIVER_LINK
DELIVER_LINK_SMS = jobs.DELIVER_LINK_SMS


@dataclass(frozen=True)
class IssuedLink:
    session_id: uuid.UUID
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class FormSpec:
    """What the client sees behind a live link: the clinic's instruments, the client's
    language (else the clinic's) and the client's own goals, in their words."""

    instruments: tuple[str, ...]
    language: str
    goals: tuple[str | None, ...] = ()
    # the goal slots with a live goal (the goal items the form asks)
    goal_slots: frozenset[int] = frozenset()


@dataclass(frozen=True)
class NewSession:
    link: IssuedLink
    outbox_ids: tuple[uuid.UUID, ...]


def record_session(
    session: Session,
    settings: Settings,
    keys: KeyRing,
    clinic: Clinic,
    client_ref: str,
    clinician_email: str,
    held_at: datetime,
    contact_email: str | None = None,
    language: str | None = None,
) -> NewSession:
    """A session has been held: make sure the client exists and issue its first link.

    `language`, when given, is remembered for the client (their form and links speak it).
    """
    if contact_email is not None:
        contact_email = addresses.email_address(contact_email, "contact.email")
    try:
        clinician = repository.staff_by_email(session, clinician_email, clinic.id)
    except NotFound:
        raise InvalidRequest.about(
            "clinician", "no clinician with that email in this clinic") from None
    if clinician.role != "clinician":
        raise InvalidRequest.about("clinician", "that staff member is not a clinician")
    client = repository.client_by_ref(session, clinic.id, client_ref)
    if client is None:
        client = Client(
            id=uuid.uuid4(), clinic_id=clinic.id, client_ref=client_ref, clinician_id=clinician.id
        )
        session.add(client)
    elif client.discharged_at is not None:
        raise InvalidRequest.about("client", "discharged; no new sessions or links")
    if language is not None:
        if language not in i18n.LANGUAGES:
            raise InvalidRequest.about("language", f"one of {', '.join(i18n.LANGUAGES)}")
        client.language = language
    therapy = TherapySession(
        id=uuid.uuid4(), client_id=client.id, clinician_id=clinician.id, held_at=held_at
    )
    outbox_ids: tuple[uuid.UUID, ...] = ()
    if contact_email:
        therapy.contact_email_ct = vault.seal(
            keys, client, contact_email, repository.contact_binding(therapy.id)
        )
        outbox_ids = (outbox.add(session, DELIVER_LINK, therapy.id),)
    session.add(therapy)
    session.flush()  # the link row refers to the session (no ORM relationship orders them)
    hours = delivery_settings.delivery_policy(session, clinic.id).link_lifetime_hours
    link = issue_link(session, settings, therapy.id, "api", timedelta(hours=hours))
    return NewSession(link, outbox_ids)


def issue_link(
    session: Session, settings: Settings, session_id: uuid.UUID, channel: str,
    lifetime: timedelta | None = None,
) -> IssuedLink:
    """A new token for this session; it works for `lifetime` (default: the settings')."""
    token = new_token()
    expires_at = utcnow() + (lifetime or settings.link_lifetime)
    session.add(
        FeedbackLink(
            id=uuid.uuid4(),
            session_id=session_id,
            token_hash=sha256_hex(token),
            channel=channel,
            expires_at=expires_at,
        )
    )
    return IssuedLink(session_id, f"{settings.base_url}/f/{token}", expires_at)


def open_link(session: Session, token: str) -> FeedbackLink:
    """The live link for this token; GET uses this and never consumes anything."""
    link = repository.live_link(session, sha256_hex(token), utcnow())
    if link is None:
        raise LinkUnavailable("link unavailable")
    return link


def form_for(session: Session, token: str, keys: KeyRing | None = None) -> FormSpec:
    """The live link's form; with `keys`, the client's live goals join it in their words."""
    link = open_link(session, token)
    row = session.execute(
        select(Clinic, Client)
        .join(Client, Client.clinic_id == Clinic.id)
        .join(TherapySession, TherapySession.client_id == Client.id)
        .where(TherapySession.id == link.session_id)
    ).one()
    clinic, client = row
    language = client.language or clinic.language
    own = goals.form_goals(session, keys, client) if keys is not None else ()
    if not own:
        return FormSpec(tuple(clinic.instruments), language)
    slots = frozenset(slot for slot, words in zip(goals.SLOTS, own, strict=False) if words)
    return FormSpec((*clinic.instruments, goals.GOALS), language, own, slots)


def record_session_from_api(
    db: Database, settings: Settings, keys: KeyRing, publish: Publisher, clinic_id: uuid.UUID,
    client_ref: str, clinician_email: str, held_at: datetime, contact_email: str | None = None,
    language: str | None = None,
) -> IssuedLink:
    """The API's "a session was held": recorded in one transaction, its jobs published after."""
    with db.session() as session:
        clinic = session.get(Clinic, clinic_id)
        assert clinic is not None  # noqa: S101 - the API key named it
        created = record_session(session, settings, keys, clinic, client_ref, clinician_email,
                                 held_at, contact_email, language)
    outbox.flush(db, publish, created.outbox_ids)
    return created.link


def answered(session: Session, session_id: uuid.UUID) -> bool:
    return session.scalar(
        select(FeedbackLink.id).where(
            FeedbackLink.session_id == session_id, FeedbackLink.used_at.is_not(None)
        ).limit(1)
    ) is not None


@dataclass(frozen=True)
class LiveLink:
    """A live link with what answering it needs, read in one statement (nothing consumed)."""

    link_id: uuid.UUID
    session_id: uuid.UUID
    client_id: uuid.UUID
    clinic_id: uuid.UUID
    dek_kid: str | None
    dek_wrapped: bytes | None
    spec: FormSpec


def live_for_answers(connection: Connection | Session, token: str) -> LiveLink:
    """The link, its session's client and clinic and the form's shape, in ONE read.

    The goal items the client has live come back as slots, not words (the POST that
    succeeds shows nothing; a page drawn again reads the words through `form_for`).
    """
    given = {"b_token_hash": sha256_hex(token), "b_now": utcnow()}
    row: Any
    if isinstance(connection, Connection) and connection.dialect.name == "postgresql":
        sql, fixed = _live_sql(connection.dialect)
        found = first_row(connection, sql, {**fixed, **given})
        row = None if found is None else _LiveRow._make(found)
    else:
        row = connection.execute(_live_statement(), given).first()
    if row is None:
        raise LinkUnavailable("link unavailable")
    slots = frozenset(slot for n, slot in enumerate(goals.SLOTS) if (row.goal_mask or 0) >> n & 1)
    if row.dek_wrapped is None:  # erased: nothing of theirs is shown any more
        slots = frozenset()
    instruments = tuple(row.instruments or ["alliance"]) + ((goals.GOALS,) if slots else ())
    return LiveLink(
        link_id=_uuid(row.id), session_id=_uuid(row.session_id), client_id=_uuid(row.client_id),
        clinic_id=_uuid(row.clinic_id), dek_kid=row.dek_kid, dek_wrapped=row.dek_wrapped,
        spec=FormSpec(instruments, row.client_language or row.clinic_language,
                      goal_slots=slots),
    )


@functools.cache
def _live_statement() -> Select[Any]:
    """live_for_answers' SELECT, built once (Core, so no ORM work per POST)."""
    link, therapy, client, clinic, goal = (table(FeedbackLink), table(TherapySession),
                                           table(Client), table(Clinic), table(ClientGoal))
    mask = case(*((goal.c.slot == slot, 1 << n) for n, slot in enumerate(goals.SLOTS)), else_=0)
    # DISTINCT: one bit per slot, however many live rows a slot has
    live_goals = (select(func.sum(distinct(mask))).where(goal.c.client_id == client.c.id,
                                               goal.c.retired_at.is_(None))
                  .correlate(client).scalar_subquery())
    return (
        select(link.c.id, link.c.session_id, client.c.id.label("client_id"), client.c.clinic_id,
               client.c.dek_kid, client.c.dek_wrapped, client.c.language.label("client_language"),
               clinic.c.language.label("clinic_language"),
               clinic.c.form_instruments.label("instruments"), live_goals.label("goal_mask"))
        .join(therapy, therapy.c.id == link.c.session_id)
        .join(client, client.c.id == therapy.c.client_id)
        .join(clinic, clinic.c.id == client.c.clinic_id)
        .where(link.c.token_hash == bindparam("b_token_hash"), link.c.used_at.is_(None),
               link.c.expires_at > bindparam("b_now"))
    )


_LiveRow = namedtuple(  # noqa: PYI024 - a row, named as the SELECT's columns
    "_LiveRow", ["id", "session_id", "client_id", "clinic_id", "dek_kid", "dek_wrapped",
                 "client_language", "clinic_language", "instruments", "goal_mask"])


@functools.cache
def _live_sql(dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """live_for_answers' SELECT as the driver takes it (fic.storage.db.first_row), with the
    values it always binds (the goal slots and their bits), compiled once per dialect."""
    compiled = _live_statement().compile(dialect=dialect)
    assert list(_live_statement().selected_columns.keys()) == list(_LiveRow._fields)  # noqa: S101
    return str(compiled), {name: value for name, value in compiled.params.items()
                           if not name.startswith("b_")}


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
