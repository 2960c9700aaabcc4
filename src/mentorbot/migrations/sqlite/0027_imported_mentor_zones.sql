-- Session 40: `mentorbot admin import-mentors` wrote a mentor's time zone into their profile only, not their member
-- row, where every notice reads its reader's zone: imported mentors read their offers' deadlines in UTC. The import
-- now writes both; the mentors imported before get their profile's zone as their member zone when none is known,
-- as 0010 gave it to the mentors of its day.
UPDATE members SET timezone = (SELECT p.timezone FROM mentor_profiles p WHERE p.member_id = members.id)
WHERE timezone IS NULL AND EXISTS (
    SELECT 1 FROM mentor_profiles p WHERE p.member_id = members.id AND p.timezone <> 'UTC'
);
