"""HTML → PDF with WeasyPrint, safely.

Templates run in Jinja's sandbox with autoescaping on and receive primitives only. The URL
fetcher refuses everything except the bundled assets named in the allow-list and the images fic puts
into the context itself (its SVG charts, a clinic's checked PNG logo, as data: URIs), follows no
redirects and aborts the render on any other request: a report must never reach the
network or the file system because of what a client wrote.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

# Images fic itself puts into the context: its SVG charts and a clinic's checked PNG logo.
INLINE_IMAGES = {"data:image/svg+xml;base64,": "image/svg+xml",
                 "data:image/png;base64,": "image/png"}


def templates_dir() -> Path:
    """templates/reports/ in a checkout; fic/reports/templates/ inside an installed wheel."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates" / "reports"


class BundledAssetsOnly(URLFetcher):
    """Serves files from the report templates folder by exact name; refuses all else."""

    def __init__(self, folder: Path) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=True)
        self.assets = {
            path.resolve().as_uri(): path
            for path in folder.iterdir()
            if path.suffix in {".css", ".svg", ".png"}
        }

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        for prefix, mime in INLINE_IMAGES.items():
            if url.startswith(prefix):
                # Whatever such an image might reference comes back here and is refused.
                body = base64.b64decode(url.removeprefix(prefix), validate=True)
                return URLFetcherResponse(url, body, {"Content-Type": mime})
        path = self.assets.get(url)
        if path is None:
            raise FatalURLFetchingError("report tried to load a resource that is not bundled")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


class ReportRenderer:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or templates_dir()
        self.env = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader(self.folder),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
        )

    def html(self, template: str, context: Mapping[str, Any]) -> str:
        return self.env.get_template(template).render(**context)

    def pdf(self, template: str, context: Mapping[str, Any]) -> bytes:
        document = HTML(
            string=self.html(template, context),
            base_url=self.folder.resolve().as_uri() + "/",
            url_fetcher=BundledAssetsOnly(self.folder),
        )
        return document.write_pdf()
