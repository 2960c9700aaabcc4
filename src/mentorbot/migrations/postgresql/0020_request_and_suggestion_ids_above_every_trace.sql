-- A request's and a course suggestion's id is never given again, on databases the old `db copy` filled too (as
-- 0016 did for offers). PostgreSQL's sequences never give an id twice by themselves, but a database filled by
-- `mentorbot db copy` before the copy carried the source's counters had each sequence set to the highest id
-- present: a request or suggestion deleted before the copy (a member's forget deletes both) could have its id
-- given again, and an admin's stale Approve of a forgotten member's suggestion then approved another member's.
-- Each sequence is raised above every id its rows are still known by: the rows themselves and the message keys
-- 'request:<id>' / 'suggestion:<id>' of message_refs and the outbox (only keys that are exactly the prefix and 1
-- to 18 digits, so the number always fits a bigint). It is never lowered, and it is left alone (not even one id
-- used) where it is above them all already, as on every database the old copy never filled. One statement per
-- line: the migration runner splits scripts at semicolons that end a line.
DO $$ DECLARE seq text := pg_get_serial_sequence('requests', 'id'); given bigint; high bigint; BEGIN EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM %s', seq) INTO given; SELECT GREATEST((SELECT MAX(id) FROM requests), (SELECT MAX(CAST(substr(message_key, 9) AS BIGINT)) FROM message_refs WHERE message_key ~ '^request:[0-9]{1,18}$'), (SELECT MAX(CAST(substr(message_key, 9) AS BIGINT)) FROM outbox WHERE message_key ~ '^request:[0-9]{1,18}$')) INTO high; IF high > given THEN PERFORM setval(seq, high); END IF; END $$;
DO $$ DECLARE seq text := pg_get_serial_sequence('course_suggestions', 'id'); given bigint; high bigint; BEGIN EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM %s', seq) INTO given; SELECT GREATEST((SELECT MAX(id) FROM course_suggestions), (SELECT MAX(CAST(substr(message_key, 12) AS BIGINT)) FROM message_refs WHERE message_key ~ '^suggestion:[0-9]{1,18}$'), (SELECT MAX(CAST(substr(message_key, 12) AS BIGINT)) FROM outbox WHERE message_key ~ '^suggestion:[0-9]{1,18}$')) INTO high; IF high > given THEN PERFORM setval(seq, high); END IF; END $$;
