"""Languages: Flask-Babel wired to fic's catalogues, and the one place a page's language is set.

The client side (form, thank-you and unavailable pages, link emails and SMS, crisis text)
speaks every language in LANGUAGES; staff pages, alert emails and reports speak
STAFF_LANGUAGES: a signed-in staff member's page speaks their own choice, else the clinic's
language; signed out (sign-in, password reset), the browser's preference. Catalogues live in
fic/translations/<lang>/LC_MESSAGES/messages.po and are
compiled to .mo by `pybabel compile -d fic/translations` (scripts/test, scripts/demo, the
Dockerfile, and `compile_catalogues` for a test run). A page picks its language with `use`;
without one, the browser's preference decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, get_locale, gettext, refresh

from fic.domain.answers import N_

LANGUAGES = ("en", "es", "fr", "de", "ar")
STAFF_LANGUAGES = ("en", "es", "fr", "de")
NAMES = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch", "ar": "العربية"}
RIGHT_TO_LEFT = frozenset({"ar"})
ROLE_NAMES = {"clinician": N_("clinician"), "supervisor": N_("supervisor"), "admin": N_("admin")}
CATALOGUES = Path(__file__).parent / "translations"

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=_selected,
                   default_translation_directories=str(CATALOGUES))
    app.context_processor(_page_language)
    app.add_template_global(gettext, "tr")  # a message id held in a variable (marked with N_)
    app.add_template_filter(decimal1)


def decimal1(value: float) -> str:
    """A score with one decimal, as the page's language writes it (7.5, 7,5)."""
    return format_decimal(value, "0.0", locale=current())


def choose(*candidates: str | None, offered: Iterable[str] = LANGUAGES) -> str:
    """The first candidate fic speaks ("de-AT" counts as "de"), else English."""
    offered = tuple(offered)
    for candidate in candidates:
        short = (candidate or "").split("-")[0].split("_")[0].lower()
        if short in offered:
            return short
    return "en"


def use(language: str) -> None:
    """Speak `language` for the rest of this request (or app context)."""
    g.fic_language = choose(language)
    refresh()


def use_staff(*candidates: str | None) -> None:
    """Speak a staff language for this request: the first of `candidates` fic's staff pages
    speak (the staff member's own choice, then the clinic's), else the browser's preference."""
    browser = request.accept_languages.values() if has_request_context() else ()
    g.fic_language = choose(*candidates, *browser, offered=STAFF_LANGUAGES)
    refresh()


def current() -> str:
    return str(get_locale() or "en")


def direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def _selected() -> str:
    chosen = g.get("fic_language")
    if chosen:
        return chosen
    if has_request_context():
        # Staff pages speak the staff languages only; signed out, the browser chooses.
        offered = STAFF_LANGUAGES if (request.blueprint or "").startswith("staff") else LANGUAGES
        # In the browser's order, a region counting as its language ("fr-CH" is "fr").
        return choose(*request.accept_languages.values(), offered=offered)
    return "en"


def _page_language() -> dict[str, object]:
    language = current()
    return {"page_lang": language, "page_dir": direction(language), "language_names": NAMES,
            "role_names": ROLE_NAMES}


def compile_catalogues(folder: Path = CATALOGUES) -> list[Path]:
    """Compile every .po whose .mo is missing or older (what `pybabel compile` does)."""
    built = []
    for po in sorted(folder.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parts[-3])
        with mo.open("wb") as target:
            write_mo(target, catalogue)
        built.append(mo)
    return built
