-- When an admin last reloaded the skills and courses files (`/mentor-admin reload`). The process that answered
-- the command reloaded them at once; every other process (Slack HTTP workers, Discord shards) compares this time
-- with its own and reloads too, within a minute (`usecases.timers`). One row, named 'library'.
CREATE TABLE library_reloads (
    name TEXT PRIMARY KEY,
    reloaded_at TEXT NOT NULL
);
