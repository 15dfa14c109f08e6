"""The JSON shapes of API v1's newer resources (what the OpenAPI document shows)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

M = TypeVar("M", bound=BaseModel)
ClientRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
]
Limit = Annotated[int, Field(ge=1, le=200)]

def out(model: type[M], value: object) -> dict[str, Any]:
    """A service's plain value as the JSON this model describes."""
    return model.model_validate(value, from_attributes=True).model_dump(mode="json")

class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

class ClientUpsert(Strict):
    client_ref: ClientRef
    clinician: Email

class Reassign(Strict):
    clinician: Email

class ClientOut(BaseModel):
    id: uuid.UUID
    client_ref: str
    clinician: str
    status: Literal["active", "discharged", "erased"]
    created_at: AwareDatetime
    discharged_at: AwareDatetime | None
    sessions: int

class ClientPage(BaseModel):
    items: list[ClientOut]
    next_cursor: str | None

class ClientQuery(Strict):
    cursor: uuid.UUID | None = None
    limit: Limit = 50
    status: Literal["active", "discharged"] | None = None
    clinician: Email | None = None

class SessionOut(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    client_ref: str
    clinician: str
    held_at: AwareDatetime
    status: Literal["open", "answered", "closed"]
    external_ref: str | None

class ResponseOut(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    client_id: uuid.UUID
    held_at: AwareDatetime
    submitted_at: AwareDatetime
    instruments: list[str]
    answers: dict[str, int] = Field(
        description="Visual-analogue items in tenths 0-100; choices as their index.")

class ResponseList(BaseModel):
    items: list[ResponseOut]

class AlertOut(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    client_ref: str
    response_id: uuid.UUID
    rule: str
    level: str
    episode: int | None
    created_at: AwareDatetime
    acknowledged_at: AwareDatetime | None

class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None

class AlertQuery(Strict):
    cursor: uuid.UUID | None = None
    limit: Limit = 50
    level: Annotated[str, StringConstraints(max_length=16)] | None = None
    rule: Annotated[str, StringConstraints(max_length=16)] | None = None
    acknowledged: bool | None = None
    client_id: uuid.UUID | None = None
    since: AwareDatetime | None = None

class EpisodeOut(BaseModel):
    number: int
    state: str
    opened_session_id: uuid.UUID
    closed_session_id: uuid.UUID | None
    escalated_session_id: uuid.UUID | None
    rules: list[str]

class EpisodeList(BaseModel):
    items: list[EpisodeOut]

class StaffOut(BaseModel):
    id: uuid.UUID
    email: str
    role: str
    supervisor: str | None

class StaffList(BaseModel):
    items: list[StaffOut]

class StaffQuery(Strict):
    role: Literal["clinician", "supervisor", "admin"] | None = None

class WebhookIn(Strict):
    url: Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\s]+$")]

class WebhookOut(BaseModel):
    id: uuid.UUID
    url: str
    active: bool
    created_at: AwareDatetime

class WebhookSecret(WebhookOut):
    secret: str = Field(description="Shown once; sign-check deliveries with it.")

class WebhookList(BaseModel):
    items: list[WebhookOut]

class InstrumentOut(BaseModel):
    id: str
    version: int
    title: dict[str, str]
    items: list[dict[str, Any]]
    total: list[str]
    item_max: float
    cutoff: float | None

class InstrumentList(BaseModel):
    items: list[str]
