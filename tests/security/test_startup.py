"""Production never starts without its keys; an embedded install keeps its files private."""

from __future__ import annotations

import stat

import pytest

from fic import create_app
from fic.errors import ConfigurationError
from fic.settings import Settings


@pytest.mark.parametrize("keys", [
    {},
    {"secret_key": "", "data_keys": ""},
    {"secret_key": "a-long-enough-secret-key-for-sessions", "data_keys": "  "},
    {"secret_key": "", "data_keys": "k1:" + "A" * 43 + "="},
])
@pytest.mark.parametrize("configured", [
    {"database_url": "postgresql+psycopg://fic@127.0.0.1:5432/none"},
    {"redis_url": "redis://127.0.0.1:6379/3"},
])
def test_production_refuses_to_start_with_missing_or_empty_keys(tmp_path, keys, configured):
    settings = Settings(instance_path=tmp_path / "instance", **configured, **keys)
    with pytest.raises(ConfigurationError, match="must be set"):
        create_app(settings)
    assert not (tmp_path / "instance" / "keys.json").exists()


def test_the_embedded_database_and_keys_file_are_readable_by_their_owner_only(tmp_path):
    instance = tmp_path / "instance"
    app = create_app(Settings(instance_path=instance))
    app.extensions["fic"].db.upgrade()
    app.extensions["fic"].db.dispose()
    for name in ("fic.db", "keys.json"):
        assert stat.S_IMODE((instance / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(instance.stat().st_mode) & 0o077 == 0


def test_an_existing_world_readable_database_is_made_private_at_start(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "fic.db").touch(mode=0o644)
    (instance / "fic.db").chmod(0o644)
    create_app(Settings(instance_path=instance)).extensions["fic"].db.dispose()
    assert stat.S_IMODE((instance / "fic.db").stat().st_mode) == 0o600
