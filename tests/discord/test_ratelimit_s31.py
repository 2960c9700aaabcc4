"""Session 31: on Discord, a command, click or form submission over the member's rate limit writes nothing, and
the skills autocomplete has a rate limit of its own.

Before: the client recorded every interaction in the inbox (one write transaction) before the core checked the
limit, then marked it done (a second one): five commands under a limit of 3 left five inbox rows. And the skills
autocomplete read the member's row on every keystroke, with no limit at all: 100 autocompletes past the limit
made 100 member reads.
"""

from __future__ import annotations

from typing import Any

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.ratelimit import RateLimiter
from mentorbot_discord.client import AUTOCOMPLETE_PER_COMMAND
from tests.discord.helpers import GUILD_ID, MENTEE_USER_ID, MENTOR_USER_ID, Members, sign_up_mentor
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_models import CALLBACK_CHANNEL_MESSAGE

EN = translator("en")
SW = translator("sw")


async def inbox_rows(bot: MentorBot) -> int:
    """How many interactions the inbox holds (done or not)."""
    async with bot.store.db.read() as conn:
        row = await conn.fetch_one("SELECT COUNT(*) AS n FROM inbox")
    assert row is not None
    return int(row["n"])


def count_member_reads(bot: MentorBot) -> list[int]:
    """Count `Store.find_member` calls from now on (the list's one item)."""
    reads = [0]
    original = bot.store.find_member

    async def counting(*args: Any, **kwargs: Any) -> Any:
        reads[0] += 1
        return await original(*args, **kwargs)

    bot.store.find_member = counting  # type: ignore[method-assign]
    return reads


async def test_commands_over_the_limit_write_no_inbox_row(members: Members, bot: MentorBot) -> None:
    bot.rate_limiter = RateLimiter(3, bot.clock)
    shown = [
        await members.slash("mentor request", {"skills": "seo", "note": "x" * 300}, user=MENTEE_USER_ID)
        for _ in range(5)
    ]
    assert await inbox_rows(bot) == 3, "only the three commands the limit lets through are recorded"
    assert [s.text for s in shown[3:]] == [EN("common.rate_limited", count=20)] * 2
    for refused in shown[3:]:
        assert refused.callback_type == CALLBACK_CHANNEL_MESSAGE and refused.all_ephemeral, "the first callback"
    assert EN("common.rate_limited", count=20) not in [s.text for s in shown[:3]]


async def test_a_refusal_is_in_the_members_language(members: Members, bot: MentorBot) -> None:
    await members.slash("mentor language", {"language": "sw"})
    bot.rate_limiter = RateLimiter(1, bot.clock)
    await members.slash("mentor cancel")
    before = await inbox_rows(bot)
    refused = await members.slash("mentor cancel")
    assert refused.text == SW("common.rate_limited", count=60)
    assert await inbox_rows(bot) == before


async def test_a_quick_read_over_the_limit_records_nothing_even_when_deferred(members: Members, bot: MentorBot) -> None:
    """A quick read the client must defer (here at once: `defer_after` 0) is recorded before its deferral; one over
    the limit is answered in its first callback instead, with nothing recorded."""
    members.client.defer_after = 0.0
    bot.rate_limiter = RateLimiter(1, bot.clock)
    first = await members.slash("mentor status")
    assert EN("common.rate_limited", count=60) not in first.text
    rows = await inbox_rows(bot)
    assert rows == 1, "the deferred read was recorded"
    for _ in range(3):
        refused = await members.slash("mentor status")
        assert refused.text == EN("common.rate_limited", count=60)
        assert refused.callback_type == CALLBACK_CHANNEL_MESSAGE
    assert await inbox_rows(bot) == rows


async def test_clicks_over_the_limit_write_no_inbox_row(members: Members, bot: MentorBot) -> None:
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    [offer] = await members.dms(MENTOR_USER_ID)
    bot.rate_limiter = RateLimiter(1, bot.clock)
    await members.slash("mentor cancel", user=MENTOR_USER_ID)
    before = await inbox_rows(bot)
    for _ in range(3):
        clicked = await members.click(offer, f"mentorbot:offer.accept:1:{GUILD_ID}", user=MENTOR_USER_ID, dm=True)
        assert clicked.text == EN("common.rate_limited", count=60)
        assert clicked.callback_type == CALLBACK_CHANNEL_MESSAGE and clicked.all_ephemeral, "the clicker only"
    assert await inbox_rows(bot) == before
    assert await bot.store.list_mentorships() == [], "nothing was accepted"


async def test_form_submissions_over_the_limit_write_no_inbox_row(
    world: FakeDiscord, members: Members, bot: MentorBot
) -> None:
    bot.rate_limiter = RateLimiter(1, bot.clock)
    await members.slash("mentor cancel", user=MENTOR_USER_ID)
    before = await inbox_rows(bot)
    form = f"mentorbot-form:feedback.open:1:{GUILD_ID}"
    for _ in range(3):
        submit = await world.push_interaction(
            world.build.modal_submit(form, {"rating": "5", "comment": "Great"}, user_id=MENTOR_USER_ID, dm=True)
        )
        shown = await members.shown(submit)
        assert shown.text == EN("common.rate_limited", count=60) and shown.all_ephemeral
    assert await inbox_rows(bot) == before


async def test_autocomplete_past_its_limit_offers_nothing_and_reads_nothing(
    members: Members, bot: MentorBot, clock: ManualClock
) -> None:
    members.client.autocomplete_limiter = RateLimiter(3, clock)
    reads = count_member_reads(bot)
    answered = [bool(await members.complete("mentor request", "skills", "se")) for _ in range(100)]
    assert answered == [True] * 3 + [False] * 97
    assert reads[0] == 3, "no member read past the limit"
    other = await members.complete("mentor request", "skills", "se", user=MENTOR_USER_ID)
    assert other, "another member has a bucket of their own"


async def test_typing_does_not_use_up_the_members_commands(members: Members, bot: MentorBot) -> None:
    """The autocomplete's bucket is its own, several times the commands' (Discord asks as the member types)."""
    bot.rate_limiter = RateLimiter(3, bot.clock)
    members.client.autocomplete_limiter = RateLimiter(3 * AUTOCOMPLETE_PER_COMMAND, bot.clock)
    for _ in range(3 * AUTOCOMPLETE_PER_COMMAND):
        assert await members.complete("mentor request", "skills", "cri")
    for _ in range(3):
        shown = await members.slash("mentor cancel")
        assert EN("common.rate_limited", count=20) not in shown.text
    assert await members.complete("mentor request", "skills", "cri") == [], "the autocomplete's own limit"


async def test_the_default_autocomplete_limit_follows_the_settings(members: Members, bot: MentorBot) -> None:
    limiter = members.client.autocomplete_limiter
    assert limiter is not bot.rate_limiter
    assert limiter.per_minute == bot.settings.rate_limit_per_minute * AUTOCOMPLETE_PER_COMMAND
