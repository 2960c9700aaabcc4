"""Session 45: member text that reaches others as a masked link or a console mention.

A suggested resource's title and its address share one line of a mentorship introduction
(``{title} — {provider} ({cost}): {url}``): a title opening ``[`` and an address holding ``](https://other/…)`` made
one Discord masked link to the other site. Now a shown address has its square brackets percent-encoded
(`defuse_url`: no ``]`` left to close a link) and a shown title no lone ``[`` (`defuse_link_opener`).

A console member's id may hold any letter, digits, ``.``, ``-`` and ``_`` (``mary-jane``, ``zoë``): `defuse_mentions`
left ``<@mary-jane>`` typed in a note live, and the console showed it as a mention the bot made."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mentorbot.courses import CommunityCourse, Cost, Course, CourseLevel, Format
from mentorbot.recommendations import render_introduction_courses, shown_title
from mentorbot.storage.curation import Suggestion, SuggestionStatus
from mentorbot.text_safety import defuse_link_opener, defuse_mentions, defuse_url
from mentorbot.usecases.curation import _as_course
from mentorbot_console.render import MENTION as CONSOLE_MENTION

# Discord's (simple-markdown) link rule, as its client parses [text](url).
_LINK_INSIDE = r"(?:\[[^\]]*\]|[^\[\]]|\](?=[^\[]*\]))*"
_LINK_HREF_AND_TITLE = r"\s*<?((?:\([^)]*\)|[^\s\\])*?)>?(?:\s+['\"]([\s\S]*?)['\"])?\s*"
DISCORD_LINK = re.compile(r"\[(" + _LINK_INSIDE + r")\]\(" + _LINK_HREF_AND_TITLE + r"\)")
MASKED_WEB_LINK = re.compile(r"\[[^\]]*\]\(\s*<?https?://")

TITLE = "[Mentorship agreement: both of you sign it before the first call"
URL = "https://www.example.org/crisis-guide](https://evil.example/sign)"


def community_course(title: str, url: str, provider: str = "www.example.org") -> CommunityCourse:
    """A community entry as stored, built without validation: any title and address reach the renderer."""
    return CommunityCourse.model_construct(
        id="community-1",
        title=title,
        provider=provider,
        url=url,
        skills=("crisis-communications",),
        level=CourseLevel.INTERMEDIATE,
        format=Format.READING_LIST,
        cost=Cost.PAID,
        duration="varies",
        language="en",
        suggestion_id=1,
    )


def catalog_course(url: str) -> Course:
    """A catalog file's entry (an admin's title, any address), built without validation."""
    return Course.model_construct(
        id="crisis-guide",
        title="Crisis guide",
        provider="Example",
        url=url,
        skills=("crisis-communications",),
        level=CourseLevel.INTERMEDIATE,
        format=Format.READING_LIST,
        cost=Cost.FREE,
        duration="2 hours",
        language="en",
    )


def suggestion(title: str, url: str) -> Suggestion:
    return Suggestion(
        id=1,
        community="c",
        member_id=1,
        url=url,
        title=title,
        skills=("crisis-communications",),
        note="",
        status=SuggestionStatus.APPROVED,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def no_masked_link(text: str) -> None:
    assert not MASKED_WEB_LINK.search(text), text
    assert not DISCORD_LINK.search(text), text


# --- the introduction line ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "sw"])
def test_a_title_and_an_address_make_no_masked_link(lang: str) -> None:
    """Before: ``2. [Mentorship agreement… — www.example.org (…): https://www.example.org/crisis-guide](https://evil.example/sign)``."""
    field = render_introduction_courses([community_course(TITLE, URL)], lang)
    assert field is not None
    no_masked_link(field.value)
    assert "evil.example/sign" in field.value  # shown, as a plain address
    assert "Mentorship agreement" in field.value


def test_a_stored_suggestion_becomes_an_entry_that_makes_no_masked_link() -> None:
    course = _as_course(suggestion(TITLE, URL), ("crisis-communications",))
    assert "[" not in course.url and "]" not in course.url
    field = render_introduction_courses([course], "en")
    assert field is not None
    no_masked_link(field.value)


def test_a_catalog_address_with_brackets_is_shown_encoded() -> None:
    field = render_introduction_courses([catalog_course("https://example.org/a[1]?b=](x)")], "en")
    assert field is not None
    assert "https://example.org/a%5B1%5D?b=%5D(x)" in field.value


@given(title=st.text(max_size=60), url=st.text(max_size=60))
@example(title=TITLE, url=URL)
@example(title="[a", url="https://e.org/](https://evil.example)")
@example(title="[a]", url="(https://evil.example)")
@example(title="[[a]", url="https://e.org/](https://evil.example)")
@example(title="[a] [b", url="https://e.org/x]] (https://evil.example)")
@example(title="x", url="[a](https://evil.example)")
def test_no_title_and_address_make_a_masked_link(title: str, url: str) -> None:
    """For any title and address, an introduction line and a ``/courses`` line hold no masked link: the bot writes
    none there, so any would be a member's."""
    for course in (community_course(title, url), catalog_course(url)):
        for lang in ("en", "sw"):
            field = render_introduction_courses([course, community_course(title, url)], lang)
            assert field is not None
            no_masked_link(field.value)


@given(
    title=st.text(max_size=40),
    path=st.text(alphabet=st.sampled_from(list("[]()<>@!&abc/?=#%-_.:")), max_size=40),
)
@example(title=TITLE, path="crisis-guide](https://evil.example/sign)")
def test_no_suggestion_makes_a_masked_link(title: str, path: str) -> None:
    try:
        course = _as_course(suggestion(title, "https://www.example.org/" + path), ("crisis-communications",))
    except ValueError:  # refused as a catalog entry (left out of the catalog)
        return
    field = render_introduction_courses([course], "en")
    assert field is not None
    no_masked_link(field.value)


# --- a title ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("Crisis [basics]", "Crisis [basics]"),
        ("[Draft] crisis notes", "[Draft] crisis notes"),
        ("[Mentorship agreement", "\uff3bMentorship agreement"),
        ("a [b [c] d", "a \uff3bb [c] d"),
        ("[[a]", "\uff3b[a]"),
        ("a] [b", "a] \uff3bb"),
    ],
)
def test_a_lone_opening_bracket_is_neutralised(title: str, shown: str) -> None:
    assert defuse_link_opener(title) == shown
    assert shown_title(community_course(title, "https://example.org/")) == shown


@given(st.text(max_size=60))
def test_a_shown_title_opens_no_bracket_it_does_not_close(title: str) -> None:
    shown = shown_title(community_course(title, "https://example.org/"))
    depth = 0
    for ch in shown:
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
    assert depth == 0, shown
    assert shown_title(community_course(shown, "https://example.org/")) == shown, "showing it again changes nothing"


def test_a_catalog_title_is_shown_as_written() -> None:
    assert shown_title(catalog_course("https://example.org/").model_copy(update={"title": "[Draft"})) == "[Draft"


# --- an address ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (URL, "https://www.example.org/crisis-guide%5D(https://evil.example/sign)"),
        ("https://example.org/a?x[]=1", "https://example.org/a?x%5B%5D=1"),
        (
            "https://en.wikipedia.org/wiki/Crisis_(disambiguation)",
            "https://en.wikipedia.org/wiki/Crisis_(disambiguation)",
        ),
    ],
)
def test_an_address_keeps_no_square_bracket(url: str, shown: str) -> None:
    assert defuse_url(url) == shown
    assert defuse_url(shown) == shown


@given(st.text(max_size=60))
def test_a_shown_address_has_no_bracket_and_is_stable(url: str) -> None:
    shown = defuse_url(url)
    assert not set("<>[]") & set(shown)
    assert defuse_url(shown) == shown


# --- a console member's id -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mention", ["<@mary-jane>", "<@j.n>", "<@wanjiru_k>", "<@zoë>", "<@مريم>", "<@ब्रिजेश>", "<@U0CAROL01|carol>"]
)
def test_a_typed_mention_of_any_id_is_inert(mention: str) -> None:
    """Before: only ``[0-9A-Za-z]`` ids were defused; the console renders ``<@mary-jane>`` as ``@Mary-Jane``."""
    shown = defuse_mentions(f"ask {mention} first")
    assert not CONSOLE_MENTION.search(shown), shown
    assert mention[2:-1] in shown


@pytest.mark.parametrize("text", ["<@&42>", "@everyone", "<@everyone>", "<@123>", "<!channel>", "<@\u200bx>"])
def test_defused_text_is_defused_once(text: str) -> None:
    once = defuse_mentions(text)
    assert defuse_mentions(once) == once


@given(st.text(alphabet=st.sampled_from(list("<@!&>|.-_ aZé0\u200b](everyone")), max_size=40))
@example("<@mary-jane>")
@example("<@<@x>>")
def test_no_typed_mention_is_rendered_by_the_console(text: str) -> None:
    """What the console renders as a mention (``<@id>``, id without ``<``, ``>`` or space) is left in defused text
    only with the zero-width space it starts with: an id no member has (`valid_name`)."""
    shown = defuse_mentions(text)
    for found in CONSOLE_MENTION.findall(shown):
        assert found.startswith("\u200b"), shown
    assert defuse_mentions(shown) == shown
