-- Indexes of the open rows alone, for what is asked at every metrics scrape and by every timer round's sweep:
-- waiting requests by reason (`observability.refresh`) and which communities have one (`communities_waiting`),
-- and the mentorships in progress (`mentorbot_mentorships_active`). Requests and mentorships are kept for the
-- stats, so without these each of those reads every request and mentorship ever made: a year-long simulation's
-- database read its whole history at each scrape (session 39). The status leads each, so that SQLite's planner,
-- which has no statistics, takes them for the status the queries name.
CREATE INDEX IF NOT EXISTS requests_waiting ON requests (status, community, wait_reason) WHERE status = 'waiting';
CREATE INDEX IF NOT EXISTS mentorships_active ON mentorships (status, community) WHERE status = 'active';
