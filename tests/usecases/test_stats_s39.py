"""Session 39's year hunt: what `/mentor-admin stats` and the weekly digest tell admins (both engines).

Decline reasons were grouped lower-cased and shown lower-cased ("i already mentor someone on this.: 91"): they
are grouped case-folded (and white space collapsed) and shown in the wording most decliners typed, the earliest
one of a tie. And a request could wait a whole year without the stats saying so (their median time to match counts
only matched requests): the stats say how long the oldest open request has waited and how many have waited over
`LONG_WAIT_DAYS` days, in the digest's whole days."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator, translator
from mentorbot.replies import Reply
from mentorbot.storage import rows
from mentorbot.storage.insight import LONG_WAIT_DAYS
from mentorbot.storage.store import Store
from mentorbot_discord.render import FIELDS_LIMIT, render
from mentorbot_slack.blocks import FIELDS_PER_SECTION, MESSAGE_BLOCKS_MAX, reply_blocks
from tests.storage.test_reports_scale_s33 import START, fill
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")


def field(reply: Reply, title: str) -> str:
    """The value of the reply's field called `title` (exactly one)."""
    [value] = [f.value for f in reply.fields if f.name == title]
    return value


async def declined(bot: MentorBot, who: Who, reasons: list[str]) -> None:
    """A mentor of SEO declines one request of a different member for each of `reasons`, in order."""
    await bot.signup(who("decliner"), skills="seo", capacity="1")
    for i, reason in enumerate(reasons):
        [offer] = to(await bot.request(who(f"asker{i}"), skills="seo"), "decliner")
        outcome = await bot.decline(who("decliner"), offer_id=offer_id(offer), reason=reason)
        assert outcome.error is None


# ---------------------------------------------------------------------------------------- decline reasons


async def test_decline_reasons_are_grouped_by_case_and_shown_as_most_typed_them(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    since = clock.now()
    await declined(bot, who, ["Travelling for work", "travelling for work", "Travelling  for work "])
    reply = (await bot.admin_stats(who("admin"))).reply
    lines = field(reply, EN("stats.declines")).splitlines()
    assert lines == [EN("stats.decline_line", reason="Travelling for work", count=3)]
    week = await bot.store.week_digest(COMMUNITY, since, clock.now() + timedelta(seconds=1))
    assert week.decline_reasons == {"Travelling for work": 3}


async def test_a_tie_of_wordings_shows_the_earliest(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    since = clock.now()
    await declined(bot, who, ["not my AREA", "No time", "Not my area", "no time"])
    stats = await bot.store.stats(COMMUNITY)
    assert stats.decline_reasons == {"not my AREA": 2, "No time": 2}
    week = await bot.store.week_digest(COMMUNITY, since, clock.now() + timedelta(seconds=1))
    assert week.decline_reasons == {"not my AREA": 2, "No time": 2}


# ---------------------------------------------------------------------------------------------- long waits


def waits_line(t: Translator, days: int | None, long: int) -> str:
    oldest = t("stats.oldest_waited_today") if days is None else t("stats.oldest_waited", count=days)
    many = (
        t("stats.long_waits", count=long, days=LONG_WAIT_DAYS)
        if long
        else t("stats.long_waits_none", days=LONG_WAIT_DAYS)
    )
    return t("stats.oldest_wait_value", oldest=oldest, long=many)


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_a_request_waiting_40_days_shows_in_the_stats(
    bot: MentorBot, who: Who, clock: ManualClock, lang: str
) -> None:
    t = translator(lang)
    await bot.set_language(who("admin"), language=lang)
    empty = (await bot.admin_stats(who("admin"))).reply
    assert field(empty, t("stats.oldest_wait")) == t("stats.none")  # nothing open
    await bot.request(who("amina"), skills="seo")  # no mentor offers SEO: it waits
    fresh = (await bot.admin_stats(who("admin"))).reply
    assert field(fresh, t("stats.oldest_wait")) == waits_line(t, None, 0)
    clock.advance(timedelta(days=30))
    await bot.request(who("baraka"), skills="copywriting")
    clock.advance(timedelta(days=10, hours=5))
    reply = (await bot.admin_stats(who("admin"))).reply
    assert field(reply, t("stats.oldest_wait")) == waits_line(t, 40, 1)
    # Beside the median time to match (which counts only the matched ones), among the short figures.
    names = [f.name for f in reply.fields]
    assert names.index(t("stats.oldest_wait")) == names.index(t("stats.median_match")) + 1
    assert next(f for f in reply.fields if f.name == t("stats.oldest_wait")).inline
    # The command line's `admin stats` reads the same reply.
    cli = await bot.stats_reply(COMMUNITY, lang, picture=False)
    assert field(cli, t("stats.oldest_wait")) == waits_line(t, 40, 1)


async def test_an_offered_request_is_open_and_counted_too(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.request(who("amina"), skills="seo")
    clock.advance(timedelta(days=31))
    await bot.request(who("baraka"), skills="seo")
    clock.advance(timedelta(days=1))
    await bot.signup(who("mentor"), skills="seo", capacity="1")  # offered Amina's, the oldest: still open
    reply = (await bot.admin_stats(who("admin"))).reply
    assert field(reply, EN("stats.oldest_wait")) == waits_line(EN, 32, 1)


async def test_the_stats_with_the_wait_still_fit_discord_and_slack(bot: MentorBot, who: Who) -> None:
    await declined(bot, who, [f"Reason {i}" for i in range(9)])
    reply = (await bot.admin_stats(who("admin"))).reply
    [message] = render(reply)
    shown = [f for embed in message.embeds for f in embed.to_dict().get("fields", [])]
    assert len(shown) <= FIELDS_LIMIT
    assert EN("stats.oldest_wait") in [f["name"] for f in shown]
    blocks = reply_blocks(reply)
    assert len(blocks) <= MESSAGE_BLOCKS_MAX
    inline = [block for block in blocks if block.get("fields")]
    assert all(len(block["fields"]) <= FIELDS_PER_SECTION for block in inline)
    # The short figures side by side in one section, the longest wait among them.
    assert len(inline) == 1 and any(EN("stats.oldest_wait") in item["text"] for item in inline[0]["fields"])


# ------------------------------------------------------------------------------------ against a recomputation


@given(rnd=st.randoms(use_true_random=False), people=st.integers(1, 7), requests=st.integers(0, 14))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_the_new_figures_equal_a_recomputation_over_random_histories(
    store: Store, rnd: random.Random, people: int, requests: int
) -> None:
    """Session 33's random histories (reasons typed any way, requests back on the waitlist, another community's
    rows), recomputed from the raw rows in Python: the decline reasons as most typed them (`Counter.most_common`
    keeps the first seen of a tie, the rows read in offer order), the oldest open wait, the long waits."""
    community = f"stats39:{uuid.uuid4().hex[:8]}"
    await fill(store, community, rnd, people=people, requests=requests)
    await fill(store, f"{community}:other", rnd, people=2, requests=3)
    now = START + timedelta(days=rnd.randrange(400))
    async with store.read() as conn:
        found = await conn.fetch_all(
            "SELECT o.decline_reason FROM offers o JOIN requests r ON r.id = o.request_id "
            "WHERE r.community = ? AND o.status = 'declined' ORDER BY o.id",
            community,
        )
        opened = await conn.fetch_all(
            "SELECT r.created_at, w.reopened_at FROM requests r LEFT JOIN reopened_requests w ON w.request_id = r.id "
            "WHERE r.community = ? AND r.status IN ('waiting', 'offered')",
            community,
        )
    typed: dict[str, list[str]] = {}
    for row in found:
        wording = " ".join((row["decline_reason"] or "").split())
        typed.setdefault(wording.casefold(), []).append(wording)
    expected = {Counter(group).most_common(1)[0][0]: len(group) for group in typed.values()}
    since = [rows.ts(r["reopened_at"] if r["reopened_at"] is not None else r["created_at"]) for r in opened]
    stats = await store.stats(community, now)
    assert stats.decline_reasons == expected
    assert stats.oldest_waiting_since == min(since, default=None)
    assert stats.long_waits == sum(1 for moment in since if moment < now - timedelta(days=LONG_WAIT_DAYS))
    assert (await store.stats(community)).long_waits == 0  # counted only as of a given time
