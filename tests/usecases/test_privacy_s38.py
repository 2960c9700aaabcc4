"""Session 38's privacy fixes (both engines).

An answer held for later (a Slack command recovered after a crash, answered by DM, the DM refused: `hold_again`) is
written with a key of its own under ``late-answer:``, which the forget searches as it searches the admins' notices:
one that names a forgotten member by their display name (an admin's waitlist) or quotes what they typed (a decline
reason in the admin's stats) goes. Late answers never supersede each other, and a notice held again keeps the key
it had (an ordinary one is not searched for a display name).

A mentee's own export does not say which checks an admin's forced match overrode (``forced`` is null: ``excluded``
would tell them the mentor had declined them as "not this person"); the mentor's export keeps it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.replies import Reply, reply_to_json
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
ZZ = Caller(COMMUNITY, "U-ZZYZX", "Zzyzx Quokkafeather")


async def outbox(bot: MentorBot) -> list[tuple[str, str | None, str]]:
    async with bot.store.db.read() as conn:
        rows = await conn.fetch_all("SELECT status, message_key, payload FROM outbox ORDER BY id")
    return [(str(r["status"]), r["message_key"], str(r["payload"])) for r in rows]


def holding(rows: list[tuple[str, str | None, str]], word: str) -> list[tuple[str, str | None, str]]:
    return [row for row in rows if word in row[2]]


async def test_a_held_late_waitlist_naming_a_forgotten_member_goes(bot: MentorBot, who: Who) -> None:
    admin = who("admin", is_admin=True)
    await bot.status(admin)  # known to the bot
    await bot.request(ZZ, skills="seo", note="quokka secret plan")  # no SEO mentor: it waits
    answer = (await bot.admin_waitlist(admin)).reply
    assert "Quokkafeather" in answer.plain_text
    assert await bot.hold_again(COMMUNITY, "U-admin", [answer]) == 1
    [(status, key, _)] = holding(await outbox(bot), "Quokkafeather")
    assert status == "held" and key is not None and key.startswith("late-answer:")
    await bot.forget(ZZ, confirm=True)
    assert holding(await outbox(bot), "Quokkafeather") == []


async def test_a_held_late_stats_quoting_a_decline_reason_goes(bot: MentorBot, who: Who) -> None:
    admin = who("admin", is_admin=True)
    await bot.status(admin)  # known to the bot
    await bot.signup(ZZ, skills="seo")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "ZZYZX")
    await bot.decline(ZZ, offer_id=offer_id(offer), reason="quokka decline reason seventyseven")
    answer = (await bot.admin_stats(admin)).reply
    assert "seventyseven" in answer.plain_text
    assert await bot.hold_again(COMMUNITY, "U-admin", [answer]) == 1
    await bot.forget(ZZ, confirm=True)
    assert holding(await outbox(bot), "seventyseven") == []


async def test_a_late_answer_taken_and_held_again_is_still_searched(bot: MentorBot, who: Who) -> None:
    """Shown with the admin's next command (delivered), then the adapter could show it nowhere: held again with its
    key, so still searched; the content of one delivered meanwhile is emptied."""
    admin = who("admin", is_admin=True)
    await bot.status(admin)  # known to the bot
    await bot.request(ZZ, skills="seo")
    answer = (await bot.admin_waitlist(admin)).reply
    assert await bot.hold_again(COMMUNITY, "U-admin", [answer]) == 1
    shown = (await bot.status(admin)).held
    assert [h.plain_text for h in shown] == [answer.plain_text]
    assert await bot.hold_again(COMMUNITY, "U-admin", shown) == 1
    rows = holding(await outbox(bot), "Quokkafeather")
    # The same row, held again (session 45: not a copy beside the delivered one), so its key: not a new late answer.
    assert [status for status, _, _ in rows] == ["held"]
    await bot.forget(ZZ, confirm=True)
    assert holding(await outbox(bot), "Quokkafeather") == []


async def test_late_answers_never_supersede_each_other(bot: MentorBot, who: Who) -> None:
    admin = who("admin", is_admin=True)
    await bot.status(admin)  # known to the bot
    first, second = Reply("answered late: one"), Reply("answered late: two")
    assert await bot.hold_again(COMMUNITY, "U-admin", [first]) == 1
    assert await bot.hold_again(COMMUNITY, "U-admin", [second, first]) == 2
    assert (await bot.status(admin)).held == (first, second, first)


async def test_a_late_answer_not_naming_the_member_stays(bot: MentorBot, who: Who) -> None:
    admin = who("admin", is_admin=True)
    await bot.status(admin)  # known to the bot
    await bot.signup(ZZ, skills="seo", bio="quokka bio of zzyzx wonders")
    await bot.request(who("bakari"), skills="design")  # waits: no design mentor
    answer = (await bot.admin_waitlist(admin)).reply
    assert "Bakari" in answer.plain_text and "Quokkafeather" not in answer.plain_text
    assert await bot.hold_again(COMMUNITY, "U-admin", [answer]) == 1
    await bot.forget(ZZ, confirm=True)
    assert [h.plain_text for h in (await bot.status(admin)).held] == [answer.plain_text]


async def test_another_members_held_notice_is_not_searched_for_the_display_name(bot: MentorBot, who: Who) -> None:
    """Only the mention is looked for in an ordinary notice, as before: a notice held for Bakari (no key), shown and
    held again (it keeps its row's key: none), that says the forgotten member's display name stays."""
    await bot.signup(ZZ, skills="seo")
    await bot.signup(who("bakari"), skills="design")
    bakari = await bot.store.find_member(COMMUNITY, "U-bakari")
    assert bakari is not None
    notice = Reply("Zzyzx Quokkafeather is also a fan of design")
    assert await bot.store.hold_notice(bakari.id, reply_to_json(notice), bot.clock.now())
    shown = (await bot.status(who("bakari"))).held
    assert shown == (notice,)
    assert await bot.hold_again(COMMUNITY, "U-bakari", shown) == 1
    await bot.forget(ZZ, confirm=True)
    assert (await bot.status(who("bakari"))).held == (notice,)


async def forced_over_exclusion(bot: MentorBot, who: Who) -> None:
    admin = who("admin", is_admin=True)
    await bot.status(admin)  # known to the bot
    await bot.signup(who("amina"), skills="seo", levels="expert")
    [offer] = to(await bot.request(who("bakari"), skills="seo", note="help with seo"), "amina")
    assert (await bot.decline(who("amina"), offer_id=offer_id(offer), reason="not this person")).error is None
    matched = await bot.admin_match(admin, request_id=1, mentor="@amina", force=True)
    assert matched.error is None, matched.reply.text


async def exported_mentorships(bot: MentorBot, caller: Caller) -> list[dict[str, object]]:
    exported = json.loads((await bot.export(caller)).reply.attachments[0].content)
    mentorships: list[dict[str, object]] = exported["mentorships"]
    return mentorships


async def test_a_mentees_export_does_not_tell_the_mentors_exclusion(bot: MentorBot, who: Who) -> None:
    await forced_over_exclusion(bot, who)
    [mentorship] = await exported_mentorships(bot, who("bakari"))
    assert mentorship["forced"] is None  # not told: neither what was overridden nor that anything was
    assert "excluded" not in json.dumps(mentorship)
    assert mentorship["matched_by_admin"] is not None  # they were told an admin matched them


async def test_the_mentors_export_keeps_what_was_overridden(bot: MentorBot, who: Who) -> None:
    await forced_over_exclusion(bot, who)
    [mentorship] = await exported_mentorships(bot, who("amina"))
    assert mentorship["forced"] == ["excluded"]
