-- MentorBot schema, version 1 (SQLite). Timestamps are ISO-8601 UTC text with microseconds.
CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    community TEXT NOT NULL,
    platform_user_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    language TEXT,
    timezone TEXT,
    last_channel TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (community, platform_user_id)
);

CREATE TABLE mentor_profiles (
    member_id INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 10),
    bio TEXT NOT NULL DEFAULT '',
    timezone TEXT NOT NULL DEFAULT 'UTC',
    languages TEXT NOT NULL DEFAULT 'en',
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    paused_until TEXT,
    pause_reason TEXT,
    active_count INTEGER NOT NULL DEFAULT 0 CHECK (active_count >= 0),
    pending_offers INTEGER NOT NULL DEFAULT 0 CHECK (pending_offers >= 0),
    expired_streak INTEGER NOT NULL DEFAULT 0,
    last_offered_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE mentor_skills (
    member_id INTEGER NOT NULL REFERENCES mentor_profiles(member_id) ON DELETE CASCADE,
    skill TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('learning', 'practitioner', 'expert')),
    PRIMARY KEY (member_id, skill)
);
CREATE INDEX mentor_skills_by_skill ON mentor_skills (skill, member_id, level);

CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    community TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'matched', 'cancelled', 'closed')),
    wait_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    matched_at TEXT
);
CREATE INDEX requests_by_member ON requests (member_id, status);
CREATE INDEX requests_by_status ON requests (community, status, created_at);

CREATE TABLE request_skills (
    request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    skill TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (request_id, skill)
);
CREATE INDEX request_skills_by_skill ON request_skills (skill);

CREATE TABLE offers (
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
    UNIQUE (request_id, mentor_id)
);
CREATE INDEX offers_by_mentor ON offers (mentor_id, status);
CREATE UNIQUE INDEX one_pending_offer_per_request ON offers (request_id) WHERE status = 'pending';

CREATE TABLE mentorships (
    id INTEGER PRIMARY KEY,
    request_id INTEGER UNIQUE REFERENCES requests(id) ON DELETE SET NULL,
    mentor_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
    mentee_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
    community TEXT NOT NULL,
    skills TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'ended')),
    started_at TEXT NOT NULL,
    ended_at TEXT,
    checkin_sent_at TEXT
);
CREATE INDEX mentorships_by_mentor ON mentorships (mentor_id, status);
CREATE INDEX mentorships_by_mentee ON mentorships (mentee_id, status);

CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    mentorship_id INTEGER REFERENCES mentorships(id) ON DELETE SET NULL,
    author_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
    community TEXT NOT NULL,
    skills TEXT NOT NULL,
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    comment TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'cancelled')),
    claimed_by TEXT,
    claimed_until TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (kind, ref_id)
);
CREATE INDEX jobs_due ON jobs (status, due_at);

CREATE TABLE processed_events (
    event_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
