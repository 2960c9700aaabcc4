-- Held notices (a direct message that could not be delivered: DMs closed) become outbox rows in the 'held'
-- state, shown with the member's next reply, instead of a table of their own.
CREATE INDEX outbox_by_member ON outbox (member_id, status);
INSERT INTO outbox (member_id, platform_user_id, community, language, message_key, payload, status, created_at)
SELECT h.member_id, m.platform_user_id, m.community, COALESCE(m.language, ''), NULL, h.payload, 'held', h.created_at
FROM held_notices h JOIN members m ON m.id = h.member_id ORDER BY h.id;
DROP TABLE held_notices;
