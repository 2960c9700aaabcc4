-- An offer's id is never given again. SQLite gives a new row the highest id + 1, so once the newest offer was
-- deleted (a member forgetting their data deletes the offers of their requests) the next offer took its id, and
-- with it its message key (offer:<id>): a mentor who had the deleted offer's message saw it edited into the new
-- offer, without a new message to alert them. AUTOINCREMENT keeps ids rising (PostgreSQL's sequences already do).
-- No other table refers to offers, so the table is rebuilt as in 0011.
CREATE TABLE offers_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
    decline_reason, reason_kind)
SELECT id, request_id, mentor_id, status, score, explanation, created_at, expires_at, decided_at, decline_reason,
    reason_kind
FROM offers;
DROP TABLE offers;
ALTER TABLE offers_new RENAME TO offers;
CREATE INDEX offers_by_mentor ON offers (mentor_id, status);
CREATE INDEX offers_by_request ON offers (request_id, mentor_id);
CREATE UNIQUE INDEX one_pending_offer_per_request ON offers (request_id) WHERE status = 'pending';
