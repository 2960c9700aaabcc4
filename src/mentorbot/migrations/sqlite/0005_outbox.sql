-- The outbox: every notification a use-case or a timer produces, written in the same transaction as the change
-- it announces, then delivered (and marked so) by the process that made it, or, if that process died first,
-- by any process once its lease has run out. A forgotten member's pending notices go with them.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    platform_user_id TEXT NOT NULL,
    community TEXT NOT NULL,
    language TEXT NOT NULL,
    message_key TEXT,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    claimed_by TEXT,
    claimed_until TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX outbox_pending ON outbox (status, claimed_until);
