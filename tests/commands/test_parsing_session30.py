"""Session 30: free text typed with "word:" in it, and a comment typed where a rating may stand.

- Every option holding free text (a title, note, bio, comment or reason) is `Option.free_text`: inside it only
  an option name the command knows starts a new option (``/courses suggest … note:daily news, tip: read the
  ads section`` was refused: "“tip” is not an option").
- ``/mentor end 1 great mentor`` (and ``/mentor feedback``): a word in the rating's place that is no number is
  the start of the comment (it was refused as the rating 'great'); a number there is still the rating, refused
  by the core when out of range.
- End to end, on both engines: the comment is kept and the mentorship ends; a bad number is still refused.
"""

from __future__ import annotations

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.commands import parse, run_command
from mentorbot.commands.table import COMMANDS, find_command
from mentorbot.errors import UserError

URL = "https://www.socialmediatoday.com/"

# ------------------------------------------------------------------------------------- free-text options

FREE_TEXT = {
    ("mentor signup", "bio"),
    ("mentor request", "note"),
    ("mentor decline", "reason"),
    ("mentor end", "comment"),
    ("mentor feedback", "comment"),
    ("courses", "title"),
    ("courses", "note"),
    ("courses suggest", "title"),
    ("courses suggest", "note"),
    ("mentor-admin reject", "reason"),
}
"""Every option of the table that holds text as typed (a title, note, bio, comment or reason)."""

PREFIX = {
    "mentor signup": "skills:seo",
    "mentor request": "skills:seo",
    "mentor decline": "12",
    "mentor end": "3 rating:5",
    "mentor feedback": "3 rating:5",
    "courses": f"suggest:{URL} skills:seo",
    "courses suggest": f"url:{URL} skills:seo",
    "mentor-admin reject": "1",
}
"""What each command needs before its free-text option."""


def test_every_free_text_option_is_marked_so() -> None:
    marked = {(" ".join(c.path), o.name) for c in COMMANDS for o in c.options if o.free_text}
    assert marked == FREE_TEXT


@pytest.mark.parametrize(("path", "option"), sorted(FREE_TEXT))
@pytest.mark.parametrize(
    "value",
    [
        "daily news, tip: read the ads section",
        "Social Media Today: news",
        "we list it already, see: the Hootsuite blog",
        "time: 9am,  budget:small",
    ],
)
def test_each_free_text_option_keeps_words_with_colons(path: str, option: str, value: str) -> None:
    parsed = parse(f"/{path} {PREFIX[path]} {option}:{value}")
    assert parsed.args[option] == value


@pytest.mark.parametrize(
    ("line", "args"),
    [
        (  # the reports' own lines
            f"/courses suggest url:{URL} skills:paid social title:Social Media Today note:daily news, tip: read the ads"
            " section",
            {
                "url": URL,
                "skills": "paid social",
                "title": "Social Media Today",
                "note": "daily news, tip: read the ads section",
            },
        ),
        (
            f"/courses suggest url:{URL} skills:paid social title:Social Media Today: news note:daily news",
            {"url": URL, "skills": "paid social", "title": "Social Media Today: news", "note": "daily news"},
        ),
        (
            "/mentor-admin reject 1 reason:we list it already, see: the Hootsuite blog",
            {"suggestion": "1", "reason": "we list it already, see: the Hootsuite blog"},
        ),
        (  # the reason by position: the greedy last word is free text too
            "/mentor-admin reject 1 we list it already, see: the Hootsuite blog",
            {"suggestion": "1", "reason": "we list it already, see: the Hootsuite blog"},
        ),
        (  # Discord's /courses suggest:<url> form, replayed through the table
            f"/courses suggest:{URL} skills:seo title:SMT: news note:tip: ads",
            {"suggest": URL, "skills": "seo", "title": "SMT: news", "note": "tip: ads"},
        ),
    ],
)
def test_the_reported_lines_parse(line: str, args: dict[str, str]) -> None:
    assert dict(parse(line).args) == args


@pytest.mark.parametrize(
    ("line", "key"),
    [
        (f"/courses suggest url:{URL} skills:seo titel:x", "commands.unknown_option"),  # outside free text
        (f"/courses suggest url:{URL} skills:seo title:a note:b title:c", "commands.duplicate_option"),
        ("/mentor-admin reject 1 reason:a suggestion:2", "commands.duplicate_option"),  # a known name still starts
    ],
)
def test_outside_free_text_options_are_still_checked(line: str, key: str) -> None:
    with pytest.raises(UserError) as caught:
        parse(line)
    assert caught.value.key == key


# ----------------------------------------------------------------------------- a comment in the rating's place


@pytest.mark.parametrize("path", ["mentor end", "mentor feedback"])
@pytest.mark.parametrize(
    ("typed", "args"),
    [
        ("1 great mentor", {"mentorship": "1", "comment": "great mentor"}),
        ("1 great mentor, tip: ask early", {"mentorship": "1", "comment": "great mentor, tip: ask early"}),
        ('1 "great" mentor', {"mentorship": "1", "comment": '"great" mentor'}),
        ("1 great rating:4", {"mentorship": "1", "comment": "great", "rating": "4"}),
        ("1 five", {"mentorship": "1", "comment": "five"}),
        # A number (or what is meant as one) is still the rating: the core refuses it when out of range.
        ("1 5 great mentor", {"mentorship": "1", "rating": "5", "comment": "great mentor"}),
        ("1 7", {"mentorship": "1", "rating": "7"}),
        ("1 4.5 good", {"mentorship": "1", "rating": "4.5", "comment": "good"}),
        ("1 -1", {"mentorship": "1", "rating": "-1"}),
        ("1 5/5 great", {"mentorship": "1", "rating": "5/5", "comment": "great"}),
        ("1 ★★★★ great", {"mentorship": "1", "rating": "★★★★", "comment": "great"}),
        ("1 ٤", {"mentorship": "1", "rating": "٤"}),
        ("1", {"mentorship": "1"}),
        ("great", {"mentorship": "great"}),  # the mentorship's place is unchanged
    ],
)
def test_a_word_that_is_no_number_in_the_ratings_place_starts_the_comment(
    path: str, typed: str, args: dict[str, str]
) -> None:
    assert dict(parse(f"/{path} {typed}").args) == args


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("/mentor end 1 ratng:4", "commands.unknown_option"),  # a typo of an option is still told
        ("/mentor end 1 great comment:x", "commands.duplicate_option"),
        ("/mentor end 1 4 rating:5", "commands.duplicate_option"),
    ],
)
def test_options_around_the_rating_are_still_checked(line: str, key: str) -> None:
    with pytest.raises(UserError) as caught:
        parse(line)
    assert caught.value.key == key


def test_only_the_rating_passes_a_word_on() -> None:
    numeric = {(" ".join(c.path), o.name) for c in COMMANDS for o in c.options if o.numeric}
    assert numeric == {("mentor end", "rating"), ("mentor feedback", "rating")}
    for path, _ in numeric:
        command = find_command(path)
        assert command is not None and command.positional == ("mentorship", "rating", "comment")


# ------------------------------------------------------------------------------------------ end to end

C = "test:guild"


def _caller(name: str) -> Caller:
    return Caller(C, f"U-{name}", name.capitalize())


async def _mentorship(bot: MentorBot) -> int:
    await run_command(bot, _caller("wanjiru"), "/mentor signup skills:seo")
    await run_command(bot, _caller("amina"), "/mentor request skills:seo")
    accepted = await run_command(bot, _caller("wanjiru"), "/mentor accept 1")
    assert "#1" in accepted.reply.text
    [mentorship] = await bot.store.list_mentorships(active_only=True)
    return mentorship.id


async def test_end_with_a_comment_and_no_rating(bot: MentorBot) -> None:
    mentorship = await _mentorship(bot)
    refused = await run_command(bot, _caller("amina"), f"/mentor end {mentorship} 7 great mentor")
    assert "(you gave '7')" in refused.reply.text
    assert await bot.store.list_mentorships(active_only=True)

    ended = await run_command(bot, _caller("amina"), f"/mentor end {mentorship} great mentor, tip: ask early")
    assert "you gave" not in ended.reply.text
    assert not await bot.store.list_mentorships(active_only=True)
    [feedback] = await bot.store.list_feedback(C)
    assert (feedback.rating, feedback.comment) == (None, "great mentor, tip: ask early")


async def test_feedback_with_a_comment_and_no_rating_asks_for_the_rating(bot: MentorBot) -> None:
    mentorship = await _mentorship(bot)
    await run_command(bot, _caller("amina"), f"/mentor end {mentorship}")
    asked = await run_command(bot, _caller("wanjiru"), f"/mentor feedback {mentorship} great mentee")
    assert f"/mentor feedback {mentorship} rating:4" in asked.reply.text  # feedback.rating_required
    assert "you gave" not in asked.reply.text
    thanked = await run_command(bot, _caller("wanjiru"), f"/mentor feedback {mentorship} 4 great mentee")
    assert "you gave" not in thanked.reply.text
    ratings = {(f.rating, f.comment) for f in await bot.store.list_feedback(C)}
    assert (4, "great mentee") in ratings
