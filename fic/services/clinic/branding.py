"""A clinic's logo for its reports: a PNG the admin uploads, checked and kept on disk."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

from fic.errors import InvalidRequest
from fic.settings import Settings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LOGO_MAX_BYTES = 256 * 1024


def logo_path(settings: Settings, clinic_id: uuid.UUID) -> Path:
    return settings.instance_path / "logos" / f"{clinic_id}.png"


def save_logo(settings: Settings, clinic_id: uuid.UUID, data: bytes) -> None:
    """PNG only (an SVG could reach out for resources), at most 256 kB."""
    if not data.startswith(PNG_SIGNATURE):
        raise InvalidRequest.about("logo", "a PNG image")
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidRequest.about("logo", "at most 256 kB")
    path = logo_path(settings, clinic_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def logo_data_uri(settings: Settings, clinic_id: uuid.UUID) -> str | None:
    path = logo_path(settings, clinic_id)
    if not path.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()
