"""Session 37's text hunt: defects in the message catalogs.

- an admin's waitlist line of a cohort programme's request told what stands in its way "for now" in the member's
  words ("ones you declined as not a fit"): the "for now" part has the admin's wording (``wait_now_admin.*``) for
  each cause whose member wording speaks to the member;
- ``/mentor resume`` where one is no mentor, with mentor profiles paused in two other servers, said "Your mentor
  profile in 2 other servers is paused": ``elsewhere.resume_not_here`` agrees with their count;
- an admin's pause of a mentor who left the community said they "come back when they use MentorBot again", untrue
  since session 36: a returning mentor stays paused until they ``/mentor resume``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import load_catalog, translator
from mentorbot.library import Library
from mentorbot.models import MentorshipRequest, RequestStatus
from mentorbot.skills import Taxonomy, default_skills_path
from mentorbot.storage.store import Store
from mentorbot.usecases import views
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
A, B, C = "discord:1000000000000000001", "discord:2000000000000000002", "discord:3000000000000000003"


async def _amina_waits_on_her_own_decline(store: Store, library: Library, clock: ManualClock, who: Who) -> MentorBot:
    """Amina (a mentor of SEO) declined Bakari (the only copywriting mentor) "not this person"; in a cohort programme
    her copywriting request waits for the next round, and for now because of her own decline."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    await bot.signup(who("amina"), skills="seo", levels="expert")
    await bot.signup(who("bakari"), skills="copywriting", levels="expert")
    asked = await bot.request(who("bakari"), skills="seo")
    [offer] = to(asked, "amina")
    assert (await bot.decline(who("amina"), offer_id=offer_id(offer), reason="not this person")).error is None
    cohort = MentorBot(
        store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w"
    )
    assert (await cohort.request(who("amina"), skills="copywriting")).error is None
    assert (await cohort.admin_round(who("admin", is_admin=True))).error is None
    amina = await store.find_member(COMMUNITY, "U-amina")
    assert amina is not None
    [request] = [r for r in await store.list_requests(COMMUNITY, [RequestStatus.WAITING]) if r.member_id == amina.id]
    reason = json.loads(request.wait_reason or "{}")
    assert reason["key"] == "wait.next_round" and reason["now"]["key"] == "wait.excluded_by_member", reason
    return cohort


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_an_admins_waitlist_tells_a_cohort_requests_member_decline_in_the_admins_words(
    store: Store, library: Library, clock: ManualClock, who: Who, lang: str
) -> None:
    cohort = await _amina_waits_on_her_own_decline(store, library, clock, who)
    admin = who("admin", is_admin=True)
    if lang == "sw":
        assert (await cohort.set_language(admin, language="sw")).error is None
    listed = (await cohort.admin_waitlist(admin)).reply.plain_text
    t = translator(lang)
    label = views.skill_labels(cohort.library.taxonomy, ["copywriting"], lang)
    assert t("wait_now_admin.excluded_by_member", skills=label) in listed, listed
    assert t("wait_now.excluded_by_member", skills=label) not in listed, listed
    assert "you declined" not in listed and "uliowakataa" not in listed, listed
    # The member is still told in their own words.
    status = (await cohort.status(who("amina"))).reply.plain_text
    en_label = views.skill_labels(cohort.library.taxonomy, ["copywriting"], "en")
    assert EN("wait_now.excluded_by_member", skills=en_label) in status, status


MEMBER_NOW = ("excluded_by_member", "no_other_mentor", "own_mentor")


@pytest.mark.parametrize("lang", ["en", "sw"])
@pytest.mark.parametrize("code", MEMBER_NOW)
def test_every_member_worded_for_now_part_has_the_admins(lang: str, code: str) -> None:
    tax = Taxonomy.load(default_skills_path())
    now = datetime(2030, 1, 1, tzinfo=UTC)
    reason = {
        "key": "wait.next_round",
        "skills": ["seo"],
        "until": "2030-01-07T09:00:00+00:00",
        "now": {"key": f"wait.{code}", "skills": ["seo"]},
    }
    request = MentorshipRequest(
        7, 1, "discord:1", ("seo",), "", RequestStatus.WAITING, json.dumps(reason), now, now, None
    )
    t = translator(lang)
    label = views.skill_labels(tax, ["seo"], lang)
    line = views.waitlist_line(request, None, t, tax)
    assert t(f"wait_now_admin.{code}", skills=label) in line, line
    member = views.wait_reason_text(json.dumps(reason), t, tax)
    assert t(f"wait_now.{code}", skills=label) in member, member


def test_no_for_now_part_an_admin_reads_speaks_to_the_member() -> None:
    """Each ``wait_now.*`` text that addresses the member ("you", "your") has an admin's version."""
    catalog = load_catalog("en")
    speaking = {
        key.removeprefix("wait_now.")
        for key, text in catalog.items()
        if key.startswith("wait_now.") and re.search(r"\b(you|your)\b", text, re.IGNORECASE)
    }
    assert speaking, "the member's texts say 'you'"
    assert {code for code in speaking if f"wait_now_admin.{code}" not in catalog} == set()


def baraka(community: str) -> Caller:
    return Caller(community, "111", "Baraka")


@pytest.mark.parametrize("lang", ["en", "sw"])
async def test_resume_with_profiles_paused_in_two_other_servers_speaks_of_profiles(bot: MentorBot, lang: str) -> None:
    for community in (A, B):
        assert (await bot.signup(baraka(community), skills="seo", capacity="2")).error is None
        assert (await bot.pause(baraka(community))).error is None
    if lang == "sw":
        assert (await bot.set_language(baraka(C), language="sw")).error is None
    refused = await bot.resume(baraka(C))
    t = translator(lang)
    where = t("elsewhere.where.server", count=2)
    assert refused.reply.text == t("elsewhere.resume_not_here", here=t("elsewhere.here.server"), where=where, count=2)
    if lang == "en":
        assert "Your mentor profiles in 2 other servers are paused" in refused.reply.text, refused.reply.text
    else:
        assert "zimesitishwa" in refused.reply.text and "umesitishwa" not in refused.reply.text, refused.reply.text


async def test_resume_with_one_profile_paused_elsewhere_speaks_of_one(bot: MentorBot) -> None:
    assert (await bot.signup(baraka(A), skills="seo", capacity="2")).error is None
    assert (await bot.pause(baraka(A))).error is None
    refused = await bot.resume(baraka(B))
    assert "Your mentor profile in another server is paused" in refused.reply.text, refused.reply.text


@pytest.mark.parametrize("until", [None, "1d"])
async def test_an_admins_pause_of_a_departed_mentor_does_not_promise_a_return_by_using_mentorbot(
    bot: MentorBot, who: Who, until: str | None
) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="2")
    await bot.member_left(COMMUNITY, "U-m1")
    paused = await bot.admin_pause(who("admin", is_admin=True), mentor="M1", until=until)
    text = paused.reply.text
    assert text == EN("admin.pause_left", name="M1")
    assert "they come back when they use MentorBot" not in text, text
    assert "/mentor resume" in text, text
    assert "atarudi atakapotumia MentorBot" not in translator("sw")("admin.pause_left", name="M1")
