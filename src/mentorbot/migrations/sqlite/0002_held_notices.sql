-- Notices that could not be delivered by direct message (DMs closed): shown the next time the member
-- uses a command.
CREATE TABLE held_notices (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX held_notices_by_member ON held_notices (member_id, id);
