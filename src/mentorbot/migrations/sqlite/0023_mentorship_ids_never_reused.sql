-- A mentorship's id is never given again. Its id is on the check-in and end buttons of both members' direct
-- messages and in what they type (/mentor end 12). Mentorship rows are never deleted (a forget keeps them,
-- anonymous), so SQLite's "highest id + 1" gave no id twice until a database went back in time: after
-- `mentorbot db restore` of an older backup, the mentorships made since the backup had their ids given again, and
-- an old End or check-in button of one then acted on another pair's mentorship. `db restore` raises each
-- AUTOINCREMENT counter above the replaced database's; this makes mentorships one of them, as 0015 and 0019 did for
-- offers, requests and suggestions (PostgreSQL's sequences already never give an id twice).
--
-- Feedback refers to mentorships: the line below has the migration runner run this script with foreign keys off,
-- and check them all before it commits.
-- mentorbot: foreign keys off
--
-- The table is made again exactly as it was (columns in their order, defaults, CHECKs, references, indexes) but
-- for AUTOINCREMENT, and its counter starts above every id it is still known by: its rows, the message keys
-- 'mentorship:<id>' of message_refs and the outbox (only keys that are exactly the prefix and 1 to 18 digits) and
-- the check-in timers. It is never lowered.
CREATE TABLE mentorships_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id INTEGER UNIQUE REFERENCES requests(id) ON DELETE SET NULL,
    mentor_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
    mentee_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
    community TEXT NOT NULL,
    skills TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'ended')),
    started_at TEXT NOT NULL,
    ended_at TEXT,
    checkin_sent_at TEXT,
    matched_by_admin INTEGER REFERENCES members(id) ON DELETE SET NULL,
    forced TEXT
);
INSERT INTO mentorships_new (id, request_id, mentor_id, mentee_id, community, skills, status, started_at, ended_at,
    checkin_sent_at, matched_by_admin, forced)
SELECT id, request_id, mentor_id, mentee_id, community, skills, status, started_at, ended_at, checkin_sent_at,
    matched_by_admin, forced FROM mentorships;
-- A counter a restore wrote for the old table (`db restore` of a backup older than this: SQLite kept it, unread)
-- becomes the new table's, so that the rename leaves one row for 'mentorships'.
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT MAX(seq) FROM sqlite_sequence WHERE name = 'mentorships'), 0))
WHERE name = 'mentorships_new';
DELETE FROM sqlite_sequence WHERE name = 'mentorships';
DROP TABLE mentorships;
ALTER TABLE mentorships_new RENAME TO mentorships;
CREATE INDEX mentorships_by_mentor ON mentorships (mentor_id, status);
CREATE INDEX mentorships_by_mentee ON mentorships (mentee_id, status);
CREATE INDEX mentorships_by_mentee_started ON mentorships (mentee_id, started_at, mentor_id);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'mentorships', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'mentorships');
UPDATE sqlite_sequence SET seq = MAX(
    seq,
    COALESCE((SELECT MAX(id) FROM mentorships), 0),
    COALESCE((SELECT MAX(ref_id) FROM jobs WHERE kind = 'checkin'), 0),
    COALESCE((SELECT MAX(CAST(substr(message_key, 12) AS INTEGER)) FROM message_refs
        WHERE substr(message_key, 1, 11) = 'mentorship:' AND length(message_key) BETWEEN 12 AND 29
        AND substr(message_key, 12) NOT GLOB '*[^0-9]*'), 0),
    COALESCE((SELECT MAX(CAST(substr(message_key, 12) AS INTEGER)) FROM outbox
        WHERE substr(message_key, 1, 11) = 'mentorship:' AND length(message_key) BETWEEN 12 AND 29
        AND substr(message_key, 12) NOT GLOB '*[^0-9]*'), 0)
) WHERE name = 'mentorships';
-- A backup older than 0019 restored since then had counters written for requests and suggestions before 0019 made
-- them AUTOINCREMENT, and kept a second row of each after 0019's rename: one row per table, the highest, is kept.
DELETE FROM sqlite_sequence WHERE EXISTS (SELECT 1 FROM sqlite_sequence AS other WHERE other.name = sqlite_sequence.name
    AND (other.seq > sqlite_sequence.seq OR (other.seq = sqlite_sequence.seq AND other.rowid > sqlite_sequence.rowid)));
