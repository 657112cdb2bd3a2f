-- The demo database's housing dispute log mapped to the canonical dispute columns (docs/input.md).
-- The person id is taken as written on the log, so a dispute logged against an unknown person reaches
-- the checker and is reported, rather than dropped by a join.
SELECT
    d.dispute_ref AS dispute_ref,
    d.person_ref AS case_ref,
    d.stage AS stage,
    d.stage_started_on AS stage_started_on,
    d.resolved_on AS resolved_on
FROM housing_dispute d
