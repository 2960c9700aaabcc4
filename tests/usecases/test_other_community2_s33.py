"""Session 33, one member in two communities, continued (`test_other_community_s33.py`): the same Discord user 111,
Baraka, a member of servers A and B of one deployment. His mentorship in A was still "not one of yours" when he
gave his feedback on it in B (``/mentor feedback 1 rating:5``, or the feedback form its number opens), and "not one
of yours" when he answered its check-in in B (``/mentor checkin 1 ok``, ``help``): it is his, in another server.
``/mentor end`` with no number in B, where he has no active mentorship, said "You have no active mentorship to end"
while he had one (or several) in A, and every DM of both servers lands in one DM channel naming neither.

Now those answers say the mentorship is his in another server, to use there (or the buttons on its DMs, which name
their server), and ``/mentor end`` says which of his mentorships are active elsewhere. Someone else's mentorship,
another platform's same user id, a member of one server only: the answers as before, word for word. The other
server is read only on those refusals: a feedback, a check-in or an end of one's own reads nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.commands import execute_button, run_command
from mentorbot.i18n import translator
from mentorbot.models import Mentorship, MentorshipStatus
from mentorbot.replies import Outcome
from mentorbot.storage.store import Store

A, B, C = "discord:1000000000000000001", "discord:2000000000000000002", "discord:3000000000000000003"
SLACK_A, SLACK_B = "slack:T0000000001", "slack:T0000000002"
EN = translator("en")
SW = translator("sw")
ANOTHER_SERVER = EN("elsewhere.where.server", count=1)
THIS_SERVER = EN("elsewhere.here.server")


def baraka(community: str) -> Caller:
    return Caller(community, "111", "Baraka")


def mentee(community: str, user_id: str = "222") -> Caller:
    return Caller(community, user_id, f"Mentee{user_id}")


def offer_of(outcome: Outcome) -> int:
    [ref] = [
        b.ref
        for n in outcome.notifications
        if n.platform_user_id == "111"
        for b in n.reply.buttons
        if b.action == "offer.accept"
    ]
    return int(ref)


async def mentoring_in(bot: MentorBot, community: str, mentee_id: str = "222") -> Mentorship:
    """Baraka, a mentor in `community` (signed up there if not yet), mentors `mentee_id` there: the mentorship."""
    if await bot.mentor_profile(community, "111") is None:
        assert (await bot.signup(baraka(community), skills="seo", capacity="3")).error is None
    asked = await bot.request(mentee(community, mentee_id), skills="seo")
    assert (await bot.accept(baraka(community), offer_id=offer_of(asked))).error is None
    store = bot.core.store
    taker = await store.find_member(community, mentee_id)
    assert taker is not None
    [mentorship] = [
        m for m in await store.list_mentorships(member_id=taker.id, active_only=True) if m.community == community
    ]
    return mentorship


def forbid_elsewhere_reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any read of the caller's other communities fails the test (none may happen on an ordinary answer)."""

    async def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the other communities were read on an ordinary answer")

    for name in ("same_user_among", "same_user_elsewhere", "active_mentorships_elsewhere"):
        monkeypatch.setattr(store, name, refused)


# Feedback on a mentorship of another server.


async def test_feedback_in_the_wrong_server_says_the_mentorship_is_his_there(bot: MentorBot, store: Store) -> None:
    await bot.status(baraka(B))
    mentorship = await mentoring_in(bot, A)
    await bot.end(baraka(A), mentorship_id=mentorship.id)  # no rating: his feedback is still to give
    refused = await bot.feedback(baraka(B), mentorship_id=mentorship.id, rating="5", comment="great")
    assert refused.error is not None
    assert refused.reply.text == EN("elsewhere.feedback", id=mentorship.id, where=ANOTHER_SERVER)
    assert f"Mentorship #{mentorship.id} is one of yours in another server, not here" in refused.reply.text
    assert "not one of yours" not in refused.reply.text
    # Nothing was recorded: he gives it in A.
    assert not await store.has_given_feedback(mentorship.id, mentorship.mentor_id)
    given = await bot.feedback(baraka(A), mentorship_id=mentorship.id, rating="5")
    assert given.reply.text == EN("feedback.thanks", id=mentorship.id)
    # The mentee's side too: 222 is a member of B as well.
    await bot.status(mentee(B))
    refused = await bot.feedback(mentee(B), mentorship_id=mentorship.id, rating="4")
    assert refused.reply.text == EN("elsewhere.feedback", id=mentorship.id, where=ANOTHER_SERVER)


async def test_the_feedback_form_in_the_wrong_server_says_so_and_does_not_open(bot: MentorBot) -> None:
    """``/mentor feedback 1`` typed without a rating on Discord or Slack opens the feedback form of #1, asked
    first whether it may (`MentorBot.feedback_form`, as its Give feedback button): in B it may not, and says why."""
    await bot.status(baraka(B))
    mentorship = await mentoring_in(bot, A)
    await bot.end(mentee(A), mentorship_id=mentorship.id)
    asked = await bot.feedback_form(baraka(B), mentorship_id=str(mentorship.id))
    assert asked.error is not None and asked.reply.form is None
    assert asked.reply.text == EN("elsewhere.feedback", id=mentorship.id, where=ANOTHER_SERVER)
    opened = await bot.feedback_form(baraka(A), mentorship_id=str(mentorship.id))
    assert opened.error is None and opened.reply.form == "feedback"


async def test_feedback_on_an_active_mentorship_of_another_server_is_his_there_too(bot: MentorBot) -> None:
    await bot.status(baraka(B))
    mentorship = await mentoring_in(bot, A)
    typed = await run_command(bot, baraka(B), f"/mentor feedback {mentorship.id} rating:4")
    assert typed.reply.text == EN("elsewhere.feedback", id=mentorship.id, where=ANOTHER_SERVER)
    still = await bot.core.store.get_mentorship(mentorship.id)
    assert still is not None and still.status is MentorshipStatus.ACTIVE


# Check-in answers for a mentorship of another server.


async def test_a_checkin_answered_in_the_wrong_server_says_the_mentorship_is_his_there(bot: MentorBot) -> None:
    await bot.status(baraka(B))
    await bot.status(Caller(A, "U-admin", "Admin"))  # an admin of A who could be told
    mentorship = await mentoring_in(bot, A)
    expected = EN("elsewhere.checkin", id=mentorship.id, where=ANOTHER_SERVER)
    for answer in ("ok", "help", "sawa", "msaada"):
        answered = await bot.checkin(baraka(B), mentorship_id=str(mentorship.id), answer=answer)
        assert answered.error is not None
        assert answered.reply.text == expected
        assert not answered.notifications  # no admin told
    assert "not one of yours" not in expected
    typed = await run_command(bot, baraka(B), f"/mentor checkin {mentorship.id} help")
    assert typed.reply.text == expected
    # A button of B's (one a DM's button would name A): the same answer.
    for action in ("checkin.ok", "checkin.help"):
        clicked = await execute_button(bot, baraka(B), action, str(mentorship.id))
        assert clicked.reply.text == expected
    # In A, as ever.
    noted = await bot.checkin(baraka(A), mentorship_id=str(mentorship.id), answer="ok")
    assert noted.reply.text == EN("checkin.noted", id=mentorship.id)
    helped = await bot.checkin(baraka(A), mentorship_id=str(mentorship.id), answer="help")
    assert helped.reply.text == EN("checkin.help_sent", id=mentorship.id)


async def test_slack_says_workspace_and_swahili_speaks_swahili(bot: MentorBot) -> None:
    await bot.status(baraka(SLACK_B))
    mentorship = await mentoring_in(bot, SLACK_A)
    await bot.set_language(baraka(SLACK_B), language="sw")
    where = SW("elsewhere.where.workspace", count=1)
    answered = await bot.checkin(baraka(SLACK_B), mentorship_id=str(mentorship.id), answer="ok")
    assert answered.reply.text == SW("elsewhere.checkin", id=mentorship.id, where=where)
    assert "katika eneo jingine la kazi" in answered.reply.text
    refused = await bot.feedback(baraka(SLACK_B), mentorship_id=mentorship.id, rating="5")
    assert refused.reply.text == SW("elsewhere.feedback", id=mentorship.id, where=where)


async def test_someone_elses_mentorship_is_still_not_yours(bot: MentorBot) -> None:
    mentorship = await mentoring_in(bot, A)
    not_yours = EN("feedback.not_yours", id=mentorship.id)
    # A member of B only, a member of A who is no party, the same user id on another platform.
    for caller in (Caller(B, "999", "Other"), Caller(A, "999", "Other"), baraka(SLACK_B)):
        await bot.status(caller)
        assert (await bot.checkin(caller, mentorship_id=str(mentorship.id), answer="ok")).reply.text == not_yours
        assert (await bot.feedback_form(caller, mentorship_id=str(mentorship.id))).reply.text == not_yours
        assert (await bot.feedback(caller, mentorship_id=mentorship.id, rating="5")).reply.text == not_yours
    missing = EN("feedback.not_yours", id=999)
    assert (await bot.checkin(baraka(B), mentorship_id="999", answer="ok")).reply.text == missing
    assert (await bot.feedback(baraka(B), mentorship_id=999, rating="5")).reply.text == missing


# /mentor end with no number.


async def test_end_with_no_number_where_he_has_none_names_those_of_the_other_server(
    bot: MentorBot, store: Store
) -> None:
    await bot.status(baraka(B))
    first = await mentoring_in(bot, A)
    refused = await bot.end(baraka(B))
    assert refused.error is not None
    assert refused.reply.text == EN(
        "elsewhere.end_nothing_here", count=1, ids=f"#{first.id}", here=THIS_SERVER, where=ANOTHER_SERVER
    )
    assert refused.reply.text.startswith("You have no active mentorship to end in this server.")
    assert f"#{first.id}" in refused.reply.text and "in another server" in refused.reply.text
    still = await store.get_mentorship(first.id)
    assert still is not None and still.status is MentorshipStatus.ACTIVE
    # Two in A: both named.
    second = await mentoring_in(bot, A, "333")
    refused = await bot.end(baraka(B))
    ids = f"#{first.id}, #{second.id}"
    assert refused.reply.text == EN(
        "elsewhere.end_nothing_here", count=2, ids=ids, here=THIS_SERVER, where=ANOTHER_SERVER
    )
    # One more in a third server: three, in two other servers.
    third = await mentoring_in(bot, C)
    refused = await bot.end(baraka(B))
    where = EN("elsewhere.where.server", count=2)
    ids = f"#{first.id}, #{second.id}, #{third.id}"
    assert refused.reply.text == EN("elsewhere.end_nothing_here", count=3, ids=ids, here=THIS_SERVER, where=where)
    assert "in 2 other servers" in refused.reply.text
    # The mentee's side: 222 has none in B, one in A and one in C.
    await bot.status(mentee(B))
    refused = await bot.end(mentee(B))
    ids = f"#{first.id}, #{third.id}"
    assert refused.reply.text == EN("elsewhere.end_nothing_here", count=2, ids=ids, here=THIS_SERVER, where=where)


async def test_end_with_no_number_ends_his_one_here_whatever_the_other_server_holds(bot: MentorBot) -> None:
    await mentoring_in(bot, A)
    here = await mentoring_in(bot, B)
    ended = await bot.end(baraka(B), rating="5")
    assert ended.reply.text == EN("end.done", id=here.id)
    # Now none in B, still one in A.
    assert "in another server" in (await bot.end(baraka(B))).reply.text


async def test_end_with_no_number_in_swahili_on_slack(bot: MentorBot) -> None:
    await bot.status(baraka(SLACK_B))
    mentorship = await mentoring_in(bot, SLACK_A)
    await bot.set_language(baraka(SLACK_B), language="sw")
    refused = await bot.end(baraka(SLACK_B))
    here, where = SW("elsewhere.here.workspace"), SW("elsewhere.where.workspace", count=1)
    assert refused.reply.text == SW(
        "elsewhere.end_nothing_here", count=1, ids=f"#{mentorship.id}", here=here, where=where
    )
    assert "katika eneo hili la kazi" in refused.reply.text


async def test_end_with_no_number_as_before_when_there_is_none_elsewhere(bot: MentorBot) -> None:
    nothing = EN("end.nothing_active")
    # A member of one server.
    assert (await bot.end(baraka(B))).reply.text == nothing
    # Also a member of A, with no active mentorship there (ended).
    mentorship = await mentoring_in(bot, A)
    await bot.end(baraka(A), mentorship_id=mentorship.id, rating="4")
    assert (await bot.end(baraka(B))).reply.text == nothing
    # Active in A, asked on another platform with the same user id: someone else.
    await mentoring_in(bot, A, "333")
    assert (await bot.end(baraka(SLACK_B))).reply.text == nothing


async def test_a_server_he_left_is_not_one_to_end_in(bot: MentorBot) -> None:
    """Reported gone from A (left the server), he cannot run `/mentor end` there: B's answer does not send him."""
    await bot.status(baraka(B))
    await mentoring_in(bot, A)
    await bot.member_left(A, "111")
    assert (await bot.end(baraka(B))).reply.text == EN("end.nothing_active")


# One community: as ever, and nothing more read.


async def test_a_member_of_one_server_gets_the_answers_as_before_and_nothing_more_is_read(
    bot: MentorBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await mentoring_in(bot, A)
    await mentoring_in(bot, A, "333")
    await bot.status(baraka(B))  # a member of B too: still nothing read on his own answers in A
    forbid_elsewhere_reads(store, monkeypatch)
    assert (await bot.checkin(baraka(A), mentorship_id=str(first.id), answer="ok")).reply.text == EN(
        "checkin.noted", id=first.id
    )
    which = await bot.end(baraka(A))
    assert which.error is not None and which.error.key == "end.which"
    assert (await bot.end(baraka(A), mentorship_id=first.id)).reply.text == EN("feedback.ended_ask", id=first.id)
    opened = await bot.feedback_form(baraka(A), mentorship_id=str(first.id))
    assert opened.reply.form == "feedback"
    assert (await bot.feedback(baraka(A), mentorship_id=first.id, rating="5")).reply.text == EN(
        "feedback.thanks", id=first.id
    )
