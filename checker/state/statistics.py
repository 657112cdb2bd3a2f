"""Telling PostgreSQL's planner about the rows a tick has just added in bulk (``ANALYZE``).

PostgreSQL plans each query from its statistics of the tables, which autovacuum refreshes only some time
after a table has grown (a minute or more, and in the background). A first tick on an empty state database
adds hundreds of thousands of instances, events, due occurrences and notification items in one
transaction; a tick run before autovacuum has caught up (the next one, or a ``checker plan`` straight after
go-live) would then plan its reads as if the tables were still empty, and read them whole for every batch of
cases: measured at 100,000 cases, about a minute of the database server's CPU for a tick that writes nothing.
So a tick that grew the instances by a tenth or more analyses the tables it filled, once it has committed.
SQLite's planner uses the indexes without statistics: nothing to do there.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from checker.state.schema import due_occurrence, instance_event, notification, obligation_instance, outbox

log = logging.getLogger(__name__)
_TABLES = (obligation_instance, notification, instance_event, due_occurrence, outbox)
_AT_LEAST = 500  # rows added before the statistics are worth refreshing


def worth_refreshing(added: int, had: int) -> bool:
    """Whether ``added`` new instances on top of the ``had`` open before change the tables enough."""
    return added >= _AT_LEAST and added * 10 >= had


def refresh_statistics(engine: Engine) -> None:
    """``ANALYZE`` the tables a tick fills (PostgreSQL only; it samples each table, so it takes well under a
    second at 100,000 cases). A failure is logged and otherwise ignored: autovacuum will do it later."""
    if engine.dialect.name != "postgresql":
        return
    names = ", ".join(engine.dialect.identifier_preparer.quote(t.name) for t in _TABLES)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"ANALYZE {names}")
    except SQLAlchemyError as exc:
        log.info("could not refresh the state database's statistics: %s", exc.__class__.__name__)
