"""State databases for tests that run on both backends: the parameters, an empty database's URL, and moving
a database to one Alembic revision (up or down) for the migration tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from checker.state.database import MIGRATIONS

#: ``@pytest.fixture(params=BACKENDS)``: a test on SQLite and on the throwaway PostgreSQL server.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def empty_state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty state database for ``request.param``: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.sqlite'}"
    postgres: str = request.getfixturevalue("fresh_postgres_url")
    return postgres


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Upgrade (or with ``down``, downgrade) the database to ``revision`` in one transaction."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
