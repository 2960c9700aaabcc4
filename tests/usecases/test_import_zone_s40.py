"""Session 40 (recipient hunt): a mentor added by ``mentorbot admin import-mentors`` with a ``timezone`` column is
told times in that zone.

The import wrote the zone into the mentor's profile only, not the member's row, which is where the notices read a
reader's zone (a zone typed with ``/mentor signup timezone:`` goes to both, and migration 0010 copied each profile's
zone into its member row for the same reason). So a mentor imported in Nairobi read "Answer by: … UTC" and "time
difference unknown (a time zone is missing)" in every offer, while their status showed Nairobi time. Now the import
gives the member row the zone too, unless the member chose one (``/mentor timezone``: theirs wins)."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.mentor_import import plan_import
from mentorbot.storage.migrations import available_migrations, split_statements
from tests.usecases.conftest import COMMUNITY, to

Who = Callable[..., Caller]
EN = translator("en")


async def test_an_imported_mentors_offer_is_in_their_zone(bot: MentorBot, who: Who) -> None:
    csv = "user_id,name,skills,levels,timezone\nU-baraka,Baraka,seo,expert,Africa/Nairobi\n"
    plan = plan_import(csv, bot, EN, community=COMMUNITY)
    assert not plan.errors, plan.errors
    await bot.store.import_mentors(COMMUNITY, plan.entries, bot.clock.now())
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    text = offer.reply.text + " ".join(f"{f.name} {f.value}" for f in offer.reply.fields)
    assert "(Africa/Nairobi)" in text and " UTC" not in text, text


async def test_a_zone_the_member_chose_is_kept(bot: MentorBot, who: Who) -> None:
    await bot.set_timezone(who("baraka"), timezone="Europe/London")
    csv = "user_id,name,skills,levels,timezone\nU-baraka,Baraka,seo,expert,Africa/Nairobi\n"
    plan = plan_import(csv, bot, EN, community=COMMUNITY)
    await bot.store.import_mentors(COMMUNITY, plan.entries, bot.clock.now())
    member = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert member is not None and member.timezone == "Europe/London"


async def test_migration_0027_gives_mentors_imported_before_their_zone(bot: MentorBot, who: Who) -> None:
    """Mentors imported before the fix have no member zone: 0027 gives them their profile's, as 0010 did (run here on
    a database in that state, both engines); a member with a zone, or a mentor with none given, is left as is."""
    csv = "user_id,name,skills,levels,timezone\nU-baraka,Baraka,seo,expert,Africa/Nairobi\nU-chao,Chao,seo,expert,\n"
    plan = plan_import(csv, bot, EN, community=COMMUNITY)
    await bot.store.import_mentors(COMMUNITY, plan.entries, bot.clock.now())
    await bot.set_timezone(who("juma"), timezone="Europe/London")
    async with bot.store.transaction() as conn:
        await conn.execute("UPDATE members SET timezone = NULL WHERE platform_user_id = ?", "U-baraka")
    [migration] = [m for m in available_migrations(bot.store.db.dialect) if m.version == 27]
    async with bot.store.transaction() as conn:
        for statement in split_statements(migration.sql):
            await conn.execute(statement)
    zones = {}
    for user in ("U-baraka", "U-chao", "U-juma"):
        member = await bot.store.find_member(COMMUNITY, user)
        assert member is not None
        zones[user] = member.timezone
    assert zones == {"U-baraka": "Africa/Nairobi", "U-chao": None, "U-juma": "Europe/London"}


async def test_a_zone_corrected_by_a_second_import_reaches_the_offers(bot: MentorBot, who: Who) -> None:
    """The day's review: the first import's zone looked like one the member chose, so a second import correcting it
    moved the profile and left the member row (and the offers) in the old zone. A member zone that is the profile's
    previous one follows the profile."""
    for zone in ("Africa/Nairobi", "Africa/Lagos"):
        csv = f"user_id,name,skills,levels,timezone\nU-baraka,Baraka,seo,expert,{zone}\n"
        plan = plan_import(csv, bot, EN, community=COMMUNITY)
        await bot.store.import_mentors(COMMUNITY, plan.entries, bot.clock.now())
    member = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert member is not None and member.timezone == "Africa/Lagos"
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    assert "(Africa/Lagos)" in offer.reply.plain_text
