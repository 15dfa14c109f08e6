"""Post-session links: recording a session, issuing tokens, opening and using them.

A token is 256 random bits; only its SHA-256 is stored. Each delivery (the API caller's
URL, an email, later an SMS or a reminder) gets its own token for the same session, so no
token ever has to be stored or queued to be sent. Whichever link is used first consumes
the session: the atomic UPDATE … WHERE used_at IS NULL plus UNIQUE(response.session_id).
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Executable, ScalarSelect, bindparam, select, update
from sqlalchemy.orm import Session

from fic import i18n, jobs
from fic.crypto import KeyRing, new_token, sha256_hex
from fic.errors import InvalidRequest, LinkUnavailable, NotFound
from fic.services.clinic import delivery_settings
from fic.services.core import outbox, vault
from fic.services.core.outbox import Publisher
from fic.services.forms import goals
from fic.settings import Settings
from fic.storage import repository
from fic.storage.db import Database, table
from fic.storage.models import Client, Clinic, FeedbackLink, TherapySession, utcnow

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
    return FormSpec((*clinic.instruments, goals.GOALS), language, own)


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
class Claim:
    """A link just consumed, with what answering it needs (from the same statement)."""

    link_id: uuid.UUID
    session_id: uuid.UUID
    client_id: uuid.UUID
    clinic_id: uuid.UUID
    dek_kid: str | None
    dek_wrapped: bytes | None
    spec: FormSpec


def claim_link(session: Session, token: str) -> Claim:
    """Consume the link and every other link to its session in ONE atomic UPDATE.

    `WHERE used_at IS NULL` makes concurrent callers race on the same rows: exactly one
    gets them (the others see them used and get nothing), and a rollback (answers that
    did not validate) leaves the link live. The session's client and clinic come back
    through RETURNING, so the POST needs no further reads.
    """
    now, mine = utcnow(), sha256_hex(token)
    rows = session.execute(
        _claim_statement(), {"b_token_hash": mine, "b_now": now, "b_used_at": now}
    ).all()
    row = next((r for r in rows if r.token_hash == mine), None)
    if row is None:
        raise LinkUnavailable("link unavailable")
    return Claim(
        link_id=row.id, session_id=row.session_id, client_id=_uuid(row.client_id),
        clinic_id=_uuid(row.clinic_id), dek_kid=row.dek_kid, dek_wrapped=row.dek_wrapped,
        spec=FormSpec(tuple(row.instruments or ["alliance"]), row.language),
    )


@functools.cache
def _claim_statement() -> Executable:
    """claim_link's UPDATE … RETURNING, built once (Core, so no ORM work per POST)."""
    link, therapy, client, clinic = (
        table(FeedbackLink), table(TherapySession), table(Client), table(Clinic))
    live = (
        select(link.c.session_id)
        .where(link.c.token_hash == bindparam("b_token_hash"), link.c.used_at.is_(None),
               link.c.expires_at > bindparam("b_now"))
        .scalar_subquery()
    )
    client_id = (
        select(therapy.c.client_id).where(therapy.c.id == link.c.session_id)
        .correlate(link).scalar_subquery()
    )

    def of_client(column: ColumnElement[Any]) -> ScalarSelect[Any]:
        return select(column).where(client.c.id == client_id).scalar_subquery()

    def of_clinic(column: ColumnElement[Any]) -> ScalarSelect[Any]:
        return select(column).where(clinic.c.id == of_client(client.c.clinic_id)).scalar_subquery()

    return (
        update(link)
        .where(link.c.session_id == live, link.c.used_at.is_(None))
        .values(used_at=bindparam("b_used_at"))
        .returning(
            link.c.id, link.c.session_id, link.c.token_hash, client_id.label("client_id"),
            of_client(client.c.clinic_id).label("clinic_id"),
            of_client(client.c.dek_kid).label("dek_kid"),
            of_client(client.c.dek_wrapped).label("dek_wrapped"),
            of_clinic(clinic.c.form_instruments).label("instruments"),
            of_clinic(clinic.c.language).label("language"),
        )
    )


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
