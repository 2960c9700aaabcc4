"""Session 38's Discord interaction hunt: what a member was owed, or had typed, is no longer lost.

- An answer whose interaction expired while the core worked (its token past its 15 minutes: 401, code 50027, as
  10062 is past its 3 seconds) goes by DM under "answered you too late", with the held notices that came with it;
  it was logged and dropped, the inbox row marked done.
- The skill autocomplete waits at most `LANGUAGE_WAIT_MAX` for the member's language: a slow database made every
  keystroke miss Discord's 3 seconds ("Loading options failed", an ERROR traceback each).
- The feedback form's rating is picked from a list (a string select in a Label), so it cannot be mistyped; a form
  of the old kind refused for its rating gives the comment back, as a refused `/mentor request` gives its note back.

Times are scaled down: the fake's token lifetime is `TOKEN_LIFETIME` seconds, the core is held `CORE_WAIT`."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest

import mentorbot_discord.client as discord_client
from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.errors import UserError
from mentorbot.replies import Outcome, Reply
from mentorbot_discord.client import LANGUAGE_WAIT_MAX, MentorBotClient
from mentorbot_discord.forms import FeedbackModal
from mentorbot_discord.render import given_back
from tests.discord.helpers import (
    COMMUNITY,
    EN,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    SW,
    Members,
    buttons,
    sign_up_mentor,
)
from tests.discord.test_feedback import matched
from tests.fakes.discord_fake import FakeDiscord
from tests.fakes.discord_limits import FormErrors, check_modal
from tests.fakes.discord_models import CALLBACK_MODAL, JSON, InteractionRecord

TOKEN_LIFETIME = 0.3
"""The fake's interaction token lifetime (Discord's 15 minutes)."""
CORE_WAIT = 0.6
"""How long the core is held: past `TOKEN_LIFETIME`."""
COMMENT = "My mentor helped me rewrite our crisis plan in two sessions; I'd love more time on press statements."
NOTE = "We are a small NGO facing a media storm after a data leak; I need help drafting our public statement."


def held_up(monkeypatch: pytest.MonkeyPatch, target: Any, name: str) -> None:
    """`target.<name>` (a coroutine function) waits `CORE_WAIT` seconds before it runs (a stuck core)."""
    original = getattr(target, name)

    async def late(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(CORE_WAIT)
        return await original(*args, **kwargs)

    monkeypatch.setattr(target, name, late)


async def done(members: Members, record: InteractionRecord) -> Outcome:
    outcome = await members._handled(record)
    await asyncio.sleep(0.05)  # the DMs sent after the answer
    return outcome


# ------------------------------------------------------------------------------------- expired tokens


async def test_a_deferred_command_past_its_token_is_answered_by_dm_with_its_held_notices(
    world: FakeDiscord,
    members: Members,
    client: MentorBotClient,
    bot: MentorBot,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Before: the follow-up refused with 401/50027 was logged, the inbox row marked done and the answer lost; the
    held notice the command took from the outbox was lost with it."""
    await sign_up_mentor(members)
    await members.slash("mentor status")
    assert await bot.hold_again(COMMUNITY, str(MENTEE_USER_ID), [Reply("A notice held for you")]) == 1
    held_up(monkeypatch, bot, "request")
    world.token_lifetime = TOKEN_LIFETIME

    record = await members.push_slash("mentor request", {"skills": "crisis comms"})
    with caplog.at_level(logging.INFO, logger="mentorbot.discord"):
        await done(members, record)

    assert record.followups == [], "Discord refused the follow-up: the token had expired"
    answer, notice = members.dm_texts(MENTEE_USER_ID)
    assert answer.startswith(EN("discord.slow_answer") + "\n") and "Request #1" in answer, answer
    assert notice == EN("discord.held_notice") + "\nA notice held for you"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    clock.advance(timedelta(minutes=30))
    assert await client.recover() == 0, "answered once: the inbox row is done, nothing to answer again"
    assert len(members.dm_texts(MENTEE_USER_ID)) == 2


async def test_a_click_whose_deferred_edit_is_past_its_token_is_answered_by_dm_at_once(
    world: FakeDiscord, members: Members, client: MentorBotClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the 401/50027 of the edit was reported as an error ("something went wrong", refused too) and the
    answer waited for `recover`, after the inbox lease."""
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    [offer] = await members.dms(MENTOR_USER_ID)
    held_up(monkeypatch, discord_client, "execute_button")
    client.defer_after = 0.05  # deferred at once: the answer is an edit through the token
    world.token_lifetime = TOKEN_LIFETIME

    record = await world.push_interaction(
        world.build.button(f"mentorbot:offer.decline:1:{GUILD_ID}", message=offer, user_id=MENTOR_USER_ID, dm=True)
    )
    outcome = await done(members, record)

    assert outcome.error is None
    late = members.dm_texts(MENTOR_USER_ID)[-1]
    assert late.startswith(EN("discord.slow_answer") + "\n") and "You declined offer #1" in late, late
    assert buttons(world.dms[MENTOR_USER_ID][0]) == [], "the offer's DM lost its buttons all the same"


# ------------------------------------------------------------------------------------- autocomplete


async def test_the_skill_autocomplete_meets_discords_deadline_when_the_database_is_slow(
    world: FakeDiscord,
    members: Members,
    bot: MentorBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Before: each keystroke awaited the member's language with no limit, missed Discord's 3 seconds (404/10062)
    and logged an ERROR traceback. Now: the language last read for them (Swahili here), the read going on once."""
    await members.slash("mentor language", {"language": "sw"})
    fast = await members.complete("mentor request", "skills", "mgogoro")
    find_member = bot.store.find_member
    reads: list[str] = []

    async def slow(*args: Any, **kwargs: Any) -> Any:
        reads.append(str(args))
        await asyncio.sleep(3.2)  # a busy database: slower than Discord's 3 seconds, not down
        return await find_member(*args, **kwargs)

    monkeypatch.setattr(bot.store, "find_member", slow)
    loop = asyncio.get_running_loop()
    with caplog.at_level(logging.INFO):
        for _ in range(2):  # two keystrokes
            started = loop.time()
            record = await world.push_interaction(world.build.autocomplete("mentor request", "skills", "mgogoro"))
            callback = await record.wait_callback(timeout=6)
            assert callback.accepted, "Discord shows 'Loading options failed': the choices came after its 3 seconds"
            assert loop.time() - started < LANGUAGE_WAIT_MAX + 1.0
            assert record.choices == fast, "in the language last read: Swahili"
    assert len(reads) == 1, "one read at a time per member, not one per keystroke"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_member_never_read_gets_the_default_language_while_the_database_is_slow(
    world: FakeDiscord, members: Members, bot: MentorBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    english = await members.complete("mentor request", "skills", "crisis", user=MENTOR_USER_ID)

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(3.2)

    monkeypatch.setattr(bot.store, "find_member", slow)
    record = await world.push_interaction(world.build.autocomplete("mentor request", "skills", "crisis"))
    assert (await record.wait_callback(timeout=6)).accepted
    assert record.choices == english


# ------------------------------------------------------------------------------------- the feedback form


def form_sent(action: str, lang: str) -> dict[str, Any]:
    """The feedback modal as Discord is sent it."""
    return FeedbackModal(action, "123", 42, SW if lang == "sw" else EN).to_dict()


@pytest.mark.parametrize("lang", ["en", "sw"])
@pytest.mark.parametrize("action", ["feedback.open", "checkin.end"])
def test_the_rating_is_a_list_of_one_to_five_in_a_label_and_the_form_fits_discords_limits(
    action: str, lang: str
) -> None:
    """Before: a free 1-character text input (0, 6-9 and letters passed, and were refused once the form had closed).
    The privacy promise stays in the comment's placeholder."""
    t = SW if lang == "sw" else EN
    sent = form_sent(action, lang)
    errors = FormErrors()
    check_modal(errors, sent)
    assert not errors, errors.problems
    rating, comment = sent["components"]
    assert (rating["type"], rating["label"]) == (18, t("feedback.rating_label"))
    select = rating["component"]
    assert select["type"] == 3 and select["custom_id"] == "rating"
    assert [o["value"] for o in select["options"]] == ["1", "2", "3", "4", "5"]
    assert (select["min_values"], select["max_values"]) == ((1, 1) if action == "feedback.open" else (0, 1))
    assert select["required"] is (action == "feedback.open"), "the check-in's 'end and give feedback' needs none"
    assert (comment["type"], comment["label"]) == (18, t("feedback.comment_label_short"))
    assert comment["component"]["placeholder"] == t("feedback.comment_hint")
    assert len(sent["title"]) <= 45 and sent["title"].endswith("#123")


def test_the_fake_refuses_what_discord_refuses_of_a_select_in_a_modal() -> None:
    """developers/components/reference.mdx: a string select in a modal is never disabled, needs a value picked
    (min_values at least 1) unless it is not required, and has 1-25 options; a Label holds a modal component."""
    sent = form_sent("feedback.open", "en")
    select = sent["components"][0]["component"]

    def problems(**changes: JSON) -> list[tuple[tuple[str | int, ...], str]]:
        errors = FormErrors()
        check_modal(errors, {**sent, "components": [{**sent["components"][0], "component": {**select, **changes}}]})
        return [(path, code) for path, code, _ in errors.problems]

    at = ("data", "components", 0, "component")
    assert problems() == []
    assert problems(disabled=True) == [((*at, "disabled"), "MODAL_COMPONENT_DISABLED")]
    assert problems(min_values=0) == [((*at, "min_values"), "NUMBER_TYPE_MIN")]
    assert problems(min_values=0, required=False) == []
    assert problems(options=[]) == [((*at, "options"), "BASE_TYPE_BAD_LENGTH")]
    assert problems(max_values=0) == [((*at, "max_values"), "NUMBER_TYPE_MIN")]
    assert problems(type=2, style=1, label="Click") == [((*at, "type"), "UNION_TYPE_CHOICES")]


async def _open_form(world: FakeDiscord, members: Members) -> tuple[dict[str, JSON], InteractionRecord]:
    """The mentee's feedback notice, and its form opened."""
    await matched(members)
    await members.slash("mentor end", {"mentorship": 1}, user=MENTOR_USER_ID)
    notice = (await members.dms(MENTEE_USER_ID, count=2))[-1]
    [button] = buttons(notice)
    opened = await world.push_interaction(
        world.build.button(str(button["custom_id"]), message=notice, user_id=MENTEE_USER_ID, dm=True)
    )
    assert (await opened.wait_callback()).type == CALLBACK_MODAL, "the fake took the modal as Discord does"
    assert opened.modal is not None
    return notice, opened


async def test_a_rating_picked_from_the_list_is_taken_with_the_comment(
    world: FakeDiscord, members: Members, bot: MentorBot
) -> None:
    _, opened = await _open_form(world, members)
    assert opened.modal is not None
    submit = await world.push_interaction(
        world.build.modal_submit(
            str(opened.modal["custom_id"]),
            {"comment": COMMENT},
            selected={"rating": ["4"]},
            user_id=MENTEE_USER_ID,
            dm=True,
        )
    )
    shown = await members.shown(submit)
    assert EN("feedback.thanks", id=1) in shown.text, shown.texts
    [feedback] = await bot.store.list_feedback(COMMUNITY)
    assert (feedback.rating, feedback.comment) == (4, COMMENT)


async def test_a_form_of_the_old_kind_refused_for_its_rating_gives_the_comment_back(
    world: FakeDiscord, members: Members, bot: MentorBot
) -> None:
    """A form opened before this version (its rating a text input) and submitted after: Discord closed it, so the
    refusal carries the comment, to paste again. Before: the comment was lost."""
    _, opened = await _open_form(world, members)
    assert opened.modal is not None
    submit = await world.push_interaction(
        world.build.modal_submit(
            str(opened.modal["custom_id"]), {"rating": "9", "comment": COMMENT}, user_id=MENTEE_USER_ID, dm=True
        )
    )
    shown = await members.shown(submit)
    [text] = shown.texts
    again = EN("discord.given_back.comment", button=EN("feedback.button"))
    assert "1 to 5" in text and f"\n\n{again}\n```\n{COMMENT}\n```" in text, text
    assert shown.all_ephemeral
    assert await bot.store.list_feedback(COMMUNITY) == []


# ------------------------------------------------------------------------------------- /mentor request


async def test_a_request_refused_for_a_typo_gives_its_note_back(members: Members) -> None:
    await sign_up_mentor(members)
    shown = await members.slash("mentor request", {"skills": "crisis comunicashuns", "note": NOTE})
    [text] = shown.texts
    assert "crisis-communications" in text, "the suggestion is kept"
    assert text.endswith(f"\n\n{EN('discord.given_back.note')}\n```\n{NOTE}\n```"), text
    made = await members.slash("mentor request", {"skills": "crisis-communications", "note": NOTE})
    assert NOTE not in "\n".join(made.texts) and EN("discord.given_back.note") not in "\n".join(made.texts)


def test_nothing_is_given_back_but_under_a_refusal_the_core_will_not_act_on() -> None:
    refused = Outcome(Reply("No."), language="sw", error=UserError("x"))
    assert given_back(refused, "discord.given_back.note", "a note").reply.text == (
        f"No.\n\n{SW('discord.given_back.note')}\n```\na note\n```"
    )
    assert given_back(refused, "discord.given_back.note", "a ``` fence").reply.text.endswith("\na ``` fence")
    assert given_back(refused, "discord.given_back.note", None) is refused
    assert given_back(refused, "discord.given_back.note", "  ") is refused
    later = Outcome(Reply("Saved once the database is back."), language="en", error=refused.error, settled=False)
    assert given_back(later, "discord.given_back.note", "a note") is later
    fine = Outcome(Reply("Request #1"), language="en")
    assert given_back(fine, "discord.given_back.note", "a note") is fine
