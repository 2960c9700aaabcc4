-- Issue 18 (Match): each mentor_skills row carries what ranking needs to skip the mentors who cannot make the
-- top of a request, kept by triggers so that every write path (profile saved, paused, resumed, capacity,
-- places taken or freed, offers made) keeps it without code of its own:
--   match_open = 1 when the mentor may be offered anything (active, a free place);
--   match_key  = the row's level weight + the mentor's spare-places bonus (`matching.score`'s LEVEL_WEIGHT and
--                CAPACITY_BONUS: change them together, a test compares them). Every score of the mentor is at
--                most their best match_key among the skills asked + the language bonus + the best time zone
--                bonus, which is what `storage.candidates.top_rows` prunes by.
-- Nothing depending on the time of day (a time zone's offset changes with daylight saving time) is stored.
ALTER TABLE mentor_skills ADD COLUMN match_open INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mentor_skills ADD COLUMN match_key REAL NOT NULL DEFAULT 0;
UPDATE mentor_skills SET
    match_open = (SELECT p.status = 'active' AND p.active_count + p.pending_offers < p.capacity
                  FROM mentor_profiles p WHERE p.member_id = mentor_skills.member_id),
    match_key = (CASE level WHEN 'expert' THEN 1.5 WHEN 'practitioner' THEN 1.0 ELSE 0.5 END)
        + (SELECT 0.2 * MAX(0, p.capacity - (p.active_count + p.pending_offers)) / p.capacity
           FROM mentor_profiles p WHERE p.member_id = mentor_skills.member_id);
-- The open rows of a skill, best key first: the few first rows give a bar, the bar bounds the range read.
CREATE INDEX mentor_skills_open_by_key ON mentor_skills (skill, match_key DESC, member_id) WHERE match_open = 1;
CREATE TRIGGER mentor_skills_match_insert AFTER INSERT ON mentor_skills BEGIN UPDATE mentor_skills SET match_open = (SELECT p.status = 'active' AND p.active_count + p.pending_offers < p.capacity FROM mentor_profiles p WHERE p.member_id = NEW.member_id), match_key = (CASE NEW.level WHEN 'expert' THEN 1.5 WHEN 'practitioner' THEN 1.0 ELSE 0.5 END) + (SELECT 0.2 * MAX(0, p.capacity - (p.active_count + p.pending_offers)) / p.capacity FROM mentor_profiles p WHERE p.member_id = NEW.member_id) WHERE member_id = NEW.member_id AND skill = NEW.skill; END;
CREATE TRIGGER mentor_skills_match_level AFTER UPDATE OF level ON mentor_skills BEGIN UPDATE mentor_skills SET match_key = (CASE NEW.level WHEN 'expert' THEN 1.5 WHEN 'practitioner' THEN 1.0 ELSE 0.5 END) + (SELECT 0.2 * MAX(0, p.capacity - (p.active_count + p.pending_offers)) / p.capacity FROM mentor_profiles p WHERE p.member_id = NEW.member_id) WHERE member_id = NEW.member_id AND skill = NEW.skill; END;
-- Accepting an offer moves a place from pending to active (the sum is unchanged): no rewrite then.
CREATE TRIGGER mentor_profiles_match_keys AFTER UPDATE OF status, capacity, active_count, pending_offers ON mentor_profiles WHEN OLD.status IS NOT NEW.status OR OLD.capacity IS NOT NEW.capacity OR OLD.active_count + OLD.pending_offers IS NOT NEW.active_count + NEW.pending_offers BEGIN UPDATE mentor_skills SET match_open = (NEW.status = 'active' AND NEW.active_count + NEW.pending_offers < NEW.capacity), match_key = (CASE level WHEN 'expert' THEN 1.5 WHEN 'practitioner' THEN 1.0 ELSE 0.5 END) + 0.2 * MAX(0, NEW.capacity - (NEW.active_count + NEW.pending_offers)) / NEW.capacity WHERE member_id = NEW.member_id; END;
