"""The board report's questions of the state database, each one SQL query (SQLite and PostgreSQL alike).

Every function takes the period's first and last day (``start``, ``end``) and an optional team, and
returns plain rows; ``checker/board/figures.py`` names and assembles them. Percentiles are nearest-rank
(the value at rank ceil(p x n) in ascending order), computed with window functions so that no figure
needs the rows in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Select, and_, case, func, literal, or_, select, true

from checker.state.schema import data_error_log, due_occurrence, notification, obligation_instance, run, suppression
from rules.records import Role

o = due_occurrence.c


def _team(team: str | None) -> Any:
    return true() if team is None else o.team == team


def _counts(end: date) -> list[Any]:
    met_by_end = and_(o.met_on.is_not(None), o.met_on <= end)
    return [
        func.count().label("due"),
        func.sum(case((and_(met_by_end, o.met_on <= o.due_date), 1), else_=0)).label("on_time"),
        func.sum(case((and_(met_by_end, o.met_on > o.due_date), 1), else_=0)).label("late"),
        func.sum(case((and_(o.state == "closed", o.ended_on <= end, ~met_by_end), 1), else_=0)).label("no_longer"),
    ]


def _due_in(start: date, end: date, team: str | None) -> Any:
    return and_(o.due_date >= start, o.due_date <= end, o.state != "superseded", _team(team))


def compliance(connection: Connection, start: date, end: date, team: str | None, *,
               by_team: bool) -> Sequence[Any]:
    """Per obligation (and team): due in the period, met on time, met late by its end, no longer applied."""
    keys = [o.obligation, *([o.team] if by_team else [])]
    query = select(*keys, *_counts(end)).where(_due_in(start, end, team)).group_by(*keys).order_by(*keys)
    return connection.execute(query).all()


def _percentiles(value: Any, keys: Sequence[Any], where: Any) -> Select[Any]:
    ranked = select(*keys, value.label("v"),
                    func.row_number().over(partition_by=keys, order_by=value).label("rn"),
                    func.count().over(partition_by=keys).label("n")).where(where).subquery()
    rk = [ranked.c[k.name] for k in keys]
    return (select(*rk, func.count().label("n"),
                   func.max(case((ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.v))).label("median"),
                   func.max(case((ranked.c.rn == (ranked.c.n * 9 + 9) // 10, ranked.c.v))).label("p90"))
            .group_by(*rk).order_by(*rk))


def lateness(connection: Connection, start: date, end: date, team: str | None, *, by_team: bool) -> Sequence[Any]:
    """Median and 90th percentile working days late of the instances met late by the period's end."""
    keys = [o.obligation, *([o.team] if by_team else [])]
    where = and_(_due_in(start, end, team), o.met_on > o.due_date, o.met_on <= end)
    return connection.execute(_percentiles(o.working_days_late, keys, where)).all()


def open_at(end: date, team: str | None) -> Any:
    """Due before ``end`` and neither met nor ended by it: overdue at the end of that day."""
    return and_(o.due_date < end, o.first_seen_on <= end, _team(team),
                or_(o.met_on.is_(None), o.met_on > end),
                or_(o.state.in_(("open", "met")), o.ended_on > end))


def backlog_by_band(connection: Connection, end: date, team: str | None,
                    bands: Sequence[tuple[str, date]]) -> Sequence[Any]:
    """Open at the period's end by age band; ``bands``: (label, earliest due date in it), youngest first."""
    label = case(*((o.due_date >= earliest, literal(name)) for name, earliest in bands[:-1]),
                 else_=literal(bands[-1][0])).label("band")
    return connection.execute(select(label, func.count().label("n")).where(open_at(end, team))
                              .group_by(label)).all()


def backlog_by(connection: Connection, end: date, team: str | None, column: str) -> Sequence[Any]:
    """Open at the period's end by ``owner`` (role) or ``team``."""
    key = o[column]
    return connection.execute(select(key.label("key"), func.count().label("n")).where(open_at(end, team))
                              .group_by(key).order_by(key)).all()


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def escalations(connection: Connection, start: date, end: date, team: str | None) -> Sequence[Any]:
    """Escalations told in the period (one per instance, due date and stage) by stage and how they ended.

    A repeat of an escalation to the same role (``escalated-manager-repeat-2``) counts as that escalation,
    not as another one.
    """
    n = notification.c
    base = case(*((n.stage.like(f"escalated-{role.value}-repeat-%"), literal(f"escalated-{role.value}"))
                  for role in Role), else_=n.stage).label("stage")
    told = (select(n.instance_id, n.due_date, base).distinct()
            .where(or_(n.stage.startswith("escalated-"), n.stage.startswith("dispute-stage-")),
                   n.created_at >= _instant(start), n.created_at < _instant(end + timedelta(days=1)))
            .subquery())
    outcome = case((o.state == "open", literal("still open")), (o.state == "met", literal("met")),
                   (o.state == "closed", literal("no longer applied")), else_=literal("moved on")).label("outcome")
    query = (select(told.c.stage, outcome, func.count().label("n"))
             .join(due_occurrence, and_(o.instance_id == told.c.instance_id, o.due_date == told.c.due_date))
             .where(_team(team)).group_by(told.c.stage, outcome).order_by(told.c.stage, outcome))
    return connection.execute(query).all()


def disputes(connection: Connection, start: date, end: date, team: str | None) -> Sequence[Any]:
    """Dispute deadlines due in the period by stage: how many, resolved by its end, and working days taken."""
    keys = [o.dispute_stage]
    where = and_(_due_in(start, end, team), o.dispute_stage.is_not(None))
    counts = connection.execute(select(o.dispute_stage, func.count().label("due"),
                                       func.sum(case((and_(o.met_on.is_not(None), o.met_on <= end), 1), else_=0))
                                       .label("resolved")).where(where).group_by(o.dispute_stage)
                                .order_by(o.dispute_stage)).all()
    times = {r.dispute_stage: r for r in connection.execute(_percentiles(
        o.working_days_to_resolve, keys, and_(where, o.met_on <= end, o.working_days_to_resolve.is_not(None))))}
    return [(r.dispute_stage, r.due, r.resolved, getattr(times.get(r.dispute_stage), "median", None))
            for r in counts]


def suppressions_granted(connection: Connection, start: date, end: date, team: str | None) -> Sequence[Any]:
    """Snoozes and waivers recorded in the period, by kind and reason."""
    s = suppression.c
    query = select(s.kind, s.reason, func.count().label("n")).where(
        s.created_at >= _instant(start), s.created_at < _instant(end + timedelta(days=1)))
    if team is not None:
        i = obligation_instance.c
        query = query.where(select(i.id).where(i.case_ref == s.case_ref, i.obligation == s.obligation,
                                               i.ref == s.ref, i.team == team).exists())
    return connection.execute(query.group_by(s.kind, s.reason).order_by(s.kind, s.reason)).all()


def rejected_cases(connection: Connection, start: date, end: date) -> tuple[int | None, int | None]:
    """(most, last) cases rejected by a successful tick in the period; (None, None) when none ran."""
    r = run.c
    where = and_(r.kind.in_(("tick", "digest", "digests")), r.outcome == "ok", r.as_of >= start, r.as_of <= end)
    most = connection.execute(select(func.max(r.cases_rejected)).where(where)).scalar()
    last = connection.execute(select(r.cases_rejected).where(where).order_by(r.as_of.desc(), r.id.desc())
                              .limit(1)).scalar()
    return most, last


def data_errors_by_field(connection: Connection, start: date, end: date) -> Sequence[Any]:
    """Per field: errors seen in the period, fixed in it, still open at its end, and days unfixed."""
    d = data_error_log.c
    seen = and_(d.first_seen_on <= end, or_(d.fixed_on.is_(None), d.fixed_on >= start))
    fixed = and_(d.fixed_on.is_not(None), d.fixed_on >= start, d.fixed_on <= end)
    counts = connection.execute(select(
        d.field, func.count().label("seen"), func.sum(case((fixed, 1), else_=0)).label("fixed"),
        func.sum(case((or_(d.fixed_on.is_(None), d.fixed_on > end), 1), else_=0)).label("open"))
        .where(seen).group_by(d.field).order_by(d.field)).all()
    ranked = select(d.field, d.days_unfixed.label("v"),
                    func.row_number().over(partition_by=d.field, order_by=d.days_unfixed).label("rn"),
                    func.count().over(partition_by=d.field).label("n")).where(fixed).subquery()
    medians = {r.field: r.median for r in connection.execute(
        select(ranked.c.field, func.max(case((ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.v))).label("median"))
        .group_by(ranked.c.field))}
    return [(r.field, r.seen, r.fixed, r.open, medians.get(r.field)) for r in counts]


def met_in_period(connection: Connection, start: date, end: date, team: str | None,
                  obligations: Sequence[str]) -> int:
    """Instances of these obligations met in the period (a protocol's monitoring count)."""
    where = and_(o.obligation.in_(list(obligations)), o.met_on >= start,
                 o.met_on <= end, _team(team))
    return int(connection.execute(select(func.count()).where(where)).scalar() or 0)


def teams(connection: Connection) -> list[str]:
    return list(connection.execute(select(o.team).distinct().where(o.team.is_not(None)).order_by(o.team)).scalars())
