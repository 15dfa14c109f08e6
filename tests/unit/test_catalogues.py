"""Every message the pages, emails and SMS use is translated in every shipped language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from fic.i18n import CATALOGUES, LANGUAGES, STAFF_LANGUAGES, compile_catalogues
from fic.instruments import load

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("fic/templates/**.html", "jinja2"), ("templates/reports/**.html", "jinja2"),
           ("fic/**.py", "python")]
# What a client sees: these speak Arabic too; everything else speaks the staff languages.
CLIENT_SIDE = ("fic/templates/form/", "fic/templates/delivery/", "fic/templates/base.html",
               "fic/templates/error.html", "fic/web/form.py", "fic/web/delivery.py",
               "fic/domain/answers.py", "fic/services/delivery/link_wording.py", "fic/web/kiosk.py",
               "fic/templates/kiosk/", "fic/services/forms/thanks.py")


def _used() -> dict[str, set[str]]:
    """msgid -> the files that use it, read from the sources the way `pybabel extract` does."""
    used: dict[str, set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, options_map={"fic/templates/**.html": {}}
    ):
        if filename.startswith((".venv", "tests")):
            continue
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                used.setdefault(msgid, set()).add(filename)
    return used


USED = _used()


def _catalogue(language: str):
    with (CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def test_the_sources_use_messages_at_all():
    assert "Send my answers" in USED and len(USED) > 40


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_a_client_or_staff_member_sees_is_translated(language):
    catalogue = _catalogue(language)
    translated: dict[str, object] = {}
    for message in catalogue:
        if message.id and not message.fuzzy:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if all(strings):
                for msgid in message.id if isinstance(message.id, tuple) else (message.id,):
                    translated[msgid] = message.string
    needed = {msgid for msgid, files in USED.items()
              if language in STAFF_LANGUAGES or any(f.startswith(CLIENT_SIDE) for f in files)}
    assert sorted(needed - set(translated)) == []


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_translations_keep_every_placeholder_of_their_message(language):
    for message in _catalogue(language):
        if not message.id or not message.python_format:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(_placeholders(ids[-1])) - {"num"}
        for string in message.string if isinstance(message.string, tuple) else (message.string,):
            if not string:  # untranslated: shown in English (completeness is checked above)
                continue
            assert wanted <= set(_placeholders(string)), (message.id, string)


def test_compiled_catalogues_are_there_for_every_language():
    compile_catalogues()
    for language in LANGUAGES[1:]:
        assert (CATALOGUES / language / "LC_MESSAGES" / "messages.mo").is_file()


@pytest.mark.parametrize("name", ["alliance", "wellbeing", "goals"])
def test_each_shipped_instrument_is_worded_in_every_language(name):
    assert set(load(name).languages) == set(LANGUAGES)


def _placeholders(text: str) -> list[str]:
    import re

    return re.findall(r"%\((\w+)\)", text)
