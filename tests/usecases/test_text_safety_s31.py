"""Session 31, on both engines: members' free text holding a bidi control or an invisible format character is
refused naming the field, before it reaches anyone (a request's note in a mentor's offer, a bio in
introductions, a decline reason in the stats, a suggestion's title); the spam filter of suggestions sees through
invisible characters, fullwidth letters and odd spaces; and an approved suggestion's title is defused wherever it is
shown (``/courses``, introductions, votes, the admins' helpful lists, the answers to its author and admins)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.courses import CommunityCourse, Cost, CourseLevel, Format
from mentorbot.errors import UserError
from mentorbot.i18n import translator
from mentorbot.recommendations import render_introduction_courses
from mentorbot.replies import Outcome
from mentorbot.usecases import curation
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]
en = translator("en")
sw = translator("sw")

_LIVE = re.compile(r"<@!?[0-9A-Za-z]+>|<@&\d+>|<!(channel|here|everyone)>|@(everyone|here)\b|\]\s*\(")
"""A mention or a masked link Discord or Slack would render (as `text_safety.defuse_mentions` defuses them)."""
TROLL_TITLE = "Ask <@123456789012345678> or <!channel> about [this](evil.example) @everyone <@&42>"


def key(out: Outcome) -> str | None:
    return out.error.key if out.error is not None else None


# --- invisible characters are refused before anyone sees them ----------------------------------------------------


async def test_a_note_with_a_right_to_left_override_never_reaches_the_mentor(bot: MentorBot, who: Who) -> None:
    """Before: the note went into the mentor's offer with its override, reversing the words after it."""
    await bot.signup(who("baraka"), skills="seo")
    out = await bot.request(who("amina"), skills="seo", note="Hi \u202eredro siht ni tpecca\u202c please")
    assert key(out) == "input.invisible_characters"
    assert out.reply.text == en("input.invisible_characters", field=en("field.note"))
    assert not to(out, "baraka")


async def test_the_refusal_names_the_field_in_swahili(bot: MentorBot, who: Who) -> None:
    await bot.set_language(who("amina"), language="sw")
    out = await bot.signup(who("amina"), skills="seo", bio="Ninapenda\u200b SEO")
    assert key(out) == "input.invisible_characters"
    assert out.reply.text == sw("input.invisible_characters", field=sw("field.bio"))
    assert sw("field.bio") in out.reply.text


@pytest.mark.parametrize("hidden", ["\u200b", "\u2066", "\u2069", "\u200f", "\ufeff"])
async def test_a_bio_or_a_decline_reason_with_an_invisible_character_is_refused(
    bot: MentorBot, who: Who, hidden: str
) -> None:
    """Before: a bio went into introductions, a decline reason into the admins' stats and digest, as typed."""
    assert key(await bot.signup(who("baraka"), skills="seo", bio=f"SEO {hidden}lead")) == "input.invisible_characters"
    assert key(await bot.signup(who("baraka"), skills="seo", bio="SEO lead 👩‍💻🇰🇪")) is None
    out = await bot.request(who("amina"), skills="seo")
    offer = offer_id(to(out, "baraka")[0])
    refused = await bot.decline(who("baraka"), offer_id=offer, reason=f"busy{hidden}")
    assert key(refused) == "input.invisible_characters"
    assert refused.reply.text == en("input.invisible_characters", field=en("field.reason"))
    assert key(await bot.decline(who("baraka"), offer_id=offer, reason="busy this month 🙏🏽")) is None


async def test_a_suggestion_title_or_note_with_an_invisible_character_is_refused(bot: MentorBot, who: Who) -> None:
    title = await bot.suggest_course(
        who("amina"), url="https://example.org/seo-guide", skills="seo", title="Best cas\u200bino bonuses"
    )
    assert key(title) == "input.invisible_characters"
    assert title.reply.text == en("input.invisible_characters", field=en("field.title"))
    note = await bot.suggest_course(
        who("amina"), url="https://example.org/seo-guide", skills="seo", note="Visit h\u200bttps://evil.example"
    )
    assert key(note) == "input.invisible_characters"
    assert await bot.store.get_suggestion("test:guild", 1) is None


# --- the spam filter sees through disguises ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Best c\ufe0fa\ufe0fs\ufe0fi\ufe0fn\ufe0fo bonuses",  # variation selectors (not format characters) in a word
        "Best ｃａｓｉｎｏ bonuses",  # fullwidth letters
        "make\u00a0money   fast with SEO",  # a no-break space and a run of spaces
        "make\nmoney fast",
        "Visit ｈｔｔｐｓ：//evil.example",
        "Visit WWW．evil．example",
        "Cheap vi\u0301agra",  # a combining accent
    ],
)
async def test_disguised_spam_words_and_links_are_refused(bot: MentorBot, who: Who, title: str) -> None:
    out = await bot.suggest_course(who("amina"), url="https://example.org/seo-guide", skills="seo", title=title)
    assert key(out) == "curation.spam"


@pytest.mark.parametrize(
    "text", ["cas\u200bino", "make money\u200b fast", "h\u200bttps://evil.example", "bet\u2060 now", "cas\u200dino"]
)
def test_the_spam_check_itself_sees_through_invisible_characters(text: str) -> None:
    """Before: a zero-width space inside "casino", "make money fast" or "https://" got a suggestion past the
    filter. `check_text` refuses them now; the filter does not rely on that."""
    with pytest.raises(UserError) as raised:
        curation._check_spam(text)
    assert raised.value.key == "curation.spam"


async def test_plain_suggestions_in_other_scripts_still_pass(bot: MentorBot, who: Who) -> None:
    out = await bot.suggest_course(
        who("amina"), url="https://example.org/seo-mwongozo", skills="seo", title="Mwongozo wa SEO 👩‍💻 kwa Kiswahili"
    )
    assert key(out) is None


# --- an approved title is defused wherever it is shown -----------------------------------------------------------


async def approve_troll_title(bot: MentorBot, who: Who) -> Outcome:
    """The troll's suggestion for paid social (no file entry for it is both focused and free, so it ranks first in
    `/courses` and introductions), approved by the admin."""
    await bot.status(who("admin"))
    made = await bot.suggest_course(
        who("troll"), url="https://example.org/seo-101", skills="paid-social", title=TROLL_TITLE
    )
    assert key(made) is None
    assert not _LIVE.search(made.reply.plain_text)
    decided = await bot.admin_decide_suggestion(who("admin"), suggestion_id=1, approve=True)
    assert key(decided) is None
    return decided


async def test_an_approved_title_is_defused_in_courses_and_introductions(bot: MentorBot, who: Who) -> None:
    """Before: the review queue defused the title, but once approved it went raw into /courses and introductions,
    where `<@123…>` pinged a member, `<!channel>` the channel and `[this](…)` disguised a link."""
    decided = await approve_troll_title(bot, who)
    assert not _LIVE.search(decided.reply.plain_text)
    told = to(decided, "troll")
    assert told and not any(_LIVE.search(n.reply.plain_text) for n in told)

    courses = await bot.courses(who("dede"), skills="paid-social")
    listed = [f.name for f in courses.reply.fields if "123456789012345678" in f.name]
    assert listed, "the approved suggestion is listed"
    assert not _LIVE.search(courses.reply.plain_text)

    await bot.signup(who("baraka"), skills="paid-social")
    out = await bot.request(who("amina"), skills="paid-social")
    accepted = await bot.accept(who("baraka"), offer_id=offer_id(to(out, "baraka")[0]))
    intro = [f.value for n in to(accepted, "amina") for f in n.reply.fields if "123456789012345678" in f.value]
    assert intro, "the introduction suggests the approved resource"
    assert not any(_LIVE.search(value) for value in intro)


async def test_an_approved_title_is_defused_in_votes_and_the_admins_helpful_lists(bot: MentorBot, who: Who) -> None:
    await approve_troll_title(bot, who)
    catalog = await curation.community_catalog(bot.core, "test:guild")
    [course] = [c for c in catalog if isinstance(c, CommunityCourse)]
    for n in range(curation.MIN_VOTES_FOR_RANKING):
        voted = await bot.vote_course(who(f"m{n}"), resource=course.id, helpful=True)
        assert key(voted) is None and not _LIVE.search(voted.reply.plain_text)
    queue = await bot.admin_courses(who("admin"))
    assert "123456789012345678" in queue.reply.plain_text
    assert not _LIVE.search(queue.reply.plain_text)
    stats = await bot.admin_stats(who("admin"))
    assert "123456789012345678" in stats.reply.plain_text
    assert not _LIVE.search(stats.reply.plain_text)


async def test_a_withdrawn_title_is_defused_in_the_answers(bot: MentorBot, who: Who) -> None:
    await approve_troll_title(bot, who)
    out = await bot.admin_decide_suggestion(who("admin"), suggestion_id=1, approve=False, withdraw=True)
    assert key(out) is None and "123456789012345678" in out.reply.text
    assert not _LIVE.search(out.reply.plain_text)
    assert not any(_LIVE.search(n.reply.plain_text) for n in to(out, "troll"))


def test_rendering_a_community_course_defuses_its_title_however_it_was_built() -> None:
    course = CommunityCourse(
        id="community-9",
        title=TROLL_TITLE,
        provider="example.org",
        url="https://example.org/seo-101",
        skills=("seo",),
        level=CourseLevel.INTERMEDIATE,
        format=Format.READING_LIST,
        cost=Cost.PAID,
        duration="varies",
        language="en",
        suggestion_id=9,
    )
    for lang in ("en", "sw"):
        field = render_introduction_courses([course], lang)
        assert field is not None and "123456789012345678" in field.value
        assert not _LIVE.search(field.value)


async def test_a_suggestion_over_its_skill_limit_is_told_a_suggestions_limit(bot: MentorBot, who: Who) -> None:
    """Before: "a request can name at most 5" for a course suggestion naming six skills (found by the docs hunt)."""
    six = "seo,copywriting,paid-social,analytics-reporting,brand-strategy,email-marketing"
    for lang in ("en", "sw"):
        await bot.set_language(who("amina"), language=lang)
        refused = await bot.suggest_course(who("amina"), url="https://example.org/course", skills=six)
        assert refused.error is not None and refused.error.key == "curation.too_many_skills"
        assert refused.reply.text == translator(lang)("curation.too_many_skills", count=6, max=5)
