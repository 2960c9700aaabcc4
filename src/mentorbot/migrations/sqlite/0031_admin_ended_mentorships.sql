-- Session 44: the admin who ended a mentorship (`/mentor-admin end`), as 0010's `matched_by_admin` keeps the admin
-- who matched one: an admin's end was not told apart from a party's in the export (`mentorships.csv`, its
-- `ended_by_admin`). One row per mentorship an admin ended from now on; none when a party ended it. `admin_id` is
-- NULL once that admin's member row goes. A table of its own, not a column of mentorships, as 0029's: a column
-- changes what `SELECT * FROM mentorships` returns, which a process still running while another upgrades had
-- prepared.
CREATE TABLE IF NOT EXISTS admin_ended_mentorships (
    mentorship_id INTEGER PRIMARY KEY REFERENCES mentorships(id) ON DELETE CASCADE,
    admin_id INTEGER REFERENCES members(id) ON DELETE SET NULL
);
