"""Case records from the Standard Safeguarding Dataset (SSD): its ``ssd_*`` tables in any SQLAlchemy database.

The tables and fields are the SSD's own (its object definitions, ``data/objects/*.yml`` of the public
repository data-to-insight/ssd-data-model): only the fields read here are declared. One SQLAlchemy Core
query (window functions, outer joins, no dialect-specific SQL) runs on PostgreSQL, SQL Server, Oracle and
SQLite, read once per pass: it also counts each person's rows, so that every row of a person id that
comes more than once (two ``ssd_person`` rows, or a joined table repeating an id) is rejected without a
pass over the ids first (ids that differ only by surrounding spaces, one ``case_ref``: ``_read``). A person
is read when they have a care-leaver row or a looked-after episode. "The latest" row of a table is the one
started last, an undated row after every dated one (``_newest``).
Mapping (docs/inputs.md):

- ``case_ref``, ``given_name``, ``family_name``, ``date_of_birth``: ``ssd_person`` (``pers_person_id``,
  ``pers_forename``, ``pers_surname``, ``pers_dob``);
- ``looked_after_since`` / ``ceased_looked_after_on``: the latest ``ssd_cla_episodes`` row (by start
  date): its ``clae_entered_care_date`` (the start of that period of care; its own start date when empty)
  and ``clae_cla_episode_ceased_date``;
- ``leaving_care_category``, ``pathway_plan_reviewed_on``, ``team``: ``ssd_care_leavers``
  (``clea_care_leaver_eligibility``, ``clea_pathway_plan_review_date``, ``clea_care_leaver_allocated_team``);
- the adviser: ``clea_care_leaver_worker_id`` → ``ssd_professionals.prof_staff_id`` (else the
  ``clea_care_leaver_personal_advisor`` name), for a staff directory to turn into an email address and a
  manager; ``adviser_allocated_on``: the start of that worker's open ``ssd_involvements`` row;
- ``in_custody`` / ``custody_started_on``: the open ``ssd_cla_placement`` (type R5, or K1 while the open
  ``ssd_legal_status`` is J1: ``checker.sources.codes``) and its start date.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    MetaData,
    Select,
    String,
    Table,
    and_,
    case,
    create_engine,
    func,
    inspect,
    literal_column,
    or_,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from checker.settings import Settings
from checker.sources.base import STAFF_KEY, NotedRow, RejectedRow, SourceError, UnknownColumn, repeated_ref
from checker.sources.cells import CELL_MAX_LENGTH, CONTROL, cell_problem, clean_ref, rejected_row
from checker.sources.codes import code, custody, leaving_care_category
from checker.urls import shown_url

_BATCH = 2000
TABLE_NAMES = ("ssd_person", "ssd_cla_episodes", "ssd_care_leavers", "ssd_involvements", "ssd_professionals",
               "ssd_legal_status", "ssd_cla_placement")
_FIELDS = {  # the fields read, typed as the SSD defines them (nvarchar, datetime)
    "ssd_person": ("pers_person_id", "pers_forename", "pers_surname", "+pers_dob"),
    "ssd_cla_episodes": ("clae_cla_episode_id", "clae_person_id", "+clae_cla_episode_start_date",
                         "+clae_cla_episode_ceased_date", "+clae_entered_care_date"),
    "ssd_care_leavers": ("clea_table_id", "clea_person_id", "clea_care_leaver_eligibility",
                         "+clea_pathway_plan_review_date", "clea_care_leaver_personal_advisor",
                         "clea_care_leaver_allocated_team", "clea_care_leaver_worker_id"),
    "ssd_involvements": ("invo_involvements_id", "invo_professional_id", "invo_person_id",
                         "+invo_involvement_start_date", "+invo_involvement_end_date"),
    "ssd_professionals": ("prof_professional_id", "prof_staff_id"),
    "ssd_legal_status": ("lega_legal_status_id", "lega_person_id", "lega_legal_status",
                         "+lega_legal_status_start_date", "+lega_legal_status_end_date"),
    "ssd_cla_placement": ("clap_cla_placement_id", "clap_person_id", "clap_cla_placement_type",
                          "+clap_cla_placement_start_date", "+clap_cla_placement_end_date"),
}
#: The canonical columns an SSD base fills (the adviser's email and manager come from a staff directory).
COLUMNS = frozenset({"case_ref", "given_name", "family_name", "date_of_birth", "looked_after_since",
                     "ceased_looked_after_on", "leaving_care_category", "pathway_plan_reviewed_on", "team",
                     "adviser_allocated_on", "in_custody", "custody_started_on"})


def tables(schema: str | None = None) -> dict[str, Table]:
    """The SSD tables as read here (``+`` marks a datetime field)."""
    metadata = MetaData(schema=schema)
    return {name: Table(name, metadata, *(Column(f.lstrip("+"), DateTime() if f.startswith("+") else String())
                                          for f in fields)) for name, fields in _FIELDS.items()}


#: The labels of the text cells, which the checks of ``checker.sources.cells`` apply to.
_TEXT_LABELS = frozenset({"case_ref", "given_name", "family_name", "eligibility", "team", STAFF_KEY, "placement",
                          "legal_status"})


def _newest(date: Any, row_id: Any) -> tuple[Any, ...]:
    """Newest first, an empty ``date`` after every dated row, ties broken by ``row_id``. PostgreSQL and
    Oracle put empty values first on a descending order, SQLite and SQL Server last, and SQL Server has no
    ``NULLS LAST``: the empty dates are ordered by a ``CASE`` of their own, which every dialect runs."""
    return case((date.is_(None), literal_column("1")), else_=literal_column("0")), date.desc(), row_id.desc()


def _latest(table: Table, person: str, order: tuple[Any, ...], *where: Any) -> Any:
    """``table``'s rows numbered per person, newest first (``rn = 1`` is the latest)."""
    number = func.row_number().over(partition_by=table.c[person], order_by=order).label("rn")
    return select(*table.c, number).where(*where).subquery()


def _spaced_ids(person: Table) -> Any:
    """The ``ssd_person`` ids that begin or end with a space (few, if any), without those spaces: the
    count per id cannot see that ``" P1"`` and ``"P1"`` are one ``case_ref``, so ``_read`` holds back the
    rows of both. ``LIKE``, not ``<>``: SQL Server ignores trailing spaces when it compares with ``=``;
    ``LTRIM(RTRIM())``: it had no ``TRIM`` before 2017."""
    pid = person.c.pers_person_id
    trimmed = func.ltrim(func.rtrim(pid))
    return select(trimmed.label("ref")).where(or_(pid.like(" %"), pid.like("% "))).distinct().subquery()


def cases_query(schema: str | None = None) -> Select[Any]:
    """The one query behind an SSD base: a row per person, the raw SSD values under canonical-ish labels
    (in ``LABELS`` order), and how many rows the person has (more than one: every one is rejected)."""
    t = tables(schema)
    p, e, c, i, pr, ls, pl = (t[n] for n in TABLE_NAMES)
    ep = _latest(e, "clae_person_id", _newest(e.c.clae_cla_episode_start_date, e.c.clae_cla_episode_id))
    cl = _latest(c, "clea_person_id", (c.c.clea_table_id.desc(),))
    # of the open rows (no end date) the latest started
    inv = _latest(i, "invo_person_id", _newest(i.c.invo_involvement_start_date, i.c.invo_involvements_id),
                  i.c.invo_involvement_end_date.is_(None))
    leg = _latest(ls, "lega_person_id", _newest(ls.c.lega_legal_status_start_date, ls.c.lega_legal_status_id),
                  ls.c.lega_legal_status_end_date.is_(None))
    pla = _latest(pl, "clap_person_id", _newest(pl.c.clap_cla_placement_start_date, pl.c.clap_cla_placement_id),
                  pl.c.clap_cla_placement_end_date.is_(None))
    person = p.c.pers_person_id
    sp = _spaced_ids(p)
    return (
        select(
            person.label("case_ref"), p.c.pers_forename.label("given_name"), p.c.pers_surname.label("family_name"),
            p.c.pers_dob.label("date_of_birth"),
            func.coalesce(ep.c.clae_entered_care_date, ep.c.clae_cla_episode_start_date).label("looked_after_since"),
            ep.c.clae_cla_episode_ceased_date.label("ceased_looked_after_on"),
            cl.c.clea_care_leaver_eligibility.label("eligibility"),
            cl.c.clea_pathway_plan_review_date.label("pathway_plan_reviewed_on"),
            cl.c.clea_care_leaver_allocated_team.label("team"),
            func.coalesce(pr.c.prof_staff_id, cl.c.clea_care_leaver_personal_advisor).label(STAFF_KEY),
            inv.c.invo_involvement_start_date.label("adviser_allocated_on"),
            pla.c.clap_cla_placement_type.label("placement"), pla.c.clap_cla_placement_start_date.label("placed_on"),
            leg.c.lega_legal_status.label("legal_status"),
            # the person's latest episode has no start date: then none has
            case((and_(ep.c.clae_person_id.is_not(None), ep.c.clae_cla_episode_start_date.is_(None)),
                  literal_column("1")), else_=literal_column("0")).label("undated_episode"),
            # a person id held by two ssd_person rows, or repeated by a join: counted in the same pass
            func.count().over(partition_by=person).label("rows_of_person"),
            sp.c.ref.label("spaced"),  # " P1" and "P1": held back until the end of the read (``_read``)
        )
        .select_from(p)
        .outerjoin(ep, and_(ep.c.clae_person_id == person, ep.c.rn == 1))
        .outerjoin(cl, and_(cl.c.clea_person_id == person, cl.c.rn == 1))
        .outerjoin(pr, pr.c.prof_professional_id == cl.c.clea_care_leaver_worker_id)
        .outerjoin(inv, and_(inv.c.invo_person_id == person, inv.c.rn == 1,
                             inv.c.invo_professional_id == cl.c.clea_care_leaver_worker_id))
        .outerjoin(pla, and_(pla.c.clap_person_id == person, pla.c.rn == 1))
        .outerjoin(leg, and_(leg.c.lega_person_id == person, leg.c.rn == 1))
        .outerjoin(sp, sp.c.ref == person)  # the twin without spaces (the spaced id itself: ``_read``)
        # a care-leaver row or an episode: the joins found one (an OR of two EXISTS is costed so high
        # that PostgreSQL compiled the query with JIT, which took longer than running it)
        .where(or_(cl.c.clea_person_id.is_not(None), ep.c.clae_person_id.is_not(None)))
        .order_by(person)
    )


def _postgres_read(version: tuple[int | str, ...] | None) -> Select[Any]:
    """PostgreSQL settings for the read's own transaction. A server-side cursor (the rows stream, never all
    held) is planned for its first tenth of rows (``cursor_tuple_fraction``): at 100,000 persons that plan
    cost the server five times the CPU of the plan for every row, which is what is read. JIT compiling (on
    by default since 11) starts once the query's costed size crosses ``jit_above_cost``, and took longer
    than running the query."""
    local = True  # set_config's is_local: for this transaction only
    settings = [func.set_config("cursor_tuple_fraction", "1", local)]
    if (version or (0,)) >= (11,):
        settings.append(func.set_config("jit", "off", local))
    return select(*settings)


#: The labels of ``cases_query``'s columns, in order.
LABELS = ("case_ref", "given_name", "family_name", "date_of_birth", "looked_after_since", "ceased_looked_after_on",
          "eligibility", "pathway_plan_reviewed_on", "team", STAFF_KEY, "adviser_allocated_on", "placement",
          "placed_on", "legal_status", "undated_episode", "rows_of_person", "spaced")
_SPACED = LABELS.index("spaced")
_TEXTS = tuple(i for i, label in enumerate(LABELS) if label in _TEXT_LABELS)
_UNDATED_EPISODE = ("clae_cla_episode_start_date", "no ssd_cla_episodes row of this person has a "
                    "clae_cla_episode_start_date, so which episode is the latest is not known; the one with the "
                    "highest clae_cla_episode_id is read")
_BLANK_EDGE = ("case_ref begins or ends with a blank character other than a space (a no-break space?), which "
               "the database does not strip, so whether another row holds the same case_ref is not known; the "
               "row is not read")
#: An eligibility category as written → its canonical spelling: a caseload holds a handful of spellings.
_category = lru_cache(maxsize=1024)(leaving_care_category)


def canonical(raw: Sequence[Any]) -> dict[str, Any] | NotedRow | RejectedRow:
    """A query row (``LABELS`` order) as canonical cells; a code outside the national lists is noted on the
    row; a row with a cell no value may hold, or of a person with several rows, is rejected."""
    (ref, given, family, dob, since, ceased, eligibility, reviewed, team, staff, allocated, placement,
     placed_on, legal_status, undated_episode, rows_of_person, _) = raw
    joined = "".join([v for v in (raw[i] for i in _TEXTS) if type(v) is str])  # one search, not one a cell
    if len(joined) > CELL_MAX_LENGTH or CONTROL.search(joined):
        problem = cell_problem((LABELS[i], raw[i]) for i in _TEXTS)
        if problem is not None:
            return rejected_row({"case_ref": ref}, *problem)
    if type(ref) is str and ref.strip(" ") != ref.strip() and (clean := clean_ref(ref)) is not None:
        return RejectedRow({"case_ref": clean}, "case_ref", _BLANK_EDGE)
    if rows_of_person > 1 and (clean := clean_ref(ref)) is not None:
        return RejectedRow({"case_ref": clean}, "case_ref", repeated_ref(clean))
    notes: list[tuple[str, str]] = []
    if undated_episode:
        notes.append(_UNDATED_EPISODE)
    in_custody = (placement is not None or legal_status is not None) and custody(
        code(placement), code(legal_status), notes, "clap_cla_placement_type", "lega_legal_status")
    row = {"case_ref": ref, "given_name": given, "family_name": family, "date_of_birth": dob,
           "looked_after_since": since, "ceased_looked_after_on": ceased,
           "leaving_care_category": None if eligibility is None else _category(eligibility),
           "pathway_plan_reviewed_on": reviewed, "team": team, STAFF_KEY: staff, "adviser_allocated_on": allocated,
           # not known to be in custody: empty, for a supplement to fill
           "in_custody": True if in_custody else None, "custody_started_on": placed_on if in_custody else None}
    return NotedRow(row, notes) if notes else row


def _read(raws: Iterable[Sequence[Any]]) -> Iterator[dict[str, Any] | NotedRow | RejectedRow]:
    """``canonical`` of each row, streamed; a row whose id begins or ends with a space, or is such an id
    without them (``spaced``), is held back to the end (few rows, if any) and grouped by its stripped
    ``case_ref``: every row of a group of more than one is rejected as a repeated ref. (Counting by the
    stripped id in the query cost PostgreSQL a third more CPU: it sorted the joined rows again.)"""
    held: dict[str, list[Sequence[Any]]] = {}
    for raw in raws:
        spaced = raw[_SPACED] is not None or (type(raw[0]) is str and (raw[0][:1] == " " or raw[0][-1:] == " "))
        if spaced and (ref := clean_ref(raw[0])) is not None:
            held.setdefault(ref, []).append(raw)
        else:
            yield canonical(raw)
    for ref, rows in held.items():
        for raw in rows:
            row = canonical(raw)
            yield row if len(rows) == 1 or type(row) is RejectedRow else RejectedRow(
                {"case_ref": ref}, "case_ref", repeated_ref(ref))


class SsdSource:
    def __init__(self, url: str, schema: str | None = None, engine: Engine | None = None) -> None:
        try:
            self.engine = engine or create_engine(url)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise SourceError(f"cannot use the database URL: {str(exc).replace(url, shown_url(url))}") from None
        self.schema = schema
        self.description = f"SSD {shown_url(self.engine.url)}" + (f" schema {schema}" if schema else "")
        self._checked = False  # whether the tables were checked since the last ``case_columns``

    def _check_tables(self) -> None:
        """Every table and field the query reads is there (else ``SourceError``, before any row is read)."""
        try:
            inspector = inspect(self.engine)
            missing = [n for n in TABLE_NAMES if not inspector.has_table(n, schema=self.schema)]
            for name, fields in () if missing else _FIELDS.items():
                have = {str(column["name"]).lower() for column in inspector.get_columns(name, self.schema)}
                missing += [f"{name}.{f.lstrip('+')}" for f in fields if f.lstrip("+") not in have]
        except SQLAlchemyError as exc:
            raise SourceError(f"cannot read {self.description}: {exc.__class__.__name__}: "
                              f"{str(exc).strip().splitlines()[0]}") from None
        if missing and "." in missing[0]:
            raise SourceError(f"{self.description} has no SSD field {', '.join(missing)}; the SSD base reads "
                              "the fields of docs/inputs.md")
        if missing:
            raise SourceError(f"{self.description} has no SSD table {', '.join(missing)}; the SSD base reads "
                              f"{', '.join(TABLE_NAMES)}")
        self._checked = True

    def case_columns(self) -> frozenset[str]:
        self._check_tables()  # once per read: every read asks for the columns first
        return COLUMNS

    def dispute_columns(self) -> frozenset[str]:
        return frozenset()

    def unknown_columns(self) -> tuple[UnknownColumn, ...]:
        return ()  # the SSD's fields are fixed: none is unknown

    def case_rows(self) -> Iterator[Mapping[str, Any]]:
        if not self._checked:  # read without asking for the columns first (``sources check``, ``explain``)
            self._check_tables()
        self._checked = False
        try:
            with self.engine.connect() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(_postgres_read(connection.dialect.server_version_info))
                result = connection.execution_options(stream_results=True, yield_per=_BATCH).execute(
                    cases_query(self.schema))
                yield from _read(result)
        except SQLAlchemyError as exc:
            raise SourceError(f"the SSD query failed on {self.description}: {exc.__class__.__name__}: "
                              f"{str(exc).strip().splitlines()[0]}") from None

    def dispute_rows(self) -> Iterator[Mapping[str, Any]]:
        return iter(())

    def case_refs(self) -> Iterator[object]:
        return iter(())  # the cases query counts each person's rows: ``canonical`` rejects a repeated one


def open_ssd(settings: Settings, entry: Any) -> SsdSource:
    return SsdSource(entry.url.get_secret_value(), entry.schema_name)
