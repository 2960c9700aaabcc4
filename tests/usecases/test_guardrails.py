"""Bad input, refusals, concurrency and duplicate deliveries: a clear message, and nothing changes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import OfferStatus
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from tests.usecases.conftest import make_settings, offer_id, to

EN = translator("en")

Who = Callable[..., Caller]


async def counts(store: Store) -> dict[str, int]:
    """How many rows each domain table holds."""
    out = {}
    async with store.db.read() as conn:
        for table in ("mentor_profiles", "mentor_skills", "requests", "offers", "mentorships", "feedback"):
            row = await conn.fetch_one(f"SELECT COUNT(*) AS n FROM {table}")
            out[table] = int(row["n"]) if row else 0
    return out


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"skills": "paid socail"}, "Did you mean: paid-social (Paid social)"),
        ({"skills": "xyzzy"}, "xyzzy"),
        ({"skills": ""}, "Name at least one skill"),
        ({"skills": "seo, copywriting, paid social, email, leadership, budgeting"}, "at most 5"),
        ({"skills": "seo", "note": "x" * 501}, "too long (501 characters); the most is 500"),
        ({"skills": "seo", "note": "hi\x07there"}, "control characters"),
    ],
)
async def test_bad_requests_change_nothing(bot: MentorBot, who: Who, kwargs: dict[str, str], expected: str) -> None:
    before = await counts(bot.store)
    outcome = await bot.request(who("amina"), **kwargs)
    assert expected in outcome.reply.text
    assert outcome.notifications == ()
    assert await counts(bot.store) == before


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"skills": "seo", "capacity": "0"}, "from 1 to 10 (you gave '0')"),
        ({"skills": "seo", "capacity": "11"}, "from 1 to 10 (you gave '11')"),
        ({"skills": "seo", "capacity": "many"}, "from 1 to 10 (you gave 'many')"),
        ({"skills": "seo", "levels": "guru"}, "'guru' is not a level"),
        ({"skills": "seo", "timezone": "Mars/Olympus"}, "not a time zone I know"),
        ({"skills": "seo", "bio": "b" * 501}, "The bio is too long"),
        ({"skills": "seo", "languages": "english!"}, "not a language I know"),
        ({"skills": "seo, copywriting", "levels": "expert, learning, expert"}, "3 levels for 2 skills"),
        ({"skills": None}, "Name at least one skill"),
    ],
)
async def test_bad_signups_change_nothing(bot: MentorBot, who: Who, kwargs: dict[str, str], expected: str) -> None:
    before = await counts(bot.store)
    outcome = await bot.signup(who("baraka"), **kwargs)  # type: ignore[arg-type]
    assert expected in outcome.reply.text
    assert await counts(bot.store) == before


async def test_open_request_limit(bot: MentorBot, who: Who) -> None:
    for skill in ("seo", "copywriting", "paid-social"):
        await bot.request(who("amina"), skills=skill)
    refused = await bot.request(who("amina"), skills="leadership")
    assert "already have 3 open requests" in refused.reply.text
    assert await bot.store.list_requests("test:guild", []) == []
    member = await bot.store.find_member("test:guild", "U-amina")
    assert member is not None and len(await bot.store.list_member_requests(member.id)) == 3


async def test_only_the_offered_mentor_can_act_and_expired_offers_cannot_be_accepted(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.signup(who("baraka"), skills="seo")
    await bot.signup(who("chao"), skills="copywriting")
    offered = await bot.request(who("amina"), skills="seo")
    oid = offer_id(to(offered, "baraka")[0])
    for action in (bot.accept(who("chao"), offer_id=oid), bot.decline(who("chao"), offer_id=oid)):
        assert "made to someone else" in (await action).reply.text
    assert "There is no offer #999" in (await bot.accept(who("baraka"), offer_id=999)).reply.text
    assert "is not a valid offer number" in (await bot.accept(who("baraka"), offer_id="abc")).reply.text
    clock.advance(timedelta(hours=49))
    await bot.run_due_jobs()  # the expiry runs (before it, the offer is still open: test_open_until_expired_s35.py)
    # A late accept never accepts the expired offer: Baraka being back and the only SEO mentor, the request is
    # offered to him again as a new offer.
    late = await bot.accept(who("baraka"), offer_id=oid)
    assert late.reply.text == EN("offer.late.reoffered", id=oid, request=1, offer=oid + 1)
    offer = await bot.store.get_offer(oid)
    assert offer is not None and offer.status is OfferStatus.EXPIRED, "settled as its expiry, never accepted"
    [again] = await bot.store.list_offers(status=OfferStatus.PENDING)
    assert (again.id, again.request_id, again.mentor_id) == (oid + 1, offer.request_id, offer.mentor_id)
    assert await bot.store.list_mentorships(community="test:guild") == []


async def test_double_click_accepts_once(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity=3)
    offered = await bot.request(who("amina"), skills="seo")
    oid = offer_id(to(offered, "baraka")[0])
    outcomes = await asyncio.gather(*(bot.accept(who("baraka"), offer_id=oid) for _ in range(20)))
    assert sum("You accepted" in o.reply.text for o in outcomes) == 1
    assert sum("already been accepted" in o.reply.text for o in outcomes) == 19
    assert len(await bot.store.list_mentorships(community="test:guild")) == 1


async def test_a_mentor_at_capacity_never_receives_an_offer(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity=1)
    outcomes = await asyncio.gather(*(bot.request(who(f"m{i}"), skills="seo") for i in range(10)))
    offers = [n for o in outcomes for n in to(o, "baraka")]
    assert len(offers) == 1
    member = await bot.store.find_member("test:guild", "U-baraka")
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None and profile.active_count + profile.pending_offers <= profile.capacity


async def test_duplicate_event_ids_do_the_work_once(bot: MentorBot, who: Who) -> None:
    first = await bot.request(who("amina", event_id="slack:Ev123"), skills="seo")
    again = await bot.request(who("amina", event_id="slack:Ev123"), skills="seo")
    assert not first.duplicate and again.duplicate and again.reply.text == ""
    member = await bot.store.find_member("test:guild", "U-amina")
    assert member is not None and len(await bot.store.list_member_requests(member.id)) == 1


async def test_a_refused_event_can_be_retried(bot: MentorBot, who: Who) -> None:
    refused = await bot.request(who("amina", event_id="discord:1"), skills="nonsense-skill")
    assert "nonsense-skill" in refused.reply.text
    retried = await bot.request(who("amina", event_id="discord:1"), skills="nonsense-skill")
    assert not retried.duplicate


async def test_text_shown_to_others_cannot_mass_mention(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", bio="Hi @everyone <!channel> <@&123>")
    offered = await bot.request(who("amina"), skills="seo", note="Ping @here and <!everyone>")
    text = to(offered, "baraka")[0].reply.plain_text
    assert "@here" not in text and "<!everyone>" not in text and "@\u200bhere" in text
    member = await bot.store.find_member("test:guild", "U-amina")
    assert member is not None
    [request] = await bot.store.list_member_requests(member.id)
    assert request.note == "Ping @here and <!everyone>", "stored as typed"
    accepted = await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    intro = to(accepted, "amina")[0].reply.plain_text
    assert "@everyone" not in intro and "<!channel>" not in intro and "<@&123>" not in intro


async def test_unexpected_errors_apologise_with_a_correlation_id(
    bot: MentorBot, who: Who, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(bot.store, "create_request", broken)
    with caplog.at_level(logging.ERROR, logger="mentorbot"):
        outcome = await bot.request(who("amina"), skills="seo")
    assert "secret internal detail" not in outcome.reply.text
    assert "Sorry" in outcome.reply.text
    correlation_id = outcome.reply.text.rsplit(": ", 1)[1].rstrip(".")
    assert any(correlation_id in record.getMessage() for record in caplog.records)


async def test_rate_limit(store: Store, library: object, clock: ManualClock, who: Who) -> None:
    settings: Settings = make_settings(rate_limit_per_minute=3)
    limited = MentorBot(store, library, settings, clock)  # type: ignore[arg-type]
    replies = [(await limited.skills(who("amina"))).reply.text for _ in range(4)]
    assert "going a bit fast" in replies[-1] and all("going a bit fast" not in r for r in replies[:3])
    clock.advance(timedelta(seconds=30))
    assert "going a bit fast" not in (await limited.skills(who("amina"))).reply.text


async def test_swahili_replies_and_errors(bot: MentorBot, who: Who) -> None:
    chosen = await bot.set_language(who("amina"), language="sw")
    assert chosen.reply.text == "Sawa: nitakujibu kwa Kiswahili."
    waiting = await bot.request(who("amina"), skills="seo")
    assert "orodha ya kusubiri" in waiting.reply.text
    refused = await bot.request(who("amina"), skills="seo", note="x" * 600)
    assert "ni ndefu mno" in refused.reply.text and "maelezo" in refused.reply.text
    bad = await bot.set_language(who("amina"), language="fr")
    assert "'fr'" in bad.reply.text


async def test_the_offer_message_is_in_the_mentors_language(bot: MentorBot, who: Who) -> None:
    await bot.set_language(who("baraka"), language="sw")
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    note = to(offered, "baraka")[0]
    assert note.reply.title is not None and note.reply.title.startswith("Ofa ya ushauri")
    assert [b.label for b in note.reply.buttons] == ["Kubali", "Kataa"]
    assert "is on the waitlist" not in offered.reply.text and "found a mentor" in offered.reply.text


async def test_notices_held_when_dms_are_closed_show_with_the_next_reply(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    [offer_note] = to(offered, "baraka")
    await bot.hold_undelivered(offer_note)
    status = await bot.status(who("baraka"))
    assert [h.title for h in status.held] == [offer_note.reply.title]
    assert status.held[0].buttons == offer_note.reply.buttons
    assert (await bot.status(who("baraka"))).held == (), "each held notice is shown once"


async def test_a_second_request_for_the_same_skills_is_refused(bot: MentorBot, who: Who) -> None:
    await bot.request(who("amina"), skills="seo, copywriting")
    again = await bot.request(who("amina"), skills="Copywriting, SEO")
    assert "already have an open request for these skills (#1)" in again.reply.text
    different = await bot.request(who("amina"), skills="seo")
    assert "#2" in different.reply.text


@pytest.mark.parametrize("value", ["99999999999999999999999", "0", "-3", "12a", "#"])
async def test_impossible_ids_are_refused_politely(bot: MentorBot, who: Who, value: str) -> None:
    for outcome in (
        await bot.accept(who("baraka"), offer_id=value),
        await bot.cancel(who("amina"), request_id=value),
        await bot.end(who("amina"), mentorship_id=value),
    ):
        assert "Sorry" not in outcome.reply.text
        assert outcome.error is not None and outcome.error.key in ("input.bad_id", "input.missing_id")


async def test_old_event_ids_are_pruned_by_the_timer_loop(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.skills(who("amina", event_id="slack:old"))
    await bot.run_due_jobs()
    assert not await bot.store.claim_event("slack:old", clock.now()), "kept within the retention"
    clock.advance(timedelta(days=2))
    await bot.run_due_jobs()
    assert await bot.store.claim_event("slack:old", clock.now()), "pruned after a day"
