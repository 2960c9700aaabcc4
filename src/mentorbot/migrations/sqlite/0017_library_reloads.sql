-- How many times an admin reloaded the skills and courses files (`/mentor-admin reload`), and when last. The
-- process that answered the command reloaded them at once; every other process (Slack HTTP workers, Discord
-- shards) compares the count with the one its files include and reloads too, within a minute
-- (`usecases.library_follow`). A count the database increments: no two processes' clocks are compared. One row,
-- named 'library'.
CREATE TABLE library_reloads (
    name TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    reloaded_at TEXT NOT NULL
);
