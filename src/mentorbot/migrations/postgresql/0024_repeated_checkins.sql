-- A mentorship is checked in on again every `MENTORBOT_CHECKIN_REPEAT_DAYS` while it lasts (`timers.send_checkin`),
-- not only once. How many check-ins an active mentorship has had, from the second on: each later one is a direct
-- message of its own, keyed ``checkin:<id>:<n>`` (the first keeps ``checkin:<id>``), so that it is posted anew
-- rather than edited into the first (an edit makes no sound). No row: none or one (`mentorships.checkin_sent_at`
-- says which; it holds the time of the latest check-in). A table of its own, not a column of mentorships: adding
-- a column changes what `SELECT * FROM mentorships` returns, and every PostgreSQL connection that had prepared such
-- a statement (another process still running while one upgrades) would fail it once (as 0021).
CREATE TABLE IF NOT EXISTS mentorship_checkins (
    mentorship_id BIGINT PRIMARY KEY REFERENCES mentorships(id) ON DELETE CASCADE,
    sent INTEGER NOT NULL CHECK (sent >= 2)
);
