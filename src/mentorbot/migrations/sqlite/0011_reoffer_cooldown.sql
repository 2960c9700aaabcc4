-- Issue 13: "offered before" becomes a cooldown, not a ban. A mentor may be offered the same request again, so
-- the (request, mentor) pair is no longer unique (one pending offer per request still is); each decided offer
-- keeps the kind of its reason (decline reasons of matching.eligibility, or 'paused' for a pause withdrawal);
-- a mentor's lapses (expired offers) count once per 24 hours; back_at is when the mentor last showed they are
-- around (resume, signup, an answer), which lifts a lapse's cooldown when no one else is eligible.
CREATE TABLE offers_new (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    mentor_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')),
    score REAL NOT NULL,
    explanation TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    decided_at TEXT,
    decline_reason TEXT,
    reason_kind TEXT
);
INSERT INTO offers_new (id, request_id, mentor_id, status, score, explanation, created_at, expires_at, decided_at,
    decline_reason)
SELECT id, request_id, mentor_id, status, score, explanation, created_at, expires_at, decided_at, decline_reason
FROM offers;
DROP TABLE offers;
ALTER TABLE offers_new RENAME TO offers;
CREATE INDEX offers_by_mentor ON offers (mentor_id, status);
CREATE INDEX offers_by_request ON offers (request_id, mentor_id);
CREATE UNIQUE INDEX one_pending_offer_per_request ON offers (request_id) WHERE status = 'pending';
ALTER TABLE mentor_profiles ADD COLUMN last_lapse_at TEXT;
ALTER TABLE mentor_profiles ADD COLUMN back_at TEXT;
