-- The demo case-management database (checker demo) mapped to the canonical case columns (docs/input.md,
-- or `checker columns --all`). An operator writes the same kind of query for
-- their own system: one row per young person, each value under its canonical name (AS ...).
-- Plain joins only, so it runs on SQLite and PostgreSQL alike; every date stays as the system holds it
-- and the checker validates it. Copy this file and point a source's cases_query setting at the copy.
SELECT
    yp.person_ref AS case_ref,
    yp.given_name AS given_name,
    yp.family_name AS family_name,
    yp.date_of_birth AS date_of_birth,
    ce.started_on AS looked_after_since,
    ce.ended_on AS ceased_looked_after_on,
    CASE yp.leaving_care_status
        WHEN 'ELIG' THEN 'eligible'
        WHEN 'REL' THEN 'relevant'
        WHEN 'FREL' THEN 'former_relevant'
        WHEN 'QUAL' THEN 'qualifying'
    END AS leaving_care_category,
    yp.support_after_21 AS support_requested_after_21,
    pa.email AS adviser_email,
    tm.email AS manager_email,
    t.name AS team,
    hr.joined_on AS housing_register_joined_on,
    hr.renewed_on AS housing_register_renewed_on,
    pp.last_reviewed_on AS pathway_plan_reviewed_on,
    CASE WHEN cu.id IS NULL THEN 'no' ELSE 'yes' END AS in_custody,
    cu.started_on AS custody_started_on,
    cu.expected_release_on AS release_date,
    cu.release_review_invited_on AS release_review_invited_on,
    yp.adviser_allocated_on AS adviser_allocated_on,
    ev.housing_panel_on AS housing_panel_on,
    ev.housing_options_meeting_on AS housing_options_meeting_on,
    pl.out_of_area AS placed_out_of_area,
    ev.joint_housing_assessment_on AS joint_housing_assessment_on,
    ev.pre18_panel_on AS pre18_panel_on,
    pl.planned_move_on AS planned_move_on,
    ev.housing_contact_on AS housing_contact_on,
    pl.move_plan_agreed_on AS move_plan_agreed_on,
    ev.threatened_with_homelessness_on AS threatened_with_homelessness_on,
    ev.duty_to_refer_on AS duty_to_refer_on,
    cu.accommodation_confirmed AS release_accommodation_confirmed,
    yp.local_connection_district AS local_connection_area,
    pl.district AS placement_area,
    pl.district_since AS placement_area_since,
    pl.settled AS placement_settled,
    ev.host_register_joined_on AS host_register_joined_on,
    ev.consent_to_share_on AS consent_to_share_on,
    pp.last_shared_on AS pathway_plan_shared_on,
    pl.bnb_since AS bnb_since,
    pl.bnb_approved_on AS bnb_approved_on,
    ev.intentionality_decision_on AS intentionality_decision_on,
    ev.intentionality_signoff_on AS intentionality_signoff_on
FROM young_person yp
LEFT JOIN team t ON t.id = yp.team_id
LEFT JOIN staff tm ON tm.id = t.manager_id
LEFT JOIN staff pa ON pa.id = yp.adviser_id
-- The current or most recent period in care: the episode recorded last.
LEFT JOIN (
    SELECT young_person_id, MAX(id) AS id FROM care_episode GROUP BY young_person_id
) latest_episode ON latest_episode.young_person_id = yp.id
LEFT JOIN care_episode ce ON ce.id = latest_episode.id
LEFT JOIN placement pl ON pl.young_person_id = yp.id
LEFT JOIN housing_register hr ON hr.young_person_id = yp.id
LEFT JOIN pathway_plan pp ON pp.young_person_id = yp.id
-- In custody now: a custody episode with no release recorded (at most one per person).
LEFT JOIN custody_episode cu ON cu.young_person_id = yp.id AND cu.released_on IS NULL
-- Dated events, one column per event type (at most one event of each type per person).
LEFT JOIN (
    SELECT
        young_person_id,
        MAX(CASE WHEN event_type = 'HOUSING_PANEL' THEN event_on END) AS housing_panel_on,
        MAX(CASE WHEN event_type = 'HOUSING_OPTIONS_MEETING' THEN event_on END) AS housing_options_meeting_on,
        MAX(CASE WHEN event_type = 'JOINT_HOUSING_ASSESSMENT' THEN event_on END) AS joint_housing_assessment_on,
        MAX(CASE WHEN event_type = 'PANEL_17_PLUS' THEN event_on END) AS pre18_panel_on,
        MAX(CASE WHEN event_type = 'HOUSING_OPTIONS_CONTACT' THEN event_on END) AS housing_contact_on,
        MAX(CASE WHEN event_type = 'HOMELESSNESS_THREAT' THEN event_on END) AS threatened_with_homelessness_on,
        MAX(CASE WHEN event_type = 'DUTY_TO_REFER' THEN event_on END) AS duty_to_refer_on,
        MAX(CASE WHEN event_type = 'HOST_REGISTER_JOINED' THEN event_on END) AS host_register_joined_on,
        MAX(CASE WHEN event_type = 'CONSENT_TO_SHARE' THEN event_on END) AS consent_to_share_on,
        MAX(CASE WHEN event_type = 'INTENTIONALITY_DECISION' THEN event_on END) AS intentionality_decision_on,
        MAX(CASE WHEN event_type = 'INTENTIONALITY_SIGNOFF' THEN event_on END) AS intentionality_signoff_on
    FROM case_event
    GROUP BY young_person_id
) ev ON ev.young_person_id = yp.id
