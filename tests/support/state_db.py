"""State databases for tests that run on both backends: the parameters, an empty database's URL, moving a
database to one Alembic revision (up or down) for the migration tests, and the rows of every table."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, func, inspect, select, table

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


def rows_per_table(url: str) -> dict[str, int]:
    """How many rows each table of the database at ``url`` holds (to show a command wrote nothing)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
                    for name in inspect(engine).get_table_names()}
    finally:
        engine.dispose()
