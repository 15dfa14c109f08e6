"""Import QuestionnaireResponses answered elsewhere (another app, paper typed into the EHR).

Each one joins its client's course as a session of its own (QuestionnaireResponses with
the same identifier are one session, one form) and goes through the very path a form
answered on fic takes: the same answer checks, the same stored response, the same
evaluation job, so the same rules judge it. Nothing is imported unless everything parses;
every problem names the resource and the field, never a value. A resource imported before
(same identifier for the same client) is skipped, so an import can be repeated.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError
from sqlalchemy import select

from fic.crypto import KeyRing
from fic.domain.answers import AnswerErrors, parse_answers
from fic.errors import InvalidRequest
from fic.instruments import load
from fic.services.core import audit
from fic.services.exchange.fhir_export import INSTRUMENTS
from fic.services.forms import links, responses
from fic.settings import Settings
from fic.storage import repository
from fic.storage.db import Database
from fic.storage.models import Clinic, Staff, TherapySession

CLIENT_REF = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MAX_RESOURCES = 10_000


@dataclass
class ImportProblems(InvalidRequest):
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(self.problems[:20]) + (" …" if len(self.problems) > 20 else "")


@dataclass(frozen=True)
class Form:
    key: str
    client_ref: str
    held_at: datetime
    instruments: tuple[str, ...]
    fields: dict[str, list[str]]


@dataclass(frozen=True)
class Imported:
    created: int
    skipped: int
    outbox_ids: tuple[uuid.UUID, ...]


def read_ndjson(text: str) -> list[dict[str, Any]]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                raise ImportProblems([f"line {number}: not JSON"]) from None
    return out


def resources_of(payload: Any) -> list[Any]:
    """A Bundle's entries, a single resource, or a list of resources."""
    if isinstance(payload, dict) and payload.get("resourceType") == "Bundle":
        return [e.get("resource") for e in payload.get("entry") or [] if isinstance(e, dict)]
    if isinstance(payload, dict):
        return [payload]
    if isinstance(payload, list):
        return payload
    raise ImportProblems(["body: a FHIR resource, a Bundle or a list of resources"])


def forms_of(resources: Sequence[Any]) -> list[Form]:
    """The QuestionnaireResponses among `resources`, checked and grouped into forms."""
    if len(resources) > MAX_RESOURCES:
        raise ImportProblems([f"at most {MAX_RESOURCES} resources at a time"])
    problems: list[str] = []
    groups: dict[tuple[str, str], list[tuple[int, QuestionnaireResponse, str]]] = defaultdict(list)
    for n, raw in enumerate(resources, 1):
        if not isinstance(raw, dict) or raw.get("resourceType") != "QuestionnaireResponse":
            continue  # Questionnaires and Observations are fic's own output; the rules redo them
        try:
            qr = QuestionnaireResponse.model_validate(raw)
        except ValidationError as bad:
            where = sorted({".".join(map(str, e["loc"])) for e in bad.errors(include_input=False)})
            problems.append(f"resource {n}: not a valid QuestionnaireResponse ({', '.join(where)})")
            continue
        found = _check(n, qr, problems)
        if found is not None:
            ref, instrument = found
            key = qr.identifier.value if qr.identifier and qr.identifier.value else f"{qr.id or n}"
            groups[(ref, key)].append((n, qr, instrument))
    forms = [_form(ref, key, rows, problems) for (ref, key), rows in groups.items()]
    if problems:
        raise ImportProblems(problems)
    return sorted((f for f in forms if f is not None), key=lambda f: (f.held_at, f.key))


def import_forms(db: Database, settings: Settings, keys: KeyRing, clinic_id: uuid.UUID,
                 forms: Iterable[Form], clinician_email: str | None = None,
                 actor_id: uuid.UUID | None = None) -> Imported:
    created = skipped = 0
    jobs: list[uuid.UUID] = []
    for form in forms:
        token = _session_for(db, settings, keys, clinic_id, form, clinician_email)
        if token is None:
            skipped += 1
            continue
        answers = parse_answers([load(name) for name in form.instruments], form.fields)
        submitted = responses.submit(db, keys, token, responses.given(answers),
                                     form.instruments)
        jobs += submitted.outbox_ids
        created += 1
    audit.write(db, "responses_imported", actor_id=actor_id, clinic_id=clinic_id,
                object_type="clinic", object_id=clinic_id, outcome=f"{created} new")
    return Imported(created, skipped, tuple(jobs))


def _session_for(db: Database, settings: Settings, keys: KeyRing, clinic_id: uuid.UUID,
                 form: Form, clinician_email: str | None) -> str | None:
    """A new session for this form and the token to answer it, or None if imported before."""
    with db.session() as session:
        clinic = session.get(Clinic, clinic_id)
        assert clinic is not None  # noqa: S101 - the caller's own clinic
        client = repository.client_by_ref(session, clinic_id, form.client_ref)
        if client is not None:
            if session.scalar(select(TherapySession.id).where(
                    TherapySession.client_id == client.id,
                    TherapySession.external_ref == form.key)) is not None:
                return None
            clinician = session.get(Staff, client.clinician_id)
            email = clinician.email if clinician else ""
        elif clinician_email:
            email = clinician_email
        else:
            raise InvalidRequest.about("clinician", "name the clinician for clients new to fic")
        made = links.record_session(session, settings, keys, clinic, form.client_ref, email,
                                    form.held_at)
        therapy = session.get(TherapySession, made.link.session_id)
        assert therapy is not None  # noqa: S101 - just made
        therapy.external_ref = form.key
        return made.link.url.rsplit("/", 1)[1]


def _check(n: int, qr: QuestionnaireResponse, problems: list[str]) -> tuple[str, str] | None:
    where = f"resource {n}"
    canonical = (qr.questionnaire or "").split("|")[0]
    name = canonical.rsplit("/Questionnaire/", 1)[-1] if "/Questionnaire/" in canonical else ""
    ref = qr.subject.identifier.value if qr.subject and qr.subject.identifier else None
    if name not in INSTRUMENTS:
        problems.append(f"{where}: questionnaire is not one of fic's instruments")
    elif qr.status not in ("completed", "amended"):
        problems.append(f"{where}: status must be completed or amended")
    elif not ref or not CLIENT_REF.fullmatch(ref):
        problems.append(f"{where}: subject.identifier.value must be the client_ref")
    elif qr.authored is None or qr.authored.tzinfo is None:
        problems.append(f"{where}: authored must be a date-time with a time zone")
    else:
        return ref, name
    return None


def _form(ref: str, key: str, rows: list[tuple[int, QuestionnaireResponse, str]],
          problems: list[str]) -> Form | None:
    fields: dict[str, list[str]] = {}
    for _, qr, _name in rows:
        for item in qr.item or []:
            given = [_text(answer) for answer in item.answer or []]
            fields.setdefault(item.linkId or "", []).extend(given)
    instruments = tuple(dict.fromkeys(name for _, _, name in rows))
    ordered = tuple(sorted(instruments, key=lambda name: name != "alliance"))
    try:
        parse_answers([load(name) for name in ordered], fields)
    except AnswerErrors as bad:
        problems.append(f"resource {rows[0][0]}: answers for {', '.join(sorted(bad.errors))} "
                        "are not valid")
        return None
    except InvalidRequest as bad:
        problems.append(f"resource {rows[0][0]}: {bad}")
        return None
    authored = rows[0][1].authored
    assert isinstance(authored, datetime)  # noqa: S101 - checked in _check
    return Form(key, ref, authored, ordered, fields)


def _text(answer: Any) -> str:
    """An answer as the form field would carry it (so the form's own checks apply)."""
    if answer.valueDecimal is not None:
        return format(answer.valueDecimal, "f")
    if answer.valueInteger is not None:
        return str(answer.valueInteger)
    if answer.valueBoolean is not None:
        return "yes" if answer.valueBoolean else "no"
    if answer.valueCoding is not None:
        return answer.valueCoding.code or ""
    if answer.valueString is not None:
        return str(answer.valueString)
    return ""


