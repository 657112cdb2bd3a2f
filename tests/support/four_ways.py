"""One synthetic caseload written four ways: the canonical CSV, SSD tables, SSDA903 return files, an Annex A
workbook; and the supplementary events file, disputes and staff directory the national formats need.

``caseload()`` gives the young people as canonical rows (docs/input.md's columns, ISO dates). Each writer
puts the same facts into its format as that format holds them: the SSD's fields (checker/sources/ssd.py),
the return's header and episodes files (dd/mm/yyyy; a period of care as one episode, custody as an R5
placement episode continuing it), List 9's columns. What no national format holds (``EVENTS``) goes in the
events file, the adviser's email included so the staff directory can find them in a base that names nobody
(SSDA903); the directory gives the team and the manager.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Engine, insert

from support.caseload import write_rows

AS_OF = date(2026, 11, 23)  # a Monday
#: (staff id, name, email, team, manager): the staff directory; the adviser's team and manager come from it.
STAFF = [("S1", "Pat One", "pa.one@example.org", "North", "S9"),
         ("S2", "Pat Two", "pa.two@example.org", "South", "tm.south@example.org"),
         ("S9", "Tam North", "tm.north@example.org", "North", "")]
NATIONAL = ("case_ref", "given_name", "family_name", "date_of_birth", "looked_after_since", "ceased_looked_after_on",
            "leaving_care_category", "pathway_plan_reviewed_on", "in_custody", "custody_started_on",
            "adviser_email", "manager_email", "team")
#: The columns no national format holds: the supplementary events file's.
EVENTS = ("adviser_email", "housing_register_joined_on", "housing_register_renewed_on", "release_date",
          "release_review_invited_on", "housing_panel_on", "housing_options_meeting_on", "placed_out_of_area",
          "planned_move_on", "move_plan_agreed_on", "threatened_with_homelessness_on", "duty_to_refer_on",
          "consent_to_share_on", "pathway_plan_shared_on", "bnb_since", "bnb_approved_on",
          "support_requested_after_21", "placement_area", "placement_area_since", "placement_settled",
          "local_connection_area", "host_register_joined_on")
DISPUTES = [
    {"dispute_ref": "D1", "case_ref": "1001", "stage": "2", "stage_started_on": "2026-11-18", "resolved_on": ""},
    {"dispute_ref": "D2", "case_ref": "1002", "stage": "1", "stage_started_on": "2026-10-01",
     "resolved_on": "2026-10-02"},
    {"dispute_ref": "D3", "case_ref": "1020", "stage": "3", "stage_started_on": "2026-11-02", "resolved_on": ""},
]
CATEGORIES = {  # canonical → (SSD eligibility, Annex A eligibility category)
    "eligible": ("Eligible", "d) Eligible child"), "relevant": ("Relevant", "a) Relevant child"),
    "former_relevant": ("Former Relevant", "b) Former relevant child"),
    "qualifying": ("Qualifying", "c) Qualifying care leaver"),
}

# Hand-made people whose findings the tests work out by hand; the rest are drawn at random (a fixed seed).
HAND: list[dict[str, str]] = [
    {"case_ref": "1001", "date_of_birth": "2010-07-31", "looked_after_since": "2015-01-01",
     "leaving_care_category": "eligible"},
    {"case_ref": "1002", "date_of_birth": "2009-05-10", "looked_after_since": "2015-03-01",
     "leaving_care_category": "eligible", "housing_register_joined_on": "2025-09-01",
     "pathway_plan_reviewed_on": "2026-09-01"},
    {"case_ref": "1003", "date_of_birth": "2008-03-01", "looked_after_since": "2019-01-01", "in_custody": "yes",
     "custody_started_on": "2026-01-05", "release_date": "2027-01-10", "leaving_care_category": "eligible"},
    {"case_ref": "1004", "date_of_birth": "2006-05-01", "looked_after_since": "2018-02-01",
     "ceased_looked_after_on": "2024-05-01", "leaving_care_category": "former_relevant",
     "threatened_with_homelessness_on": "2026-11-18", "planned_move_on": "2026-12-21"},
]


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _birthday(born: date, years: int) -> date:
    return born.replace(year=born.year + years) if (born.month, born.day) != (2, 29) else date(born.year + years, 3, 1)


def _drawn(n: int, rng: random.Random) -> dict[str, str]:
    """One young person at random: 15 to 23 on the as-of date, in care from 8 to 15, some of them since left."""
    born = _day(rng, date(2003, 1, 1), date(2011, 6, 30))
    since = _day(rng, _birthday(born, 8), min(_birthday(born, 15), AS_OF - timedelta(days=60)))
    row: dict[str, Any] = {"case_ref": str(1000 + n), "date_of_birth": born, "looked_after_since": since,
                           "leaving_care_category": rng.choice(list(CATEGORIES))}
    eighteen, sixteen = _birthday(born, 18), _birthday(born, 16)
    if eighteen < AS_OF and rng.random() < 0.7:
        row["ceased_looked_after_on"] = eighteen
    elif since < AS_OF - timedelta(days=100) and rng.random() < 0.2:  # in custody, still looked after
        row["in_custody"] = "yes"
        row["custody_started_on"] = _day(rng, max(since + timedelta(days=1), AS_OF - timedelta(days=300)),
                                         AS_OF - timedelta(days=10))
        row["release_date"] = AS_OF + timedelta(days=rng.randrange(5, 200))
        if rng.random() < 0.5:
            row["release_review_invited_on"] = AS_OF - timedelta(days=rng.randrange(1, 9))
    _housing(row, rng, max(sixteen, since))
    _others(row, rng, born, since)
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}


def _housing(row: dict[str, Any], rng: random.Random, anchor: date) -> None:
    """The register, consent, sharing and panel dates, from the day in care at 16 or later (``anchor``)."""
    if rng.random() < 0.8:
        row["pathway_plan_reviewed_on"] = AS_OF - timedelta(days=rng.randrange(1, 300))
    if anchor < AS_OF:
        if rng.random() < 0.6:
            row["housing_register_joined_on"] = _day(rng, anchor, AS_OF - timedelta(days=1))
            if rng.random() < 0.5:
                row["consent_to_share_on"] = row["housing_register_joined_on"]
                row["pathway_plan_shared_on"] = _day(rng, row["housing_register_joined_on"], AS_OF)
            if rng.random() < 0.4:
                row["housing_register_renewed_on"] = _day(rng, row["housing_register_joined_on"], AS_OF)
        if rng.random() < 0.5:
            row["housing_panel_on"] = _day(rng, anchor, AS_OF)


def _others(row: dict[str, Any], rng: random.Random, born: date, since: date) -> None:
    """The options meeting, homelessness, the move, B&B, support after 21 and the host area."""
    eighteen, sixteen = _birthday(born, 18), _birthday(born, 16)
    if rng.random() < 0.3:
        row["housing_options_meeting_on"] = _day(rng, min(_birthday(born, 17), AS_OF), AS_OF)
    row["placed_out_of_area"] = "yes" if rng.random() < 0.3 else ""
    if eighteen < AS_OF and rng.random() < 0.25:
        row["threatened_with_homelessness_on"] = AS_OF - timedelta(days=rng.randrange(0, 40))
        if rng.random() < 0.5:
            row["duty_to_refer_on"] = row["threatened_with_homelessness_on"]
    if rng.random() < 0.2:
        row["planned_move_on"] = AS_OF + timedelta(days=rng.randrange(-20, 60))
        if rng.random() < 0.5:
            row["move_plan_agreed_on"] = AS_OF - timedelta(days=rng.randrange(0, 30))
    if eighteen < AS_OF and rng.random() < 0.1:
        row["bnb_since"] = AS_OF - timedelta(days=rng.randrange(1, 30))
        if rng.random() < 0.5:
            row["bnb_approved_on"] = row["bnb_since"]
    if _birthday(born, 21) < AS_OF:
        row["support_requested_after_21"] = "yes" if rng.random() < 0.5 else "no"
    if "ceased_looked_after_on" not in row and sixteen < AS_OF and rng.random() < 0.3:
        row.update(placement_area="Preston", local_connection_area="Burnley", placement_settled="yes",
                   placement_area_since=_day(rng, max(sixteen, since), AS_OF))


def caseload(size: int = 40) -> list[dict[str, str]]:
    """The hand-made people and ``size`` - 4 drawn ones, each with an adviser (and so a team and manager)."""
    rng = random.Random(4)
    people = [dict(p) for p in HAND] + [_drawn(n, rng) for n in range(len(HAND) + 1, size + 1)]
    for n, person in enumerate(people):
        _, _, email, team, manager = STAFF[n % 2]
        manager_email = next((s[2] for s in STAFF if s[0] == manager), manager)
        person.update(given_name=f"Young{n}", family_name="Person", adviser_email=email, team=team,
                      manager_email=manager_email)
    return people


def _pick(rows: Iterable[dict[str, str]], columns: Iterable[str]) -> list[dict[str, str]]:
    names = tuple(dict.fromkeys(("case_ref", *columns)))
    return [{c: r.get(c, "") for c in names} for r in rows]


def _made(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def write_canonical(cases: Path, people: list[dict[str, str]]) -> Path:
    """The canonical cases CSV: every column named here, empty where nothing is known."""
    columns = list(dict.fromkeys((*NATIONAL, *EVENTS)))
    return write_rows(_made(cases), _pick(people, columns), columns)


def write_disputes(path: Path) -> Path:
    return write_rows(_made(path), DISPUTES)


def write_events(path: Path, people: list[dict[str, str]]) -> Path:
    """The supplementary events file: ``case_ref`` and the columns no national format holds."""
    return write_rows(_made(path), _pick(people, EVENTS), ("case_ref", *EVENTS))


def write_staff(path: Path) -> Path:
    return write_rows(_made(path), [dict(zip(("staff_id", "name", "email", "team", "manager"), s, strict=True))
                                    for s in STAFF])


def _at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _uk(text: str | None) -> str:
    return f"{text[8:10]}/{text[5:7]}/{text[:4]}" if text else ""


def write_ssd(engine: Engine, tables: dict[str, Any], people: list[dict[str, str]]) -> None:
    """The people as SSD rows in ``tables`` (already created on ``engine``)."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
    rows["ssd_professionals"] = [{"prof_professional_id": f"W{s[0]}", "prof_staff_id": s[0]} for s in STAFF]
    for n, p in enumerate(people):
        ref = p["case_ref"]
        rows["ssd_person"].append({"pers_person_id": ref, "pers_forename": p["given_name"],
                                   "pers_surname": p["family_name"], "pers_dob": _at(p["date_of_birth"])})
        rows["ssd_cla_episodes"].append({
            "clae_cla_episode_id": f"E{ref}", "clae_person_id": ref,
            "clae_cla_episode_start_date": _at(p["looked_after_since"]),
            "clae_entered_care_date": _at(p["looked_after_since"]),
            "clae_cla_episode_ceased_date": _at(p.get("ceased_looked_after_on"))})
        rows["ssd_care_leavers"].append({
            "clea_table_id": f"CL{ref}", "clea_person_id": ref,
            "clea_care_leaver_eligibility": CATEGORIES[p["leaving_care_category"]][0],
            "clea_pathway_plan_review_date": _at(p.get("pathway_plan_reviewed_on")),
            "clea_care_leaver_allocated_team": p["team"], "clea_care_leaver_worker_id": f"W{STAFF[n % 2][0]}"})
        if p.get("in_custody"):
            rows["ssd_cla_placement"].append({
                "clap_cla_placement_id": f"PL{ref}", "clap_person_id": ref, "clap_cla_placement_type": "R5",
                "clap_cla_placement_start_date": _at(p["custody_started_on"])})
    with engine.begin() as connection:
        for name, table_rows in rows.items():
            if table_rows:
                connection.execute(insert(tables[name]), table_rows)


def write_ssda903(folder: Path, people: list[dict[str, str]]) -> Path:
    """The return's header and episodes files (a period of care as one episode; custody as a placement in a
    young offender institution, R5, continuing the period in a new episode)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_rows(folder / "header.csv", [{"CHILD": p["case_ref"], "SEX": "1", "DOB": _uk(p["date_of_birth"]),
                                        "ETHNIC": "WBRI", "UPN": "", "MOTHER": "", "MC_DOB": ""} for p in people])
    episodes = []
    for p in people:
        base = {"CHILD": p["case_ref"], "LS": "C2", "CIN": "N1", "PLACE_PROVIDER": "PR1", "REASON_PLACE_CHANGE": ""}
        ceased = p.get("ceased_looked_after_on")
        if p.get("in_custody"):
            episodes += [{**base, "DECOM": _uk(p["looked_after_since"]), "RNE": "S", "PLACE": "U1",
                          "DEC": _uk(p["custody_started_on"]), "REC": "X1"},
                         {**base, "DECOM": _uk(p["custody_started_on"]), "RNE": "P", "PLACE": "R5", "DEC": "",
                          "REC": ""}]
        else:
            episodes.append({**base, "DECOM": _uk(p["looked_after_since"]), "RNE": "S", "PLACE": "U1",
                             "DEC": _uk(ceased), "REC": "E8" if ceased else ""})
    write_rows(folder / "episodes.csv", episodes)
    return folder


def write_annex_a(path: Path, people: list[dict[str, str]]) -> Path:
    """List 9 of an Annex A workbook (January 2024 layout's columns that checker reads, and a few others)."""
    book = Workbook()
    book.active.title = "List 1"
    sheet = book.create_sheet("List 9")
    sheet.append(["Child Unique ID", "Gender", "Date of Birth", "Allocated Team", "Allocated Personal Advisor",
                  "Eligibility Category", "Latest Pathway Plan Review Date", "LA in Touch"])
    names = {s[2]: s[1] for s in STAFF}
    for p in people:
        sheet.append([int(p["case_ref"]), "a) Male", _at(p["date_of_birth"]), p["team"], names[p["adviser_email"]],
                      CATEGORIES[p["leaving_care_category"]][1], _at(p.get("pathway_plan_reviewed_on")), "a) Yes"])
    book.save(_made(path))
    return path
