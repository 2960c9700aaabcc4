-- An offer's id is never given again, also when the offer was deleted before 0015. 0015 rebuilt offers with
-- AUTOINCREMENT, but its counter started at the highest id still present: an offer deleted before the upgrade
-- (its requester forgotten) left its id free, and the next offer took it, with its message key offer:<id>, so the
-- deleted offer's direct message was edited into the new one. The counter is raised here above every id an
-- offer is still known by: the offers themselves, their expiry timers (jobs of kind 'offer_expiry', ref_id the
-- offer's id), and the message keys 'offer:<id>' of message_refs and the outbox (only keys that are exactly
-- 'offer:' and 1 to 18 digits, so the number always fits an integer). It is never lowered.
INSERT INTO sqlite_sequence (name, seq)
SELECT 'offers', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'offers');
UPDATE sqlite_sequence SET seq = MAX(
    seq,
    COALESCE((SELECT MAX(id) FROM offers), 0),
    COALESCE((SELECT MAX(ref_id) FROM jobs WHERE kind = 'offer_expiry'), 0),
    COALESCE((SELECT MAX(CAST(substr(message_key, 7) AS INTEGER)) FROM message_refs
        WHERE substr(message_key, 1, 6) = 'offer:' AND length(message_key) BETWEEN 7 AND 24
        AND substr(message_key, 7) NOT GLOB '*[^0-9]*'), 0),
    COALESCE((SELECT MAX(CAST(substr(message_key, 7) AS INTEGER)) FROM outbox
        WHERE substr(message_key, 1, 6) = 'offer:' AND length(message_key) BETWEEN 7 AND 24
        AND substr(message_key, 7) NOT GLOB '*[^0-9]*'), 0)
) WHERE name = 'offers';
