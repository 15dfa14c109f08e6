"""A clinic's logo for its reports: a PNG the admin uploads, checked and kept on disk."""

from __future__ import annotations

import base64
import io
import uuid
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from fic.domain.answers import N_
from fic.errors import InvalidRequest
from fic.settings import Settings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LOGO_MAX_BYTES = 256 * 1024
# A few bytes of PNG can claim a huge canvas (a 20 kB 13000×13000 file took 1.5 GB to render):
# the header's size is checked before any pixel is decoded.
LOGO_MAX_SIDE = 2000
LOGO_MAX_PIXELS = 2_000_000
TOO_LARGE = f"at most {LOGO_MAX_SIDE}×{LOGO_MAX_SIDE} pixels and 2 megapixels"


def logo_path(settings: Settings, clinic_id: uuid.UUID) -> Path:
    return settings.instance_path / "logos" / f"{clinic_id}.png"


def save_logo(settings: Settings, clinic_id: uuid.UUID, data: bytes) -> None:
    """PNG only (an SVG could reach out for resources), at most 256 kB."""
    if not data.startswith(PNG_SIGNATURE):
        raise InvalidRequest.about("logo", N_("a PNG image"))
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidRequest.about("logo", N_("at most 256 kB"))
    _check_pixels(data)
    path = logo_path(settings, clinic_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def logo_data_uri(settings: Settings, clinic_id: uuid.UUID) -> str | None:
    path = logo_path(settings, clinic_id)
    if not path.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def _check_pixels(data: bytes) -> None:
    """A real PNG of at most LOGO_MAX_SIDE per side and LOGO_MAX_PIXELS in all, fully decoded
    and verified under Pillow's decompression-bomb guard (its warnings become errors here)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
                width, height = image.size
                if max(width, height) > LOGO_MAX_SIDE or width * height > LOGO_MAX_PIXELS:
                    raise InvalidRequest.about("logo", TOO_LARGE)
                image.verify()  # every chunk and checksum, to IEND (load() may forgive a cut)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidRequest.about("logo", TOO_LARGE) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidRequest.about("logo", N_("not a readable PNG image")) from None
