-- Indexes for matching at community scale (issue 8, measured by `mentorbot bench`).
-- Free-capacity check of a candidate mentor answered from the index alone (no table row read).
CREATE INDEX mentor_profiles_free ON mentor_profiles (member_id, status, active_count, pending_offers, capacity);
-- Recent mentorships between one mentee and any mentor (the repeat-pair penalty), from the index alone.
CREATE INDEX mentorships_by_mentee_started ON mentorships (mentee_id, started_at, mentor_id);
-- Distinct mentor time zones (ranking computes each zone's closeness once, not once per mentor).
CREATE INDEX mentor_profiles_by_timezone ON mentor_profiles (timezone);
