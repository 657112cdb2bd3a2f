"""``checker plan`` (``run --once --dry-run``): who would be told what, with subjects; nothing sent or written.

The tick is planned exactly as a real one (the same code, ``Tick.rehearse``) inside one transaction of
the state database, the messages it would send are rendered for their subjects, and the transaction is
rolled back: no run row, no instance, no notification, no outbox row remains, and no channel is built.
With no state database yet, the plan is made in a throwaway one (what the first tick would send), and
none is created where the settings point. A state database on an older schema is not migrated: the dry
run asks for ``checker db upgrade`` instead. Given ``today``, the as-of rule of ``run --once``
(``checker/as_of.py``) is kept: an as-of date it would refuse is refused, with the same reason.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from checker.app import App
from checker.as_of import history_problem
from checker.rendering import RenderingError
from checker.sources.base import Source
from checker.state import outbox as box
from checker.state.database import current_revision, head_revision, open_database, open_existing, upgrade
from checker.state.notifications import live_items
from checker.state.schema import outbox
from checker.tick import TickReport
from notifiers.base import Message


class DryRunError(Exception):
    """The dry run cannot be made as asked; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class WouldSend:
    """One message the tick would send: to whom, on which channel, what kind, its subject, its items."""

    recipient: str
    channel: str
    kind: str
    subject: str
    items: int


@dataclass(frozen=True, slots=True)
class Rehearsal:
    report: TickReport
    messages: list[WouldSend]
    waiting: int  # messages planned by earlier ticks, still to be sent
    fresh: bool  # no state database yet: planned in a throwaway one


def _describe(message: box.OutboxMessage, items: list[dict[str, Any]],
              render: Callable[[box.OutboxMessage, list[dict[str, Any]]], Message]) -> WouldSend:
    try:
        subject = render(message, items).subject
    except RenderingError as exc:
        subject = f"(cannot be rendered: {exc})"
    return WouldSend(message.recipient, message.channel, message.kind, subject, len(items))


def _rehearse(app: App, source: Source, as_of: date, now: datetime, digests: bool | None, guarded: bool,
              fresh: bool) -> Rehearsal:
    tick = app.tick(source, guarded=guarded)
    render = app.renderer()
    with app.engine.connect() as connection:
        transaction = connection.begin()
        try:
            report = tick.rehearse(connection, as_of, now, digests=digests)
            messages = [_describe(m, list(live_items(connection, m.id)) if m.kind == "reminder" else [], render)
                        for m in box.pending_of_run(connection, report.run_id)]
            waiting = connection.execute(select(func.count()).select_from(outbox).where(
                outbox.c.state == "pending", outbox.c.run_id != report.run_id)).scalar_one()
        finally:
            transaction.rollback()
    return Rehearsal(report, messages, int(waiting), fresh)


def _check_as_of(engine: Engine, as_of: date, today: date | None) -> None:
    problem = None if today is None else history_problem(engine, as_of, today)
    if problem is not None:
        raise DryRunError(f"{problem}. `checker run --once` would refuse this date, so there is nothing to plan; "
                          "nothing was written. Only on a scratch copy of the state database: --scratch-state")


def dry_run(app_for: Callable[[Engine], App], state_url: str, source: Source, as_of: date, now: datetime, *,
            digests: bool | None = None, guarded: bool = True, today: date | None = None) -> Rehearsal:
    """Plan a tick and roll it back; ``app_for(engine)`` composes the application over the engine given.

    With ``today`` (Europe/London), an ``as_of`` that ``run --once`` would refuse raises ``DryRunError``
    before anything is planned; ``None`` (a scratch copy of the state database) allows any date."""
    engine = open_existing(state_url)
    if engine is None:
        with tempfile.TemporaryDirectory(prefix="checker-dry-run-") as folder:
            throwaway = open_database(f"sqlite:///{Path(folder) / 'state.sqlite'}")
            try:
                upgrade(throwaway)
                _check_as_of(throwaway, as_of, today)
                return _rehearse(app_for(throwaway), source, as_of, now, digests, guarded, fresh=True)
            finally:
                throwaway.dispose()
    try:
        revision, newest = current_revision(engine), head_revision()
        if revision != newest:
            raise DryRunError(f"the state database is at schema revision {revision}, not the newest {newest}; "
                              "a dry run does not migrate it: run `checker db upgrade` first")
        _check_as_of(engine, as_of, today)
        return _rehearse(app_for(engine), source, as_of, now, digests, guarded, fresh=False)
    finally:
        engine.dispose()


def describe(rehearsal: Rehearsal, plural: Callable[[int, str], str]) -> str:
    """What the dry run found, for the terminal: the counts, then one line per message."""
    r = rehearsal.report
    lines = [
        f"Plan as of {r.as_of} (a dry run): nothing was sent and nothing was written"
        + (" (there is no state database yet: this is what the first tick would send)." if rehearsal.fresh
           else "."),
        f"{plural(r.cases_read, 'case')} read ({r.cases_rejected} rejected), {plural(r.findings, 'finding')} "
        f"({r.overdue} overdue), {plural(r.data_errors, 'data error')}.",
    ]
    if not rehearsal.messages:
        lines.append("This tick would send nothing new.")
    else:
        lines.append(f"This tick would send {plural(len(rehearsal.messages), 'message')}:")
        width = max(len(m.recipient) for m in rehearsal.messages)
        for m in rehearsal.messages:
            count = f" ({plural(m.items, 'item')})" if m.kind == "reminder" else ""
            lines.append(f"  {m.recipient:<{width}}  {m.channel:<14} {m.kind:<8}  {m.subject}{count}")
    if rehearsal.waiting:
        lines.append(f"Besides, {plural(rehearsal.waiting, 'message')} planned before "
                     f"{'is' if rehearsal.waiting == 1 else 'are'} waiting to be sent (`checker outbox --all`).")
    return "\n".join(lines)
