"""Subject lines: what to do and by when, in a few words, with case references and never a name.

Subjects show up in notification previews and lock screens, so they carry the action, the date and the
case reference only. Line breaks are removed (a subject is one header line).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from checker.rendering import formatting as fmt
from checker.rendering.items import DisputeView, ItemView
from checker.rendering.listing import Listing


def _dispute(item: ItemView, d: DisputeView) -> str:
    if d.at_last_stage:
        return f"Overdue: dispute {d.ref} ({item.case_ref}) at stage 4 — resolve now"
    return f"Overdue: dispute {d.ref} ({item.case_ref}) must go to stage {d.next_stage} — act now"


def _one(item: ItemView) -> str:
    ref = item.case_ref
    if item.dispute is not None and item.overdue:
        return _dispute(item, item.dispute)
    if item.overdue:
        if item.escalated:
            return f"Escalated: {item.action} ({ref}), overdue since {item.overdue_since}"
        return f"Overdue: {item.action} ({ref}) — act now"
    if item.change_note:
        return f"Due date changed, now due by {item.due_short}: {item.action} ({ref})"
    if item.timing == "due today":
        return f"Due today: {item.action} ({ref})"
    return f"Due by {item.due_short}: {item.action} ({ref})"


def _first_due(item: ItemView) -> str:
    return "first due today" if item.timing == "due today" else f"first by {item.due_short}"


def reminder_subject(items: Listing) -> str:
    """E.g. 'Overdue: 2 housing protocol actions — act now' or 'Due by Mon 1 Dec: join … (C1)'."""
    if items.total == 1:
        return fmt.one_line(_one(items.first))
    soonest, latest = items.soonest_pending, items.latest_pending
    if not items.overdue and soonest is not None:
        return fmt.one_line(f"{fmt.actions(items.pending)} due: {_first_due(soonest)}")
    label = "Escalated" if items.overdue_escalated == items.overdue else "Overdue"
    subject = f"{label}: {fmt.actions(items.overdue)} — act now"
    if soonest is not None and latest is not None:
        subject += f" ({items.pending} more due {_when(soonest, latest)})"
    return fmt.one_line(subject)


def _when(soonest: ItemView, latest: ItemView) -> str:
    """When the pending items fall due: 'by Mon 7 Dec' only when every one is; else the first and the last."""
    first = "today" if soonest.timing == "due today" else soonest.due_short
    if latest.due_date == soonest.due_date:
        return "today" if first == "today" else f"by {first}"
    return f"from {first} to {latest.due_short}"


def activity_subject(items: Listing) -> str:
    """The Teams activity feed's short line, e.g. '2 housing protocol actions overdue'."""
    if items.overdue:
        return f"{fmt.actions(items.overdue)} overdue"
    first = items.first
    if items.total == 1:
        return fmt.one_line("Due today: " + first.action if first.timing == "due today"
                            else f"Due by {first.due_short}: {first.action}")
    return f"{fmt.actions(items.total)} due: {_first_due(first)}"


def digest_subject(teams: Sequence[str], overdue: int, as_of: date) -> str:
    """'Weekly overdue digest — Preston: 5 overdue (w/c 23 Nov)'."""
    shown = [t for t in teams if t][:2]
    where = ", ".join(shown)
    if len(teams) > len(shown) and shown:
        where += f" and {len(teams) - len(shown)} more"
    head = f"Weekly overdue digest — {where}" if where else "Weekly overdue digest"
    count = f"{overdue} overdue" if overdue else "nothing overdue"
    return fmt.one_line(f"{head}: {count} (w/c {fmt.week_commencing(as_of, as_of)})")
