"""Structured logs for the daemon: one JSON object a line on stdout, for a container's log collector.

Each line has ``timestamp`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``, then any ``extra``
given at the call (``log.info("tick finished", extra={"run_id": 7})``), and ``exc_info`` when there is
one. The product's own loggers (``checker``, ``rules``, ``notifiers``) log at the level asked for;
every other library at WARNING or above whatever the level, because several log personal data below
it: SQLAlchemy's engine logs each statement with its parameters at INFO (and result rows at DEBUG),
httpx each request's full URL at INFO. Log calls in the product name cases by nothing but ids and
counts; ``tests/test_observability.py`` runs a tick at DEBUG and checks that no name or date of birth
reaches the output.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, Any

from pythonjsonlogger.json import JsonFormatter

HANDLER_NAME = "checker-json"
OWN_LOGGERS = ("checker", "rules", "notifiers")
# Named as well as quietened through the root logger, so a library that sets its own level is held too.
CHATTY_LOGGERS = ("httpx", "httpcore", "msal", "apscheduler", "sqlalchemy", "alembic", "urllib3", "asyncio")
FIRST = ("timestamp", "level", "logger", "message")


class _Formatter(JsonFormatter):
    """The fields of ``FIRST`` first, then the rest in the order they came."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        ordered = {key: log_data[key] for key in FIRST if key in log_data}
        ordered.update((key, value) for key, value in log_data.items() if key not in ordered)
        return ordered


def level_number(level: str) -> int:
    """``"debug"``, ``"INFO"``, … as a ``logging`` level; anything else is a ``ValueError``."""
    number = logging.getLevelNamesMapping().get(level.strip().upper())
    if number is None:
        raise ValueError(f"unknown log level {level!r}: use DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return number


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to ``stream`` (stdout by default) as JSON lines; returns the one handler.

    Idempotent: a second call adds no second handler, it points the existing one at ``stream`` (the
    current ``sys.stdout`` when not given) and sets the levels again.
    """
    number = level_number(level)
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == HANDLER_NAME), None)
    target = stream if stream is not None else sys.stdout
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(target)
    else:
        handler = logging.StreamHandler(target)
        handler.set_name(HANDLER_NAME)
        handler.setFormatter(_Formatter("{levelname}{name}{message}", style="{", timestamp=True,
                                        rename_fields={"levelname": "level", "name": "logger"}))
        root.addHandler(handler)
    root.setLevel(max(number, logging.WARNING))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(number)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(number, logging.WARNING))
    return handler
