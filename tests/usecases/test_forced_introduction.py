"""An admin's ``force:yes`` match of a mentor who shares no skill with the request: the introductions do not call
the request's skills shared (session 30, SPEC conformance).

Before: both parties read "Shared skills: SEO" and "Courses for your shared skills" although the mentor offers
none of them (the admin overrode exactly that). Now the skills are "Skills: SEO" and the courses "Courses for SEO",
in each party's language; a match where a skill is shared still says "Shared skills".
"""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.replies import Notification
from mentorbot.usecases.views import skill_label
from tests.usecases.conftest import to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


def introduction(notes: list[Notification]) -> Notification:
    [intro] = [n for n in notes if n.reply.title in (EN("intro.title"), SW("intro.title"))]
    return intro


def fields(note: Notification) -> dict[str, str]:
    return {item.name: item.value for item in note.reply.fields}


async def test_forced_match_without_a_shared_skill_does_not_call_the_skills_shared(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="email marketing", capacity=1)
    await bot.set_language(who("baraka"), language="sw")
    await bot.request(who("amina"), skills="seo")
    matched = await bot.admin_match(who("admin"), request_id=1, mentor="baraka", force=True)
    assert EN("admin.forced_skill") in matched.reply.text, matched.reply.text
    for name, t in (("amina", EN), ("baraka", SW)):
        seo = skill_label(bot.library.taxonomy, "seo", t.lang)
        shown = fields(introduction(to(matched, name)))
        assert t("intro.skills") not in shown, (name, shown)
        assert t("courses.introduction_title") not in shown, (name, shown)
        assert shown[t("offer.skills")] == seo, (name, shown)
        assert t("courses.title", skills=seo) in shown, (name, shown)


async def test_admin_match_with_a_shared_skill_still_says_shared(bot: MentorBot, who: Who) -> None:
    """A forced check other than the skill (here a pause) leaves the shared skills as they are."""
    await bot.signup(who("baraka"), skills="seo", capacity=1)
    await bot.pause(who("baraka"))
    await bot.request(who("amina"), skills="seo")
    matched = await bot.admin_match(who("admin"), request_id=1, mentor="baraka", force=True)
    assert EN("admin.forced_paused") in matched.reply.text, matched.reply.text
    for name in ("amina", "baraka"):
        shown = fields(introduction(to(matched, name)))
        assert shown[EN("intro.skills")] == "SEO", (name, shown)
        assert EN("courses.introduction_title") in shown, (name, shown)
