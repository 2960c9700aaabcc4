"""A mentor whose direct messages the platform refuses for good (left the Discord server, closed their DMs, blocked
the bot, deactivated on Slack) is paused as unreachable the first time an offer to them is refused: their offers are
withdrawn and handed on at once, instead of each one holding a place for the whole offer time (48 h) until lapses on
three days auto-pause them. A transient failure, even after its last try, pauses nobody."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import timedelta

from mentorbot.app import run_timers
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import MentorStatus, OfferStatus
from mentorbot.replies import Notification, Reply
from tests.storage.interleave import Interleave, second_bot
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")


def is_offer(note: Notification | Reply) -> bool:
    """Whether a message is an offer with live Accept / Decline buttons."""
    reply = note.reply if isinstance(note, Notification) else note
    return any(b.action == "offer.accept" for b in reply.buttons)


async def member_id(bot: MentorBot, name: str) -> int:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return member.id


async def pending(bot: MentorBot) -> list[tuple[int, str]]:
    """The pending offers as (request id, the mentor's name), by request."""
    names = {}
    out = []
    for offer in await bot.store.list_offers(status=OfferStatus.PENDING):
        if offer.mentor_id not in names:
            member = await bot.store.get_member(offer.mentor_id)
            assert member is not None
            names[offer.mentor_id] = member.platform_user_id.removeprefix("U-")
        out.append((offer.request_id, names[offer.mentor_id]))
    return sorted(out)


async def outbox_keys(bot: MentorBot, name: str, status: str) -> list[str | None]:
    """The message keys of the outbox rows of member `name` in `status`, oldest first."""
    member = await member_id(bot, name)
    async with bot.store.read() as conn:
        found = await conn.fetch_all(
            "SELECT message_key FROM outbox WHERE member_id = ? AND status = ? ORDER BY id", member, status
        )
    return [r["message_key"] for r in found]


async def pause_notices(bot: MentorBot, name: str) -> int:
    """How many "I couldn't reach you" pause notices were ever written for member `name`."""
    member = await member_id(bot, name)
    async with bot.store.read() as conn:
        found = await conn.fetch_all("SELECT payload FROM outbox WHERE member_id = ?", member)
    return sum(EN("pause.unreachable") in r["payload"] for r in found)


async def refuse(bot: MentorBot, notes: list[Notification] | tuple[Notification, ...], name: str) -> None:
    """An adapter delivers `notes`: those to `name` are refused for good (Discord 50007), the rest sent."""
    for note in notes:
        if note.platform_user_id == f"U-{name}":
            await bot.hold_undelivered(note, refused=True)
    await bot.delivered(notes)


async def next_round(bot: MentorBot, clock: ManualClock) -> list[Notification]:
    """One round of a timer loop a moment later: what it claims from the outbox to deliver."""
    clock.advance(timedelta(seconds=1))
    return await bot.undelivered()


async def test_a_refused_offer_pauses_its_mentor_and_hands_the_request_on_at_once(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The reproduction: Gone ranks first for SEO but left the server. Before, each new request was offered to him
    first, and its mentee waited out the offer's 48 hours; now the first refusal pauses him as unreachable."""
    await bot.signup(who("gone"), skills="seo", capacity="3", levels="expert")
    await bot.signup(who("here"), skills="seo", capacity="3", levels="practitioner")
    first = await bot.request(who("a1"), skills="seo")
    assert [n.platform_user_id for n in first.notifications if is_offer(n)] == ["U-gone"]

    await refuse(bot, first.notifications, "gone")

    profile = await bot.store.get_mentor_profile(await member_id(bot, "gone"))
    assert profile is not None and profile.status is MentorStatus.PAUSED
    assert profile.pause_reason == "unreachable" and profile.paused_until is None and profile.pending_offers == 0
    [request_a1] = await bot.store.list_member_requests(await member_id(bot, "a1"))
    assert await pending(bot) == [(request_a1.id, "here")], "handed on at once, not after 48 hours"
    # What the pause says is in the outbox, for the next round of any process's timer loop.
    notes = await next_round(bot, clock)
    [offer_to_here] = to(notes, "here")
    assert is_offer(offer_to_here)
    told_gone = to(notes, "gone")
    assert [n.key for n in told_gone] == [None, f"offer:{offer_id(to(first, 'gone')[0])}"]
    assert not any(is_offer(n) for n in told_gone), "the refused offer's new version has no buttons"

    # The next request goes straight to the mentor who answers.
    second = await bot.request(who("a2"), skills="seo")
    assert [n.platform_user_id for n in second.notifications if is_offer(n)] == ["U-here"]

    # Gone's DMs are still refused: what the pause says is held, and shown with his next command, once.
    await refuse(bot, notes, "gone")
    status = await bot.status(who("gone"))
    assert not any(is_offer(h) for h in status.held), "no live Accept button for a withdrawn offer"
    texts = [h.text for h in status.held]
    assert len(texts) == 2 and texts[0].startswith(EN("pause.unreachable"))
    assert EN("pause.unreachable_fix") in texts[0] and "`/mentor resume`" in texts[0]
    assert EN("pause.request_passed", id=request_a1.id) in texts[0]
    assert texts[1] == EN("offer.withdrawn_paused_unreachable", id=offer_id(to(first, "gone")[0]))
    availability = EN("status.mentor_paused") + " — " + EN("status.paused_unreachable")
    assert f"{EN('status.availability')}: {availability}" in status.reply.plain_text
    assert (await bot.status(who("gone"))).held == (), "shown once"

    # Back: he resumes, and is offered requests again.
    resumed = await bot.resume(who("gone"))
    assert resumed.reply.text == EN("resume.done")
    profile = await bot.store.get_mentor_profile(await member_id(bot, "gone"))
    assert profile is not None and profile.status is MentorStatus.ACTIVE and profile.pause_reason is None


async def test_the_swahili_notice_says_it_in_swahili(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("gone"), skills="seo")
    await bot.set_language(who("gone"), language="sw")
    await refuse(bot, (await bot.request(who("a1"), skills="seo")).notifications, "gone")
    await refuse(bot, await next_round(bot, clock), "gone")
    status = await bot.status(who("gone"))
    sw = translator("sw")
    notice = status.held[0].text
    assert notice.startswith(sw("pause.unreachable")) and sw("pause.unreachable_fix") in notice
    assert sw("status.paused_unreachable") in status.reply.plain_text


async def test_a_transient_failure_after_its_last_try_pauses_nobody(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The platform down for hours: `retry_later` holds the offer after its last try. That is not the mentor's
    doing: they stay active and their offer keeps its buttons for their next command."""
    await bot.signup(who("baraka"), skills="seo")
    out = await bot.request(who("amina"), skills="seo")
    [offer] = to(out, "baraka")
    last_try = replace(offer, attempts=bot.settings.delivery_attempts)

    assert await bot.retry_later(last_try) is False, "held, not retried"

    profile = await bot.store.get_mentor_profile(await member_id(bot, "baraka"))
    assert profile is not None and profile.status is MentorStatus.ACTIVE and profile.pause_reason is None
    assert [name for _, name in await pending(bot)] == ["baraka"]
    assert await next_round(bot, clock) == []
    held = (await bot.status(who("baraka"))).held
    assert len(held) == 1 and is_offer(held[0])


async def test_a_hold_not_said_to_be_a_refusal_pauses_nobody(bot: MentorBot, who: Who) -> None:
    """`hold_undelivered` without `refused` (a notice for a member of another platform, a transient failure's last
    try) holds the notice, as before."""
    await bot.signup(who("baraka"), skills="seo")
    out = await bot.request(who("amina"), skills="seo")
    await bot.hold_undelivered(to(out, "baraka")[0])
    profile = await bot.store.get_mentor_profile(await member_id(bot, "baraka"))
    assert profile is not None and profile.status is MentorStatus.ACTIVE
    assert await outbox_keys(bot, "baraka", "held") == ["offer:1"]


async def test_only_a_pending_offers_notice_to_its_own_mentor_pauses(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """A refused notice that is not an offer (an introduction), or an offer's later version (its expiry notice),
    or an offer already decided, is only held."""
    await bot.signup(who("baraka"), skills="seo", capacity="3")
    out = await bot.request(who("amina"), skills="seo")
    [offer] = to(out, "baraka")
    accepted = await bot.accept(who("baraka"), offer_id=offer_id(offer))
    await refuse(bot, list(out.notifications) + list(accepted.notifications), "baraka")  # the offer, now accepted
    profile = await bot.store.get_mentor_profile(await member_id(bot, "baraka"))
    assert profile is not None and profile.status is MentorStatus.ACTIVE

    lapsed = await bot.request(who("chao"), skills="seo")
    clock.advance(timedelta(hours=bot.settings.offer_ttl_hours, minutes=1))
    expired = await bot.run_due_jobs()
    await refuse(bot, list(lapsed.notifications) + expired, "baraka")  # the expired offer and its expiry notice
    profile = await bot.store.get_mentor_profile(await member_id(bot, "baraka"))
    assert profile is not None and profile.status is MentorStatus.ACTIVE and profile.pause_reason is None
    assert await pause_notices(bot, "baraka") == 0
    assert await next_round(bot, clock) == []


async def test_pausing_as_unreachable_is_done_once(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Two offers of one mentor refused one after the other, and the same refusal reported twice: one pause, one
    notice, each request handed on once."""
    await bot.signup(who("gone"), skills="seo", capacity="3", levels="expert")
    await bot.signup(who("here"), skills="seo", capacity="3", levels="practitioner")
    first = await bot.request(who("a1"), skills="seo")
    second = await bot.request(who("a2"), skills="seo")
    offers = [*to(first, "gone"), *to(second, "gone")]
    assert len(offers) == 2

    for note in (*offers, offers[0]):
        await bot.hold_undelivered(note, refused=True)

    assert await pause_notices(bot, "gone") == 1
    assert [name for _, name in await pending(bot)] == ["here", "here"]
    notes = await next_round(bot, clock)
    assert len([n for n in to(notes, "here") if is_offer(n)]) == 2
    assert len(to(notes, "gone")) == 3  # the pause notice and the new version of each offer
    await refuse(bot, notes, "gone")
    assert await pause_notices(bot, "gone") == 1, "the refused withdrawal notices pause nobody again"
    assert await next_round(bot, clock) == []


async def test_a_mentor_already_paused_keeps_their_pause(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """A mentor who paused until a date while their offer's DM was on its way: the refusal of that offer (withdrawn
    by the pause) changes nothing; the pause keeps its date and its reason."""
    await bot.signup(who("baraka"), skills="seo")
    out = await bot.request(who("amina"), skills="seo")
    await bot.pause(who("baraka"), until="2w")
    before = await bot.store.get_mentor_profile(await member_id(bot, "baraka"))
    assert before is not None and before.paused_until is not None

    await refuse(bot, out.notifications, "baraka")

    after = await bot.store.get_mentor_profile(await member_id(bot, "baraka"))
    assert after == before
    assert await pause_notices(bot, "baraka") == 0


async def test_two_processes_refusing_two_offers_of_one_mentor_at_once_pause_them_once(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Process A has read that its offer is pending when process B, refused the mentor's other offer, pauses the
    mentor and hands both requests on (PostgreSQL: B commits there; SQLite: B waits for A's unit). One pause, one
    notice, each request offered once to the mentor who answers."""
    await bot.signup(who("gone"), skills="seo", capacity="3", levels="expert")
    await bot.signup(who("here"), skills="seo", capacity="3", levels="practitioner")
    first = await bot.request(who("a1"), skills="seo")
    second = await bot.request(who("a2"), skills="seo")
    [offer_1], [offer_2] = to(first, "gone"), to(second, "gone")
    other = await second_bot(bot)
    try:
        hook = Interleave(bot.store, "get_offer", lambda: other.hold_undelivered(offer_2, refused=True), grace=2.0)
        await bot.hold_undelivered(offer_1, refused=True)
        hook.undo()
        await hook.result()
    finally:
        await other.store.close()

    profile = await bot.store.get_mentor_profile(await member_id(bot, "gone"))
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.pause_reason == "unreachable"
    assert await pause_notices(bot, "gone") == 1
    assert [name for _, name in await pending(bot)] == ["here", "here"]
    offers_to_here = [n for n in await next_round(bot, clock) if is_offer(n)]
    assert sorted(n.platform_user_id for n in offers_to_here) == ["U-here", "U-here"]


async def test_an_accept_made_while_the_refusal_is_handled_is_never_followed_by_a_pause(
    bot: MentorBot, who: Who
) -> None:
    """The mentor accepts the offer (a command in another process) right after the refusal's unit read it
    pending. Whichever unit goes first, the mentor is never both matched by that offer and paused for it."""
    await bot.signup(who("gone"), skills="seo", capacity="3")
    out = await bot.request(who("a1"), skills="seo")
    [offer] = to(out, "gone")
    other = await second_bot(bot)
    try:
        accept = lambda: other.accept(who("gone"), offer_id=offer_id(offer))  # noqa: E731
        hook = Interleave(bot.store, "get_offer", accept, grace=2.0)
        await bot.hold_undelivered(offer, refused=True)
        hook.undo()
        accepted = await hook.result()
    finally:
        await other.store.close()
    profile = await bot.store.get_mentor_profile(await member_id(bot, "gone"))
    assert profile is not None
    if accepted.error is None:  # PostgreSQL: the accept committed first
        assert profile.status is MentorStatus.ACTIVE and profile.active_count == 1
    else:  # SQLite: the refusal's unit went first, and the accept finds the offer withdrawn
        assert profile.status is MentorStatus.PAUSED and profile.active_count == 0


async def test_what_the_pause_says_goes_out_at_once_not_at_the_timer_loops_next_interval(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The refused offer's request is offered to the next mentor by this process's timer loop at once: before, the
    loop slept its interval (15 s in production) first, and the next mentor waited for nothing."""
    await bot.signup(who("gone"), skills="seo", capacity="3", levels="expert")
    await bot.signup(who("here"), skills="seo", capacity="3", levels="practitioner")
    first = await bot.request(who("a1"), skills="seo")
    await bot.delivered(first.notifications)
    sent: list[Notification] = []
    delivered = asyncio.Event()

    async def deliver(notes: Sequence[Notification]) -> None:
        sent.extend(notes)
        if notes:
            delivered.set()

    loop = asyncio.create_task(run_timers(bot, deliver, interval=3600))
    try:
        await asyncio.sleep(0.05)  # its first round: nothing to send; it now waits an hour
        assert sent == []
        [refused] = to(first.notifications, "gone")
        await bot.hold_undelivered(refused, refused=True)
        clock.advance(timedelta(seconds=1))
        await asyncio.wait_for(delivered.wait(), 5)
    finally:
        loop.cancel()
        with suppress(asyncio.CancelledError):
            await loop
    [offer_to_here] = to(sent, "here")
    assert is_offer(offer_to_here), "the request was handed on and its offer sent, without waiting an hour"
