"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fic.storage.db import Database
from fic.storage.schema import metadata


def test_upgrading_an_empty_database_gives_the_models_schema(database_url):
    db = Database(database_url)
    db.upgrade()
    db.upgrade()  # a second upgrade is a no-op
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    db.dispose()
