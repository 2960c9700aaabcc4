-- Session 41: what each process sharing the database runs with, so that they find out when they disagree
-- (`storage.fingerprints`, `usecases.library_follow`). Each process writes its row at start-up and at each
-- once-a-minute look (`worker_id`: its name in leases), and compares it with the rows of the others seen in the
-- last few minutes: the programme settings that must be the same everywhere (`settings`: JSON, setting name to
-- value as text; never a token nor the database URL) and the SHA-256 of the skills and courses files in service,
-- `digest` summing them up. A process that stops cleanly deletes its row; a row no process refreshed lately counts
-- for nothing, and one a day old is deleted by the next look.
CREATE TABLE IF NOT EXISTS process_fingerprints (
    worker_id TEXT PRIMARY KEY,
    seen_at TEXT NOT NULL,
    digest TEXT NOT NULL,
    settings TEXT NOT NULL
);
