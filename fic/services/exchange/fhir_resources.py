"""fic's objects as HL7 FHIR R4 resources, checked with fhir.resources.

fhir.resources 8 ships R5 by default and R4B (4.3) beside it; Questionnaire,
QuestionnaireResponse and Observation are the same in R4 and R4B, so the R4B models
validate what we write and read. Instruments become SDC-friendly Questionnaires: item
codes, answer options for choices, visual-analogue items as decimals 0–10 with minValue
and maxValue extensions and a slider item control. Scores go out as FHIR decimals (points),
never as the stored tenths.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from fic.domain.instruments import Instrument, Item

SDC = "http://hl7.org/fhir/StructureDefinition"
ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"
UCUM = "http://unitsofmeasure.org"
MODELS: dict[str, Any] = {"Questionnaire": Questionnaire,
                          "QuestionnaireResponse": QuestionnaireResponse,
                          "Observation": Observation}


@dataclass(frozen=True)
class Base:
    """Where this installation's canonical URLs and identifier systems live."""

    url: str

    def questionnaire(self, instrument_id: str) -> str:
        return f"{self.url}/fhir/Questionnaire/{instrument_id}"

    @property
    def client_system(self) -> str:
        return f"{self.url}/fhir/client-ref"

    @property
    def session_system(self) -> str:
        return f"{self.url}/fhir/session"

    @property
    def codes(self) -> str:
        return f"{self.url}/fhir/CodeSystem/fic"


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource as fhir.resources reads it back (raises on anything invalid)."""
    model = MODELS[resource["resourceType"]].model_validate(resource)
    dumped: dict[str, Any] = model.model_dump(mode="json", exclude_none=True)
    return dumped


def questionnaire(base: Base, instrument: Instrument, language: str = "en") -> dict[str, Any]:
    url = base.questionnaire(instrument.id)
    return validated({
        "resourceType": "Questionnaire",
        "id": instrument.id,
        "url": url,
        "version": str(instrument.version),
        "name": instrument.id.capitalize(),
        "title": _text(instrument.title, language),
        "status": "active",
        "language": language,
        "subjectType": ["Patient"],
        "item": [_item(url, item, language) for item in instrument.items],
    })


def _item(url: str, item: Item, language: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "linkId": item.id,
        "code": [{"system": url, "code": item.id}],
        "text": item.label(language),
        "required": item.required,
    }
    if item.kind == "vas":
        out["type"] = "decimal"
        out["extension"] = [
            {"url": f"{SDC}/minValue", "valueDecimal": 0},
            {"url": f"{SDC}/maxValue", "valueDecimal": 10},
            {"url": f"{SDC}/questionnaire-itemControl", "valueCodeableConcept": {
                "coding": [{"system": ITEM_CONTROL, "code": "slider"}]}},
        ]
    elif item.kind == "yesno":
        out["type"] = "boolean"
    elif item.kind == "text":
        out["type"] = "text"
        out["maxLength"] = item.max_length
    else:
        out["type"] = "choice"
        out["answerOption"] = [
            {"valueCoding": {"system": f"{url}/{item.id}", "code": code,
                             "display": item.choice_label(n, language)}}
            for n, code in enumerate(item.choices)
        ]
    return out


def questionnaire_response(base: Base, instrument: Instrument, *, resource_id: str,
                           session_ref: str, client_ref: str, authored: datetime,
                           values: Mapping[str, int], comment: str | None) -> dict[str, Any]:
    items = []
    url = base.questionnaire(instrument.id)
    for item in instrument.items:
        answer = _answer(url, item, values, comment)
        if answer is not None:
            items.append({"linkId": item.id, "answer": [answer]})
    return validated({
        "resourceType": "QuestionnaireResponse",
        "id": resource_id,
        "identifier": {"system": base.session_system, "value": session_ref},
        "questionnaire": f"{base.questionnaire(instrument.id)}|{instrument.version}",
        "status": "completed",
        "subject": {"identifier": {"system": base.client_system, "value": client_ref}},
        "authored": authored.isoformat(),
        "item": items,
    })


def _answer(url: str, item: Item, values: Mapping[str, int],
            comment: str | None) -> dict[str, Any] | None:
    if item.kind == "text":
        return {"valueString": comment} if comment else None
    if item.id not in values:
        return None
    stored = values[item.id]
    if item.kind == "vas":
        return {"valueDecimal": stored / 10}
    if item.kind == "yesno":
        return {"valueBoolean": bool(stored)}
    return {"valueCoding": {"system": f"{url}/{item.id}", "code": item.choices[stored]}}


def total_observation(base: Base, instrument: Instrument, *, resource_id: str, client_ref: str,
                      held_at: datetime, total: float, response_id: str) -> dict[str, Any]:
    return validated({
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "code": {"coding": [{"system": base.codes, "code": f"{instrument.id}-total"}],
                 "text": f"{_text(instrument.title, 'en')} (total)"},
        "subject": {"identifier": {"system": base.client_system, "value": client_ref}},
        "effectiveDateTime": held_at.isoformat(),
        "valueQuantity": {"value": total, "unit": "score", "system": UCUM, "code": "{score}"},
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response_id}"}],
    })


def episode_observation(base: Base, *, resource_id: str, client_ref: str, number: int,
                        state: str, opened_at: datetime, closed_at: datetime | None,
                        rules: list[str]) -> dict[str, Any]:
    period = {"start": opened_at.isoformat(), **({"end": closed_at.isoformat()}
                                                  if closed_at else {})}
    return validated({
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "code": {"coding": [{"system": base.codes, "code": "rupture-episode"}],
                 "text": f"Alliance rupture episode {number}"},
        "subject": {"identifier": {"system": base.client_system, "value": client_ref}},
        "effectivePeriod": period,
        "valueCodeableConcept": {"coding": [{"system": f"{base.codes}/episode-state",
                                             "code": state}]},
        "component": [{"code": {"coding": [{"system": f"{base.codes}/rule", "code": rule}]},
                       "valueBoolean": True} for rule in rules],
    })


def _text(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or next(iter(texts.values()))
