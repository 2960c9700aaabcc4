-- Session 41: a lapse is a fact of its own, one row per offer that lapsed against its mentor: its expiry ran on time
-- (within MENTORBOT_LATE_EXPIRY_GRACE_MINUTES of its deadline) and its message had reached them (not 'undelivered';
-- `OfferStore.expire_offer`), at the time the expiry ran. The row stays when the mentor answers after the expiry
-- (a late decline makes the offer declined: the lapse is not undone, docs/matching.md rule 10) and goes when the
-- answer was recorded before the deadline (in time: no lapse; an in-time accept accepts the offer itself). The
-- admins' weekly digest counts lapses from it, whatever the offer's status became: before, it counted the offers
-- still 'expired', so a late decline took the lapses that paused a mentor out of it. The offers expired before get
-- a row at their expiry's time, as the digest counted them (its own lateness test still applies to those). A table
-- of its own, not a column of offers, as 0021's: a column changes what `SELECT * FROM offers` returns, and every
-- PostgreSQL connection that had prepared such a statement (another process still running while one upgrades)
-- would fail it once. `paused`: this lapse's expiry paused the mentor (an in-time answer takes that pause back
-- with the lapse, `offers._forgive_lapse`).
CREATE TABLE IF NOT EXISTS offer_lapses (
    offer_id BIGINT PRIMARY KEY REFERENCES offers(id) ON DELETE CASCADE,
    lapsed_at TIMESTAMPTZ NOT NULL,
    paused BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX IF NOT EXISTS offer_lapses_by_time ON offer_lapses (lapsed_at);
INSERT INTO offer_lapses (offer_id, lapsed_at)
SELECT id, decided_at FROM offers
WHERE status = 'expired' AND decided_at IS NOT NULL AND COALESCE(reason_kind, '') <> 'undelivered'
ON CONFLICT (offer_id) DO NOTHING;
