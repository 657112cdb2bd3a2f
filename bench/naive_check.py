"""A plain, single-file check of the five core obligations of docs/input.md, for the benchmark.

    python bench/naive_check.py CASES.csv DISPUTES.csv --as-of YYYY-MM-DD > result.json

This is the script a competent developer would write in an afternoon from the specification, with no
framework: csv.DictReader, a few date helpers, one loop over the cases. It follows docs/input.md
for the core obligations (ages with the 29 February rule, months clamped to the month's end, working
days less the bank holidays of England and Wales, nothing from the 25th birthday), does the validation
of §2 "Bad input", and prints the JSON document of §5 (the fields every finding has, plus stage and
escalate_to_stage for disputes). It uses only the standard library and ``holidays``.

The bench's CSV has the other columns of docs/input.md as well, and the contract makes every
date column count for the whole-case rejection and every boolean column give a data error for a bad
spelling, in every profile: so this script validates those columns too (it reads nothing else from
them). Without that, a case with a broken ``housing_panel_on`` would get findings here and none from
the checker, and the yardstick would be doing less than the specification asks of the same file.
It is the yardstick for ``checker check``'s speed, not part of the product.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import holidays

DATE_COLUMNS = [  # docs/input.md
    "date_of_birth", "looked_after_since", "ceased_looked_after_on", "housing_register_joined_on",
    "housing_register_renewed_on", "pathway_plan_reviewed_on", "custody_started_on", "release_date",
    "release_review_invited_on",
]
EXTENDED_DATE_COLUMNS = [  # docs/input.md: validated only, no core obligation reads them
    "adviser_allocated_on", "housing_panel_on", "housing_options_meeting_on", "joint_housing_assessment_on",
    "pre18_panel_on", "planned_move_on", "housing_contact_on", "move_plan_agreed_on",
    "threatened_with_homelessness_on", "duty_to_refer_on", "placement_area_since", "host_register_joined_on",
    "consent_to_share_on", "pathway_plan_shared_on", "bnb_since", "bnb_approved_on", "intentionality_decision_on",
    "intentionality_signoff_on",
]
PLANNED_COLUMNS = {"release_date", "planned_move_on"}  # v1.2: the only dates that may be after the as-of date
BOOL_COLUMNS = ["support_requested_after_21", "in_custody"]
EXTENDED_BOOL_COLUMNS = ["placed_out_of_area", "release_accommodation_confirmed", "placement_settled"]
EMAIL_COLUMNS = ["adviser_email", "manager_email"]
CATEGORIES = {"eligible", "relevant", "former_relevant", "qualifying"}
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0", ""}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)  # ASCII digits only, as §2 writes them
UK_DATE = re.compile(r"\d{2}/\d{2}/\d{4}", re.ASCII)
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG")


class BadValueError(Exception):
    pass


def parse_date(text: str | None) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        if ISO_DATE.fullmatch(text):
            return date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
        if UK_DATE.fullmatch(text):
            return date(int(text[6:10]), int(text[3:5]), int(text[0:2]))
    except ValueError:
        raise BadValueError(f"'{text}' is not a real calendar date") from None
    raise BadValueError(f"'{text}' is not a date; write YYYY-MM-DD or DD/MM/YYYY")


def parse_bool(text: str | None) -> bool:
    text = (text or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise BadValueError(f"'{text}' is not true/false, yes/no, y/n or 1/0; read as false")


def birthday(dob: date, age: int) -> date:
    if dob.month == 2 and dob.day == 29 and not calendar.isleap(dob.year + age):
        return date(dob.year + age, 3, 1)
    return dob.replace(year=dob.year + age)


def add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def working_days_after(day: date, n: int) -> date:
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in BANK_HOLIDAYS:
            n -= 1
    return day


def status(due: date, completed: date | None, as_of: date) -> str:
    if completed is not None:
        return "met"
    return "pending" if as_of <= due else "overdue"


def finding(case_ref: str, obligation: str, due: date, completed: date | None, as_of: date,
            ref: str | None = None) -> dict[str, Any]:
    return {"case_ref": case_ref, "obligation": obligation, "ref": ref, "status": status(due, completed, as_of),
            "due_date": due.isoformat(), "completed_on": completed.isoformat() if completed else None}


def error(case_ref: str | None, dispute_ref: str | None, field: str, message: str) -> dict[str, Any]:
    return {"case_ref": case_ref, "dispute_ref": dispute_ref, "field": field, "message": message}


def read_disputes(path: str, as_of: date, errors: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    refs = Counter((r.get("dispute_ref") or "").strip() for r in rows)
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        ref = (row.get("dispute_ref") or "").strip()
        case_ref = (row.get("case_ref") or "").strip()
        problems = []
        if not ref or refs[ref] > 1:
            problems.append(("dispute_ref", "dispute_ref is empty or appears on more than one row"))
        if not case_ref:
            problems.append(("case_ref", "case_ref is empty"))
        stage_text = (row.get("stage") or "").strip()
        stage = int(stage_text) if stage_text.isascii() and stage_text.isdigit() else 0
        if not 1 <= stage <= 4:
            problems.append(("stage", f"stage '{stage_text}' is not a whole number from 1 to 4"))
        try:
            started = parse_date(row.get("stage_started_on"))
            if started is None:
                problems.append(("stage_started_on", "stage_started_on is empty"))
        except BadValueError as e:
            started = None
            problems.append(("stage_started_on", str(e)))
        try:
            resolved = parse_date(row.get("resolved_on"))
        except BadValueError as e:
            resolved = None
            problems.append(("resolved_on", str(e)))
        if started and started > as_of:
            problems.append(("stage_started_on", "stage_started_on is after the as-of date"))
        if started and resolved and resolved < started:
            problems.append(("resolved_on", "resolved_on is before stage_started_on"))
        if not problems and resolved and resolved > as_of:  # v1.2: read as empty, the dispute stays open
            errors.append(error(case_ref, ref, "resolved_on", "resolved_on is after the as-of date"))
            resolved = None
        if problems:
            errors.extend(error(case_ref or None, ref or None, field, msg) for field, msg in problems)
            continue
        by_case[case_ref].append({"ref": ref, "stage": stage, "started": started, "resolved": resolved})
    return by_case


def thirty_years_before(day: date) -> date:
    """The same day 30 years earlier; 29 February falls back to the 28th."""
    return date(day.year - 30, day.month, min(day.day, 28) if day.month == 2 else day.day)


def read_dates(row: dict[str, str], as_of: date, case: dict[str, Any], problems: list[tuple[str, str]],
               later: list[tuple[str, str]]) -> None:
    for column in DATE_COLUMNS + EXTENDED_DATE_COLUMNS:
        try:
            value = parse_date(row.get(column))
        except BadValueError as e:
            value = None
            problems.append((column, f"{column} {e}"))
        if value and value > as_of and column not in PLANNED_COLUMNS and column != "date_of_birth":
            if column in ("looked_after_since", "ceased_looked_after_on"):
                problems.append((column, f"{column} is after the as-of date"))
            else:
                later.append((column, f"{column} is after the as-of date"))
            value = None
        case[column] = value


def validate_case(row: dict[str, str], ref_counts: Counter[str], as_of: date,
                  errors: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The parsed case, or None when the whole case is rejected (docs/input.md "Bad input")."""
    ref = (row.get("case_ref") or "").strip()
    problems = []
    if not ref:
        problems.append(("case_ref", "case_ref is empty"))
    elif ref_counts[ref] > 1:
        problems.append(("case_ref", f"case_ref {ref} appears on more than one row"))
    case: dict[str, Any] = {"ref": ref}
    later: list[tuple[str, str]] = []  # v1.2: done dates after the as-of date, reported and read as empty
    read_dates(row, as_of, case, problems, later)
    dob, since, ceased = case["date_of_birth"], case["looked_after_since"], case["ceased_looked_after_on"]
    if dob is None and not any(field == "date_of_birth" for field, _ in problems):
        problems.append(("date_of_birth", "date_of_birth is empty"))
    if dob and dob > as_of:
        problems.append(("date_of_birth", f"date of birth {dob} is after the as-of date"))
    if dob and dob < thirty_years_before(as_of):
        problems.append(("date_of_birth", "date_of_birth is more than 30 years before the as-of date"))
    if dob and since and since < dob:
        problems.append(("looked_after_since", "looked_after_since is before the date of birth"))
    if since and ceased and ceased < since:
        problems.append(("ceased_looked_after_on", "ceased_looked_after_on is before looked_after_since"))
    if problems:
        errors.extend(error(ref or None, None, field, msg) for field, msg in problems + later)
        return None
    errors.extend(error(ref, None, field, msg) for field, msg in later)
    check_other_fields(row, case, errors)
    return case


def check_other_fields(row: dict[str, str], case: dict[str, Any], errors: list[dict[str, Any]]) -> None:
    """Booleans, emails, the category and a missing release date: reported, and the case is still checked."""
    ref = case["ref"]
    for column in BOOL_COLUMNS:
        try:
            case[column] = parse_bool(row.get(column))
        except BadValueError as e:
            case[column] = False
            errors.append(error(ref, None, column, f"{column} {e}"))
    for column in EXTENDED_BOOL_COLUMNS:
        try:
            parse_bool(row.get(column))
        except BadValueError as e:
            errors.append(error(ref, None, column, f"{column} {e}"))
    for column in EMAIL_COLUMNS:
        address = (row.get(column) or "").strip()
        if address and not EMAIL.fullmatch(address):
            errors.append(error(ref, None, column, f"{column} '{address}' is not an email address"))
    category = (row.get("leaving_care_category") or "").strip().lower()
    if category and category not in CATEGORIES:
        errors.append(error(ref, None, "leaving_care_category", f"unknown category '{category}'"))
        category = ""
    case["leaving_care_category"] = category
    if case["in_custody"] and case["release_date"] is None:
        errors.append(error(ref, None, "release_date", "in_custody is true but release_date is empty"))


def case_findings(c: dict[str, Any], disputes: list[dict[str, Any]], as_of: date) -> list[dict[str, Any]]:
    """The five core obligations of docs/input.md for one valid case."""
    ref, dob, since, ceased = c["ref"], c["date_of_birth"], c["looked_after_since"], c["ceased_looked_after_on"]
    if as_of >= birthday(dob, 25):
        return []  # out of scope from the 25th birthday, disputes included
    found = []
    sixteenth = birthday(dob, 16)
    # A, the later of the 16th birthday and looked_after_since, once the person was in care at 16 or later.
    in_care_at_16 = since is not None and (ceased is None or ceased >= sixteenth)
    anchor = max(sixteenth, since) if in_care_at_16 else None
    joined, renewed = c["housing_register_joined_on"], c["housing_register_renewed_on"]

    if anchor is not None and as_of >= anchor:
        found.append(finding(ref, "housing-register-initial", add_months(anchor, 3), joined, as_of))
    if joined:
        last = max(joined, renewed) if renewed else joined
        found.append(finding(ref, "housing-register-renewal", add_months(last, 12), None, as_of))
    under_21 = as_of < birthday(dob, 21)
    if (anchor is not None and as_of >= anchor and c["leaving_care_category"] != "qualifying"
            and (under_21 or c["support_requested_after_21"])):
        reviewed = c["pathway_plan_reviewed_on"]
        last = max(anchor, reviewed) if reviewed else anchor
        found.append(finding(ref, "pathway-plan-review", add_months(last, 6), None, as_of))
    release, started, invited = c["release_date"], c["custody_started_on"], c["release_review_invited_on"]
    if c["in_custody"] and release is not None and as_of <= release:
        if invited and started and invited < started:
            invited = None  # an invitation from before this custody period does not count
        found.append(finding(ref, "custody-release-review", add_months(release, -3), invited, as_of))
    for dispute in disputes:
        item = finding(ref, "dispute-escalation", working_days_after(dispute["started"], 2),
                       dispute["resolved"], as_of, dispute["ref"])
        item["stage"] = dispute["stage"]
        item["escalate_to_stage"] = min(dispute["stage"] + 1, 4) if item["status"] == "overdue" else None
        found.append(item)
    return found


def check(cases_path: str, disputes_path: str | None, as_of: date) -> dict[str, Any]:
    findings: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    disputes = read_disputes(disputes_path, as_of, errors) if disputes_path else {}
    with open(cases_path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    ref_counts = Counter((r.get("case_ref") or "").strip() for r in rows)
    valid_refs = set()
    for row in rows:
        case = validate_case(row, ref_counts, as_of, errors)
        if case is not None:
            valid_refs.add(case["ref"])
            findings.extend(case_findings(case, disputes.get(case["ref"], []), as_of))
    for case_ref, orphans in disputes.items():
        if case_ref not in valid_refs:
            errors.extend(error(case_ref, o["ref"], "case_ref", f"case {case_ref} is not a valid case in the input")
                          for o in orphans)
    return {"as_of": as_of.isoformat(), "findings": findings, "data_errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases")
    parser.add_argument("disputes", nargs="?")
    parser.add_argument("--as-of", required=True, type=date.fromisoformat)
    args = parser.parse_args()
    # One json.dumps call (the C encoder). json.dump(document, sys.stdout) would encode and write piece by
    # piece in pure Python and make this whole script about twice as slow: not the yardstick we want.
    print(json.dumps(check(args.cases, args.disputes, args.as_of)))


if __name__ == "__main__":
    main()
