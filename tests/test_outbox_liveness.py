"""The outbox's claims, heartbeats and operator decisions, on SQLite and PostgreSQL alike.

A claim is one conditional UPDATE whose row count says who won (no RETURNING, whose row count a
PostgreSQL driver may not report). A claim whose worker's heartbeat lapsed is resumed, giving back the
attempt it counted; one still beating is left alone, unless it outlived the claim lease (a backstop).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from support.state_db import BACKENDS, empty_state_url

from checker.state import heartbeat
from checker.state import outbox as box
from checker.state.database import open_database, upgrade
from checker.state.retention import purge_personal_data
from checker.state.schema import outbox

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    made = open_database(empty_state_url(request, tmp_path))
    upgrade(made)
    try:
        yield made
    finally:
        made.dispose()


def add(engine: Engine, key: str, channel: str = "teams_channel") -> int:
    with engine.begin() as connection:
        box.add_message(connection, key=key, kind="digest", recipient="north", channel=channel, payload={},
                        now=T0, send_from=T0, run_id=None)
        return int(connection.execute(select(outbox.c.id).where(outbox.c.key == key)).scalar_one())


def state(engine: Engine, message_id: int) -> tuple[str, int, str | None]:
    with engine.connect() as connection:
        row = connection.execute(select(outbox).where(outbox.c.id == message_id)).one()
    return row.state, row.attempts, row.claimed_by


def test_of_many_threads_claiming_one_message_exactly_one_wins(engine: Engine) -> None:
    message_id = add(engine, "k1")
    winners: list[str] = []
    start = threading.Barrier(8)

    def claim(name: str) -> None:
        start.wait()
        if box.claim(engine, message_id, name, T0) is not None:
            winners.append(name)

    threads = [threading.Thread(target=claim, args=(f"w{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    assert state(engine, message_id) == ("sending", 1, winners[0])


def test_a_lapsed_heartbeat_frees_the_claim_and_gives_the_attempt_back(engine: Engine) -> None:
    handed, unhanded, alive = add(engine, "handed"), add(engine, "unhanded"), add(engine, "alive")
    heartbeat.beat(engine, "dead", T0, TTL)
    heartbeat.beat(engine, "busy", T0 + timedelta(seconds=40), TTL)
    for message_id in (handed, unhanded):
        assert box.claim(engine, message_id, "dead", T0) is not None
    box.mark_handed(engine, handed, "dead", T0)
    assert box.claim(engine, alive, "busy", T0 + timedelta(seconds=40)) is not None

    now = T0 + timedelta(seconds=45)  # "dead" lapsed at T0 + 30 s; "busy" beats until T0 + 70 s
    assert heartbeat.alive(engine, now) == ["busy"]
    done = box.reclaim_abandoned(engine, now, hold=lambda channel: channel == "teams_channel")
    assert sorted((a.id, a.state) for a in done) == sorted([(handed, "held"), (unhanded, "pending")])
    assert state(engine, handed) == ("held", 0, None)
    assert state(engine, unhanded) == ("pending", 0, None)
    assert state(engine, alive) == ("sending", 1, "busy")
    assert box.reclaim_abandoned(engine, now) == []  # once only

    later = T0 + timedelta(seconds=40) + box.LEASE + timedelta(seconds=1)  # the lease is still a backstop
    heartbeat.beat(engine, "busy", later, TTL)
    assert [(a.id, a.state) for a in box.reclaim_abandoned(engine, later)] == [(alive, "pending")]


def test_a_clean_stop_lapses_the_heartbeat_at_once(engine: Engine) -> None:
    with heartbeat.Heartbeat(engine, "tidy", timedelta(seconds=10), lambda: T0):
        assert heartbeat.alive(engine, T0) == ["tidy"]
    assert heartbeat.alive(engine, T0 + timedelta(microseconds=1)) == []


def test_operator_decisions_touch_only_held_and_parked_and_are_recorded(engine: Engine) -> None:
    held, parked, pending = add(engine, "held"), add(engine, "parked"), add(engine, "pending")
    for message_id in (held, parked):
        box.claim(engine, message_id, "w", T0)
    box.mark_held(engine, held, "ambiguous")
    box.mark_failed(engine, parked, "refused", park=True, retry_at=T0)
    assert box.operator_action(engine, "retry", pending, by="ops", now=T0) == []
    assert box.operator_action(engine, "retry", None, by="ops", now=T0) == [held, parked]
    assert state(engine, held) == ("pending", 0, None)
    box.claim(engine, held, "w", T0)
    box.mark_held(engine, held, "ambiguous again")
    assert box.operator_action(engine, "drop", held, by="ops", now=T0) == [held]
    assert state(engine, held)[0] == "cancelled"
    assert [a[:3] for a in box.actions(engine, held)] == [("retry", "held", "ops"), ("drop", "held", "ops")]
    assert [a[:3] for a in box.actions(engine, parked)] == [("retry", "parked", "ops")]


def test_an_operators_name_on_a_decision_is_erased_after_the_retention_period(engine: Engine) -> None:
    parked = add(engine, "parked")
    box.claim(engine, parked, "w", T0)
    box.mark_failed(engine, parked, "refused", park=True, retry_at=T0)
    box.operator_action(engine, "drop", parked, by="a.operator", now=T0)
    keep = timedelta(days=365)
    assert purge_personal_data(engine, T0 + timedelta(days=364), keep).decisions == 0
    assert [a[2] for a in box.actions(engine, parked)] == ["a.operator"]
    assert purge_personal_data(engine, T0 + timedelta(days=366), keep).decisions == 1
    assert [a[:2] for a in box.actions(engine, parked)] == [("drop", "parked")]  # what was decided stays
    assert [a[2] for a in box.actions(engine, parked)] == ["erased"]
