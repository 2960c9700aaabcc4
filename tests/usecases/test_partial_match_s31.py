"""An accepted request for several skills, of which the mentor offers only some: the mentee's introduction names
the skills the mentorship does not cover, says nobody looks for a mentor for them now (the request closes with
its mentorship, as README says), and gives the one-line command to ask for them (found by the rounds hunt: Lia
asked for SEO and Copywriting, an SEO-only mentor accepted; she was told "Shared skills: SEO" and nothing of
Copywriting, which no one looked for any more)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.models import RequestStatus
from mentorbot.replies import Notification
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


def introduction(notes: tuple[Notification, ...] | list[Notification], name: str) -> Notification:
    [intro] = [n for n in to(list(notes), name) if n.key and n.key.startswith("mentorship:")]
    return intro


def not_covered(note: Notification, lang: str = "en") -> str | None:
    t = translator(lang)
    found = [f.value for f in note.reply.fields if f.name == t("intro.not_covered")]
    assert len(found) <= 1
    return found[0] if found else None


async def test_lia_is_told_copywriting_is_not_covered_and_how_to_ask_for_it(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("sam"), skills="seo", capacity="2", levels="expert")
    asked = await bot.request(who("lia"), skills="seo, copywriting")
    accepted = await bot.accept(who("sam"), offer_id=offer_id(to(asked, "sam")[0]))
    lia = introduction(accepted.notifications, "lia")
    text = lia.reply.plain_text
    assert f"{EN('intro.skills')}: SEO" in text
    told = not_covered(lia)
    assert told is not None
    assert "Copywriting" in told and "SEO" not in told
    assert "`/mentor request skills:copywriting`" in told
    assert "#1" in told, "names the request that closed"
    assert not_covered(introduction(accepted.notifications, "sam")) is None, "the mentor's introduction is as before"
    request = await bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.MATCHED, "the request closes with its mentorship"
    # The command works as given: a request for Copywriting, offered to Cole.
    await bot.signup(who("cole"), skills="copywriting", capacity="2")
    again = await bot.request(who("lia"), skills="copywriting")
    assert again.error is None and len(to(again, "cole")) == 1


async def test_in_swahili(bot: MentorBot, who: Who) -> None:
    await bot.set_language(who("lia"), language="sw")
    await bot.signup(who("sam"), skills="seo", capacity="2")
    asked = await bot.request(who("lia"), skills="seo, copywriting, paid-social")
    accepted = await bot.accept(who("sam"), offer_id=offer_id(to(asked, "sam")[0]))
    told = not_covered(introduction(accepted.notifications, "lia"), "sw")
    assert told is not None
    assert "`/mentor request skills:copywriting, paid-social`" in told
    assert told == SW(
        "intro.not_covered_text",
        request=1,
        skills=bot.core.labels(["copywriting", "paid-social"], "sw"),
        slugs="copywriting, paid-social",
    )


async def test_a_skill_still_asked_for_elsewhere_or_already_mentored_is_not_named(bot: MentorBot, who: Who) -> None:
    """Copywriting is still looked for in Lia's other open request; Paid social she is mentored in already:
    only Short-form video is left uncovered."""
    await bot.signup(who("pat"), skills="paid-social", capacity="3")
    first = await bot.request(who("lia"), skills="paid-social")
    await bot.accept(who("pat"), offer_id=offer_id(to(first, "pat")[0]))
    await bot.request(who("lia"), skills="copywriting")  # waits: nobody offers it
    await bot.signup(who("sam"), skills="seo", capacity="2")
    asked = await bot.request(who("lia"), skills="seo, copywriting, paid-social, short-form-video")
    accepted = await bot.accept(who("sam"), offer_id=offer_id(to(asked, "sam")[0]))
    told = not_covered(introduction(accepted.notifications, "lia"))
    assert told is not None
    assert "`/mentor request skills:short-form-video`" in told
    assert "Copywriting" not in told and "Paid social" not in told


async def test_an_admins_forced_match_names_nothing(bot: MentorBot, who: Who) -> None:
    """Matched over a missing shared skill, the mentorship is for the request's skills: nothing is uncovered."""
    await bot.request(who("lia"), skills="copywriting")
    await bot.signup(who("sam"), skills="seo", capacity="2")
    sam = await bot.store.find_member("test:guild", "U-sam")
    assert sam is not None
    matched = await bot.admin_match(who("admin"), request_id=1, mentor=sam.platform_user_id, force=True)
    assert matched.error is None, matched.reply.text
    assert not_covered(introduction(matched.notifications, "lia")) is None


SKILLS = ["seo", "copywriting", "paid-social", "short-form-video", "brand-strategy"]
_names = itertools.count()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    asked=st.sets(st.sampled_from(SKILLS), min_size=1, max_size=5),
    offered=st.sets(st.sampled_from(SKILLS), min_size=1, max_size=5),
)
async def test_the_skills_named_are_exactly_those_asked_and_not_offered(
    bot: MentorBot, who: Who, asked: set[str], offered: set[str]
) -> None:
    """Over any request and any mentor sharing a skill with it: the introduction names exactly the requested
    skills the mentor lacks, in the command's slugs, and says nothing when the mentor offers them all."""
    if not asked & offered:
        offered = offered | {sorted(asked)[0]}
    n = next(_names)
    mentor, mentee = f"mentor{n}", f"mentee{n}"
    await bot.signup(who(mentor), skills=", ".join(sorted(offered)), capacity="1")
    request = await bot.request(who(mentee), skills=", ".join(sorted(asked)))
    [offer] = [note for note in to(request, mentor) if note.key and note.key.startswith("offer:")]
    accepted = await bot.accept(who(mentor), offer_id=offer_id(offer))
    told = not_covered(introduction(accepted.notifications, mentee))
    missing = asked - offered
    if not missing:
        assert told is None
        return
    assert told is not None
    command = told.split("`/mentor request skills:")[1].split("`")[0]
    assert set(command.split(", ")) == missing
