-- Migration 0017 was changed after it first reached main (its table gained the generation count): a database
-- migrated by that first version is at version 17 with a library_reloads table that has no generation, and
-- every reload failed there. The table holds one counter, so it is made again in its current shape; a reload
-- counted before the upgrade is not needed, since every process restarts with the upgrade. From this version on,
-- each applied migration's checksum is recorded and checked (storage/migrations.py), so a script changed after
-- it was applied is refused, not trusted.
DROP TABLE IF EXISTS library_reloads;
CREATE TABLE library_reloads (
    name TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    reloaded_at TEXT NOT NULL
);
