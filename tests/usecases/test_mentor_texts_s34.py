"""Session 34, a mentor's texts over months (the mentor hunt), on both engines.

1. `/mentor status` of a paused mentor says how to come back: after offers lapsed ("offers expired unanswered"),
   after an admin's pause (pause reason ``admin``: before, only "paused"; a mentor may `/mentor resume` it, as the
   admin's notice says), after their DMs failed, after their own pause.
2. An offer's "why you" line says when the mentee prefers a language the mentor does not list, and when the hours
   apart are unknown (a time zone missing): before, it was silent about both. The mentee's status line reads it
   from their side; an explanation stored before this session (no ``held``) still reads.
3. `/mentor feedback 1 comment:…` after rating mentorship #1 is answered "already given", not "give a rating"
   (which invited a retry refused as already given).
4. The feedback prompts promised "without your name", but the admins' export names the mentorship (and so both
   sides): they now promise what holds, only admins read it and it is not shown to the partner.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.matching import Explanation
from mentorbot.models import MentorStatus
from mentorbot.skills import Taxonomy
from mentorbot.usecases.views import explanation_line
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")
RESUME = "`/mentor resume`"


def availability(t: Callable[..., str], text: str) -> str | None:
    """The availability field of a status reply's plain text, or None."""
    label = t("status.availability") + ": "
    return next((line.removeprefix(label) for line in text.splitlines() if line.startswith(label)), None)


async def _lapse_three(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Three offers to wanjiru lapse on three different days: she is paused for it (`expired_offers`)."""
    for name in ("a", "b", "c"):
        await bot.request(who(name), skills="seo")
        clock.advance(timedelta(hours=48, minutes=1))
        await bot.run_due_jobs()
    member = await bot.store.find_member(COMMUNITY, "U-wanjiru")
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.pause_reason == "expired_offers"


# ------------------------------------------------------------------------------------------ 1. status


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
async def test_a_mentor_paused_for_lapsed_offers_is_told_how_to_resume(
    bot: MentorBot, who: Who, clock: ManualClock, t: Callable[..., str]
) -> None:
    await bot.signup(who("wanjiru"), skills="seo", capacity=3)
    if t is SW:
        await bot.set_language(who("wanjiru"), language="sw")
    await _lapse_three(bot, who, clock)
    shown = availability(t, (await bot.status(who("wanjiru"))).reply.plain_text)
    assert shown is not None and shown.startswith(t("status.mentor_paused") + " — " + t("status.paused_for_expiry"))
    assert RESUME in shown, shown
    assert (await bot.resume(who("wanjiru"))).reply.text.startswith(t("resume.done"))


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
async def test_an_admins_pause_is_named_with_what_to_do(bot: MentorBot, who: Who, t: Callable[..., str]) -> None:
    await bot.signup(who("wanjiru"), skills="seo")
    if t is SW:
        await bot.set_language(who("wanjiru"), language="sw")
    await bot.admin_pause(who("admin"), mentor="wanjiru")
    shown = availability(t, (await bot.status(who("wanjiru"))).reply.plain_text)
    assert shown == t("status.mentor_paused") + " — " + t("status.paused_by_admin") + "; " + t("status.resume_admin")
    assert RESUME in shown
    # What it says holds: the mentor may resume an admin's pause (the admin's notice says so too).
    assert RESUME in t("pause.by_admin")
    assert (await bot.resume(who("wanjiru"))).reply.text.startswith(t("resume.done"))
    assert availability(t, (await bot.status(who("wanjiru"))).reply.plain_text) == t("status.mentor_active")


async def test_an_admins_pause_until_a_date_says_offers_start_again_then(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("wanjiru"), skills="seo", timezone="Africa/Nairobi")
    await bot.admin_pause(who("admin"), mentor="wanjiru", until="3d")
    shown = availability(EN, (await bot.status(who("wanjiru"))).reply.plain_text)
    assert shown is not None and shown.startswith(EN("status.mentor_paused_until", until="")[:-1])
    assert shown.endswith(" — " + EN("status.paused_by_admin") + "; " + EN("status.resume_sooner")), shown


async def test_an_own_pause_says_how_to_resume(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("wanjiru"), skills="seo")
    await bot.pause(who("wanjiru"))
    shown = availability(EN, (await bot.status(who("wanjiru"))).reply.plain_text)
    assert shown == EN("status.mentor_paused") + " — " + EN("status.resume_ready")


# --------------------------------------------------------------------------------- 2. the "why you" line


async def test_an_offer_says_the_mentee_prefers_a_language_the_mentor_does_not_list(bot: MentorBot, who: Who) -> None:
    """The hunt's F4: a Swahili-speaking mentee (no time zone known), an English-only mentor in Nairobi."""
    await bot.signup(who("wanjiru"), skills="seo", languages="en", timezone="Africa/Nairobi")
    await bot.set_language(who("juma"), language="sw")
    offered = await bot.request(who("juma"), skills="seo", note="nahitaji msaada")
    [offer] = [n for n in to(offered, "wanjiru") if n.reply.buttons]
    [why] = [f.value for f in offer.reply.fields if f.name == EN("offer.why")]
    assert EN("match.language_not_listed") in why and EN("match.zone_unknown") in why, why
    assert EN("match.speaks_language") not in why
    # The mentee reads the same explanation from their side, in Swahili, in their status.
    status = (await bot.status(who("juma"))).reply.plain_text
    assert SW("match.language_not_theirs") in status and SW("match.zone_unknown") in status, status
    assert SW("match.language_not_listed") not in status


async def test_a_shared_language_and_known_zones_read_as_before(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("wanjiru"), skills="seo", languages="en,sw", timezone="Africa/Nairobi")
    await bot.set_timezone(who("juma"), timezone="Europe/London")
    offered = await bot.request(who("juma"), skills="seo")
    [offer] = [n for n in to(offered, "wanjiru") if n.reply.buttons]
    [why] = [f.value for f in offer.reply.fields if f.name == EN("offer.why")]
    assert EN("match.speaks_language") in why and " h apart" in why, why
    assert EN("match.language_not_listed") not in why and EN("match.zone_unknown") not in why


def test_every_reader_reads_both_new_parts_and_old_explanations_still_read(taxonomy: Taxonomy) -> None:
    new = Explanation((("seo", "expert"),), None, 0, 2, False, 0)
    for t in (EN, SW):
        mentor_side = explanation_line(new.to_json(), t, taxonomy)
        mentee_side = explanation_line(new.to_json(), t, taxonomy, for_mentee=True)
        assert t("match.language_not_listed") in mentor_side and t("match.zone_unknown") in mentor_side
        assert t("match.language_not_theirs") in mentee_side and t("match.zone_unknown") in mentee_side
        assert t("match.language_not_listed") not in mentee_side
    # Stored before `held` (session 2x): same keys but that one; and a same-language one a zone apart.
    old = json.dumps({"shared": [["seo", "expert"]], "hours": 2.0, "taken": 1, "capacity": 3, "lang": True, "past": 0})
    line = explanation_line(old, EN, taxonomy)
    assert line == "; ".join(
        [
            EN("match.shares", skills=EN("match.skill_with_level", skill="SEO", level=EN("level.expert"))),
            EN("match.hours_apart", hours="2"),
            EN("match.speaks_language"),
            EN("match.places", places=EN("places.taken", taken=1, capacity=3)),
        ]
    )
    assert explanation_line("", EN, taxonomy) == "" and explanation_line("{}", EN, taxonomy) == ""


# ------------------------------------------------------------------------------------------ 3. feedback


async def _ended(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Mentorship #1, wanjiru mentoring amina, ended by amina with a rating."""
    await bot.signup(who("wanjiru"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("wanjiru"), offer_id=offer_id(to(offered, "wanjiru")[0]))
    clock.advance(timedelta(days=20))
    await bot.end(who("amina"), rating="4")


async def test_a_comment_after_ones_rating_is_told_already_given(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """The hunt's s6: a rating, then a comment alone; before, "Give a rating from 1 to 5", refused on retry."""
    await _ended(bot, who, clock)
    # Not rated yet: a comment alone still asks for the rating.
    asked = await bot.feedback(who("wanjiru"), mentorship_id=1, rating=None, comment="also this")
    assert asked.reply.text == EN("feedback.rating_required", id=1)
    assert (await bot.feedback(who("wanjiru"), mentorship_id=1, rating="5")).reply.text == EN("feedback.thanks", id=1)
    again = await bot.feedback(who("wanjiru"), mentorship_id=1, rating=None, comment="also this")
    assert again.reply.text == EN("feedback.already", id=1)
    # The ender, who rated on ending, is told the same.
    ender = await bot.feedback(who("amina"), mentorship_id=1, rating=None, comment="one more thing")
    assert ender.reply.text == EN("feedback.already", id=1)


async def test_no_rating_and_no_comment_after_rating_is_already_given_too(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await _ended(bot, who, clock)
    assert (await bot.feedback(who("amina"), mentorship_id=1, rating=None)).reply.text == EN("feedback.already", id=1)


async def test_a_stranger_is_still_told_it_is_not_theirs(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await _ended(bot, who, clock)
    stranger = await bot.feedback(who("baraka"), mentorship_id=1, rating=None, comment="x")
    assert stranger.reply.text == EN("feedback.not_yours", id=1)


# ------------------------------------------------------------------------------- 4. what feedback promises

PROMISES = ("feedback.asked", "feedback.comment_label", "feedback.comment_hint")


@pytest.mark.parametrize("key", PROMISES)
def test_feedback_promises_no_anonymity_the_export_does_not_keep(key: str) -> None:
    en = EN(key, id=1, other="Amina")
    sw = SW(key, id=1, other="Amina")
    assert "without your name" not in en and "name" not in en
    assert "bila jina" not in sw and "jina" not in sw
    assert "partner" in en and "mwenzako" in sw, (en, sw)


async def test_the_partner_does_not_see_the_feedback(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """What the prompts promise now holds: the mentor's own export has no trace of the mentee's comment."""
    await bot.signup(who("wanjiru"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("wanjiru"), offer_id=offer_id(to(offered, "wanjiru")[0]))
    clock.advance(timedelta(days=20))
    ended = await bot.end(who("amina"), rating="2", comment="never showed up")
    assert not any("never showed up" in n.reply.plain_text for n in to(ended, "wanjiru"))
    export = await bot.export(who("wanjiru"))
    dumped = export.reply.text + "".join(a.content.decode() for a in export.reply.attachments)
    assert "never showed up" not in dumped
    assert "never showed up" not in (await bot.status(who("wanjiru"))).reply.plain_text
