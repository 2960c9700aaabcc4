-- A request's and a course suggestion's id is never given again. SQLite gives a new row the highest id + 1, so
-- once the newest row was deleted (a member forgetting their data deletes their requests and their suggestions
-- not yet approved) the next row took its id: an admin's Approve button of the forgotten member's suggestion
-- (its id on the button) then approved another member's newer suggestion, and a request's id went on to name
-- another member's request (in its message key request:<id>, in what members type). AUTOINCREMENT keeps ids
-- rising, as 0015 made them for offers (PostgreSQL's sequences already do).
--
-- Offers, request_skills and mentorships refer to requests: dropping it with foreign keys on would delete the
-- offers and skills of every request and unlink every mentorship. The line below has the migration runner run
-- this script with foreign keys off, and check them all before it commits.
-- mentorbot: foreign keys off
--
-- Each table is made again exactly as it was (columns, defaults, CHECKs, references, indexes; no trigger or view
-- names either) but for AUTOINCREMENT, and its counter starts above every id it is still known by: its rows, the
-- message keys 'request:<id>' / 'suggestion:<id>' of message_refs and the outbox (only keys that are exactly the
-- prefix and 1 to 18 digits, so the number always fits an integer). It is never lowered.
CREATE TABLE requests_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    community TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'matched', 'cancelled', 'closed')),
    wait_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    matched_at TEXT
);
INSERT INTO requests_new (id, member_id, community, note, status, wait_reason, created_at, updated_at, matched_at)
SELECT id, member_id, community, note, status, wait_reason, created_at, updated_at, matched_at FROM requests;
DROP TABLE requests;
ALTER TABLE requests_new RENAME TO requests;
CREATE INDEX requests_by_member ON requests (member_id, status);
CREATE INDEX requests_by_status ON requests (community, status, created_at);
CREATE TABLE course_suggestions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community TEXT NOT NULL,
    member_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
    url TEXT NOT NULL,
    url_key TEXT NOT NULL,
    title TEXT NOT NULL,
    skills TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    reason TEXT
);
INSERT INTO course_suggestions_new (id, community, member_id, url, url_key, title, skills, note, status, created_at,
    decided_at, decided_by, reason)
SELECT id, community, member_id, url, url_key, title, skills, note, status, created_at, decided_at, decided_by, reason
FROM course_suggestions;
DROP TABLE course_suggestions;
ALTER TABLE course_suggestions_new RENAME TO course_suggestions;
CREATE UNIQUE INDEX one_live_suggestion_per_url ON course_suggestions (community, url_key)
    WHERE status <> 'rejected';
CREATE INDEX suggestions_by_status ON course_suggestions (community, status, id);
CREATE INDEX suggestions_by_member ON course_suggestions (member_id, created_at);
INSERT INTO sqlite_sequence (name, seq)
SELECT 'requests', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'requests');
UPDATE sqlite_sequence SET seq = MAX(
    seq,
    COALESCE((SELECT MAX(id) FROM requests), 0),
    COALESCE((SELECT MAX(CAST(substr(message_key, 9) AS INTEGER)) FROM message_refs
        WHERE substr(message_key, 1, 8) = 'request:' AND length(message_key) BETWEEN 9 AND 26
        AND substr(message_key, 9) NOT GLOB '*[^0-9]*'), 0),
    COALESCE((SELECT MAX(CAST(substr(message_key, 9) AS INTEGER)) FROM outbox
        WHERE substr(message_key, 1, 8) = 'request:' AND length(message_key) BETWEEN 9 AND 26
        AND substr(message_key, 9) NOT GLOB '*[^0-9]*'), 0)
) WHERE name = 'requests';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'course_suggestions', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'course_suggestions');
UPDATE sqlite_sequence SET seq = MAX(
    seq,
    COALESCE((SELECT MAX(id) FROM course_suggestions), 0),
    COALESCE((SELECT MAX(CAST(substr(message_key, 12) AS INTEGER)) FROM message_refs
        WHERE substr(message_key, 1, 11) = 'suggestion:' AND length(message_key) BETWEEN 12 AND 29
        AND substr(message_key, 12) NOT GLOB '*[^0-9]*'), 0),
    COALESCE((SELECT MAX(CAST(substr(message_key, 12) AS INTEGER)) FROM outbox
        WHERE substr(message_key, 1, 11) = 'suggestion:' AND length(message_key) BETWEEN 12 AND 29
        AND substr(message_key, 12) NOT GLOB '*[^0-9]*'), 0)
) WHERE name = 'course_suggestions';
