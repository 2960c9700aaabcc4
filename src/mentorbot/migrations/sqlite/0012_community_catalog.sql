-- Issue 15: the community curates its catalog. Members suggest resources (an admin approves or rejects each;
-- approved ones join the community's catalog on top of the file), and mark resources helpful or not: one vote
-- per member per resource (the primary key), changeable (an upsert). `resource` is a course id of the file
-- catalog or `community-<suggestion id>`.
CREATE TABLE course_suggestions (
    id INTEGER PRIMARY KEY,
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
CREATE UNIQUE INDEX one_live_suggestion_per_url ON course_suggestions (community, url_key)
    WHERE status <> 'rejected';
CREATE INDEX suggestions_by_status ON course_suggestions (community, status, id);
CREATE INDEX suggestions_by_member ON course_suggestions (member_id, created_at);

CREATE TABLE resource_votes (
    community TEXT NOT NULL,
    resource TEXT NOT NULL,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    voted_at TEXT NOT NULL,
    PRIMARY KEY (community, resource, member_id)
);
CREATE INDEX votes_by_member ON resource_votes (member_id);
