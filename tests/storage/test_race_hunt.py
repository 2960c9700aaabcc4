"""Check-then-act across the statements of one unit of work, against another process's unit (PostgreSQL).

Each race test forces one interleaving (`interleave.Interleave`): right after the first unit has read something,
another process's command runs and commits what makes that reading stale; then the first unit writes. Under
PostgreSQL's READ COMMITTED, a check made before the write holds only when a lock taken before it serialises the
two units, or when the write's own condition names the fact read. On SQLite a unit of work holds the write lock
from its start (``BEGIN IMMEDIATE``), so the other command runs after it: every test holds there too.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.matching.eligibility import DeclineReason
from mentorbot.models import Level, MentorStatus, NewMentorProfile, OfferStatus, RequestStatus
from mentorbot.replies import Notification, Outcome
from mentorbot.storage import offers as offers_module
from mentorbot.storage.store import NewOffer, Store, SuggestionStatus
from mentorbot.usecases import handler
from tests.storage.interleave import Interleave, second_bot
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[[str], Caller]
HOUR = timedelta(hours=1)


def bot_with(store: Store, library: Library, clock: ManualClock, **settings: object) -> MentorBot:
    """A bot over `store` with the test settings (and `settings` overridden)."""
    return MentorBot(store, library, make_settings(**settings), clock, worker_id="test-worker")


@pytest.fixture
def bot(store: Store, library: Library, clock: ManualClock) -> MentorBot:
    """The first process's bot."""
    return bot_with(store, library, clock)


def who(name: str) -> Caller:
    """A member of the test community by name (``U-<name>``)."""
    return Caller(COMMUNITY, f"U-{name}", name.capitalize())


def _texts(notes: list[Notification] | Outcome, name: str) -> list[str]:
    return [n.reply.text for n in to(notes, name)]


def _first(hook: Interleave[Outcome], store: Store) -> bool:
    """Whether the other process's command came first (it ended inside the first unit: PostgreSQL, when nothing
    of the first unit holds it); on SQLite it waits for the first unit's write lock, and comes second."""
    if store.db.dialect == "postgresql":
        assert hook.finished_inside, "the interleaving was not forced: the other command was held"
    return hook.finished_inside


# ------------------------------------------------------------------------------------------ a pause's end


async def test_a_pause_made_while_the_last_one_ends_is_kept(bot: MentorBot, clock: ManualClock) -> None:
    """The RESUME timer read the pause (its end past); the mentor paused again, with no end, in another process.
    The timer's resume named only ``status = 'paused'``: it made them active and told them so."""
    await bot.signup(who("baraka"), skills="seo")
    await bot.pause(who("baraka"), until="3d")
    clock.advance(timedelta(days=3, minutes=1))
    mentor = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert mentor is not None
    other = await second_bot(bot)
    try:
        hook = Interleave(bot.store, "get_mentor_profile", lambda: other.pause(who("baraka")))
        notes = await bot.run_due_jobs()
        hook.undo()
        paused = await hook.result()
    finally:
        await other.store.close()
    assert paused.error is None
    profile = await bot.store.get_mentor_profile(mentor.id)
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.paused_until is None
    if _first(hook, bot.store):
        assert _texts(notes, "baraka") == [], "told their pause ended, just after pausing again"


async def test_an_admin_pause_made_while_the_last_one_ends_is_kept(bot: MentorBot, clock: ManualClock) -> None:
    await bot.admin_stats(who("admin"))
    await bot.signup(who("baraka"), skills="seo")
    await bot.pause(who("baraka"), until="3d")
    clock.advance(timedelta(days=3, minutes=1))
    mentor = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert mentor is not None
    other = await second_bot(bot)
    try:
        hook = Interleave(bot.store, "get_mentor_profile", lambda: other.admin_pause(who("admin"), mentor="baraka"))
        notes = await bot.run_due_jobs()
        hook.undo()
        paused = await hook.result()
    finally:
        await other.store.close()
    assert paused.error is None
    profile = await bot.store.get_mentor_profile(mentor.id)
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.pause_reason == "admin"
    if _first(hook, bot.store):
        assert _texts(notes, "baraka") == [], "the admin's pause undone by the old pause's end"


# ------------------------------------------------------------------------------ a pair just made ineligible


async def test_no_offer_for_a_skill_the_mentor_dropped_meanwhile(bot: MentorBot) -> None:
    """The request's unit ranked Baraka (an SEO mentor); he dropped SEO in another process (nothing of his used
    it yet, so it was allowed); the offer was made all the same."""
    await bot.signup(who("baraka"), skills="seo, ppc")
    other = await second_bot(bot)
    try:
        hook = Interleave(bot.store, "find_top_candidates", lambda: other.signup(who("baraka"), skills="ppc"))
        await bot.request(who("amina"), skills="seo")
        hook.undo()
        saved = await hook.result()
    finally:
        await other.store.close()
    mentor = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert mentor is not None
    profile = await bot.store.get_mentor_profile(mentor.id)
    offers = await bot.store.list_offers(mentor_id=mentor.id)
    assert profile is not None
    if _first(hook, bot.store):
        assert saved.error is None and "seo" not in profile.skills
        assert offers == [], "an SEO request offered to a mentor who no longer offers SEO"
        [request] = await bot.store.list_requests(COMMUNITY, [RequestStatus.WAITING])
        assert request.skills == ("seo",)
    else:  # the offer first: dropping the skill it needs is refused
        assert saved.error is not None and saved.error.key == "profile.in_use" and "seo" in profile.skills
        assert len(offers) == 1


async def test_no_round_offer_for_a_skill_the_mentor_dropped_meanwhile(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """The same, in a round (`Store.create_offers`): the round read the pool; the mentor dropped the skill."""
    bot = bot_with(store, library, clock, matching="rounds", round_schedule="mon 10:00")
    await bot.admin_stats(who("admin"))
    await bot.signup(who("baraka"), skills="seo, ppc")
    await bot.request(who("amina"), skills="seo")
    other = await second_bot(bot)
    try:
        hook = Interleave(bot.store, "pair_history", lambda: other.signup(who("baraka"), skills="ppc"))
        await bot.admin_round(who("admin"))
        hook.undo()
        saved = await hook.result()
    finally:
        await other.store.close()
    offers = await bot.store.list_offers()
    if _first(hook, bot.store):
        assert saved.error is None
        assert offers == [], "an SEO request offered to a mentor who no longer offers SEO"
    else:
        assert saved.error is not None and saved.error.key == "profile.in_use" and len(offers) == 1


async def test_an_admin_match_is_refused_over_a_decline_made_meanwhile(bot: MentorBot) -> None:
    """The admin's match read the pair's history (no decline); Baraka declined Amina "not this person" in another
    process; the unforced match paired them anyway."""
    await bot.admin_stats(who("admin"))
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    oid = offer_id(to(offered, "baraka")[0])
    other = await second_bot(bot)
    try:
        hook = Interleave(
            bot.store, "pair_history", lambda: other.decline(who("baraka"), offer_id=oid, reason="not this person")
        )
        matched = await bot.admin_match(who("admin"), request_id=1, mentor="baraka")
        hook.undo()
        declined = await hook.result()
    finally:
        await other.store.close()
    ships = await bot.store.list_mentorships(community=COMMUNITY)
    if _first(hook, bot.store):
        assert declined.error is None
        assert ships == [], "the decline 'for good' went through, and the unforced match paired them anyway"
        assert matched.error is not None and matched.error.key == "admin.refused"
        assert "Baraka" in matched.reply.text
    else:  # the match first: the offer it replaced is withdrawn, and there is nothing left to decline
        # Session 38: told the admin matched them directly (before: "offer.already_withdrawn", as if gone elsewhere).
        assert declined.error is not None and declined.error.key == "offer.matched_directly_decline"
        assert [m.forced for m in ships] == [()]


async def test_offers_are_refused_to_a_pair_no_longer_eligible(store: Store, clock: ManualClock) -> None:
    """The store's own check, made under its locks: no shared skill, an exclusion, a cooldown (with
    `reoffer_after`; without it, exclusions only), alone and in a round's batch."""
    now = clock.now()
    mentor = (await store.ensure_member(COMMUNITY, "U-baraka", "Baraka", now)).id
    await store.save_mentor_profile(mentor, NewMentorProfile({"seo": Level.EXPERT}, 5, "", "UTC", ("en",)), now)
    amina = (await store.ensure_member(COMMUNITY, "U-amina", "Amina", now)).id
    juma = (await store.ensure_member(COMMUNITY, "U-juma", "Juma", now)).id
    neema = (await store.ensure_member(COMMUNITY, "U-neema", "Neema", now)).id
    no_skill = await store.create_request(neema, COMMUNITY, ["ppc"], "", now, max_open=3)
    assert await store.create_offer(no_skill.id, mentor, 1.0, "", now, now + HOUR) is None
    assert await store.create_offers([NewOffer(no_skill.id, mentor, 1.0, "")], now, now + HOUR) == []

    cooled = await store.create_request(amina, COMMUNITY, ["seo"], "", now, max_open=3)
    excluded = await store.create_request(juma, COMMUNITY, ["seo"], "", now, max_open=3)
    for request, kind in ((cooled, DeclineReason.NOT_NOW), (excluded, DeclineReason.NOT_THIS_PERSON)):
        offer = await store.create_offer(request.id, mentor, 1.0, "", now, now + HOUR)
        assert offer is not None
        assert await store.decline_offer(offer.id, mentor, None, now, kind=kind.value) is not None
    later = now + HOUR
    after = timedelta(days=3)
    assert await store.create_offer(excluded.id, mentor, 1.0, "", later, later + HOUR) is None
    assert await store.create_offer(cooled.id, mentor, 1.0, "", later, later + HOUR, reoffer_after=after) is None
    batch = [NewOffer(excluded.id, mentor, 1.0, ""), NewOffer(cooled.id, mentor, 1.0, "")]
    assert await store.create_offers(batch, later, later + HOUR, reoffer_after=after) == []
    [made] = await store.create_offers(batch, later, later + HOUR)  # exclusions only: the cooldown is not checked
    assert made.request_id == cooled.id
    profile = await store.get_mentor_profile(mentor)
    assert profile is not None and profile.pending_offers == 1
    assert (await store.get_request(excluded.id)).status is RequestStatus.WAITING  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------- once a day, per member


async def test_help_asked_twice_at_once_tells_the_admins_once(bot: MentorBot) -> None:
    """Two clicks of the check-in's help button, handled by two processes at once: both read "not told today"."""
    await bot.admin_stats(who("admin"))
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    other = await second_bot(bot)
    try:
        hook = Interleave(bot.store, "has_keyed", lambda: other.checkin(who("amina"), mentorship_id=1, answer="help"))
        first = await bot.checkin(who("amina"), mentorship_id=1, answer="help")
        hook.undo()
        second = await hook.result()
    finally:
        await other.store.close()
    assert len(to(first, "admin") + to(second, "admin")) == 1, "'once a day per mentorship and member'"


async def test_the_daily_suggestion_limit_holds_for_two_at_once(
    store: Store, library: Library, clock: ManualClock
) -> None:
    bot = bot_with(store, library, clock, suggestions_per_day=1)
    await bot.status(who("amina"))  # a known member: her row is not being created by the first suggestion's unit
    other = await second_bot(bot)
    try:
        hook = Interleave(
            bot.store,
            "suggestions_since",
            lambda: other.suggest_course(who("amina"), url="https://example.org/seo-guide", skills="seo"),
        )
        await bot.suggest_course(who("amina"), url="https://example.org/ppc-guide", skills="seo")
        hook.undo()
        second = await hook.result()
    finally:
        await other.store.close()
    assert len(await store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING)) == 1
    assert second.error is not None and second.error.key == "curation.rate_limited"
    assert not hook.finished_inside, "the second suggestion waits for the first's lock (or write lock)"


# ---------------------------------------------------------------------------------- forgetting, while saving


async def test_a_forget_while_a_suggestion_is_saved_leaves_no_note(bot: MentorBot) -> None:
    """The suggestion's unit inserted its row (not committed); Amina's forget ran in another process: its lock on
    her row let the insert's foreign-key lock through, its delete missed the row, and her note stayed."""
    await bot.status(who("amina"))
    other = await second_bot(bot)
    try:
        hook = Interleave(bot.store, "suggest_course", lambda: other.forget(who("amina"), confirm=True))
        await bot.suggest_course(
            who("amina"), url="https://example.org/seo-guide", skills="seo", note="Amina Otieno, +254 700 000000"
        )
        hook.undo()
        forgot = await hook.result()
    finally:
        await other.store.close()
    assert forgot.error is None
    assert await bot.store.find_member(COMMUNITY, "U-amina") is None
    assert await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING) == []


async def test_a_forget_while_feedback_is_saved_leaves_no_comment(bot: MentorBot) -> None:
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    await bot.end(who("baraka"), mentorship_id=1)
    other = await second_bot(bot)
    try:
        hook = Interleave(bot.store, "give_feedback", lambda: other.forget(who("amina"), confirm=True))
        await bot.feedback(who("amina"), mentorship_id=1, rating=5, comment="Amina Otieno, +254 700 000000")
        hook.undo()
        forgot = await hook.result()
    finally:
        await other.store.close()
    assert forgot.error is None
    assert await bot.store.find_member(COMMUNITY, "U-amina") is None
    assert [f.comment for f in await bot.store.list_feedback(COMMUNITY) if f.comment] == [], "her comment stayed"


# ------------------------------------------------------------------------------------------ the lock order


async def test_a_pause_and_a_cancel_of_one_of_its_offers_do_not_deadlock(
    bot: MentorBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pause locked the mentor's profile (its status update), then the mentees of their pending offers (to withdraw
    them); a mentee cancelling meanwhile locks their own row, then the profile (the offer's place): each held what the
    other wanted, and PostgreSQL aborted one (a retry hid it; `mentorbot admin import-mentors` has none). The pause now
    locks the mentees first, in the store's one order (found by a race hunt)."""
    monkeypatch.setattr(handler, "UNIT_ATTEMPTS", 1)  # a deadlock shows as the failure it is, not retried away
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    await bot.request(who("amina"), skills="seo")
    await bot.request(who("daudi"), skills="seo")
    other = await second_bot(bot)
    try:
        hook = Interleave(bot.store, "set_mentor_status", lambda: other.cancel(who("daudi")), grace=2.0)
        paused = await bot.pause(who("baraka"))
        hook.undo()
        cancelled = await hook.result()
    finally:
        await other.store.close()
    assert paused.error is None, paused.reply.text
    assert cancelled.error is None, cancelled.reply.text
    assert not hook.finished_inside, "the cancel waits for the pause's lock of its mentee"
    offers = await bot.store.list_offers(status=OfferStatus.PENDING)
    assert offers == []


async def test_an_expiry_that_pauses_its_mentor_and_a_cancel_do_not_deadlock(
    bot: MentorBot, store: Store, library: Library, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An expiry that pauses its mentor for lapses locked the expiring offer's mentee, then the profile (its place
    given back), then the mentees of the mentor's other pending offers (to withdraw them); one of those mentees
    cancelling meanwhile locks their own row, then wants the profile: each held what the other wanted. The expiry
    now locks every mentee of the mentor's pending offers first, in the store's one order."""
    monkeypatch.setattr(handler, "UNIT_ATTEMPTS", 1)  # a deadlock shows as the failure it is, not retried away
    bot = bot_with(store, library, clock, max_expired_offers=1)
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    await bot.request(who("amina"), skills="seo")
    clock.advance(HOUR)
    await bot.request(who("daudi"), skills="seo")
    clock.advance(timedelta(hours=bot.settings.offer_ttl_hours, minutes=1) - HOUR)  # amina's offer is due, daudi's not
    other = await second_bot(bot)
    original = offers_module.withdraw_pending
    cancelled: list[Outcome] = []

    async def cancel_first(*args: Any, **kwargs: Any) -> Any:
        # Inside the expiry's unit, its pause made: daudi cancels in another process, and waits (with the fix) for
        # the expiry's lock of his row.
        task = asyncio.get_running_loop().create_task(other.cancel(who("daudi")), context=contextvars.Context())
        await asyncio.wait({task}, timeout=2.0)
        monkeypatch.setattr(offers_module, "withdraw_pending", original)
        result = await original(*args, **kwargs)
        tasks.append(task)
        return result

    tasks: list[asyncio.Task[Outcome]] = []
    monkeypatch.setattr(offers_module, "withdraw_pending", cancel_first)
    try:
        notes = await bot.run_due_jobs()
        assert tasks, [n.reply.text for n in notes]
        cancelled.append(await tasks[0])
    finally:
        await other.store.close()
    assert cancelled[0].error is None, cancelled[0].reply.text
    assert any("paused" in n.reply.text.lower() for n in to(notes, "baraka")), [n.reply.text for n in notes]
    assert await bot.store.list_offers(status=OfferStatus.PENDING) == []
    mentor = await bot.store.find_member(COMMUNITY, "U-baraka")
    assert mentor is not None
    profile = await bot.store.get_mentor_profile(mentor.id)
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.pending_offers == 0


async def test_a_mentors_forget_locks_the_mentees_it_puts_back_to_waiting(bot: MentorBot) -> None:
    """A mentor's forget puts the request of each mentorship they mentor back to waiting (no mentee stranded):
    its mentee's row is locked with the others the forget locks first, so a request of theirs made meanwhile in
    another process waits for the forget, and is then refused as the duplicate it is, instead of passing the
    forget's duplicate check or the open-request limit."""
    await bot.signup(who("baraka"), skills="seo")
    await bot.signup(who("chiku"), skills="seo")
    await bot.request(who("amina"), skills="seo")
    [offer] = await bot.store.list_offers(status=OfferStatus.PENDING)
    mentor = await bot.store.get_member(offer.mentor_id)
    assert mentor is not None
    await bot.accept(who(mentor.platform_user_id.removeprefix("U-")), offer_id=str(offer.id))
    other = await second_bot(bot)
    try:
        hook = Interleave(bot.store, "prepare_forget", lambda: other.request(who("amina"), skills="seo"))
        forgot = await bot.forget(who(mentor.platform_user_id.removeprefix("U-")), confirm=True)
        hook.undo()
        asked = await hook.result()
    finally:
        await other.store.close()
    assert forgot.error is None, forgot.reply.text
    assert not hook.finished_inside, "the mentee's request waits for the forget's lock of their row"
    amina = await bot.store.find_member(COMMUNITY, "U-amina")
    assert amina is not None
    requests = await bot.store.list_member_requests(amina.id)
    open_ones = [r for r in requests if r.status in (RequestStatus.WAITING, RequestStatus.OFFERED)]
    assert len(open_ones) == 1, (requests, asked.reply.text)
