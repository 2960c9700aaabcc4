"""Outage hunt (session 34): an answer recorded in time counts, an offer never sent is not a lapse, and a mentee is
not told last that a long-dead offer was "just" made. On both engines.

Before:
1. an Accept clicked 47 h into a 48 h offer, acknowledged (in the inbox) and recovered after a crash and a 3-day
   outage was judged against the time it was processed: the restart's expiry timer expired the offer "without an
   answer" first, and the accept was refused as late (the request went to the next mentor);
2. an offer whose DM was written just before the crash (its outbox row still claimed by the dead process, the
   claim run out days ago) expired as an ordinary lapse, "without an answer", though it never reached its mentor;
3. after a crash, the mentee's "Good news: a mentor has just been offered your request" for an offer that had long
   ended was delivered at the restart, after (or instead of) "your request waits again".
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import OfferStatus, RequestStatus
from mentorbot.replies import Notification
from mentorbot.storage.store import Store
from tests.storage.interleave import second_bot
from tests.usecases.conftest import COMMUNITY, offer_id, to
from tests.usecases.test_departures_s32 import Who

EN = translator("en")
SW = translator("sw")
TTL = timedelta(hours=48)
OUTAGE = timedelta(days=3)


def offers_in(notes: list[Notification] | tuple[Notification, ...], name: str) -> list[int]:
    """The offers (by id) sent to `name` among `notes`."""
    return [offer_id(n) for n in to(list(notes), name) if any(b.action == "offer.accept" for b in n.reply.buttons)]


async def member_id(bot: MentorBot, name: str) -> int:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return member.id


async def recorded(bot: MentorBot, name: str, event: str) -> int:
    """An interaction of `name` recorded in the inbox now, as an adapter records it before its acknowledgement
    (claimed by this process, which then dies)."""
    inbox_id = await bot.record_event(f"test:{event}", COMMUNITY, f"U-{name}", "{}")
    assert inbox_id is not None
    return inbox_id


async def recovered(bot: MentorBot, clock: ManualClock, name: str) -> Caller:
    """The process that comes back claims the dead one's event of `name` and makes it a caller, as the adapters'
    recovery does: its inbox id, and the time it was recorded (`Caller.answered_at`)."""
    other = MentorBot(bot.store, bot.library, bot.settings, clock, worker_id="restarted")
    [event] = await other.unprocessed_events()
    assert event.platform_user_id == f"U-{name}" and event.created_at is not None
    return Caller(
        COMMUNITY,
        f"U-{name}",
        name.capitalize(),
        event_id=event.event_id,
        inbox_id=event.id,
        answered_at=event.created_at,
    )


async def restart_round(bot: MentorBot, *, restarted: bool = False) -> list[Notification]:
    """One round of the timer loop (`app.run_timers`): the due timers, then what a dead process left in the outbox,
    delivered. `restarted`: by the process that comes back after the crash (a worker id of its own, as every
    process has), else by `bot` itself."""
    if restarted:
        bot = MentorBot(bot.store, bot.library, bot.settings, bot.clock, worker_id="restarted")
    notes = await bot.run_due_jobs()
    notes += await bot.undelivered()
    await bot.delivered(notes)
    return notes


async def offered_to_bob(bot: MentorBot, who: Who, *, dave: bool = False) -> int:
    """Bob (and, with `dave`, Dave, a weaker fit) mentors SEO; Amina asks; Bob gets the offer, delivered."""
    await bot.delivered((await bot.signup(who("bob"), skills="seo", levels="expert")).notifications)
    if dave:
        await bot.delivered((await bot.signup(who("dave"), skills="seo", levels="learning")).notifications)
    asked = await bot.request(who("amina"), skills="seo")
    await bot.delivered(asked.notifications)
    [offer] = offers_in(asked.notifications, "bob")
    return offer


# ------------------------------------------------------------------------- 1. an answer recorded in time counts


async def test_an_accept_recorded_in_time_and_recovered_after_an_outage_is_applied(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Bob accepts 47 h into his 48 h offer; the click is recorded (acknowledged), the process dies, the bot is
    down 3 days. At the restart the timers run first: the expiry waits for the recorded answer (no "expired
    without an answer"), the recovery applies the accept, and the timer then has nothing left to do."""
    offer = await offered_to_bob(bot, who, dave=True)
    clock.advance(timedelta(hours=47))
    await recorded(bot, "bob", "click")
    clock.advance(OUTAGE)

    first = await restart_round(bot)
    assert to(first, "bob") == [], [n.reply.text for n in to(first, "bob")]
    still = await bot.store.get_offer(offer)
    assert still is not None and still.status is OfferStatus.PENDING, "expired before its recorded answer"

    accepted = await bot.accept(await recovered(bot, clock, "bob"), offer_id=offer)
    assert accepted.error is None, accepted.reply.text
    assert accepted.reply.text == EN("offer.accepted", id=offer)
    got = await bot.store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.ACCEPTED
    request = await bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.MATCHED
    assert offers_in(accepted.notifications, "dave") == [], "nothing handed on"
    await bot.delivered(accepted.notifications)

    clock.advance(timedelta(minutes=5))
    assert await bot.run_due_jobs() == [], "the deferred expiry timer was cancelled by the accept"


async def test_a_decline_recorded_in_time_and_recovered_after_an_outage_is_an_ordinary_decline(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    offer = await offered_to_bob(bot, who)
    clock.advance(timedelta(hours=47))
    await recorded(bot, "bob", "decline")
    clock.advance(OUTAGE)
    assert to(await restart_round(bot), "bob") == []

    declined = await bot.decline(await recovered(bot, clock, "bob"), offer_id=offer, reason="travelling")
    assert declined.error is None, declined.reply.text
    assert declined.reply.text == EN("offer.declined_waiting", id=offer)
    got = await bot.store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.DECLINED and got.decline_reason == "travelling"


async def test_a_live_click_after_the_deadline_while_an_in_time_one_waits_takes_the_open_offer(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Bob's first click (recorded in time, its process dead) holds the expiry back; his second click, live and after
    the deadline, finds the offer still open (session 35: an offer is open until its expiry runs) and accepts it; the
    recovered first click then finds it accepted, and changes nothing."""
    offer = await offered_to_bob(bot, who)
    clock.advance(TTL - timedelta(minutes=1))
    await recorded(bot, "bob", "first-click")
    clock.advance(timedelta(minutes=6))
    second = await bot.accept(who("bob"), offer_id=offer)
    assert second.error is None and second.reply.text == EN("offer.accepted", id=offer)
    first = await bot.accept(await recovered(bot, clock, "bob"), offer_id=offer)
    assert first.error is not None and first.reply.text == EN("offer.already_accepted", id=offer)
    assert len(await bot.store.list_mentorships(active_only=True)) == 1


async def test_an_event_recorded_after_the_deadline_does_not_hold_the_expiry_back(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    offer = await offered_to_bob(bot, who)
    clock.advance(TTL + timedelta(minutes=1))
    await recorded(bot, "bob", "late")
    notes = await bot.run_due_jobs()
    assert [n.key for n in to(notes, "bob")] == [f"offer:{offer}"]
    got = await bot.store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.EXPIRED


async def test_an_expiry_held_back_by_an_event_runs_once_the_event_is_done(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The recorded event was something else (a status read): once it is done, the next look expires the offer,
    on time for the streak (the wait was the event's, not an outage)."""
    offer = await offered_to_bob(bot, who)
    clock.advance(TTL - timedelta(seconds=1))
    inbox_id = await recorded(bot, "bob", "status")
    clock.advance(timedelta(seconds=2))
    assert await bot.run_due_jobs() == []
    await bot.finish_event(inbox_id)
    clock.advance(timedelta(minutes=1))
    notes = await bot.run_due_jobs()
    assert [n.reply.text for n in to(notes, "bob")] == [
        EN("offer.expired_waiting", id=offer) + " " + EN("offer.take_it_after_all", id=offer)
    ]
    profile = await bot.store.get_mentor_profile(await member_id(bot, "bob"))
    assert profile is not None and profile.expired_streak == 1, "counted: the expiry ran within the grace"


async def test_an_accept_recorded_in_time_is_applied_even_when_a_racing_timer_expired_the_offer(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Another process's timer expired the offer a moment before the record of Bob's in-time click was visible
    to it: the recovered accept is still applied (the request waits: it is matched with Bob at once)."""
    offer = await offered_to_bob(bot, who)
    made = clock.now()
    clock.advance(TTL + timedelta(minutes=1))
    await bot.run_due_jobs()
    expired = await bot.store.get_offer(offer)
    assert expired is not None and expired.status is OfferStatus.EXPIRED

    bob = Caller(COMMUNITY, "U-bob", "Bob", answered_at=made + TTL - timedelta(seconds=1))
    accepted = await bot.accept(bob, offer_id=offer)
    assert accepted.error is None, accepted.reply.text
    assert accepted.reply.text == EN("offer.accepted", id=offer)
    request = await bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.MATCHED
    [mentorship] = await bot.store.list_mentorships(member_id=await member_id(bot, "bob"), active_only=True)
    assert mentorship.mentee_id == await member_id(bot, "amina")
    profile = await bot.store.get_mentor_profile(await member_id(bot, "bob"))
    assert profile is not None and (profile.pending_offers, profile.active_count, profile.expired_streak) == (0, 1, 0)
    assert await bot.run_due_jobs() == [], "the new offer's timer went with the accept"


async def test_an_accept_recorded_in_time_after_the_request_went_on_says_so_truthfully(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    offer = await offered_to_bob(bot, who, dave=True)
    made = clock.now()
    clock.advance(TTL + timedelta(minutes=1))
    [handed] = offers_in(await bot.run_due_jobs(), "dave")

    bob = Caller(COMMUNITY, "U-bob", "Bob", answered_at=made + TTL - timedelta(minutes=1))
    answer = await bot.accept(bob, offer_id=offer)
    assert answer.error is None, answer.reply.text
    assert answer.reply.text == EN("offer.in_time.gone_other", id=offer, request=1)
    pending = await bot.store.list_offers(request_id=1, status=OfferStatus.PENDING)
    assert [o.id for o in pending] == [handed], "Dave's offer stands"
    assert offers_in(answer.notifications, "bob") == []


async def test_a_decline_recorded_in_time_after_a_racing_expiry_is_recorded_and_told_so(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    offer = await offered_to_bob(bot, who)
    made = clock.now()
    clock.advance(TTL + timedelta(minutes=1))
    await bot.run_due_jobs()
    bob = Caller(COMMUNITY, "U-bob", "Bob", answered_at=made + TTL - timedelta(minutes=1))
    answer = await bot.decline(bob, offer_id=offer, reason="travelling")
    assert answer.error is None, answer.reply.text
    assert answer.reply.text == EN("offer.in_time.declined", id=offer, request=1)
    got = await bot.store.get_offer(offer)
    assert got is not None and got.status is OfferStatus.DECLINED


async def test_an_in_time_accept_racing_the_expiry_in_another_process_makes_one_mentorship(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The recovered in-time accept and another process's expiry timer at the same moment (the record invisible
    to the timer): whichever wins the offer's compare-and-set, Bob mentors Amina once, with consistent places."""
    offer = await offered_to_bob(bot, who)
    made = clock.now()
    clock.advance(TTL + timedelta(minutes=1))
    bob = Caller(COMMUNITY, "U-bob", "Bob", answered_at=made + TTL - timedelta(seconds=1))
    other = await second_bot(bot)
    try:
        answer, _ = await asyncio.gather(bot.accept(bob, offer_id=offer), other.run_due_jobs())
    finally:
        await other.store.close()
    assert answer.error is None, answer.reply.text
    assert answer.reply.text == EN("offer.accepted", id=offer)
    mentorships = await bot.store.list_mentorships(member_id=await member_id(bot, "bob"), active_only=True)
    assert len(mentorships) == 1
    profile = await bot.store.get_mentor_profile(await member_id(bot, "bob"))
    assert profile is not None and (profile.pending_offers, profile.active_count) == (0, 1)
    assert await bot.store.list_offers(request_id=1, status=OfferStatus.PENDING) == []


def test_the_in_time_texts_exist_in_both_languages() -> None:
    for key in (
        "offer.in_time.gone_other",
        "offer.in_time.gone",
        "offer.in_time.paused",
        "offer.in_time.full",
        "offer.in_time.blocked",
        "offer.in_time.reoffered",
        "offer.in_time.declined",
        "offer.in_time.declined_for_good",
    ):
        english, swahili = EN(key, id=1, request=2, offer=3), SW(key, id=1, request=2, offer=3)
        assert english != key and swahili != key and english != swahili


# ------------------------------------------------------------- 2. an offer the dead process never sent


async def test_an_offer_the_dead_process_never_sent_expires_as_never_reached(
    bot: MentorBot, who: Who, clock: ManualClock, store: Store
) -> None:
    """The process writes Baraka's offer, then dies before sending it; down 3 days. The row is still pending on
    its first try, its claim run out days ago: it never reached him (docs/reliability.md)."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    asked = await bot.request(who("amina"), skills="seo")  # the offer DM: written, claimed ... and never sent
    assert [n.key for n in to(asked, "baraka")] == ["offer:1"]
    clock.advance(OUTAGE)
    notes = await restart_round(bot, restarted=True)
    [told] = [n for n in to(notes, "baraka") if n.key == "offer:1"]
    assert told.reply.plain_text.startswith(EN("offer.expired_unsent_notice", id=1).split(",")[0])
    offer = await store.get_offer(1)
    assert offer is not None and offer.reason_kind == "undelivered"


async def test_an_offer_its_own_process_has_not_marked_yet_still_counts_as_reached(
    bot: MentorBot, who: Who, clock: ManualClock, store: Store
) -> None:
    """The worker running the expiry wrote the offer itself and is alive: its row is its own to deliver or release
    (a first try it has not marked is no dead process's), so the expiry is an ordinary lapse, as before."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    await bot.request(who("amina"), skills="seo")
    clock.advance(TTL + timedelta(minutes=1))
    await bot.run_due_jobs()
    offer = await store.get_offer(1)
    assert offer is not None and offer.status is OfferStatus.EXPIRED and offer.reason_kind is None


async def test_an_offer_being_sent_when_it_expires_still_counts_as_reached(
    bot: MentorBot, who: Who, clock: ManualClock, store: Store
) -> None:
    """A row still claimed by a live process (its claim not run out) is being delivered: not "never reached"."""
    await bot.delivered((await bot.signup(who("baraka"), skills="seo")).notifications)
    asked = await bot.request(who("amina"), skills="seo")
    [row] = [n for n in to(asked, "baraka") if n.key == "offer:1"]
    clock.advance(TTL + timedelta(minutes=1))
    async with store.transaction() as conn:  # claimed afresh by a live worker a moment ago
        await conn.execute(
            "UPDATE outbox SET claimed_by = 'live', claimed_until = ? WHERE id = ?",
            clock.now() + timedelta(minutes=2),
            row.outbox_id,
        )
    await restart_round(bot, restarted=True)
    offer = await store.get_offer(1)
    assert offer is not None and offer.status is OfferStatus.EXPIRED and offer.reason_kind is None


# ------------------------------------------------------------- 3. no stale "now offered" after the offer ended


async def _outbox_status(store: Store, member: int, key: str) -> list[str]:
    async with store.read() as conn:
        found = await conn.fetch_all(
            "SELECT status FROM outbox WHERE member_id = ? AND message_key = ? ORDER BY id", member, key
        )
    return [str(r["status"]) for r in found]


async def test_a_stale_now_offered_notice_is_not_sent_after_the_offer_expired(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Amina waits; Baraka signs up and is offered her request; the "Good news" is written, the process dies
    before sending anything; down 3 days. The restart does not tell her a long-dead offer was "just" made."""
    await bot.delivered((await bot.request(who("amina"), skills="seo")).notifications)
    signed = await bot.signup(who("baraka"), skills="seo")
    assert EN("request.now_offered", id=1) in [n.reply.plain_text for n in to(signed, "amina")]
    clock.advance(OUTAGE)
    notes = await restart_round(bot, restarted=True)
    amina = [n.reply.plain_text for n in to(notes, "amina")]
    assert EN("request.now_offered", id=1) not in amina, amina
    assert await _outbox_status(bot.store, await member_id(bot, "amina"), "request:1:offer:1") == ["superseded"]


async def test_a_decline_supersedes_a_now_offered_notice_a_dead_process_left_unsent(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The process that offered Amina's request died before telling her; Baraka (told by another process's recovery)
    declines: the decline's unit supersedes the "Good news", which the recovery would now send after "waiting
    again"."""
    await bot.delivered((await bot.request(who("amina"), skills="seo")).notifications)
    signed = await bot.signup(who("baraka"), skills="seo")
    await bot.delivered([n for n in signed.notifications if n.platform_user_id == "U-baraka"])
    [offer] = offers_in(signed.notifications, "baraka")
    clock.advance(timedelta(minutes=10))  # the dead writer's claim ran out
    declined = await bot.decline(who("baraka"), offer_id=offer)
    assert declined.error is None
    amina = await member_id(bot, "amina")
    assert await _outbox_status(bot.store, amina, f"request:1:offer:{offer}") == ["superseded"]
    [waiting] = [n for n in to(declined, "amina")]
    assert waiting.key == f"request:1:after:{offer}"


async def test_a_held_now_offered_notice_is_superseded_when_the_offer_is_withdrawn(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Held for Amina's next command (her DMs closed), the "Good news" is not shown after Baraka's pause withdrew
    the offer: her next command shows the "waiting again" only."""
    await bot.delivered((await bot.request(who("amina"), skills="seo")).notifications)
    signed = await bot.signup(who("baraka"), skills="seo")
    [good_news] = [n for n in signed.notifications if n.platform_user_id == "U-amina"]
    await bot.delivered([n for n in signed.notifications if n.platform_user_id == "U-baraka"])
    await bot.hold_undelivered(good_news)
    [offer] = offers_in(signed.notifications, "baraka")
    paused = await bot.pause(who("baraka"))
    assert paused.error is None
    await bot.delivered(paused.notifications)
    amina = await member_id(bot, "amina")
    assert await _outbox_status(bot.store, amina, f"request:1:offer:{offer}") == ["superseded"]
    status = await bot.status(who("amina"))
    assert all(EN("request.now_offered", id=1) not in held.plain_text for held in status.held)


async def test_a_delivered_now_offered_notice_is_left_alone(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.delivered((await bot.request(who("amina"), skills="seo")).notifications)
    signed = await bot.signup(who("baraka"), skills="seo")
    await bot.delivered(signed.notifications)
    [offer] = offers_in(signed.notifications, "baraka")
    assert (await bot.decline(who("baraka"), offer_id=offer)).error is None
    amina = await member_id(bot, "amina")
    assert await _outbox_status(bot.store, amina, f"request:1:offer:{offer}") == ["delivered"]
