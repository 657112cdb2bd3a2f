"""``checker demo``: a synthetic caseload in a small case-management database, checked through SQL.

- ``roster``: the made-up service (teams, personal advisers, team managers) and the name lists;
- ``caseload``: the deterministic caseload generator (canonical rows, streamed, relative to an as-of date);
- ``milestones``: the extended columns of a generated young person (docs/input.md);
- ``bad_input``: the deliberately broken rows that exercise docs/input.md "Bad input";
- ``database``: the case-management schema, and writing a caseload into it with SQLAlchemy Core;
- ``files``: writing a caseload as the two CSV files of docs/input.md (the benchmark, the tests).

Every person, address and date here is invented; the emails are all at example.org.
"""
