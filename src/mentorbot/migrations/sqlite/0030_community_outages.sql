-- Session 41: the times a community was out of MentorBot's reach, one row each: the Discord bot removed from the
-- server (GUILD_DELETE), the Slack app uninstalled or its tokens revoked (`usecases.outages`), from `since` until it
-- was back (`until`: the bot added back, GUILD_CREATE; a Slack process started with a working token), NULL while it
-- lasts (one open row per community at most). An offer whose life (made, deadline) overlaps one expires as no lapse
-- of its mentor's (`OfferStore.expire_offer`): they could not answer it. A table of its own, as 0029's.
CREATE TABLE IF NOT EXISTS community_outages (
    community TEXT NOT NULL,
    since TEXT NOT NULL,
    until TEXT,
    PRIMARY KEY (community, since)
);
CREATE UNIQUE INDEX IF NOT EXISTS community_outages_open ON community_outages (community) WHERE until IS NULL;
