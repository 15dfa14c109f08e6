"""The WeasyPrint side of rendering (fic.reports.render), imported only by processes that render.

The URL fetcher serves the bundled assets by exact name and the images fic itself put into
the context (data: URIs of its SVG charts and a clinic's checked PNG logo); anything else
aborts the render.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Mapping
from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

__all__ = ["HTML", "INLINE_IMAGES", "BundledAssetsOnly"]

# Images fic itself puts into the context: its SVG charts and a clinic's checked PNG logo.
INLINE_IMAGES = {"data:image/svg+xml;base64,": "image/svg+xml",
                 "data:image/png;base64,": "image/png"}


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
