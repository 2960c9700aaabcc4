-- An offer's id is never given again (0016 on SQLite raises its counter above every id an offer is still known
-- by). PostgreSQL's sequence never gives an id twice by itself, but a database filled by `mentorbot db copy`
-- before the copy carried the source's counters had its sequence set to the highest id present, so an offer
-- deleted before the copy could have its id given again. The sequence is raised here above every id an offer is
-- still known by: the offers themselves, their expiry timers (jobs of kind 'offer_expiry', ref_id the offer's id),
-- and the message keys 'offer:<id>' of message_refs and the outbox (only keys that are exactly 'offer:' and 1 to 18
-- digits, so the number always fits a bigint). It is never lowered, and it is left alone (not even one id used)
-- where it is above them all already, as on every database the old copy never filled. One line: the migration
-- runner splits scripts at semicolons that end a line.
DO $$ DECLARE seq text := pg_get_serial_sequence('offers', 'id'); given bigint; high bigint; BEGIN EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM %s', seq) INTO given; SELECT GREATEST((SELECT MAX(id) FROM offers), (SELECT MAX(ref_id) FROM jobs WHERE kind = 'offer_expiry'), (SELECT MAX(CAST(substr(message_key, 7) AS BIGINT)) FROM message_refs WHERE message_key ~ '^offer:[0-9]{1,18}$'), (SELECT MAX(CAST(substr(message_key, 7) AS BIGINT)) FROM outbox WHERE message_key ~ '^offer:[0-9]{1,18}$')) INTO high; IF high > given THEN PERFORM setval(seq, high); END IF; END $$;
