-- Issue 13, rules 3 and 4.
-- Feedback at most once per person per mentorship: keep the first of any duplicates, then make it a rule.
-- (Feedback left by an admin's end has no author: NULLs are distinct, so it is not limited.)
DELETE FROM feedback WHERE author_id IS NOT NULL AND mentorship_id IS NOT NULL AND id NOT IN (
    SELECT MIN(id) FROM feedback WHERE author_id IS NOT NULL AND mentorship_id IS NOT NULL
    GROUP BY mentorship_id, author_id
);
CREATE UNIQUE INDEX feedback_once_per_author ON feedback (mentorship_id, author_id);
-- An admin's match is recorded on the mentorship: who matched (NULL for an accepted offer) and, when the
-- admin overrode the live matcher's checks (force:yes), which ones (comma-separated check names).
ALTER TABLE mentorships ADD COLUMN matched_by_admin BIGINT REFERENCES members(id) ON DELETE SET NULL;
ALTER TABLE mentorships ADD COLUMN forced TEXT;
-- Times are shown where people live: a mentor's profile zone becomes their member zone when none is known.
UPDATE members SET timezone = (SELECT p.timezone FROM mentor_profiles p WHERE p.member_id = members.id)
WHERE timezone IS NULL AND EXISTS (
    SELECT 1 FROM mentor_profiles p WHERE p.member_id = members.id AND p.timezone <> 'UTC'
);
