"""The shared command parser (mentorbot.commands): tokens, the command table, errors, execution and buttons."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mentorbot.app import open_bot
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import (
    BUTTON_ACTIONS,
    COMMANDS,
    Pace,
    button_command,
    error_outcome,
    execute,
    execute_button,
    find_command,
    help_reply,
    needs_form,
    parse,
    parse_custom_id,
    parse_slash,
    run_command,
    run_slash,
    tokenize,
)
from mentorbot.errors import UserError
from mentorbot.i18n import LANGUAGES, load_catalog, translator
from mentorbot.paging import PAGE_ACTION
from mentorbot.replies import Button
from mentorbot.settings import Settings

COMMUNITY = "test:commands"


# ------------------------------------------------------------------------------------------------ tokens


def test_tokenize_options_quotes_and_words() -> None:
    tokens = tokenize("""/mentor request skills:"crisis comms" note='hello there' extra key=value""")
    assert [(t.key, t.text) for t in tokens] == [
        (None, "/mentor"),
        (None, "request"),
        ("skills", "crisis comms"),
        ("note", "hello there"),
        (None, "extra"),
        ("key", "value"),
    ]
    assert tokens[2].quoted and not tokens[4].quoted


@pytest.mark.parametrize("quoted", ["“a b”", "‘a b’", '"a b"', "'a b'"])
def test_tokenize_accepts_typographic_quotes(quoted: str) -> None:
    [token] = tokenize(f"note:{quoted}")
    assert (token.key, token.text) == ("note", "a b")


def test_apostrophes_and_urls_are_plain_text() -> None:
    tokens = tokenize("note:I'm stuck https://example.com/a:b")
    assert [(t.key, t.text) for t in tokens] == [("note", "I'm"), (None, "stuck"), (None, "https://example.com/a:b")]


@pytest.mark.parametrize("line", ['note:"open', "'open", "note:“open"])
def test_unbalanced_quotes(line: str) -> None:
    with pytest.raises(UserError) as caught:
        tokenize(line)
    assert caught.value.key == "commands.unbalanced_quotes"


# ------------------------------------------------------------------------------------------------- parse


@pytest.mark.parametrize(
    ("line", "path", "args"),
    [
        ("/mentor status", "mentor status", {}),
        ("mentor status", "mentor status", {}),
        ("/MENTOR Status", "mentor status", {}),
        (
            "/mentor request skills:crisis comms, paid social note:launch went wrong",
            "mentor request",
            {"skills": "crisis comms, paid social", "note": "launch went wrong"},
        ),
        ("/mentor request seo, copywriting", "mentor request", {"skills": "seo, copywriting"}),
        ("/mentor request skills: seo note: hi", "mentor request", {"skills": "seo", "note": "hi"}),
        ('/mentor request skills=seo note="a  b"', "mentor request", {"skills": "seo", "note": "a  b"}),
        ("/mentor decline 12 too busy", "mentor decline", {"offer": "12", "reason": "too busy"}),
        ("/mentor decline offer:12 reason:busy", "mentor decline", {"offer": "12", "reason": "busy"}),
        ("/mentor accept #3", "mentor accept", {"offer": "#3"}),
        ("/mentor end 3 5 great mentor", "mentor end", {"mentorship": "3", "rating": "5", "comment": "great mentor"}),
        ("/mentor end rating:4", "mentor end", {"rating": "4"}),
        ("/mentor cancel", "mentor cancel", {}),
        ("/mentor cancel 2", "mentor cancel", {"request": "2"}),
        ("/mentor pause 3d", "mentor pause", {"until": "3d"}),
        ("/mentor language sw", "mentor language", {"language": "sw"}),
        ("/mentor lang sw", "mentor language", {"language": "sw"}),
        ("/mentor forget confirm:yes", "mentor forget", {"confirm": "yes"}),
        (
            "/mentor signup seo, copywriting levels:expert capacity:3 tz:UTC+3 languages:en, sw",
            "mentor signup",
            {
                "skills": "seo, copywriting",
                "levels": "expert",
                "capacity": "3",
                "timezone": "UTC+3",
                "languages": "en, sw",
            },
        ),
        ("/skills crisis comms", "skills", {"query": "crisis comms"}),
        ("/skills", "skills", {}),
        (
            "/courses paid social level:beginner free:yes",
            "courses",
            {"skills": "paid social", "level": "beginner", "free": "yes"},
        ),
        ("/mentor-admin match 4 @baraka", "mentor-admin match", {"request": "4", "mentor": "@baraka"}),
        ("/mentor-admin pause baraka until:2w", "mentor-admin pause", {"mentor": "baraka", "until": "2w"}),
        ("/mentor", "mentor help", {}),
        ("/mentor-admin", "mentor-admin help", {}),
    ],
)
def test_parse(line: str, path: str, args: dict[str, str]) -> None:
    parsed = parse(line)
    assert parsed.command.path == tuple(path.split())
    assert dict(parsed.args) == args


def test_parse_slash_is_parse_of_the_whole_line() -> None:
    assert parse_slash("/mentor", "request skills:seo") == parse("/mentor request skills:seo")
    assert parse_slash("courses", "seo").args == {"skills": "seo"}


@pytest.mark.parametrize(
    ("line", "key", "params"),
    [
        ("", "commands.empty", {}),
        ("/mentr status", "commands.unknown_command", {"command": "/mentr status", "suggestions": "`/mentor status`"}),
        ("/mentor reqest seo", "commands.unknown_command", {"command": "/mentor reqest"}),
        ("/course seo", "commands.unknown_command", {"suggestions": "`/courses`"}),
        ("/frobnicate", "commands.unknown_command_no_suggestion", {"command": "/frobnicate"}),
        # A group's word, then nothing near one of its commands: the group's commands are named.
        (
            "/mentor-admin foo",
            "commands.unknown_subcommand",
            {"command": "/mentor-admin foo", "group": "/mentor-admin"},
        ),
        ("/mentor skills:seo", "commands.missing_subcommand", {"command": "/mentor"}),
        (
            "/mentor request sklls:seo",
            "commands.unknown_option",
            {"option": "sklls", "suggestion": "skills:", "allowed": "skills:, note:"},
        ),
        (
            "/mentor request skills:seo colour:red",
            "commands.unknown_option_no_suggestion",
            {"allowed": "skills:, note:"},
        ),
        ("/mentor status verbose:yes", "commands.no_options", {"command": "/mentor status"}),
        ("/mentor status now", "commands.too_many_arguments", {"extra": "now"}),
        ("/mentor accept 1 2", "commands.too_many_arguments", {"extra": "2"}),
        ("/mentor accept 1 offer:2", "commands.duplicate_option", {"option": "offer"}),
        ("/mentor request skills:seo skill:seo", "commands.duplicate_option", {"option": "skills"}),
        ("/mentor accept", "commands.missing_argument", {"option": "offer", "usage": "/mentor accept <offer>"}),
        ("/mentor request note:hello", "commands.missing_argument", {"option": "skills"}),
        ("/mentor-admin match 4", "commands.missing_argument", {"option": "mentor"}),
        ('/mentor request skills:"unclosed', "commands.unbalanced_quotes", {"quote": '"'}),
    ],
)
def test_parse_errors(line: str, key: str, params: dict[str, str]) -> None:
    with pytest.raises(UserError) as caught:
        parse(line)
    assert caught.value.key == key
    for name, value in params.items():
        if name == "suggestions":
            assert value in caught.value.params[name]
        else:
            assert caught.value.params[name] == value


def test_missing_required_can_be_collected_for_a_modal() -> None:
    parsed = parse_slash("/mentor", "request note:help", allow_missing=True)
    assert parsed.missing == ("skills",)
    assert parsed.args == {"note": "help"}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "line", ["", "/mentr status", "/frobnicate", "/mentor request sklls:x", "/mentor accept", 'note:"x', "/mentor x:1"]
)
def test_every_parse_error_has_a_message_in_every_language(lang: str, line: str) -> None:
    with pytest.raises(UserError) as caught:
        parse(line)
    text = translator(lang)(caught.value.key, **caught.value.params)
    assert text and "{" not in text.replace("`{", "")


# ------------------------------------------------------------------------------------------------- table


def test_table_maps_to_real_use_cases() -> None:
    for command in COMMANDS:
        if command.handler is None:
            assert command.path[-1] == "help"
            continue
        assert command.method is not None
        method = getattr(MentorBot, command.method)
        parameters = inspect.signature(method).parameters
        assert "caller" in parameters, command.name
        for name in command.positional:
            assert command.option(name) == name, f"{command.name}: positional {name} is not an option"


def test_find_command() -> None:
    assert find_command("/mentor request") is find_command(("mentor", "request"))
    assert find_command("courses") is not None
    assert find_command("mentor nothing") is None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_lists_every_command(lang: str) -> None:
    reply = help_reply(lang, admin=True)
    text = reply.plain_text
    for command in COMMANDS:
        if command.handler is not None:
            assert command.usage_for(translator(lang)) in text
    assert "/mentor-admin" not in help_reply(lang, admin=False).plain_text
    assert reply.title == load_catalog(lang)["commands.help.title"]


def test_custom_ids_and_button_commands() -> None:
    button = Button("offer.accept", "42", "Accept")
    assert parse_custom_id(button.custom_id) == ("offer.accept", "42")
    assert parse_custom_id("other:thing:1") is None
    assert button_command(button) == "/mentor accept 42"
    assert button_command(Button("forget.confirm", "u1", "Yes")) == "/mentor forget confirm:yes"
    assert button_command(Button("something.else", "1", "?")) is None
    assert button_command(Button(PAGE_ACTION, "waitlist.25", "Next")) == "/mentor-admin waitlist page:2"
    assert button_command(Button(PAGE_ACTION, "skills.50.paid ads", "Next")) == "/skills query:paid ads page:3"
    assert button_command(Button(PAGE_ACTION, "requests.10", "Next")) is None, "the status has no typed paging"
    for action in set(BUTTON_ACTIONS) - {PAGE_ACTION}:
        assert button_command(Button(action, "1", "x")) is not None
        assert parse(button_command(Button(action, "1", "x")) or "").command.method is not None


# --------------------------------------------------------------------------------------- with a real bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[MentorBot]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'c.sqlite3'}", rate_limit_per_minute=10_000
    )
    async with open_bot(settings, clock=ManualClock()) as opened:
        yield opened


def who(name: str) -> Caller:
    return Caller(COMMUNITY, name, name.capitalize())


async def test_execute_runs_the_use_case(bot: MentorBot) -> None:
    await execute(bot, who("wanjiru"), parse("/mentor signup skills:crisis comms levels:expert"))
    outcome = await execute(bot, who("amina"), parse('/mentor request "crisis communications" note:"help"'))
    [note] = outcome.notifications
    assert note.platform_user_id == "wanjiru"
    accept = next(b for b in note.reply.buttons if b.action == "offer.accept")
    accepted = await execute_button(bot, who("wanjiru"), accept.action, accept.ref)
    assert accepted.reply.text == translator("en")("offer.accepted", id=int(accept.ref))


async def test_run_command_and_run_slash_localize_parse_errors(bot: MentorBot) -> None:
    await run_command(bot, who("juma"), "/mentor language sw")
    outcome = await run_slash(bot, who("juma"), "/mentor", "reqest seo")
    assert outcome.reply.text == translator("sw")(
        "commands.unknown_command", command="/mentor reqest", suggestions="`/mentor request`"
    )
    english = await run_command(bot, who("amina"), "/mentor accept")
    assert english.reply.text.startswith("/mentor accept")
    assert (await run_command(bot, who("amina"), "/mentor status")).reply.title


async def test_a_member_mistyping_is_not_offered_admin_commands(bot: MentorBot) -> None:
    """Found by a docs review: "/stats" suggested `/mentor-admin stats` to members, who may not run it. An admin is
    still offered it; a member is offered what they may run, or no suggestion."""
    en = translator("en")
    member = await run_command(bot, who("amina"), "/stats")
    assert member.reply.text == en("commands.unknown_command", command="/stats", suggestions="`/mentor status`")
    nothing = await run_command(bot, who("amina"), "/waitlist")
    assert nothing.reply.text == en("commands.unknown_command_no_suggestion", command="/waitlist")
    admin = await run_command(bot, Caller(COMMUNITY, "boss", "Boss", is_admin=True), "/stats")
    assert "`/mentor-admin stats`" in admin.reply.text


async def test_help_command_answers_in_the_members_language(bot: MentorBot) -> None:
    await run_command(bot, who("juma"), "/mentor language sw")
    outcome = await run_command(bot, who("juma"), "/mentor help")
    assert outcome.reply.title == translator("sw")("commands.help.title")


async def test_unknown_skill_is_the_cores_localized_refusal(bot: MentorBot) -> None:
    outcome = await run_command(bot, who("amina"), "/mentor request skills:crisis comunications")
    assert "crisis-communications" in outcome.reply.text
    assert outcome.reply.text.startswith(translator("en")("skills.unknown", tag="x", suggestions="y").split("“")[0])


async def test_forget_button_acts_only_for_its_owner(bot: MentorBot) -> None:
    asked = await run_command(bot, who("amina"), "/mentor forget")
    [button] = asked.reply.buttons
    assert button.action == "forget.confirm"
    stranger = await execute_button(bot, who("juma"), button.action, button.ref)
    assert stranger.reply.text == translator("en")("commands.not_your_button")
    assert await bot.store.find_member(COMMUNITY, "amina") is not None
    done = await execute_button(bot, who("amina"), button.action, button.ref)
    assert done.reply.text == translator("en")("forget.done")
    assert await bot.store.find_member(COMMUNITY, "amina") is None


async def test_forget_confirm_option(bot: MentorBot) -> None:
    await run_command(bot, who("amina"), "/mentor status")
    outcome = await run_command(bot, who("amina"), "/mentor forget confirm:ndiyo")
    assert outcome.reply.text == translator("en")("forget.done")


async def test_unknown_button_action(bot: MentorBot) -> None:
    outcome = await execute_button(bot, who("amina"), "offer.explode", "1")
    assert outcome.reply.text == translator("en")("commands.unknown_action")


async def test_error_outcome_in_callers_language(bot: MentorBot) -> None:
    await run_command(bot, who("juma"), "/mentor language sw")
    outcome = await error_outcome(bot, who("juma"), UserError("commands.empty"))
    assert outcome.reply.text == translator("sw")("commands.empty")


# ------------------------------------------------------------------------------------------- metadata


def test_pace_read_only_and_forms_are_declared_on_the_table() -> None:
    slow = {c.method for c in COMMANDS if c.pace is Pace.SLOW}
    assert slow == {"export", "admin_export", "admin_round", "admin_stats"}  # stats sends a chart file
    quick = {c.method for c in COMMANDS if c.pace is Pace.QUICK}
    assert quick == {
        "status", "pause", "set_language", "set_timezone", "forget", "skills", "courses", "feedback", None,
        "suggest_course", "vote_course", "admin_decide_suggestion",
    }  # fmt: skip
    read_only = {c.method for c in COMMANDS if c.read_only}
    assert read_only == {
        None,
        "status",
        "skills",
        "courses",
        "export",
        "admin_stats",
        "admin_waitlist",
        "admin_export",
        "admin_recruit",
        "admin_courses",
    }
    assert {c.method for c in COMMANDS if c.form} == {"signup", "request"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/mentor request", True),
        ("/mentor request skills:seo", False),
        ("/mentor signup", True),
        ("/mentor signup bio:hello", True),
        ("/mentor signup skills:seo", False),
        ("/mentor status", False),
    ],
)
async def test_needs_form(bot: MentorBot, line: str, expected: bool) -> None:
    caller = Caller(COMMUNITY, "u-form", "Form")
    assert await needs_form(bot, caller, parse(line, allow_missing=True)) is expected


async def test_a_mentor_updating_without_skills_needs_no_form(bot: MentorBot) -> None:
    caller = Caller(COMMUNITY, "u-mentor", "Mentor")
    await bot.signup(caller, skills="seo")
    assert await needs_form(bot, caller, parse("/mentor signup bio:hello", allow_missing=True)) is False


def test_complete_raises_the_missing_argument_error() -> None:
    parsed = parse("/mentor request", allow_missing=True)
    assert parsed.missing == ("skills",)
    with pytest.raises(UserError) as caught:
        parsed.complete()
    assert caught.value.key == "commands.missing_argument"
    with pytest.raises(UserError) as direct:
        parse("/mentor request")
    assert dict(direct.value.params) == dict(caught.value.params)


def test_the_buttons_that_need_an_admin_are_named_by_the_core() -> None:
    """An adapter that cannot see the clicker's rights (a Discord DM) asks the platform for these only."""
    from mentorbot.commands import needs_admin
    from mentorbot.paging import PAGE_ACTION, PageRef, encode

    assert needs_admin("suggestion.approve", "3") and needs_admin("suggestion.reject", "3")
    assert needs_admin(PAGE_ACTION, encode(PageRef("waitlist", 10)))
    assert not needs_admin(PAGE_ACTION, encode(PageRef("skills", 10)))
    assert not needs_admin(PAGE_ACTION, "garbage")
    assert not any(needs_admin(action, "1") for action in ("offer.accept", "vote.up", "checkin.help", "forget.confirm"))
