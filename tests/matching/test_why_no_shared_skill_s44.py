"""A "why you" worked out again for a mentor who no longer holds any of the skills it stored says nothing of skills:
no "shares " with nothing after it (`explain.render_explanation`; session 44's mutation hunt: X10).

It happens: Baraka mentors SEO and is offered Amina's request for SEO and copywriting, the explanation storing SEO
alone (what they shared then). He then swaps SEO for copywriting, which the profile update allows (the offer's request
is still covered). Her `/mentor status` works the line out again from his profile now (`explain.as_shown`): SEO is
left out, and with it the skills part. On both engines, and the rule alone in English and Swahili."""

from __future__ import annotations

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator, translator
from mentorbot.library import Library
from mentorbot.matching import Explanation, render_explanation
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings

EN = translator("en")
SW = translator("sw")


def who(name: str) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", name.capitalize())


@pytest.fixture
def bot(store: Store, clock: ManualClock) -> MentorBot:
    settings = make_settings()
    return MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, clock, worker_id="t")


async def test_a_status_line_whose_mentor_holds_none_of_the_stored_skills_tells_no_skills(
    bot: MentorBot,
) -> None:
    await bot.signup(who("baraka"), skills="seo", levels="expert", capacity="3")
    await bot.request(who("amina"), skills="seo, copywriting")
    saved = await bot.signup(who("baraka"), skills="copywriting")
    assert saved.error is None, saved.reply.text
    [entry] = (await bot.status(who("amina"))).reply.listings[0].entries
    line = str(entry)
    assert f"({EN('match.zone_unknown')}; " in line, line  # the explanation begins with the hours
    assert EN("match.shares", skills="") not in line, line


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
def test_an_explanation_sharing_no_skills_renders_no_skills_part(t: Translator) -> None:
    none_shared = Explanation((), 2.0, 1, 3, True, 0)
    parts = render_explanation(none_shared, t, lambda slug: slug).split("; ")
    assert parts[0] == t("match.hours_apart", hours="2"), parts
    assert not any(part.startswith(t("match.shares", skills="").strip()) for part in parts), parts
