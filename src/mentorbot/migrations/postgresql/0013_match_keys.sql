-- Issue 18 (Match): each mentor_skills row carries what ranking needs to skip the mentors who cannot make the
-- top of a request, kept by triggers so that every write path (profile saved, paused, resumed, capacity,
-- places taken or freed, offers made) keeps it without code of its own:
--   match_open = 1 when the mentor may be offered anything (active, a free place);
--   match_key  = the row's level weight + the mentor's spare-places bonus (`matching.score`'s LEVEL_WEIGHT and
--                CAPACITY_BONUS: change them together, a test compares them). Every score of the mentor is at
--                most their best match_key among the skills asked + the language bonus + the best time zone
--                bonus, which is what `storage.candidates.top_rows` prunes by.
-- Nothing depending on the time of day (a time zone's offset changes with daylight saving time) is stored.
-- (Statements of the function bodies never end a line: the migration runner splits on a semicolon at a line end.)
ALTER TABLE mentor_skills ADD COLUMN match_open INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mentor_skills ADD COLUMN match_key DOUBLE PRECISION NOT NULL DEFAULT 0;
UPDATE mentor_skills s SET
    match_open = CASE WHEN p.status = 'active' AND p.active_count + p.pending_offers < p.capacity THEN 1 ELSE 0 END,
    match_key = (CASE s.level WHEN 'expert' THEN CAST(1.5 AS DOUBLE PRECISION) WHEN 'practitioner' THEN CAST(1.0 AS DOUBLE PRECISION) ELSE CAST(0.5 AS DOUBLE PRECISION) END)
        + CAST(0.2 AS DOUBLE PRECISION) * GREATEST(0, p.capacity - (p.active_count + p.pending_offers)) / p.capacity
    FROM mentor_profiles p WHERE p.member_id = s.member_id;
-- The open rows of a skill, best key first: the few first rows give a bar, the bar bounds the range read.
CREATE INDEX mentor_skills_open_by_key ON mentor_skills (skill, match_key DESC, member_id) WHERE match_open = 1;
CREATE FUNCTION mentorbot_match_row() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE p mentor_profiles%ROWTYPE; BEGIN SELECT * INTO p FROM mentor_profiles WHERE member_id = NEW.member_id; NEW.match_open := CASE WHEN p.status = 'active' AND p.active_count + p.pending_offers < p.capacity THEN 1 ELSE 0 END; NEW.match_key := (CASE NEW.level WHEN 'expert' THEN CAST(1.5 AS DOUBLE PRECISION) WHEN 'practitioner' THEN CAST(1.0 AS DOUBLE PRECISION) ELSE CAST(0.5 AS DOUBLE PRECISION) END) + CAST(0.2 AS DOUBLE PRECISION) * GREATEST(0, p.capacity - (p.active_count + p.pending_offers)) / p.capacity; RETURN NEW; END $$;
CREATE TRIGGER mentor_skills_match_row BEFORE INSERT OR UPDATE OF level, member_id ON mentor_skills FOR EACH ROW EXECUTE FUNCTION mentorbot_match_row();
CREATE FUNCTION mentorbot_match_profile() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE mentor_skills SET match_open = CASE WHEN NEW.status = 'active' AND NEW.active_count + NEW.pending_offers < NEW.capacity THEN 1 ELSE 0 END, match_key = (CASE level WHEN 'expert' THEN CAST(1.5 AS DOUBLE PRECISION) WHEN 'practitioner' THEN CAST(1.0 AS DOUBLE PRECISION) ELSE CAST(0.5 AS DOUBLE PRECISION) END) + CAST(0.2 AS DOUBLE PRECISION) * GREATEST(0, NEW.capacity - (NEW.active_count + NEW.pending_offers)) / NEW.capacity WHERE member_id = NEW.member_id; RETURN NULL; END $$;
-- Accepting an offer moves a place from pending to active (the sum is unchanged): no rewrite then.
CREATE TRIGGER mentor_profiles_match_keys AFTER UPDATE OF status, capacity, active_count, pending_offers ON mentor_profiles FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.capacity IS DISTINCT FROM NEW.capacity OR OLD.active_count + OLD.pending_offers IS DISTINCT FROM NEW.active_count + NEW.pending_offers) EXECUTE FUNCTION mentorbot_match_profile();
