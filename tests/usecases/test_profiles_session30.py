"""A profile update changes only what it names (found by session 30's hunt of the Slack forms), on both engines:

- levels given as ``skill:level`` pairs apply on top of the mentor's levels: `levels:seo:learning` lowers SEO
  and leaves the other skills as they were (before, they were reset to practitioner); new skills without a pair
  get the default, and one level for all or one per skill in order still sets every skill;
- a skill an admin's reload took out of the taxonomy stays the mentor's when the update names it again (a form
  that shows it, or typed), and its levels pair is read; a slug nobody holds is still refused, and a request
  cannot ask for it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import Level
from mentorbot.settings import Settings
from tests.usecases.conftest import COMMUNITY

Who = Callable[..., Caller]
EN = translator("en")
E, P, L = Level.EXPERT, Level.PRACTITIONER, Level.LEARNING


async def levels_of(bot: MentorBot, name: str) -> dict[str, Level]:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None
    return dict(profile.skills)


async def test_levels_pairs_change_only_the_skills_they_name(bot: MentorBot, who: Who) -> None:
    bob = who("bob")
    done = await bot.signup(bob, skills="seo, copywriting, paid-social", levels="expert", capacity=3)
    assert done.error is None
    assert await levels_of(bot, "bob") == {"seo": E, "copywriting": E, "paid-social": E}

    lowered = await bot.signup(bob, skills=None, levels="seo:learning")
    assert lowered.error is None
    assert await levels_of(bot, "bob") == {"seo": L, "copywriting": E, "paid-social": E}, "the others keep theirs"

    # The same with the skills given again, as the Slack form sends them; names as in `skills:` (an alias too).
    await bot.signup(bob, skills="seo, copywriting, paid-social", levels="ppc:practitioner")
    assert await levels_of(bot, "bob") == {"seo": L, "copywriting": E, "paid-social": P}

    # A skill added with no pair gets the default; a skill dropped is gone; pairs still apply on top.
    await bot.signup(bob, skills="seo, paid-social, email-marketing", levels="seo:expert")
    assert await levels_of(bot, "bob") == {"seo": E, "paid-social": P, "email-marketing": P}

    # A pair for the new skill sets it; one for all and one per skill in order still set every skill.
    await bot.signup(bob, skills="seo, paid-social, email-marketing, copywriting", levels="copywriting:learning")
    assert await levels_of(bot, "bob") == {"seo": E, "paid-social": P, "email-marketing": P, "copywriting": L}
    await bot.signup(bob, skills=None, levels="learning")
    assert set((await levels_of(bot, "bob")).values()) == {L}
    await bot.signup(
        bob, skills="seo, paid-social, email-marketing, copywriting", levels="expert, practitioner, learning, expert"
    )
    assert await levels_of(bot, "bob") == {"seo": E, "paid-social": P, "email-marketing": L, "copywriting": E}

    # Left out, the levels stay; a pair for a skill the profile will not have is still refused, changing nothing.
    await bot.signup(bob, skills=None, capacity=2)
    assert await levels_of(bot, "bob") == {"seo": E, "paid-social": P, "email-marketing": L, "copywriting": E}
    refused = await bot.signup(bob, skills="seo", levels="copywriting:learning")
    assert refused.error is not None and refused.error.key == "input.level_for_unknown_skill"
    assert await levels_of(bot, "bob") == {"seo": E, "paid-social": P, "email-marketing": L, "copywriting": E}


async def test_a_new_mentors_pairs_leave_the_other_skills_at_the_default(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("dina"), skills="seo, copywriting", levels="seo:expert")
    assert await levels_of(bot, "dina") == {"seo": E, "copywriting": P}


def podcasting_library(settings: Settings, tmp_path: Path) -> tuple[Path, str]:
    """The shipped skills and "podcasting" as a library of files in `tmp_path`: the skills file and the shipped
    skills' text (an admin's new file without podcasting)."""
    skills = tmp_path / "skills.toml"
    shutil.copy(settings.courses_file, tmp_path / "courses.toml")
    shipped = Path(settings.skills_file).read_text(encoding="utf-8")
    extra = '\n[[skill]]\nslug = "podcasting"\ncategory = "content"\nlabel = { en = "Podcasting", sw = "Podikasti" }\n'
    skills.write_text(shipped + extra, encoding="utf-8")
    return skills, shipped


async def test_a_skill_the_taxonomy_no_longer_has_stays_with_the_mentor_who_holds_it(
    bot: MentorBot, who: Who, settings: Settings, tmp_path: Path
) -> None:
    skills, shipped = podcasting_library(settings, tmp_path)
    courses = tmp_path / "courses.toml"
    bot.library = Library(skills, courses)
    bob = who("bob")
    assert (await bot.signup(bob, skills="seo, podcasting", levels="expert")).error is None

    skills.write_text(shipped, encoding="utf-8")  # an admin's new file no longer has it
    bot.library = Library(skills, courses)
    assert bot.library.taxonomy.get("podcasting") is None

    # The form sends the slugs it preselected: the removed one is kept, its level too, and its pair is read.
    saved = await bot.signup(bob, skills=("seo", "podcasting"), levels="podcasting:learning", bio="New bio")
    assert saved.error is None, saved.reply.text
    assert await levels_of(bot, "bob") == {"seo": E, "podcasting": L}
    # Typed again, in any case: the same.
    again = await bot.signup(bob, skills="SEO, Podcasting", levels="podcasting:expert")
    assert again.error is None, again.reply.text
    assert await levels_of(bot, "bob") == {"seo": E, "podcasting": E}
    # Left out, it is dropped; then it cannot come back: nobody may add a skill the taxonomy does not have.
    assert (await bot.signup(bob, skills="seo")).error is None
    assert await levels_of(bot, "bob") == {"seo": E}
    back = await bot.signup(bob, skills="seo, podcasting")
    assert back.error is not None and back.error.key.startswith("skills.unknown")
    other = await bot.signup(who("dina"), skills="podcasting")
    assert other.error is not None and other.error.key.startswith("skills.unknown")
    asked = await bot.request(who("amina"), skills="podcasting")
    assert asked.error is not None and asked.error.key.startswith("skills.unknown")
