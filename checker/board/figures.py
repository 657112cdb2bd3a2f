"""The board report's figures: the state's answers (``checker/state/board.py``) as named tables.

A table's cells are already text, with small numbers suppressed where the table breaks a team's figures
down (see ``Suppressor``), so the HTML page and the CSV files say exactly the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Connection

from checker.board.period import Quarter
from checker.profiles import Profile
from checker.state import board as q
from checker.state.acknowledgements import acknowledgement_counts
from rules.calendar import WorkingCalendar

# (label, working days overdue up to), youngest first; the last band is open-ended.
AGE_BANDS: tuple[tuple[str, int | None], ...] = (("1-5", 5), ("6-20", 20), ("21-60", 60), ("over 60", None))
NOT_RECORDED = "not recorded"

# What each protocol's own monitoring list asks for, and the obligations whose met instances answer it
# (none: the case records carry no such field, so the report says "not recorded").
MONITORING: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("002 §11", "Care leavers by accommodation type", ()),
    ("002 §11", "Housing options team contacted before a planned move", ("pre-move-housing-contact",)),
    ("004 §10-11", "Referrals from the leaving care service to housing (Duty to Refer)",
     ("duty-to-refer", "custody-duty-to-refer")),
    ("004 §10-11", "Referrals from housing to the leaving care service", ()),
    ("003 §1.4", "Joint Housing Assessments completed", ("joint-housing-assessment",)),
    ("000 §15", "Bed and breakfast placements approved", ("bnb-approval",)),
)


def long_date(day: date) -> str:
    """"30 September 2026"."""
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Table:
    name: str  # the CSV file's stem
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    note: str = ""


@dataclass
class Report:
    quarter: Quarter
    team: str | None
    profile_title: str
    threshold: int
    tables: list[Table] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    rate_by_obligation: list[tuple[str, float | None]] = field(default_factory=list)
    trend: list[tuple[str, float | None]] = field(default_factory=list)
    backlog: list[tuple[str, int]] = field(default_factory=list)

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


@dataclass(frozen=True)
class Suppressor:
    """Counts from 1 to ``threshold - 1`` show as "<threshold" in a table that breaks a team down."""

    threshold: int
    on: bool

    def count(self, n: int | None) -> str:
        if n is None:
            return ""
        return f"<{self.threshold}" if self.on and 0 < n < self.threshold else str(n)

    def hidden(self, *counts: int) -> bool:
        return self.on and any(0 < n < self.threshold for n in counts)

    def rate(self, met: int, of: int) -> str:
        if of <= 0:
            return ""
        return "suppressed" if self.hidden(met, of, of - met) else f"{100 * met / of:.0f}%"

    def value(self, value: int | None, n: int) -> str:
        if value is None:
            return ""
        return "suppressed" if self.hidden(n) else str(value)


def band_starts(end: date, calendar: WorkingCalendar) -> list[tuple[str, date]]:
    """Each age band with the earliest due date whose working days overdue at ``end`` are within it."""
    starts: list[tuple[str, date]] = []
    for label, most in AGE_BANDS:
        if most is None:
            starts.append((label, date.min))
            break
        day = end
        while calendar.working_days_between(day - timedelta(days=1), end) <= most:
            day -= timedelta(days=1)
        starts.append((label, day))
    return starts


def gather(connection: Connection, profile: Profile, quarter: Quarter, team: str | None, threshold: int) -> Report:
    report = Report(quarter, team, profile.title, threshold)
    start, end = quarter.start, quarter.end
    below = Suppressor(threshold, on=team is not None)
    titles = {o.id: (o.title, o.citation) for o in profile.obligations}
    _compliance(connection, report, start, end, team, below, titles)
    if team is None:
        _by_team(connection, report, start, end, Suppressor(threshold, on=True))
    _trend(connection, report, team, below)
    _backlog(connection, report, end, team, below, profile.calendar)
    _escalations(connection, report, start, end, team, below)
    _suppressions(connection, report, start, end, team, below)
    _data_quality(connection, report, start, end)
    _monitoring(connection, report, start, end, team, profile)
    return report


def _compliance(connection: Connection, report: Report, start: date, end: date, team: str | None,
                s: Suppressor, titles: dict[str, tuple[str, str]]) -> None:
    late = {r.obligation: r for r in q.lateness(connection, start, end, team, by_team=False)}
    rows: list[tuple[str, ...]] = []
    totals = [0, 0, 0, 0]
    for r in q.compliance(connection, start, end, team, by_team=False):
        not_met = r.due - r.on_time - r.late - r.no_longer
        totals = [totals[0] + r.due, totals[1] + r.on_time, totals[2] + r.late, totals[3] + r.no_longer]
        spread = late.get(r.obligation)
        title, citation = titles.get(r.obligation, (r.obligation, ""))
        rows.append((r.obligation, title, citation, s.count(r.due), s.count(r.on_time), s.count(r.late),
                     s.count(not_met), s.count(r.no_longer), s.rate(r.on_time, r.due - r.no_longer),
                     s.value(spread.median, spread.n) if spread else "",
                     s.value(spread.p90, spread.n) if spread else ""))
        of = r.due - r.no_longer
        report.rate_by_obligation.append(
            (r.obligation, None if of <= 0 or s.hidden(r.on_time, of, of - r.on_time) else r.on_time / of))
    due, on_time, late_n, gone = totals
    scope = f"team {report.team}" if report.team else "the service"
    report.summary.append(f"{due} obligation deadlines of {scope} fell due in {report.quarter}: {on_time} met on time, "
                          f"{late_n} met late, {due - on_time - late_n - gone} not met by {long_date(end)}"
                          + (f", {gone} no longer applied." if gone else "."))
    report.tables.append(Table("compliance", f"Obligations due in {report.quarter}, by obligation", (
        "obligation", "title", "citation", "due", "met on time", "met late", "not met by period end",
        "no longer applied", "on-time rate", "median working days late", "90th percentile working days late"), rows))


def _by_team(connection: Connection, report: Report, start: date, end: date, s: Suppressor) -> None:
    late = {(r.obligation, r.team): r for r in q.lateness(connection, start, end, None, by_team=True)}
    rows: list[tuple[str, ...]] = []
    totals: dict[str, list[int]] = {}
    for r in q.compliance(connection, start, end, None, by_team=True):
        spread = late.get((r.obligation, r.team))
        rows.append((r.team or "(no team)", r.obligation, s.count(r.due), s.count(r.on_time), s.count(r.late),
                     s.count(r.due - r.on_time - r.late - r.no_longer), s.count(r.no_longer),
                     s.rate(r.on_time, r.due - r.no_longer), s.value(spread.median, spread.n) if spread else "",
                     s.value(spread.p90, spread.n) if spread else ""))
        t = totals.setdefault(r.team or "(no team)", [0, 0, 0, 0])
        for i, n in enumerate((r.due, r.on_time, r.late, r.no_longer)):
            t[i] += n
    whole = Suppressor(s.threshold, on=False)
    report.tables.append(Table("teams", "Each team's totals", (
        "team", "due", "met on time", "met late", "not met by period end", "no longer applied", "on-time rate"),
        [(team, str(d), str(o), str(lt), str(d - o - lt - g), str(g), whole.rate(o, d - g))
         for team, (d, o, lt, g) in sorted(totals.items())]))
    report.tables.append(Table("compliance_by_team", "By team and obligation", (
        "team", "obligation", "due", "met on time", "met late", "not met by period end", "no longer applied",
        "on-time rate", "median working days late", "90th percentile working days late"), rows,
        note=f"Counts from 1 to {s.threshold - 1} are shown as <{s.threshold}, and rates and days built on them "
             "as suppressed."))


def _trend(connection: Connection, report: Report, team: str | None, s: Suppressor) -> None:
    rows = []
    for quarter in report.quarter.last(4):
        due = on_time = gone = 0
        for r in q.compliance(connection, quarter.start, quarter.end, team, by_team=False):
            due, on_time, gone = due + r.due, on_time + r.on_time, gone + r.no_longer
            rows.append((quarter.label, r.obligation, s.count(r.due), s.count(r.on_time),
                         s.rate(r.on_time, r.due - r.no_longer)))
        rows.append((quarter.label, "all obligations", str(due), str(on_time),
                     Suppressor(s.threshold, on=False).rate(on_time, due - gone)))
        report.trend.append((quarter.label, on_time / (due - gone) if due > gone else None))
    report.tables.append(Table("trend", "On-time rate over the last four quarters",
                               ("quarter", "obligation", "due", "met on time", "on-time rate"), rows))


def _backlog(connection: Connection, report: Report, end: date, team: str | None, s: Suppressor,
             calendar: WorkingCalendar) -> None:
    found = {r.band: r.n for r in q.backlog_by_band(connection, end, team, band_starts(end, calendar))}
    report.backlog = [(label, found.get(label, 0)) for label, _ in AGE_BANDS]
    report.tables.append(Table("backlog_age", f"Overdue at the end of {long_date(end)}, by working days overdue",
                               ("working days overdue", "obligations"),
                               [(label, s.count(n)) for label, n in report.backlog]))
    report.tables.append(Table("backlog_owner", "Overdue at the period's end, by owner role", ("owner", "obligations"),
                               [(r.key, s.count(r.n)) for r in q.backlog_by(connection, end, team, "owner")]))
    report.summary.append(f"{sum(n for _, n in report.backlog)} were overdue at the end of the period.")


def _escalations(connection: Connection, report: Report, start: date, end: date, team: str | None,
                 s: Suppressor) -> None:
    report.tables.append(Table("escalations", "Escalations told in the period, by stage and how they ended",
                               ("stage", "outcome", "escalations"),
                               [(r.stage, r.outcome, s.count(r.n))
                                for r in q.escalations(connection, start, end, team)]))
    report.tables.append(Table("disputes", "Dispute deadlines due in the period, by stage", (
        "stage", "due", "resolved by period end", "median working days to resolution"),
        [(str(stage), s.count(due), s.count(done), s.value(median, done))
         for stage, due, done, median in q.disputes(connection, start, end, team)]))


def _suppressions(connection: Connection, report: Report, start: date, end: date, team: str | None,
                  s: Suppressor) -> None:
    report.tables.append(Table("snoozes_waivers", "Snoozes and waivers recorded in the period, by reason",
                               ("kind", "reason", "count"),
                               [(r.kind, r.reason, s.count(r.n))
                                for r in q.suppressions_granted(connection, start, end, team)]))
    acks = acknowledgement_counts(connection, start, end, team)
    rows = [("all obligations", NOT_RECORDED)] if acks is None else [(ob, s.count(n)) for ob, n in acks]
    if not rows:  # recorded, and none in the period
        rows = [("all obligations", s.count(0))]
    report.tables.append(Table("acknowledgements", "Acknowledgements of reminders", ("obligation", "count"), rows))


def _data_quality(connection: Connection, report: Report, start: date, end: date) -> None:
    most, last = q.rejected_cases(connection, start, end)
    report.tables.append(Table("data_quality_cases", "Cases rejected for bad data", ("figure", "cases"), [
        ("most rejected by one check in the period", NOT_RECORDED if most is None else str(most)),
        ("rejected by the period's last check", NOT_RECORDED if last is None else str(last))]))
    report.tables.append(Table("data_errors", "Data errors by field", (
        "field", "seen in the period", "fixed in the period", "unfixed at period end", "median days unfixed"),
        [(f, str(seen), str(fixed), str(still), "" if median is None else str(median))
         for f, seen, fixed, still, median in q.data_errors_by_field(connection, start, end)],
        note="Service-wide: a rejected record may have no valid team."))


def _monitoring(connection: Connection, report: Report, start: date, end: date, team: str | None,
                profile: Profile) -> None:
    switched_on = {o.id for o in profile.obligations}
    rows: list[tuple[str, ...]] = []
    for citation, figure, obligations in MONITORING:
        used: Sequence[str] = [ob for ob in obligations if ob in switched_on]
        value = str(q.met_in_period(connection, start, end, team, used)) if used else NOT_RECORDED
        rows.append((citation, figure, value))
    report.tables.append(Table("monitoring", "The protocols' own monitoring figures", ("protocol", "figure", "value"),
                               rows, note="Not recorded: the case records carry no field for it, or this profile "
                                          "does not check the obligation that would count it."))
