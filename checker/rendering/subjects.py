"""Subject lines: what to do and by when, in a few words, with case references and never a name.

Subjects show up in notification previews and lock screens, so they carry the action, the date and the
case reference only. Line breaks are removed (a subject is one header line).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from checker.rendering import formatting as fmt
from checker.rendering.items import DisputeView, ItemView


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


def reminder_subject(items: Sequence[ItemView]) -> str:
    """E.g. 'Overdue: 2 housing protocol actions — act now' or 'Due by Mon 1 Dec: join … (C1)'.

    ``items`` are in reading order (``items.item_views``).
    """
    if len(items) == 1:
        return fmt.one_line(_one(items[0]))
    overdue = [i for i in items if i.overdue]
    pending = [i for i in items if not i.overdue]
    if not overdue:
        return fmt.one_line(f"{fmt.actions(len(pending))} due: {_first_due(pending[0])}")
    label = "Escalated" if all(i.escalated for i in overdue) else "Overdue"
    subject = f"{label}: {fmt.actions(len(overdue))} — act now"
    if pending:
        subject += f" ({len(pending)} more due {_when(pending)})"
    return fmt.one_line(subject)


def _when(pending: Sequence[ItemView]) -> str:
    """When the pending items fall due: 'by Mon 7 Dec' only when every one is; else the first and the last."""
    soonest, latest = pending[0], max(pending, key=lambda i: i.due_date)
    first = "today" if soonest.timing == "due today" else soonest.due_short
    if latest.due_date == soonest.due_date:
        return "today" if first == "today" else f"by {first}"
    return f"from {first} to {latest.due_short}"


def activity_subject(items: Sequence[ItemView]) -> str:
    """The Teams activity feed's short line, e.g. '2 housing protocol actions overdue'."""
    overdue = [i for i in items if i.overdue]
    if overdue:
        return f"{fmt.actions(len(overdue))} overdue"
    if len(items) == 1:
        first = items[0]
        return fmt.one_line("Due today: " + first.action if first.timing == "due today"
                            else f"Due by {first.due_short}: {first.action}")
    return f"{fmt.actions(len(items))} due: {_first_due(items[0])}"


def digest_subject(teams: Sequence[str], overdue: int, as_of: date) -> str:
    """'Weekly overdue digest — Preston: 5 overdue (w/c 23 Nov)'."""
    shown = [t for t in teams if t][:2]
    where = ", ".join(shown)
    if len(teams) > len(shown) and shown:
        where += f" and {len(teams) - len(shown)} more"
    head = f"Weekly overdue digest — {where}" if where else "Weekly overdue digest"
    count = f"{overdue} overdue" if overdue else "nothing overdue"
    return fmt.one_line(f"{head}: {count} (w/c {fmt.week_commencing(as_of, as_of)})")
