"""An installation words the checks its own way, or loads a licensed scale, without code."""

from __future__ import annotations

import json
from pathlib import Path

import fic.instruments
from fic import create_app
from fic.instruments import load
from fic.storage.models import utcnow
from tests.conftest import make_settings
from tests.flows import new_session, path_of, set_up_clinic


def test_an_instrument_file_in_the_instance_folder_replaces_the_shipped_one(tmp_path, mail):
    shipped = json.loads((Path(fic.instruments.__file__).parent / "alliance.json").read_text())
    shipped["items"][0]["text"]["en"] = "Did you feel respected by your therapist today?"
    folder = tmp_path / "instance" / "instruments"
    folder.mkdir(parents=True)
    (folder / "alliance.json").write_text(json.dumps(shipped))
    app = create_app(make_settings(tmp_path / "instance", mail))
    app.extensions["fic"].db.upgrade()
    clinic = set_up_clinic(app)
    url = new_session(app.test_client(), clinic, "I-1", utcnow())["feedback_url"]
    page = app.test_client().get(path_of(url)).get_data(as_text=True)
    assert "Did you feel respected by your therapist today?" in page
    other = create_app(make_settings(tmp_path / "other", mail))
    assert other and "respected" not in load("alliance").items[0].text["en"]
