"""A mentor's "not this person" outlives the forget of the member it was about (found by an abuse hunt:
/tmp/hunt/abuse/test_probe_forget.py).

Before: `/mentor forget` deleted the member's offers, which held the pair's history, so a member a mentor had declined
as "not this person" could forget their data, ask again, and be offered to that same mentor at once
(docs/matching.md rule 5: "Never lifted"). Now the forget keeps, for each mentor who excluded them, a minimal block
(`forgotten_exclusions`: the mentor, the community, a hash of the member's platform user id, the kind, its skills
for "not my skill", the date), read when the same platform user comes back, live and in a round; forgetting the
mentor removes their blocks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import OfferStatus, RequestStatus
from mentorbot.storage import forgotten
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]


def offered(outcome: object, name: str) -> bool:
    """Whether `outcome` sends `name` an offer."""
    return any(any(b.action == "offer.accept" for b in n.reply.buttons) for n in to(outcome, name))  # type: ignore[arg-type]


async def kept_rows(store: Store) -> list[dict[str, object]]:
    async with store.db.read() as conn:
        rows = await conn.fetch_all("SELECT * FROM forgotten_exclusions ORDER BY mentor_id, reason_kind")
    return [dict(r) for r in rows]


async def member_id(bot: MentorBot, name: str) -> int:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return member.id


async def declined_then_forgotten(bot: MentorBot, who: Who, reason: str, *, skills: str = "seo") -> None:
    """Baraka (expert: first choice) and Chao mentor SEO and copywriting; Troll asks for `skills`, Baraka declines
    with `reason`, and Troll has their data forgotten."""
    await bot.signup(who("baraka"), skills="seo, copywriting", levels="expert, expert")
    await bot.signup(who("chao"), skills="seo, copywriting", levels="learning, learning")
    asked = await bot.request(who("troll"), skills=skills)
    assert offered(asked, "baraka")
    declined = await bot.decline(who("baraka"), offer_id=offer_id(to(asked, "baraka")[0]), reason=reason)
    assert declined.error is None
    assert (await bot.forget(who("troll"), confirm=True)).error is None


async def test_a_not_this_person_decline_outlives_the_forget(bot: MentorBot, who: Who) -> None:
    await declined_then_forgotten(bot, who, "not this person")
    again = await bot.request(who("troll"), skills="seo")
    assert not offered(again, "baraka") and offered(again, "chao"), "before: offered to Baraka at once"
    other = await bot.request(who("troll"), skills="copywriting")
    assert not offered(other, "baraka"), "not this person: every request of theirs"


async def test_the_returning_member_waits_as_excluded_when_only_the_mentor_who_excluded_them_is_left(
    bot: MentorBot, who: Who
) -> None:
    await declined_then_forgotten(bot, who, "not a fit")
    assert (await bot.pause(who("chao"))).error is None
    again = await bot.request(who("troll"), skills="seo")
    assert not offered(again, "baraka")
    [request] = await bot.store.list_requests(COMMUNITY, [RequestStatus.WAITING])
    assert request.wait_reason is not None and json.loads(request.wait_reason)["key"] == "wait.all_excluded"


async def test_a_not_my_skill_decline_outlives_the_forget_for_its_skills_only(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await declined_then_forgotten(bot, who, "not my skill")
    again = await bot.request(who("troll"), skills="seo")
    assert not offered(again, "baraka")
    await bot.cancel(who("troll"))
    # As before the forget: the decline put the pair on cooldown for the member's other requests too (rule 3).
    clock.advance(timedelta(days=bot.settings.reoffer_after_days, hours=1))
    other = await bot.request(who("troll"), skills="copywriting")
    assert offered(other, "baraka"), "not my skill: only the requests sharing a skill with the declined one"
    [row] = await kept_rows(bot.store)
    assert row["reason_kind"] == "not_my_skill" and row["skills"] == "seo"


async def test_what_is_kept_is_minimal_and_names_nobody(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await declined_then_forgotten(bot, who, "not this person")
    [row] = await kept_rows(bot.store)
    assert set(row) == {"mentor_id", "community", "member_key", "reason_kind", "skills", "decided_at"}
    assert row["mentor_id"] == await member_id(bot, "baraka") and row["community"] == COMMUNITY
    assert row["reason_kind"] == "not_this_person" and row["skills"] == ""
    key = forgotten.forgotten_member_key(COMMUNITY, "U-troll")
    assert row["member_key"] == key and len(key) == 64 and "troll" not in json.dumps(row, default=str).lower()
    assert key == hashlib.sha256(f"{COMMUNITY}\x1fU-troll".encode()).hexdigest()
    assert await bot.store.find_member(COMMUNITY, "U-troll") is None


async def test_a_not_now_decline_is_not_kept(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await declined_then_forgotten(bot, who, "Not for me this month")
    assert await kept_rows(bot.store) == []


async def test_another_user_or_another_community_is_not_blocked(
    store: Store, library: Library, clock: ManualClock, bot: MentorBot, who: Who
) -> None:
    await declined_then_forgotten(bot, who, "not this person")
    other = await bot.request(who("bea"), skills="seo")
    assert offered(other, "baraka")
    assert forgotten.forgotten_member_key("test:other", "U-troll") != forgotten.forgotten_member_key(
        COMMUNITY, "U-troll"
    )


async def test_forgetting_the_mentor_removes_their_blocks(bot: MentorBot, who: Who) -> None:
    await declined_then_forgotten(bot, who, "not this person")
    assert len(await kept_rows(bot.store)) == 1
    assert (await bot.forget(who("baraka"), confirm=True)).error is None
    assert await kept_rows(bot.store) == []


async def test_a_second_forget_keeps_both_mentors_blocks(bot: MentorBot, who: Who) -> None:
    await declined_then_forgotten(bot, who, "not this person")
    again = await bot.request(who("troll"), skills="seo")
    assert offered(again, "chao")
    await bot.decline(who("chao"), offer_id=offer_id(to(again, "chao")[0]), reason="conflict of interest")
    assert (await bot.forget(who("troll"), confirm=True)).error is None
    kept = await kept_rows(bot.store)
    assert {int(str(r["mentor_id"])) for r in kept} == {await member_id(bot, "baraka"), await member_id(bot, "chao")}
    third = await bot.request(who("troll"), skills="seo")
    assert not offered(third, "baraka") and not offered(third, "chao")


async def test_a_round_leaves_the_mentor_who_excluded_the_forgotten_member_out(
    store: Store, library: Library, clock: ManualClock, bot: MentorBot, who: Who
) -> None:
    await declined_then_forgotten(bot, who, "not this person")
    cohort = MentorBot(
        store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w"
    )
    await cohort.request(who("troll"), skills="seo")
    done = await cohort.admin_round(who("admin", is_admin=True))
    assert done.error is None
    pending = [o for o in await store.list_offers() if o.status is OfferStatus.PENDING]
    assert [o.mentor_id for o in pending] == [await member_id(bot, "chao")]


@pytest.mark.parametrize("force", [False, True])
async def test_an_admin_match_over_the_kept_block_needs_force(bot: MentorBot, who: Who, force: bool) -> None:
    await declined_then_forgotten(bot, who, "not this person")
    assert (await bot.pause(who("chao"))).error is None
    await bot.request(who("troll"), skills="seo")
    [request] = await bot.store.list_requests(COMMUNITY, [RequestStatus.WAITING])
    matched = await bot.admin_match(who("admin", is_admin=True), request_id=request.id, mentor="@baraka", force=force)
    assert (matched.error is None) is force, matched.reply.text
