-- Where each keyed direct message (offer:42, request:7, mentorship:3) was posted, so that any process (another
-- worker, a shard, the same one restarted) edits it instead of posting a new one. `location` is the adapter's
-- own encoding (Slack: channel:ts; Discord: DM channel id:message id). A forgotten member's refs go with them.
CREATE TABLE message_refs (
    community TEXT NOT NULL,
    platform_user_id TEXT NOT NULL,
    message_key TEXT NOT NULL,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    location TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    PRIMARY KEY (community, platform_user_id, message_key)
);
CREATE INDEX message_refs_by_member ON message_refs (member_id);
CREATE INDEX message_refs_by_age ON message_refs (stored_at);
