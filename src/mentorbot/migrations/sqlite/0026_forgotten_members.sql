-- A forget's record (`storage.privacy.forget_member`, in the forget's own transaction): that a member was forgotten,
-- and when, so that a restore of a backup made before it forgets them again (`storage.copying.sqlite_restore`;
-- `mentorbot db raise-ids` lists them on PostgreSQL) and forgets nobody else: a member merely missing from the database
-- a restore replaces is not taken for one forgotten. Nothing that names the member: `member_key` is the SHA-256 of the
-- community and their platform user id (`storage.privacy.forgotten_member_key`, as `forgotten_exclusions` keeps it).
-- `forgotten_at`: the latest forget of that platform user (a forget made again by a restore keeps the first's time).
-- The rows are the record itself: no forget erases them, and a restore carries those of the database it replaces.
CREATE TABLE IF NOT EXISTS forgotten_members (
    community TEXT NOT NULL,
    member_key TEXT NOT NULL,
    forgotten_at TEXT NOT NULL,
    PRIMARY KEY (community, member_key)
);
