-- Issue 13: "offered before" becomes a cooldown, not a ban. A mentor may be offered the same request again, so
-- the (request, mentor) pair is no longer unique (one pending offer per request still is); each decided offer
-- keeps the kind of its reason (decline reasons of matching.eligibility, or 'paused' for a pause withdrawal);
-- a mentor's lapses (expired offers) count once per 24 hours; back_at is when the mentor last showed they are
-- around (resume, signup, an answer), which lifts a lapse's cooldown when no one else is eligible.
ALTER TABLE offers DROP CONSTRAINT IF EXISTS offers_request_id_mentor_id_key;
CREATE INDEX offers_by_request ON offers (request_id, mentor_id);
ALTER TABLE offers ADD COLUMN reason_kind TEXT;
ALTER TABLE mentor_profiles ADD COLUMN last_lapse_at TIMESTAMPTZ;
ALTER TABLE mentor_profiles ADD COLUMN back_at TIMESTAMPTZ;
