-- The inbox: a platform event (a Slack slash command) is recorded here before it is acknowledged, claimed by
-- the process that received it; processing marks it done in the same transaction as the use-case's changes.
-- A process that dies in between leaves it pending: once its lease runs out, any process serving the
-- community processes it. The unique event id also recognises a redelivery.
CREATE TABLE inbox (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    community TEXT NOT NULL,
    platform_user_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    claimed_by TEXT,
    claimed_until TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX inbox_pending ON inbox (status, claimed_until);
