-- A mentor's exclusion of a member ("not this person", or "not my skill" for some skills: docs/matching.md rule 5)
-- outlives the forget of that member (`storage.privacy.forget_member`): the forget deletes the member's requests and
-- their offers, which held the pair's history, and a member a mentor had declined for good could forget their data,
-- ask again and be offered to that mentor at once. One row per mentor and kind, and nothing that names the member:
-- `member_key` is the SHA-256 of the community and their platform user id (`storage.privacy.forgotten_member_key`),
-- read when the same platform user comes back as a new member (`storage.candidates.pair_history`). `skills`: the
-- declined requests' skills, comma-joined, for "not my skill" (the exclusion is per skill); empty for "not this
-- person". `decided_at`: the latest such decline. The rows go with the mentor (forgetting them deletes theirs).
CREATE TABLE IF NOT EXISTS forgotten_exclusions (
    community TEXT NOT NULL,
    member_key TEXT NOT NULL,
    mentor_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    reason_kind TEXT NOT NULL,
    skills TEXT NOT NULL DEFAULT '',
    decided_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (community, member_key, mentor_id, reason_kind)
);
CREATE INDEX IF NOT EXISTS forgotten_exclusions_by_mentor ON forgotten_exclusions (mentor_id);
