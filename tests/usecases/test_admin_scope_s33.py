"""Session 33: an admin id can name its community. One deployment serves two Discord servers, A and B; user 111 is
A's coordinator (``MENTORBOT_ADMIN_IDS=discord:<A>:111``) and an ordinary member of B. Before, the list was one
for every community: in B, 111 was told B's members' calls for help (with the mentee's name) while B's own admins
were not, got B's weekly digest and scheduled-round report, and passed as an admin (export of every member, ending
a mentorship). The two digests 111 got had the same title, neither naming its server.

Now a scoped entry counts only in its community; a plain one still counts in every community (one community:
nothing changes). With members in more than one community, the digest's and the round report's titles name the
community they are about."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import MentorshipStatus
from mentorbot.replies import Notification
from mentorbot.storage.store import Store
from tests.usecases.conftest import make_settings

A, B = "discord:1000000000000000001", "discord:2000000000000000002"
EN = translator("en")
SW = translator("sw")


def coordinator(community: str, *, is_admin: bool = False) -> Caller:
    return Caller(community, "111", "CoordA", is_admin=is_admin)


async def two_servers(bot: MentorBot) -> int:
    """111 uses the bot in A and in B; in B, 222 (B's admin) too, and Juma mentors Neema: their mentorship's id."""
    await bot.status(coordinator(A))
    await bot.request(coordinator(B), skills="seo")
    await bot.status(Caller(B, "222", "CoordB"))
    await bot.signup(Caller(B, "500", "Juma"), skills="paid-social", capacity="1")
    asked = await bot.request(Caller(B, "600", "Neema"), skills="paid-social", note="my boss is difficult")
    [offer] = [b.ref for n in asked.notifications for b in n.reply.buttons if b.action == "offer.accept"]
    await bot.accept(Caller(B, "500", "Juma"), offer_id=offer)
    [mentorship] = await bot.core.store.list_mentorships(community=B)
    return mentorship.id


def bot_of(store: Store, library: Library, clock: ManualClock, admin_ids: list[str], **settings: object) -> MentorBot:
    return MentorBot(store, library, make_settings(admin_ids=admin_ids, **settings), clock, worker_id="w")


def addressed(notes: Sequence[Notification]) -> list[tuple[str, str]]:
    return sorted((n.community or "", n.platform_user_id) for n in notes)


async def a_week_of_timers(bot: MentorBot, clock: ManualClock) -> list[Notification]:
    notes: list[Notification] = []
    for _ in range(9):
        clock.advance(timedelta(days=1))
        notes += await bot.run_due_jobs()
    return notes


# ------------------------------------------------------------------------------------------ calls for help


async def test_a_call_for_help_in_b_reaches_bs_admins_and_not_as_coordinator(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = bot_of(store, library, clock, [f"{A}:111", f"{B}:222"])
    mentorship = await two_servers(bot)
    asked = await bot.checkin(Caller(B, "600", "Neema"), mentorship_id=mentorship, answer="help")
    assert asked.reply.text == EN("checkin.help_sent", id=mentorship)
    assert addressed(asked.notifications) == [(B, "222")]
    assert asked.notifications[0].reply.title == EN("checkin.help_title")


async def test_a_community_without_an_admin_of_its_own_is_told_so_as_before(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = bot_of(store, library, clock, [f"{A}:111"])
    mentorship = await two_servers(bot)
    asked = await bot.checkin(Caller(B, "600", "Neema"), mentorship_id=mentorship, answer="help")
    assert asked.reply.text == EN("checkin.help_no_admin", id=mentorship)
    assert not asked.notifications


async def test_a_plain_entry_still_counts_in_every_community(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = bot_of(store, library, clock, ["111"])
    mentorship = await two_servers(bot)
    asked = await bot.checkin(Caller(B, "600", "Neema"), mentorship_id=mentorship, answer="help")
    assert addressed(asked.notifications) == [(B, "111")]
    assert bot.core.is_admin(coordinator(A)) and bot.core.is_admin(coordinator(B))


async def test_an_admin_listed_plain_and_scoped_is_told_once(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = bot_of(store, library, clock, ["222", f"{B}:222"])
    mentorship = await two_servers(bot)
    asked = await bot.checkin(Caller(B, "600", "Neema"), mentorship_id=mentorship, answer="help")
    assert addressed(asked.notifications) == [(B, "222")]


# ------------------------------------------------------------------------------------------ admin commands


async def test_a_scoped_admin_is_an_admin_in_their_community_only(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = bot_of(store, library, clock, [f"{A}:111", f"{B}:222"])
    mentorship = await two_servers(bot)
    assert bot.core.is_admin(coordinator(A))
    assert not bot.core.is_admin(coordinator(B))
    assert bot.core.is_admin(coordinator(B, is_admin=True)), "the platform's own fact still counts"
    exported = await bot.admin_export(coordinator(B))
    assert exported.reply.text == EN("common.not_admin")
    assert exported.reply.attachments == ()
    ended = await bot.admin_end(coordinator(B), mentorship_id=mentorship)
    assert ended.reply.text == EN("common.not_admin")
    [still] = await store.list_mentorships(community=B)
    assert still.status is MentorshipStatus.ACTIVE
    assert (await bot.admin_export(Caller(B, "222", "CoordB"))).reply.attachments
    assert (await bot.admin_export(coordinator(A))).reply.attachments


async def test_a_slack_and_a_console_entry_are_scoped_the_same_way(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = bot_of(store, library, clock, ["slack:T1:U2", "console:Amina"])
    assert bot.core.is_admin(Caller("slack:T1", "U2", "U2"))
    assert not bot.core.is_admin(Caller("slack:T2", "U2", "U2"))
    assert not bot.core.is_admin(Caller("slack:T1", "u2", "u2")), "Slack ids are case-sensitive"
    assert bot.core.is_admin(Caller("console", "amina", "Amina")), "the console's names in any case"
    assert not bot.core.is_admin(Caller("discord:1", "Amina", "Amina"))


# ------------------------------------------------------------------------------------------ digest and round


async def test_bs_digest_and_round_report_go_to_bs_admins_and_name_their_server(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = bot_of(store, library, clock, [f"{A}:111", f"{B}:222"], digest="mon 08:00", round_schedule="mon 10:00")
    await two_servers(bot)
    await bot.set_language(Caller(B, "222", "CoordB"), language="sw")
    notes = [n for n in await a_week_of_timers(bot, clock) if n.platform_user_id in ("111", "222")]
    digests = [n for n in notes if n.reply.attachments]
    assert addressed(digests) == [(A, "111"), (B, "222")]
    [to_a] = [n for n in digests if n.community == A]
    [to_b] = [n for n in digests if n.community == B]
    a_name = EN("admin_scope.discord", id="1000000000000000001")
    b_name = SW("admin_scope.discord", id="2000000000000000002")
    assert to_a.reply.title == EN("admin_scope.digest_title", community=a_name, since="2026-01-05", until="2026-01-12")
    assert to_b.reply.title == SW("admin_scope.digest_title", community=b_name, since="2026-01-05", until="2026-01-12")
    assert a_name == "Discord server 1000000000000000001"
    reports = [n for n in notes if not n.reply.attachments]
    assert addressed(reports) == [(A, "111"), (B, "222")]
    [report_b] = [n for n in reports if n.community == B]
    assert report_b.reply.title == SW("admin_scope.round_title", community=b_name)


async def test_a_plain_admin_of_two_servers_gets_two_digests_told_apart(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = bot_of(store, library, clock, ["111"], digest="mon 08:00")
    await two_servers(bot)
    digests = [n for n in await a_week_of_timers(bot, clock) if n.platform_user_id == "111"]
    assert addressed(digests) == [(A, "111"), (B, "111")]
    titles = {n.community: n.reply.title for n in digests}
    assert titles[A] != titles[B]
    assert "Discord server 1000000000000000001" in str(titles[A])
    assert "Discord server 2000000000000000002" in str(titles[B])


async def test_a_one_community_deployment_keeps_its_titles(store: Store, library: Library, clock: ManualClock) -> None:
    bot = bot_of(store, library, clock, ["111"], digest="mon 08:00", round_schedule="mon 10:00")
    await bot.status(coordinator(A))
    notes = await a_week_of_timers(bot, clock)
    [digest] = [n for n in notes if n.reply.attachments]
    assert digest.reply.title == EN("digest.title", since="2026-01-05", until="2026-01-12")
    [report] = [n for n in notes if not n.reply.attachments]
    assert report.reply.title == EN("schedule.round_title")


async def test_a_slack_workspace_is_named_as_one(store: Store, library: Library, clock: ManualClock) -> None:
    bot = bot_of(store, library, clock, ["slack:T1:U2"], round_schedule="mon 10:00")
    await bot.status(Caller("slack:T1", "U2", "U2"))
    await bot.status(Caller("slack:T2", "U2", "U2"))
    [report] = [n for n in await a_week_of_timers(bot, clock) if n.platform_user_id == "U2"]
    assert report.community == "slack:T1"
    assert report.reply.title == "Scheduled matching round in Slack workspace T1"
