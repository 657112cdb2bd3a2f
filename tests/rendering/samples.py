"""Facts and payloads as the planner stores them (checker.planning.reminders / digest), for the tests."""

from __future__ import annotations

from typing import Any

AS_OF = "2026-11-23"  # a Monday
CASE_URL = "https://cms.example/people/{case_ref}"


def facts(**changes: Any) -> dict[str, Any]:
    """One pending adviser reminder for Sam Khan (C1); ``changes`` override any fact."""
    base: dict[str, Any] = {
        "case_ref": "C1", "given_name": "Sam", "family_name": "Khan", "initials": "S.K.",
        "obligation": "housing-register-initial", "title": "Join the Part 6 housing register",
        "citation": "000 §7", "ref": None, "due_date": "2026-12-01", "status": "pending",
        "working_days_overdue": 0, "working_days_to_go": 6, "stage": "lead-20", "role": "adviser",
        "owner": "adviser", "adviser_email": "pa.one@council.example", "team": "Preston",
        "dispute_stage": None, "escalate_to_stage": None, "change_note": None, "routing_note": None,
    }
    return base | changes


def overdue(**changes: Any) -> dict[str, Any]:
    """An overdue reminder: due Fri 6 Nov 2026, 11 working days late on the as-of date."""
    return facts(**({"due_date": "2026-11-06", "status": "overdue", "working_days_overdue": 11,
                     "working_days_to_go": 0, "stage": "overdue-2"} | changes))


def escalated(**changes: Any) -> dict[str, Any]:
    """The same overdue item escalated to the team manager: no names in the facts (planner rule)."""
    return overdue(**({"given_name": None, "family_name": None, "stage": "escalated-manager",
                       "role": "manager"} | changes))


def dispute(**changes: Any) -> dict[str, Any]:
    """Dispute D7 on C3, at stage 2 and overdue: it must go to stage 3."""
    return overdue(**({"case_ref": "C3", "given_name": "Jo", "family_name": "Bloggs", "initials": "J.B.",
                       "obligation": "dispute-escalation", "title": "Resolve the dispute or escalate it",
                       "citation": "000 §18, 003 §17.1-17.2", "ref": "D7", "due_date": "2026-11-20",
                       "working_days_overdue": 1, "stage": "overdue-0", "dispute_stage": 2,
                       "escalate_to_stage": 3} | changes))


def mixed_items() -> list[dict[str, Any]]:
    """Three items for one adviser, deliberately out of order."""
    return [
        facts(case_ref="C2", given_name="Amy", family_name="Lee", initials="A.L.", due_date="2026-12-08",
              working_days_to_go=11, obligation="pathway-plan-review", title="Review the pathway plan",
              citation="000 §7, 002 §7.2"),
        overdue(case_ref="C4", given_name="Dan", family_name="Roe", initials="D.R.", due_date="2026-11-18",
                working_days_overdue=3),
        overdue(),
        facts(due_date="2026-11-25", working_days_to_go=2, stage="lead-5", obligation="housing-register-renewal",
              title="Renew the housing register"),
    ]


def digest_item(case_ref: str, initials: str, title: str, due: str, late: int, bucket: str,
                adviser: str | None, citation: str = "000 §7") -> dict[str, Any]:
    return {"case_ref": case_ref, "initials": initials, "obligation": "housing-register-initial", "title": title,
            "citation": citation, "due_date": due, "working_days_overdue": late, "bucket": bucket,
            "adviser": adviser}


def digest_payload(**changes: Any) -> dict[str, Any]:
    one, two = "pa.one@council.example", "pa.two@council.example"
    payload: dict[str, Any] = {
        "recipient": "manager@council.example", "as_of": AS_OF, "since": "2026-11-16", "teams": ["Preston"],
        "overdue_by_adviser": [
            {"adviser": one, "items": [
                digest_item("C4", "D.R.", "Review the pathway plan", "2026-11-18", 3, "1-5", one, "000 §7, 002 §7.2"),
                digest_item("C1", "S.K.", "Join the Part 6 housing register", "2026-11-06", 11, "6-20", one),
            ]},
            {"adviser": None, "items": [
                digest_item("C9", "", "Invite partners to the pre-release review", "2026-09-01", 58, "over 20",
                            None, "000 §14"),
            ]},
            {"adviser": two, "items": [
                digest_item("C7", "J.B.", "Renew the housing register", "2026-11-20", 1, "1-5", two),
            ]},
        ],
        "bucket_counts": {"1-5": 2, "6-20": 1, "over 20": 1},
        "became_overdue": [{"case_ref": "C7", "initials": "J.B.", "obligation": "housing-register-renewal",
                            "title": "Renew the housing register", "citation": "", "due_date": "2026-11-20",
                            "adviser": two}],
        "completed": [{"case_ref": "C2", "initials": "A.L.", "obligation": "housing-register-initial",
                       "title": "Join the Part 6 housing register", "citation": "", "due_date": "2026-12-01",
                       "completed_on": "2026-11-19", "adviser": one}],
    }
    return payload | changes
