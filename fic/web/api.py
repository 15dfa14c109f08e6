"""JSON API v1 for a clinic's own systems, authenticated by a bearer API key."""

from __future__ import annotations

import uuid
from typing import Annotated

from flask import Blueprint
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from spectree import Response

from fic import jobs
from fic.extensions import services
from fic.services.forms import links
from fic.services.integration import reports_api
from fic.services.reports import requests
from fic.services.reports.periods import parse_period
from fic.web.api_core import body, caller, install_api, scope, spec

bp = Blueprint("api", __name__, url_prefix="/api/v1")
install_api(bp)

ClientRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]
EmailText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
]


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailText | None = None


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    supervisor: EmailText
    period: str | None = None
    # read by fic.services.reports.periods, the one parser the page and the CLI use too
    from_: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, alias="from")
    to: Annotated[str, StringConstraints(max_length=32)] | None = None


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_ref: ClientRef
    clinician: EmailText
    held_at: AwareDatetime
    contact: Contact | None = None
    language: str | None = Field(default=None, max_length=16)


def api_clinic_id() -> uuid.UUID:
    """The clinic whose API key the caller presented (checked before every v1 route)."""
    return caller().clinic_id


class SessionCreated(BaseModel):
    id: uuid.UUID
    feedback_url: str
    expires_at: AwareDatetime


class ReportStatus(BaseModel):
    id: uuid.UUID
    kind: str
    status: str
    period: str
    created_at: AwareDatetime
    size_bytes: int | None


@bp.post("/sessions")
@scope("sessions:write")
@spec.validate(json=SessionRequest, resp=Response(HTTP_201=SessionCreated), tags=["sessions"])
def create_session():
    """Record a session that was held; answers with the client's feedback link."""
    svc = services()
    data = body(SessionRequest)
    link = links.record_session_from_api(
        svc.db, svc.settings, svc.keys, jobs.publish, api_clinic_id(), data.client_ref,
        data.clinician, data.held_at, data.contact.email if data.contact else None, data.language)
    return {
        "id": str(link.session_id),
        "feedback_url": link.url,
        "expires_at": link.expires_at.isoformat(),
    }, 201


@bp.post("/reports")
@scope("reports:write")
@spec.validate(json=ReportRequest, resp=Response(HTTP_200=ReportStatus, HTTP_202=ReportStatus),
               tags=["reports"])
def request_report():
    """Ask for a supervisor's summary (`period` "2026-W47", or `from` and `to`); 202 while built."""
    svc = services()
    data = body(ReportRequest)
    period = parse_period(data.period, data.from_, data.to)
    asked = requests.request_report(
        svc.db, requests.Owner(email=data.supervisor, clinic_id=api_clinic_id()), period,
        publish=jobs.publish)
    return _report_json(asked), 202 if asked.needed else 200


@bp.get("/reports/<uuid:report_id>")
@scope("reports:read")
@spec.validate(resp=Response(HTTP_200=ReportStatus), tags=["reports"])
def show_report(report_id: uuid.UUID):
    """A report's status; poll it (with If-None-Match) until it is ready."""
    return _report_json(requests.api_report(services().db, api_clinic_id(), report_id))


@bp.get("/reports/<uuid:report_id>/pdf")
@scope("reports:read")
@spec.validate(resp=Response("HTTP_200"), tags=["reports"])
def download_report(report_id: uuid.UUID):
    """The ready report: a PDF still encrypted with its owner's passphrase. Audited."""
    svc = services()
    pdf = reports_api.download(svc.db, svc.keys, api_clinic_id(), report_id, caller().key_id)
    return pdf, 200, {"Content-Type": "application/pdf",
                      "Content-Disposition": f'attachment; filename="fic-{report_id}.pdf"'}


download_report._fic_media = "application/pdf"


def _report_json(report: requests.Requested) -> dict[str, object]:
    return {
        "id": str(report.id),
        "kind": report.kind,
        "status": report.status,
        "period": report.period,
        "created_at": report.created_at.isoformat(),
        "size_bytes": report.size_bytes,
    }
