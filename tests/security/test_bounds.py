"""Oversized or malformed input gets a clear 4xx and changes nothing."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from fic.errors import InvalidRequest
from fic.services.clinic import branding
from tests.flows import csrf_token
from tests.staff.test_clinic_settings import PAGE, _admin


def _png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas (a decompression bomb)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 16, 9)  # a few rows; the rest is missing
    return branding.PNG_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(
        b"IEND", b"")


def _upload(admin, content: bytes):
    token = csrf_token(admin.get(PAGE).get_data(as_text=True))
    return admin.post(f"{PAGE}/logo", data={"csrf_token": token,
                                            "logo": (io.BytesIO(content), "logo.png")},
                      content_type="multipart/form-data")


def test_a_small_png_claiming_13000_by_13000_pixels_is_refused_and_no_logo_is_kept(sqlite_app):
    admin = _admin(sqlite_app)
    bomb = _png_header_claiming(13000, 13000)
    assert len(bomb) < branding.LOGO_MAX_BYTES
    refused = _upload(admin, bomb)
    assert refused.status_code == 400
    assert "2000×2000" in refused.get_data(as_text=True)
    settings = sqlite_app.extensions["fic"].settings
    assert not list((settings.instance_path / "logos").glob("*.png"))


def test_a_truncated_png_is_refused_as_unreadable(sqlite_app):
    admin = _admin(sqlite_app)
    image = io.BytesIO()
    Image.new("RGB", (300, 100), (1, 2, 3)).save(image, format="PNG")
    refused = _upload(admin, image.getvalue()[:60])
    assert refused.status_code == 400 and "not a readable PNG" in refused.get_data(as_text=True)


def test_a_link_lifetime_of_87_million_hours_is_refused_and_sessions_still_open(sqlite_app):
    from sqlalchemy import select

    from fic.services.clinic import delivery_settings
    from fic.storage.models import Clinic
    from tests.flows import new_session, set_up_clinic
    from tests.staff.test_clinic_settings import _form

    admin = _admin(sqlite_app)
    refused = admin.post(PAGE, data={**_form(admin), "link_lifetime_hours": "87600000"})
    assert refused.status_code == 400
    assert "link_lifetime_hours: a whole number from 1 to 1440" in refused.get_data(as_text=True)
    with sqlite_app.extensions["fic"].db.session() as session:
        clinic_id = session.scalar(select(Clinic.id))
        assert delivery_settings.delivery_policy(session, clinic_id).link_lifetime_hours == 96
        for huge in (87_600_000, 10**30, 0, -1, True):
            with pytest.raises(InvalidRequest, match="from 1 to 1440"):
                delivery_settings.update(session, clinic_id, link_lifetime_hours=huge)
    clinic = set_up_clinic(sqlite_app, "Other Clinic")
    from datetime import UTC, datetime
    assert new_session(sqlite_app.test_client(), clinic, "B-1", datetime.now(UTC))["id"]


def test_an_invitation_to_an_address_with_a_crlf_header_is_a_400_and_saves_no_one(sqlite_app):
    from sqlalchemy import func, select

    from fic.storage.models import Staff

    admin = _admin(sqlite_app)
    with sqlite_app.extensions["fic"].db.session() as session:
        before = session.scalar(select(func.count(Staff.id)))
    page = admin.get("/staff/admin/").get_data(as_text=True)
    refused = admin.post("/staff/admin/invitations", data={
        "csrf_token": csrf_token(page), "email": "evil@x\r\nBcc: victim@example.org",
        "role": "admin"})
    assert refused.status_code == 400
    assert "Nobody was invited: email: not a valid email address" in refused.get_data(
        as_text=True)
    with sqlite_app.extensions["fic"].db.session() as session:
        assert session.scalar(select(func.count(Staff.id))) == before


def test_send_by_email_to_something_that_is_not_an_address_records_no_session(sqlite_app):
    from tests.staff.test_send_link import _course_page, _sessions

    staff, page, token = _course_page(sqlite_app)
    for junk in ("not an address", "a@b\r\nBcc: c@d.org", "", "x" * 300 + "@example.org"):
        refused = staff.post(f"{page}/send", data={"csrf_token": token, "channel": "email",
                                                   "email": junk})
        assert refused.status_code == 303 and "?" not in refused.headers["Location"]
        assert "Not sent: " in staff.get(refused.headers["Location"]).get_data(as_text=True)
    assert _sessions(sqlite_app) == 1


def test_the_api_refuses_a_contact_that_is_not_an_address_and_records_nothing(sqlite_app):
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from fic.storage.models import TherapySession
    from tests.flows import set_up_clinic

    clinic = set_up_clinic(sqlite_app)
    answer = sqlite_app.test_client().post("/api/v1/sessions", json={
        "client_ref": "C-9", "clinician": clinic.clinician,
        "held_at": datetime.now(UTC).isoformat(), "contact": {"email": "a@b\nBcc: c@d.org"}},
        headers={"Authorization": f"Bearer {clinic.api_key}"})
    assert answer.status_code == 422
    with sqlite_app.extensions["fic"].db.session() as session:
        assert session.scalar(select(func.count(TherapySession.id))) == 0


def test_a_message_in_the_query_string_is_never_shown_on_an_admin_page(sqlite_app):
    admin = _admin(sqlite_app)
    fake = "Your account is locked, call 0900 123"
    for page in ("/staff/admin/", PAGE):
        html = admin.get(page, query_string={"message": fake, "logo_error": fake,
                                             "policy_error": fake}).get_data(as_text=True)
        assert fake not in html
