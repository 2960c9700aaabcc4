"""Session 43 (a parity hunt between typed commands and Discord's typed options): two lines Discord takes were
refused on Slack and the console.

- ``/mentor pause 2030-12-24 09:00`` (a date and a time, by position) was "I don't know what to do with “09:00”",
  though ``until:2030-12-24 09:00`` and Discord's ``until`` option took it: `until`, the last positional option of
  `/mentor pause` and `/mentor-admin pause`, now takes the rest of the line (`Command.greedy`).
- After a ``key:value`` option that is not free text, the bare words that followed were glued onto its value:
  ``/mentor end mentorship:1 5 great mentor`` was the mentorship "1 5 great mentor". They now go on to the next
  positional option still empty after it, in the usage's order (a free-text or greedy one takes the rest), as
  ``/mentor checkin mentorship:2 ok`` did since session 42. With none left after it, they are still the option's
  (``until:2030-12-24 09:00``, ``skills:web design``), and a free-text option still takes them (``note:I need help``).
"""

from __future__ import annotations

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.commands import parse, run_slash
from mentorbot.commands.table import find_command
from mentorbot.errors import UserError

# ------------------------------------------------------------------------------- a date and a time, by position


@pytest.mark.parametrize(
    ("line", "args"),
    [
        ("/mentor pause 2030-12-24 09:00", {"until": "2030-12-24 09:00"}),
        ("/mentor pause 24 Dec 2030", {"until": "24 Dec 2030"}),
        ("/mentor pause until:2030-12-24 09:00", {"until": "2030-12-24 09:00"}),
        ("/mentor pause 3d", {"until": "3d"}),
        ("/mentor pause", {}),
        ("/mentor-admin pause @bob 2030-12-24 09:00", {"mentor": "@bob", "until": "2030-12-24 09:00"}),
        ("/mentor-admin pause <@U1|bob> 2030-12-24 09:00", {"mentor": "<@U1|bob>", "until": "2030-12-24 09:00"}),
        ("/mentor-admin pause @bob until:2030-12-24 09:00", {"mentor": "@bob", "until": "2030-12-24 09:00"}),
        ("/mentor-admin pause mentor:@bob 2030-12-24 09:00", {"mentor": "@bob", "until": "2030-12-24 09:00"}),
        ('/mentor-admin pause "Bob Smith" 2030-12-24 09:00', {"mentor": "Bob Smith", "until": "2030-12-24 09:00"}),
        ("/mentor-admin pause @bob", {"mentor": "@bob"}),
    ],
)
def test_until_by_position_takes_the_rest(line: str, args: dict[str, str]) -> None:
    assert dict(parse(line).args) == args


def test_both_pauses_are_greedy() -> None:
    for path in ("mentor pause", "mentor-admin pause"):
        command = find_command(path)
        assert command is not None and command.greedy and command.positional[-1] == "until", path


def test_a_word_after_until_given_by_name_and_a_second_until_are_still_refused() -> None:
    with pytest.raises(UserError) as twice:
        parse("/mentor pause 3d until:2w")
    assert twice.value.key == "commands.duplicate_option"


# ------------------------------------------------------------- words after a key:value that is not free text


@pytest.mark.parametrize(
    ("line", "args"),
    [
        # the three the hunt found
        ("/mentor end mentorship:1 5 great mentor", {"mentorship": "1", "rating": "5", "comment": "great mentor"}),
        ("/mentor feedback rating:5 thanks a lot", {"rating": "5", "comment": "thanks a lot"}),
        ("/mentor decline offer:4 not my skill", {"offer": "4", "reason": "not my skill"}),
        # their neighbours
        ("/mentor end mentorship:1 great mentor", {"mentorship": "1", "comment": "great mentor"}),  # no rating
        ("/mentor end id:1 5", {"mentorship": "1", "rating": "5"}),
        ("/mentor end rating:4 it was  good: really", {"rating": "4", "comment": "it was  good: really"}),
        (
            "/mentor feedback mentorship:2 rating:5 thanks a lot",
            {"mentorship": "2", "rating": "5", "comment": "thanks a lot"},
        ),
        ("/mentor feedback mentorship:2 4 ok", {"mentorship": "2", "rating": "4", "comment": "ok"}),
        ("/mentor feedback rating:5 mentorship:2 thanks", {"rating": "5", "mentorship": "2", "comment": "thanks"}),
        ("/mentor decline id:4 busy until: March", {"offer": "4", "reason": "busy until: March"}),
        ("/mentor-admin reject suggestion:3 a duplicate", {"suggestion": "3", "reason": "a duplicate"}),
        ("/mentor-admin match request:3 @dave", {"request": "3", "mentor": "@dave"}),
        ("/courses vote resource:7 helpful", {"resource": "7", "answer": "helpful"}),
        (
            "/courses suggest url:https://example.com/seo seo, copywriting",
            {"url": "https://example.com/seo", "skills": "seo, copywriting"},
        ),
        ("/mentor checkin mentorship:2 ok", {"mentorship": "2", "answer": "ok"}),  # session 42's, unchanged
    ],
)
def test_words_after_an_option_go_on_to_the_next_positional_one(line: str, args: dict[str, str]) -> None:
    assert dict(parse(line).args) == args


@pytest.mark.parametrize(
    ("line", "args"),
    [
        # free text still takes the words after it
        ("/mentor request skills:seo note:I need help with ads", {"skills": "seo", "note": "I need help with ads"}),
        ("/mentor end 1 comment:great mentor rating:5", {"mentorship": "1", "comment": "great mentor", "rating": "5"}),
        ("/mentor decline 4 reason:not my skill", {"offer": "4", "reason": "not my skill"}),
        ("/mentor signup skills:seo bio:ten years of ads", {"skills": "seo", "bio": "ten years of ads"}),
        # no positional option left after it: still the option's
        ("/mentor request skills:web design", {"skills": "web design"}),
        ("/mentor timezone tz:Dar es Salaam", {"timezone": "Dar es Salaam"}),
        ("/mentor signup tz:Dar es Salaam skills:seo", {"timezone": "Dar es Salaam", "skills": "seo"}),
        ("/mentor signup skills:seo levels:expert learning", {"skills": "seo", "levels": "expert learning"}),
        ("/skills query:social media", {"query": "social media"}),
        (
            "/courses suggest skills:seo url:https://example.com/seo",
            {"skills": "seo", "url": "https://example.com/seo"},
        ),
        ("/mentor-admin match 3 mentor:Dave Lee", {"request": "3", "mentor": "Dave Lee"}),
        ("/mentor-admin match mentor:@dave request:3", {"mentor": "@dave", "request": "3"}),
    ],
)
def test_free_text_and_a_last_option_still_take_the_words_after_them(line: str, args: dict[str, str]) -> None:
    assert dict(parse(line).args) == args


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("/mentor decline offer:4 busy reason:later", "commands.duplicate_option"),  # the reason given twice
        ("/mentor-admin match request:3 @dave @erin", "commands.too_many_arguments"),
        ("/mentor-admin match request:3 mentr:@dave", "commands.unknown_option"),
        ('/mentor-admin match request:3 "dave', "commands.unbalanced_quotes"),
    ],
)
def test_what_is_still_refused(line: str, key: str) -> None:
    with pytest.raises(UserError) as caught:
        parse(line)
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("named", "by_position"),
    [
        ("/mentor end mentorship:1 5 ratng:4", "/mentor end 1 5 ratng:4"),  # in the comment, as by position
        ('/mentor end mentorship:1 "5', '/mentor end 1 "5'),
        ("/mentor checkin mentorship:2 three", "/mentor checkin 2 three"),  # the answer "three", told by the use-case
        ("/mentor-admin pause mentor:Bob Smith", "/mentor-admin pause Bob Smith"),  # a name of two words is quoted
    ],
)
def test_a_positional_option_named_binds_what_follows_as_by_position(named: str, by_position: str) -> None:
    assert dict(parse(named).args) == dict(parse(by_position).args)


# ------------------------------------------------------------------------------- end to end, on both engines

ALICE = Caller("test:guild", "U-alice", "Alice")
BOB = Caller("test:guild", "U-bob", "Bob")
DAVE = Caller("test:guild", "U-dave", "Dave")
ADMIN = Caller("test:guild", "U-admin", "Ada")


async def _ok(bot: MentorBot, caller: Caller, command: str, text: str) -> str:
    told = await run_slash(bot, caller, command, text)
    assert told.error is None, told.reply.text
    return told.reply.text


async def test_pause_until_a_date_and_a_time_typed_by_position(bot: MentorBot) -> None:
    await _ok(bot, BOB, "/mentor", "signup skills:seo")
    said = await _ok(bot, BOB, "/mentor", "pause 2030-12-24 09:00")
    assert "09:00" in said and "2030" in said, said


async def test_an_admin_pauses_a_mentor_until_a_date_and_a_time_typed_by_position(bot: MentorBot) -> None:
    await _ok(bot, BOB, "/mentor", "signup skills:seo")
    said = await _ok(bot, ADMIN, "/mentor-admin", "pause Bob 2030-12-24 09:00")
    assert "09:00" in said and "2030" in said, said


async def _offer(bot: MentorBot) -> int:
    """Bob mentors SEO; Alice asks for it: Bob's offer's number."""
    await _ok(bot, BOB, "/mentor", "signup skills:seo")
    await _ok(bot, ALICE, "/mentor", "request skills:seo")
    [offer] = await bot.store.list_offers(mentor_id=await _member(bot, BOB))
    return offer.id


async def _member(bot: MentorBot, caller: Caller) -> int:
    member = await bot.store.find_member(caller.community, caller.user_id)
    assert member is not None
    return member.id


async def test_decline_with_the_offer_named_then_the_reason(bot: MentorBot) -> None:
    offer = await _offer(bot)
    await _ok(bot, BOB, "/mentor", f"decline offer:{offer} not my skill")
    declined = await bot.store.get_offer(offer)
    assert declined is not None and declined.decline_reason == "not my skill"


async def test_end_then_feedback_with_the_rating_named_then_the_comment(bot: MentorBot) -> None:
    offer = await _offer(bot)
    await _ok(bot, BOB, "/mentor", f"accept {offer}")
    [mentorship] = await bot.store.list_mentorships(member_id=await _member(bot, ALICE), active_only=True)
    await _ok(bot, ALICE, "/mentor", f"end mentorship:{mentorship.id} 5 great mentor")
    await _ok(bot, BOB, "/mentor", "feedback rating:4 thanks a lot")
    given = {(f.rating, f.comment) for f in await bot.store.list_feedback() if f.mentorship_id == mentorship.id}
    assert given == {(5, "great mentor"), (4, "thanks a lot")}


@pytest.mark.parametrize(
    ("line", "args"),
    [
        ("/mentor-admin pause mentor:Bob Smith until:3d", {"mentor": "Bob Smith", "until": "3d"}),
        ("/mentor-admin pause mentor:Bob Smith Jones until:3d", {"mentor": "Bob Smith Jones", "until": "3d"}),
        ("/mentor-admin pause mentor:Bob until:3d", {"mentor": "Bob", "until": "3d"}),
    ],
)
def test_words_passed_on_to_an_option_named_later_are_the_first_ones_own(line: str, args: dict[str, str]) -> None:
    """Session 43's review: ``mentor:Bob Smith until:3d`` worked before the words after an option went on to the next
    one, then was refused as ``until`` given twice. An option named later in the line takes its name back: the words
    passed on to it were the earlier option's own (not a number's, which takes no words: ``offer:4 busy reason:later``
    is still refused)."""
    assert dict(parse(line).args) == args
