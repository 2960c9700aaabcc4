"""Session 37's rounds hunt: two untrue texts.

- In a cohort programme (``MENTORBOT_MATCHING=rounds`` with a schedule) nothing is offered between rounds, so a
  declined or expired offer's request waits for the next round even while other mentors have free places. The
  mentor was told "No other mentor can take the request right now, so it's back on the waitlist until one can":
  they are told it waits for the next matching round, and when (in their time zone).
- A request whose mentors who could take it are blocked partly by their own "not this person" declines and partly
  by the member's own declines of them (as a mentor, `Block.by_mentee`) was told "the mentors have said it is not
  for them" (``wait.all_excluded``), untrue of the mentors the member declined: it is ``wait.excluded_mixed``."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator, translator
from mentorbot.library import Library
from mentorbot.matching.eligibility import Block, BlockKind
from mentorbot.metrics import WAIT_REASONS
from mentorbot.models import MentorshipRequest, OfferStatus, RequestStatus
from mentorbot.replies import Notification, Outcome
from mentorbot.skills import Taxonomy, default_skills_path
from mentorbot.storage.reports import wait_reason_code
from mentorbot.storage.store import Store
from mentorbot.usecases import matchmaking, returns, views
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
ZONE = "Africa/Nairobi"
NEXT_ROUND = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)
"""The round after the one `_offered_in_a_round` runs (Monday 2026-01-05 10:00 UTC, the schedule "mon 10:00")."""


def cohort_bot(store: Store, library: Library, clock: ManualClock) -> MentorBot:
    """A cohort programme: offers are made by the Monday rounds only."""
    return MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w")


def offers_in(notes: list[Notification]) -> list[Notification]:
    return [n for n in notes if any(b.action == "offer.accept" for b in n.reply.buttons)]


def offered(outcome: Outcome, name: str) -> bool:
    return bool(offers_in(to(outcome, name)))


async def pending(store: Store) -> list[int]:
    return [o.id for o in await store.list_offers() if o.status is OfferStatus.PENDING]


async def _offered_in_a_round(bot: MentorBot, clock: ManualClock, who: Who, lang: str) -> tuple[str, Notification]:
    """Baraka and Chao mentor SEO with a free place each (both in Nairobi, replying in `lang`); Amina asks for SEO and
    the Monday round offers it to one of them. That mentor's name and the offer."""
    for name, level in (("baraka", "expert"), ("chao", "learning")):
        assert (await bot.signup(who(name), skills="seo", levels=level, capacity="1")).error is None
        assert (await bot.set_timezone(who(name), timezone=ZONE)).error is None
        assert (await bot.set_language(who(name), language=lang)).error is None
    await bot.request(who("amina"), skills="seo")
    await bot.run_due_jobs()
    clock.advance(timedelta(hours=1, minutes=1))  # Monday 10:01: the round has run
    [offer] = offers_in(await bot.run_due_jobs())
    return offer.platform_user_id.removeprefix("U-"), offer


def next_round(t: Translator) -> str:
    """The next round's date as a mentor in Nairobi reads it."""
    return views.when(NEXT_ROUND, t, ZONE)


def untrue(t: Callable[..., str], number: int) -> list[str]:
    """The texts that said no other mentor can take the request: untrue between a cohort programme's rounds."""
    return [
        t("offer.declined_waiting", id=number),
        t("offer.then_waiting"),
        t("offer.expired_waiting", id=number),
        t("offer.expired_unsent_waiting", id=number),
    ]


async def _stored_round(store: Store) -> datetime | None:
    [request] = await store.list_requests(COMMUNITY, [RequestStatus.WAITING])
    return views.wait_until(request.wait_reason)


# ----------------------------------------------------------------------------------------- F2: between rounds


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_a_decline_between_rounds_says_the_request_waits_for_the_next_round(
    store: Store, library: Library, clock: ManualClock, who: Who, lang: str
) -> None:
    bot = cohort_bot(store, library, clock)
    mentor, offer = await _offered_in_a_round(bot, clock, who, lang)
    number = offer_id(offer)
    declined = await bot.decline(who(mentor), offer_id=number)
    assert declined.error is None
    assert await pending(store) == [], "nothing is offered between rounds, though the other mentor has a place"
    t = translator(lang)
    assert await _stored_round(store) == NEXT_ROUND
    assert declined.reply.text == t("offer.declined_round", id=number, until=next_round(t))
    assert "2026-01-12 13:00" in declined.reply.text, "the date in the mentor's time zone (UTC+3)"
    assert not any(text in declined.reply.text for text in untrue(t, number))


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_a_decline_for_good_between_rounds_says_the_next_round(
    store: Store, library: Library, clock: ManualClock, who: Who, lang: str
) -> None:
    bot = cohort_bot(store, library, clock)
    mentor, offer = await _offered_in_a_round(bot, clock, who, lang)
    number = offer_id(offer)
    declined = await bot.decline(who(mentor), offer_id=number, reason="not my skill")
    assert declined.error is None
    t = translator(lang)
    label = views.skill_labels(bot.library.taxonomy, ["seo"], lang)
    expected = [
        t("offer.declined_for_good", id=number),
        t("offer.then_round", until=next_round(t)),
        t("offer.excluded_skill", skills=label),
    ]
    assert declined.reply.text == " ".join(expected)
    assert not any(text in declined.reply.text for text in untrue(t, number))


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_an_expiry_between_rounds_says_the_request_waits_for_the_next_round(
    store: Store, library: Library, clock: ManualClock, who: Who, lang: str
) -> None:
    bot = cohort_bot(store, library, clock)
    mentor, offer = await _offered_in_a_round(bot, clock, who, lang)
    number = offer_id(offer)
    clock.advance(timedelta(hours=bot.settings.offer_ttl_hours, minutes=1))
    notes = await bot.run_due_jobs()
    assert await pending(store) == []
    t = translator(lang)
    assert await _stored_round(store) == NEXT_ROUND
    told = [n.reply.text for n in to(notes, mentor) if n.key == f"offer:{number}"]
    assert told == [t("offer.expired_round", id=number, until=next_round(t))], told
    assert not any(text in told[0] for text in untrue(t, number))


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_an_unsent_expiry_between_rounds_says_the_request_waits_for_the_next_round(
    store: Store, library: Library, clock: ManualClock, who: Who, lang: str
) -> None:
    bot = cohort_bot(store, library, clock)
    mentor, offer = await _offered_in_a_round(bot, clock, who, lang)
    number = offer_id(offer)
    await bot.hold_undelivered(offer)
    clock.advance(timedelta(hours=bot.settings.offer_ttl_hours, minutes=1))
    notes = await bot.run_due_jobs()
    t = translator(lang)
    told = [n.reply.text for n in to(notes, mentor) if n.key == f"offer:{number}"]
    assert told == [t("offer.expired_unsent_round", id=number, until=next_round(t))], told
    assert not any(text in told[0] for text in untrue(t, number))


async def test_outside_a_cohort_programme_the_only_mentor_still_says_no_other_mentor(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Live matching: when no one else can take it, that is what the mentor is told, as before."""
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="2")
    [first] = offers_in(to(await bot.request(who("amina"), skills="seo"), "baraka"))
    declined = await bot.decline(who("baraka"), offer_id=offer_id(first))
    assert declined.reply.text == EN("offer.declined_waiting", id=offer_id(first))
    [second] = offers_in(to(await bot.request(who("bakari"), skills="seo"), "baraka"))
    clock.advance(timedelta(hours=bot.settings.offer_ttl_hours, minutes=1))
    told = [n.reply.text for n in to(await bot.run_due_jobs(), "baraka") if n.key == f"offer:{offer_id(second)}"]
    number = offer_id(second)
    assert told == [EN("offer.expired_waiting", id=number) + " " + EN("offer.take_it_after_all", id=number)]


@pytest.mark.parametrize("lang", ["en", "sw"])
def test_the_round_texts_name_the_round_and_its_date(lang: str) -> None:
    t = translator(lang)
    for key in ("offer.declined_round", "offer.expired_round", "offer.expired_unsent_round"):
        assert "{until}" not in t(key, id=7, until="DATE") and "DATE" in t(key, id=7, until="DATE")
        assert "#7" in t(key, id=7, until="DATE")
        assert t(key, id=7, until="DATE") != EN(key, id=7, until="DATE") or lang == "en"
    assert "DATE" in t("offer.then_round", until="DATE")


# ----------------------------------------------------------------------------------------- F1: mixed exclusions


async def _amina_waits_on_mixed_exclusions(bot: MentorBot, who: Who) -> int:
    """Amina (SEO) declined Bakari's request "not this person"; Bakari and Chao mentor copywriting; Amina asks for
    copywriting: offered to Chao (not Bakari, whom she declined), who declines it "not this person". Her request's id.
    """
    await bot.signup(who("amina"), skills="seo", levels="expert")
    await bot.signup(who("bakari"), skills="copywriting", levels="expert")
    asked = await bot.request(who("bakari"), skills="seo")
    [first] = offers_in(to(asked, "amina"))
    assert (await bot.decline(who("amina"), offer_id=offer_id(first), reason="not this person")).error is None
    await bot.signup(who("chao"), skills="copywriting", levels="learning")
    mine = await bot.request(who("amina"), skills="copywriting")
    assert offered(mine, "chao") and not offered(mine, "bakari")
    [second] = offers_in(to(mine, "chao"))
    assert (await bot.decline(who("chao"), offer_id=offer_id(second), reason="not this person")).error is None
    amina = await bot.store.find_member(COMMUNITY, "U-amina")
    assert amina is not None
    [request] = [r for r in await bot.store.list_member_requests(amina.id) if r.status is RequestStatus.WAITING]
    return request.id


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_mixed_exclusions_are_told_as_such_live(bot: MentorBot, who: Who, lang: str) -> None:
    await bot.set_language(who("amina"), language=lang)
    await bot.set_language(who("admin"), language=lang)
    number = await _amina_waits_on_mixed_exclusions(bot, who)
    request = await bot.store.get_request(number)
    assert request is not None and request.wait_reason is not None
    assert json.loads(request.wait_reason)["key"] == "wait.excluded_mixed"
    assert wait_reason_code(request.wait_reason) == "excluded_mixed"
    t = translator(lang)
    label = views.skill_labels(bot.library.taxonomy, ["copywriting"], lang)
    status = (await bot.status(who("amina"))).reply.plain_text
    assert t("wait.excluded_mixed", skills=label) in status, status
    assert t("wait.all_excluded", skills=label) not in status
    listed = (await bot.admin_waitlist(who("admin", is_admin=True))).reply.plain_text
    assert t("wait_admin.excluded_mixed", skills=label) in listed, listed
    assert t("wait_admin.all_excluded", skills=label) not in listed


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_mixed_exclusions_are_told_as_such_in_a_round(
    store: Store, library: Library, clock: ManualClock, bot: MentorBot, who: Who, lang: str
) -> None:
    await bot.set_language(who("amina"), language=lang)
    await bot.set_language(who("admin"), language=lang)
    number = await _amina_waits_on_mixed_exclusions(bot, who)
    cohort = cohort_bot(store, library, clock)
    await cohort.run_due_jobs()
    clock.advance(timedelta(hours=1, minutes=1))
    notes = await cohort.run_due_jobs()
    assert await pending(store) == []
    request = await store.get_request(number)
    assert request is not None and request.wait_reason is not None
    reason = json.loads(request.wait_reason)
    assert reason["key"] == "wait.next_round" and reason["now"]["key"] == "wait.excluded_mixed", reason
    t = translator(lang)
    label = views.skill_labels(bot.library.taxonomy, ["copywriting"], lang)
    status = (await cohort.status(who("amina"))).reply.plain_text
    assert t("wait_now.excluded_mixed", skills=label) in status, status
    listed = (await cohort.admin_waitlist(who("admin", is_admin=True))).reply.plain_text
    assert t("wait_now_admin.excluded_mixed", skills=label) in listed, listed
    assert t("wait_now.excluded_mixed", skills=label) not in listed, listed
    report = [
        n.reply.text for n in notes if n.platform_user_id == "U-admin" and (n.key or "").startswith("admin-round:")
    ]
    assert report and t("round_why.excluded_mixed", count=1, skills=label) in report[0], report


def test_only_blocks_of_both_kinds_are_mixed() -> None:
    mine, theirs = Block(BlockKind.EXCLUDED, by_mentee=True), Block(BlockKind.EXCLUDED)
    assert matchmaking._blocked_reason(None, [mine, mine])[0] == "wait.excluded_by_member"
    assert matchmaking._blocked_reason(None, [theirs, theirs])[0] == "wait.all_excluded"
    assert matchmaking._blocked_reason(None, [mine, theirs])[0] == "wait.excluded_mixed"
    assert matchmaking._blocked_reason(None, [theirs, mine])[0] == "wait.excluded_mixed"


FAMILIES = ("wait", "wait_admin", "wait_now", "wait_now_admin", "wait_part", "wait_part_admin", "round_why_part")


@pytest.mark.parametrize("lang", ["en", "sw"])
def test_the_mixed_cause_has_every_family(lang: str) -> None:
    t = translator(lang)
    for family in FAMILIES:
        assert t.has(f"{family}.excluded_mixed"), family
        assert "SEO" in t(f"{family}.excluded_mixed", skills="SEO")
    assert "3" in t("round_why.excluded_mixed", count=3, skills="SEO")
    assert t("round_why.excluded_mixed", count=1, skills="SEO") != t("round_why.excluded_mixed", count=2, skills="SEO")
    # A reason of several causes tells the admin the admin's clause.
    tax = Taxonomy.load(default_skills_path())
    reason = json.dumps(
        {
            "key": "wait.mixed",
            "skills": ["seo", "copywriting"],
            "parts": [
                {"key": "wait.excluded_mixed", "skills": ["seo"]},
                {"key": "wait.no_mentor", "skills": ["copywriting"]},
            ],
        }
    )
    seo = views.skill_labels(tax, ["seo"], lang)
    assert t("wait_part_admin.excluded_mixed", skills=seo) in views.wait_reason_text(reason, t, tax, admin=True)
    assert t("wait_part.excluded_mixed", skills=seo) in views.wait_reason_text(reason, t, tax)
    now = datetime(2030, 1, 1, tzinfo=UTC)
    request = MentorshipRequest(7, 1, "discord:1", ("seo",), "", RequestStatus.WAITING, reason, now, now, None)
    assert t("wait_part_admin.excluded_mixed", skills=seo) in views.waitlist_line(request, None, t, tax)


def test_the_mixed_code_is_listed_where_the_others_are() -> None:
    assert "excluded_mixed" in WAIT_REASONS
    assert "excluded_mixed" in matchmaking.PAUSE_STALES
    assert {"excluded_mixed", "excluded_by_member"} <= returns.RETURN_STALES
