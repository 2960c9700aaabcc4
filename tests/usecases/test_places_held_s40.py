"""Session 40 (a mentor's dead ends): a place held by a pending offer is told as such, not as a mentorship to end.

The hunt: Mo mentors SEO with one place. Zed's request is offered to Mo (offer #1); Amy's request waits. Offer #1
lapses, and in that same timer run Amy's request takes the place it freed (offer #2 to Mo). Mo was told "Offer #1
expired… If you can take it after all, answer `/mentor accept 1`", but the place was already held by offer #2, so
that accept answered "…you have no free place for it: end a mentorship or raise your capacity", to a mentor with no
mentorship at all ("0 of 1 taken, 1 held by a pending offer"). An admin's `/mentor-admin match` against a mentor
whose place a pending offer holds said "end one of their mentorships" the same way.

Now the expiry notice offers "take it after all" only while the mentor has a free place once the run's hand-on is
done; a late accept with no free place names the pending offer(s) that hold it and how to free one; so does the
admin's refusal (and when the answer is due: `force:yes` never goes past a capacity). Where mentorships fill the
places the wording is as before. On both engines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.formatting import places_text, when
from mentorbot.i18n import translator
from mentorbot.models import OfferStatus, Places
from mentorbot.replies import Notification
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")
TTL = timedelta(hours=48)


def offers_in(notes: list[Notification] | tuple[Notification, ...], name: str) -> list[int]:
    """The offers (by id) sent to `name` among `notes`."""
    return [offer_id(n) for n in to(list(notes), name) if any(b.action == "offer.accept" for b in n.reply.buttons)]


def notices(notes: list[Notification] | tuple[Notification, ...], name: str, key: str) -> list[str]:
    return [n.reply.text for n in to(list(notes), name) if n.key == key]


async def pending_to(bot: MentorBot, name: str) -> list[int]:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return [o.id for o in await bot.store.list_offers(mentor_id=member.id, status=OfferStatus.PENDING)]


async def held_by_the_next_request(bot: MentorBot, who: Who, clock: ManualClock, *, mentoring: bool = False) -> int:
    """The hunt: Mo's one free place goes to Zed's request (offer), Amy's waits; the offer lapses and, in that run,
    Amy's request takes the freed place. With `mentoring`, Mo has two places, the other taken by a mentorship of
    Pat's first. Zed's lapsed offer's id."""
    await bot.signup(who("mo"), skills="seo", capacity="2" if mentoring else "1")
    if mentoring:
        [first] = offers_in((await bot.request(who("pat"), skills="seo")).notifications, "mo")
        assert (await bot.accept(who("mo"), offer_id=first)).error is None
    [lapsing] = offers_in((await bot.request(who("zed"), skills="seo")).notifications, "mo")
    assert offers_in((await bot.request(who("amy"), skills="seo")).notifications, "mo") == [], "Amy's waits"
    clock.advance(TTL + timedelta(minutes=1))
    expiry = await bot.run_due_jobs()
    [held] = offers_in(expiry, "mo")
    # Told that it expired and waits, but not "accept it after all": no place is left for it.
    assert notices(expiry, "mo", f"offer:{lapsing}") == [EN("offer.expired_waiting", id=lapsing)]
    assert await pending_to(bot, "mo") == [held]
    return lapsing


# ------------------------------------------------------------------------------------ 1. the expiry notice


async def test_the_expiry_notice_leaves_out_take_it_after_all_when_the_run_filled_the_place(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await held_by_the_next_request(bot, who, clock)


async def test_the_expiry_notice_keeps_take_it_after_all_while_a_place_is_free(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("mo"), skills="seo", capacity="1")
    [lapsing] = offers_in((await bot.request(who("zed"), skills="seo")).notifications, "mo")
    clock.advance(TTL + timedelta(minutes=1))
    expiry = await bot.run_due_jobs()
    told = EN("offer.expired_waiting", id=lapsing) + " " + EN("offer.take_it_after_all", id=lapsing)
    assert notices(expiry, "mo", f"offer:{lapsing}") == [told]


async def test_a_mentorship_beside_the_held_place_leaves_it_out_too(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await held_by_the_next_request(bot, who, clock, mentoring=True)


# ------------------------------------------------------------------------------------ 2. a late accept


async def test_a_late_accept_names_the_pending_offer_that_holds_the_place(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    lapsing = await held_by_the_next_request(bot, who, clock)
    [held] = await pending_to(bot, "mo")
    late = await bot.accept(who("mo"), offer_id=lapsing)
    assert late.error is None, late.reply.text
    assert late.reply.text == EN("offer.late.held", count=1, id=lapsing, request=1, offers=f"#{held}", first=held)
    assert "end a mentorship" not in late.reply.text and f"/mentor decline {held}" in late.reply.text
    assert await pending_to(bot, "mo") == [held], "nothing changed"

    # What it says is true: declining the offer that holds the place frees it, and request #1 comes back to Mo.
    declined = await bot.decline(who("mo"), offer_id=held)
    assert declined.error is None
    assert offers_in(declined.notifications, "mo") != []


async def test_a_late_accept_in_swahili_names_it_too(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    lapsing = await held_by_the_next_request(bot, who, clock)
    [held] = await pending_to(bot, "mo")
    await bot.set_language(who("mo"), language="sw")
    late = await bot.accept(who("mo"), offer_id=lapsing)
    assert late.reply.text == SW("offer.late.held", count=1, id=lapsing, request=1, offers=f"#{held}", first=held)
    assert "maliza uhusiano" not in late.reply.text


async def test_a_late_accept_with_a_mentorship_too_says_both(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    lapsing = await held_by_the_next_request(bot, who, clock, mentoring=True)
    [held] = await pending_to(bot, "mo")
    late = await bot.accept(who("mo"), offer_id=lapsing)
    places = places_text(Places(capacity=2, taken=1, held=1), EN)
    expected = EN("offer.late.held_taken", count=1, id=lapsing, request=2, offers=f"#{held}", first=held, places=places)
    assert late.reply.text == expected
    assert f"/mentor decline {held}" in expected and "end a mentorship" in expected


async def test_an_accept_made_in_time_says_it_in_the_in_time_words(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    made = clock.now()
    lapsing = await held_by_the_next_request(bot, who, clock)
    [held] = await pending_to(bot, "mo")
    mo = Caller(COMMUNITY, "U-mo", "Mo", answered_at=made + TTL - timedelta(minutes=1))
    answer = await bot.accept(mo, offer_id=lapsing)
    assert answer.error is None, answer.reply.text
    assert answer.reply.text == EN("offer.in_time.held", count=1, id=lapsing, request=1, offers=f"#{held}", first=held)


async def test_places_full_of_mentorships_keep_the_mentorship_words(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("mo"), skills="seo,copywriting", capacity="1")
    [lapsing] = offers_in((await bot.request(who("zed"), skills="seo")).notifications, "mo")
    clock.advance(TTL + timedelta(minutes=1))
    await bot.run_due_jobs()
    [other] = offers_in((await bot.request(who("pat"), skills="copywriting")).notifications, "mo")
    assert (await bot.accept(who("mo"), offer_id=other)).error is None  # the place is a mentorship's now
    late = await bot.accept(who("mo"), offer_id=lapsing)
    assert late.reply.text == EN("offer.late.full", id=lapsing, request=1)


def test_the_texts_exist_in_both_languages() -> None:
    params = {"id": 1, "request": 2, "offers": "#3", "first": 3, "places": "x", "name": "Mo", "until": "then"}
    for key in (
        "offer.late.held",
        "offer.late.held_taken",
        "offer.in_time.held",
        "offer.in_time.held_taken",
        "admin.mentor_held",
        "admin.mentor_held_taken",
    ):
        for count in (1, 2):
            english, swahili = EN(key, count=count, **params), SW(key, count=count, **params)
            assert english != swahili and "#3" in english and "#3" in swahili


# ------------------------------------------------------------------------------------ 3. an admin's match


async def _waiting_behind_a_pending_offer(bot: MentorBot, who: Who, *, mentoring: bool = False) -> int:
    """The hunt's s5: Mo's last free place is held by Zed's pending offer; Amy's request waits. The offer's id."""
    await bot.signup(who("mo"), skills="seo", capacity="2" if mentoring else "1")
    if mentoring:
        [first] = offers_in((await bot.request(who("pat"), skills="seo")).notifications, "mo")
        assert (await bot.accept(who("mo"), offer_id=first)).error is None
    [held] = offers_in((await bot.request(who("zed"), skills="seo")).notifications, "mo")
    assert offers_in((await bot.request(who("amy"), skills="seo")).notifications, "mo") == []
    return held


async def test_an_admin_match_names_the_pending_offer_forced_or_not(bot: MentorBot, who: Who) -> None:
    held = await _waiting_behind_a_pending_offer(bot, who)
    offer = await bot.store.get_offer(held)
    assert offer is not None
    places = places_text(Places(capacity=1, taken=0, held=1), EN)
    until = when(offer.expires_at, EN, bot.core.settings.programme_timezone)
    expected = EN("admin.mentor_held", count=1, name="Mo", places=places, offers=f"#{held}", until=until)
    for force in (False, True):
        refused = await bot.admin_match(who("admin"), request_id=2, mentor="mo", force=force)
        assert refused.error is not None
        assert refused.reply.text == expected
        assert "end one of their mentorships" not in refused.reply.text
    assert await pending_to(bot, "mo") == [held], "nothing changed"


async def test_an_admin_match_with_a_mentorship_too_says_both(bot: MentorBot, who: Who) -> None:
    held = await _waiting_behind_a_pending_offer(bot, who, mentoring=True)
    offer = await bot.store.get_offer(held)
    assert offer is not None
    places = places_text(Places(capacity=2, taken=1, held=1), EN)
    until = when(offer.expires_at, EN, bot.core.settings.programme_timezone)
    refused = await bot.admin_match(who("admin"), request_id=3, mentor="mo")
    assert refused.reply.text == EN(
        "admin.mentor_held_taken", count=1, name="Mo", places=places, offers=f"#{held}", until=until
    )


async def test_an_admin_match_of_mentorships_only_keeps_the_mentorship_words(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("mo"), skills="seo", capacity="1")
    [first] = offers_in((await bot.request(who("pat"), skills="seo")).notifications, "mo")
    assert (await bot.accept(who("mo"), offer_id=first)).error is None
    await bot.request(who("amy"), skills="seo")
    refused = await bot.admin_match(who("admin"), request_id=2, mentor="mo", force=True)
    places = places_text(Places(capacity=1, taken=1, held=0), EN)
    assert refused.reply.text == EN("admin.mentor_full", name="Mo", places=places)


async def test_the_pending_offer_of_the_very_request_is_not_named(bot: MentorBot, who: Who) -> None:
    """The match uses the place this request's own offer holds: the admin matches Zed with Mo at once."""
    await _waiting_behind_a_pending_offer(bot, who)
    matched = await bot.admin_match(who("admin"), request_id=1, mentor="mo")
    assert matched.error is None, matched.reply.text
