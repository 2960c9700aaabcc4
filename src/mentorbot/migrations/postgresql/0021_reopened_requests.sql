-- When a matched request last went back on the waitlist because its mentorship ended with its mentor forgotten
-- (`storage.privacy._reopen`), one row per such request; none: it has waited since `requests.created_at`. The time
-- to match of the stats, the days chart and the weekly digest runs from COALESCE(reopened_at, created_at)
-- (`storage.insight.WAITING_SINCE`): before, a request matched again an hour after a six-week mentorship counted
-- six weeks. Requests from before have no row (their figures as they were). A table of its own, not a column of
-- requests: adding a column changes what `SELECT * FROM requests` returns, and every PostgreSQL connection that
-- had prepared such a statement (another process still running while one upgrades) would fail it once.
CREATE TABLE IF NOT EXISTS reopened_requests (
    request_id BIGINT PRIMARY KEY REFERENCES requests(id) ON DELETE CASCADE,
    reopened_at TIMESTAMPTZ NOT NULL
);
