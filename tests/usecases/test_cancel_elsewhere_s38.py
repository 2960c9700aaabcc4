"""Session 38, one member in two communities (`test_other_community2_s33.py` for the other commands): the same Discord
user 111, Amina, a member of servers A and B of one deployment. ``/mentor cancel 1`` in B for her open request #1
of A said "Request #1 is not one of your open requests." (it is, in another server), and ``/mentor cancel`` with no
number in B, where she has no open request, said "You have no open request to cancel." while she had one (or
several) in A; every DM of both servers lands in one DM channel naming neither.

Now those answers say the request is hers in another server, to cancel there, and ``/mentor cancel`` names her open
requests elsewhere. Someone else's request, one of hers no longer open, another platform's same user id, a server
she left, a member of one server only: the answers as before, word for word. The other server is read only on
those refusals: a cancel of one's own reads nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.models import MentorshipRequest, RequestStatus
from mentorbot.storage.store import Store

A, B, C = "discord:1000000000000000001", "discord:2000000000000000002", "discord:3000000000000000003"
SLACK_A, SLACK_B = "slack:T0000000001", "slack:T0000000002"
EN = translator("en")
SW = translator("sw")
ANOTHER_SERVER = EN("elsewhere.where.server", count=1)
THIS_SERVER = EN("elsewhere.here.server")


def amina(community: str) -> Caller:
    return Caller(community, "111", "Amina")


async def asks_in(bot: MentorBot, community: str, skills: str = "seo", user_id: str = "111") -> MentorshipRequest:
    """The member `user_id` of `community` asks for a mentor there: the open request."""
    asked = await bot.request(Caller(community, user_id, f"Member{user_id}"), skills=skills)
    assert asked.error is None, asked.reply.text
    store = bot.core.store
    member = await store.find_member(community, user_id)
    assert member is not None
    return (await store.list_member_requests(member.id, open_only=True))[-1]


async def status_of(store: Store, request_id: int) -> RequestStatus:
    found = await store.get_request(request_id)
    assert found is not None
    return found.status


def forbid_elsewhere_reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any read of the caller's other communities fails the test (none may happen on an ordinary answer)."""

    async def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the other communities were read on an ordinary answer")

    for name in ("same_user_among", "same_user_elsewhere", "active_mentorships_elsewhere"):
        monkeypatch.setattr(store, name, refused)


# /mentor cancel with the number of a request of another server.


async def test_cancel_by_id_of_her_open_request_of_another_server_says_it_is_hers_there(
    bot: MentorBot, store: Store
) -> None:
    request = await asks_in(bot, A)
    assert (await bot.status(amina(B))).error is None  # B knows her too
    refused = await bot.cancel(amina(B), request_id=str(request.id))
    assert refused.error is not None
    assert refused.reply.text == EN("elsewhere.request", id=request.id, where=ANOTHER_SERVER)
    assert refused.reply.text == (
        f"Request #{request.id} is one of yours in another server, not here: use `/mentor cancel {request.id}` there."
    )
    assert not refused.notifications
    assert await status_of(store, request.id) is RequestStatus.WAITING
    # There, it is cancelled as ever.
    assert (await bot.cancel(amina(A), request_id=str(request.id))).reply.text == EN("cancel.done", id=request.id)
    # No longer open: not one of her open requests, here or there.
    for community in (A, B):
        refused = await bot.cancel(amina(community), request_id=str(request.id))
        assert refused.reply.text == EN("cancel.not_open", id=request.id)


async def test_an_offered_request_of_another_server_is_hers_there_and_its_offer_stands(
    bot: MentorBot, store: Store
) -> None:
    assert (await bot.signup(Caller(A, "900", "Mentor"), skills="seo", capacity="2")).error is None
    request = await asks_in(bot, A)
    assert await status_of(store, request.id) is RequestStatus.OFFERED
    await bot.status(amina(B))
    refused = await bot.cancel(amina(B), request_id=request.id)
    assert refused.reply.text == EN("elsewhere.request", id=request.id, where=ANOTHER_SERVER)
    assert not refused.notifications  # the mentor holding its offer is told nothing
    assert await status_of(store, request.id) is RequestStatus.OFFERED


async def test_someone_elses_request_a_missing_one_and_another_platform_are_still_not_hers(bot: MentorBot) -> None:
    others = await asks_in(bot, A, user_id="222")
    await bot.status(amina(A))
    await bot.status(amina(B))
    for community in (A, B):
        refused = await bot.cancel(amina(community), request_id=str(others.id))
        assert refused.reply.text == EN("cancel.not_open", id=others.id)
    assert (await bot.cancel(amina(B), request_id="999")).reply.text == EN("cancel.not_open", id=999)
    # Her open request in Discord server A, named from a Slack workspace by the same user id: someone else.
    hers = await asks_in(bot, A)
    await bot.status(amina(SLACK_B))
    refused = await bot.cancel(amina(SLACK_B), request_id=str(hers.id))
    assert refused.reply.text == EN("cancel.not_open", id=hers.id)


# /mentor cancel with no number.


async def test_cancel_with_no_number_where_she_has_none_names_those_of_the_other_servers(
    bot: MentorBot, store: Store
) -> None:
    await bot.status(amina(B))
    first = await asks_in(bot, A)
    refused = await bot.cancel(amina(B))
    assert refused.error is not None
    assert refused.reply.text == EN(
        "elsewhere.cancel_nothing_here", count=1, ids=f"#{first.id}", here=THIS_SERVER, where=ANOTHER_SERVER
    )
    assert refused.reply.text == (
        f"You have no open request to cancel in this server. Request #{first.id} is yours in another server:"
        " run `/mentor cancel` there."
    )
    assert await status_of(store, first.id) is RequestStatus.WAITING
    # Two in A: both named.
    second = await asks_in(bot, A, skills="copywriting")
    refused = await bot.cancel(amina(B))
    ids = f"#{first.id}, #{second.id}"
    assert refused.reply.text == EN(
        "elsewhere.cancel_nothing_here", count=2, ids=ids, here=THIS_SERVER, where=ANOTHER_SERVER
    )
    # One more in a third server: three, in two other servers.
    third = await asks_in(bot, C)
    refused = await bot.cancel(amina(B))
    where = EN("elsewhere.where.server", count=2)
    ids = f"#{first.id}, #{second.id}, #{third.id}"
    assert refused.reply.text == EN("elsewhere.cancel_nothing_here", count=3, ids=ids, here=THIS_SERVER, where=where)
    assert "Requests #" in refused.reply.text and "in 2 other servers" in refused.reply.text
    # Cancelled in A and C, none is left anywhere: as before.
    for request, community in ((first, A), (second, A), (third, C)):
        assert (await bot.cancel(amina(community), request_id=request.id)).error is None
    assert (await bot.cancel(amina(B))).reply.text == EN("cancel.nothing_open")


async def test_cancel_with_no_number_cancels_her_one_here_whatever_the_other_server_holds(
    bot: MentorBot, store: Store
) -> None:
    there = await asks_in(bot, A)
    mine = await asks_in(bot, B)
    assert (await bot.cancel(amina(B))).reply.text == EN("cancel.done", id=mine.id)
    assert await status_of(store, there.id) is RequestStatus.WAITING
    # Now none in B, still one in A.
    assert "in another server" in (await bot.cancel(amina(B))).reply.text


async def test_swahili_on_slack_says_workspace(bot: MentorBot) -> None:
    await bot.status(amina(SLACK_B))
    request = await asks_in(bot, SLACK_A)
    await bot.set_language(amina(SLACK_B), language="sw")
    here, where = SW("elsewhere.here.workspace"), SW("elsewhere.where.workspace", count=1)
    refused = await bot.cancel(amina(SLACK_B), request_id=str(request.id))
    assert refused.reply.text == SW("elsewhere.request", id=request.id, where=where)
    assert refused.reply.text == (
        f"Ombi #{request.id} ni lako katika eneo jingine la kazi, si hapa: tumia `/mentor cancel {request.id}` huko."
    )
    refused = await bot.cancel(amina(SLACK_B))
    assert refused.reply.text == SW(
        "elsewhere.cancel_nothing_here", count=1, ids=f"#{request.id}", here=here, where=where
    )
    assert refused.reply.text.startswith("Huna ombi lililo wazi la kughairi katika eneo hili la kazi.")
    second = await asks_in(bot, SLACK_A, skills="copywriting")
    refused = await bot.cancel(amina(SLACK_B))
    assert refused.reply.text == SW(
        "elsewhere.cancel_nothing_here", count=2, ids=f"#{request.id}, #{second.id}", here=here, where=where
    )
    assert "Maombi" in refused.reply.text
    # English on Slack: "workspace".
    await bot.set_language(amina(SLACK_B), language="en")
    refused = await bot.cancel(amina(SLACK_B), request_id=request.id)
    assert refused.reply.text == EN("elsewhere.request", id=request.id, where=EN("elsewhere.where.workspace", count=1))
    assert "in another workspace" in refused.reply.text


async def test_cancel_with_no_number_as_before_when_there_is_none_elsewhere(bot: MentorBot) -> None:
    nothing = EN("cancel.nothing_open")
    # A member of one server.
    assert (await bot.cancel(amina(B))).reply.text == nothing
    # Also a member of A, with no open request there (cancelled).
    request = await asks_in(bot, A)
    assert (await bot.cancel(amina(A), request_id=request.id)).error is None
    assert (await bot.cancel(amina(B))).reply.text == nothing
    # Open in A, asked on another platform with the same user id: someone else.
    await asks_in(bot, A, skills="copywriting")
    assert (await bot.cancel(amina(SLACK_B))).reply.text == nothing


async def test_a_server_she_left_holds_no_request_to_cancel(bot: MentorBot) -> None:
    """Reported gone from A (left the server), her open requests there are cancelled: B's answer does not send her."""
    await bot.status(amina(B))
    request = await asks_in(bot, A)
    await bot.member_left(A, "111")
    assert (await bot.cancel(amina(B))).reply.text == EN("cancel.nothing_open")
    refused = await bot.cancel(amina(B), request_id=request.id)
    assert refused.reply.text == EN("cancel.not_open", id=request.id)


# One community: as ever, and nothing more read.


async def test_her_own_cancels_read_nothing_more(bot: MentorBot, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first = await asks_in(bot, A)
    second = await asks_in(bot, A, skills="copywriting")
    await bot.status(amina(B))  # a member of B too: still nothing read on her own answers in A
    forbid_elsewhere_reads(store, monkeypatch)
    which = await bot.cancel(amina(A))
    assert which.error is not None and which.error.key == "cancel.which"
    assert (await bot.cancel(amina(A), request_id=first.id)).reply.text == EN("cancel.done", id=first.id)
    assert (await bot.cancel(amina(A))).reply.text == EN("cancel.done", id=second.id)
