-- Timers know the community they belong to, so a process claims only the timers of the communities it
-- serves (a Slack process never takes a Discord member's offer expiry and the other way round).
ALTER TABLE jobs ADD COLUMN community TEXT;
UPDATE jobs SET community = (
    SELECT r.community FROM offers o JOIN requests r ON r.id = o.request_id WHERE o.id = jobs.ref_id
) WHERE kind = 'offer_expiry';
UPDATE jobs SET community = (SELECT m.community FROM mentorships m WHERE m.id = jobs.ref_id) WHERE kind = 'checkin';
UPDATE jobs SET community = (SELECT m.community FROM members m WHERE m.id = jobs.ref_id) WHERE kind = 'resume';
CREATE INDEX jobs_due_by_community ON jobs (status, community, due_at);
