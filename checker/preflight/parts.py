"""``config check`` for a source made of parts: how its base and supplements joined (one pass, nothing sent).

Per part: the rows read, the base's cases it matched, the canonical columns it filled, its ``case_ref``s
the base does not hold, and rows it refused without a ``case_ref``. Counts and column names only: no
cell of a record.
"""

from __future__ import annotations

from checker.sources.composed import ComposedSource


def describe_join(source: ComposedSource) -> str:
    return "; ".join(join_lines(source))


def join_lines(source: ComposedSource) -> list[str]:
    """A line per part: what it read, matched and filled."""
    counts = source.join_counts()
    parts = [f"base: {counts.base_rows} case rows, filled {_columns(counts.filled.get('base'))}"]
    for supplement in source.events:
        name = supplement.name
        line = (f"supplement {name}: matched {counts.matched[name]} of the base's cases, filled "
                f"{_columns(counts.filled.get(f'supplement {name}'))}")
        if counts.only_in_supplement[name]:
            line += f"; {counts.only_in_supplement[name]} case_ref(s) not in the base (not read)"
        if counts.unattached[name]:
            line += f"; {counts.unattached[name]} row(s) refused without a usable case_ref"
        parts.append(line)
    directory = source.directory  # as the pass above read it: one read
    if source.staff is not None and directory is not None:
        unit = getattr(source.staff, "UNIT", "row(s)")
        line = (f"staff directory {source.staff.name}: {directory.rows} {unit}, filled "
                f"{_columns(counts.filled.get('staff directory'))}; {counts.advisers_found} adviser(s) "
                f"found, {counts.advisers_missing} not found")
        if counts.advisers_disabled:
            line += (f", {counts.advisers_disabled} matched only a disabled account (no item goes to it: "
                     "routed as an adviser not known)")
        if directory.skipped:
            line += f"; {directory.skipped} {unit} skipped (no email, or a broken row)"
        if directory.absences:
            line += f"; {len(directory.absences)} absence(s) recorded"
        if directory.unreadable_absences:
            line += f"; {directory.unreadable_absences} absence(s) that do not read, ignored"
        parts.append(line)
    return parts


def _columns(columns: frozenset[str] | None) -> str:
    return ", ".join(sorted(columns)) if columns else "nothing"
