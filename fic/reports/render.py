"""HTML → PDF with WeasyPrint, safely.

Templates run in Jinja's sandbox with autoescaping on and receive primitives only; their
words come from fic's gettext catalogues, in the language the caller forces. The URL
fetcher refuses everything except the bundled assets named in the allow-list and the images fic puts
into the context itself (its SVG charts, a clinic's checked PNG logo, as data: URIs), follows no
redirects and aborts the render on any other request: a report must never reach the
network or the file system because of what a client wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask_babel import gettext, ngettext
from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment

from fic.reports.wording import WORDS


def templates_dir() -> Path:
    """templates/reports/ in a checkout; fic/reports/templates/ inside an installed wheel."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates" / "reports"


class ReportRenderer:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or templates_dir()
        self.env = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader(self.folder),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
        )
        # The catalogues' words, in the language the caller chose (flask_babel.force_locale).
        self.env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
            gettext, ngettext, newstyle=True)
        self.env.globals["tr"] = gettext  # a message id held in a variable (marked with N_)
        self.env.globals["words"] = WORDS

    def html(self, template: str, context: Mapping[str, Any]) -> str:
        return self.env.get_template(template).render(**context)

    def pdf(self, template: str, context: Mapping[str, Any]) -> bytes:
        # WeasyPrint costs ~0.4 s and tens of MB to import: only processes that render pay.
        from fic.reports.weasy import HTML, BundledAssetsOnly

        document = HTML(
            string=self.html(template, context),
            base_url=self.folder.resolve().as_uri() + "/",
            url_fetcher=BundledAssetsOnly(self.folder),
        )
        return document.write_pdf()
