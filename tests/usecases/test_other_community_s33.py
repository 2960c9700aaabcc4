"""Session 33: one platform user, a member of two communities of one deployment (two Discord servers A and B: the same
Discord user id 111, one member row in each). Every direct message of both lands in the one DM channel and none names
its server, so Baraka typed in B the ids of A's messages and was told what is false: "Offer #1 was made to someone
else" (it was made to him, in A), "Mentorship #1 is not an active mentorship of yours" (it is, in A). An admin of A
paused him, and ``/mentor resume`` in B answered "You're already active" (he stayed paused in A, not knowing);
``/mentor forget`` in B answered "Your data has been deleted" while A's profile stayed (an erasure confirmed
misleadingly), ``/mentor export`` gave B's data as "everything MentorBot stores about you".

Now each of these answers says what holds in the other community: the offer or mentorship is his in another server
(use it there); he is still paused there (resume there too); the data deleted or exported is this server's, and what
he has in the other is kept there. Slack says "workspace"; another platform's community with the same user id is not
the same person. A member of one community only gets the answers as before, word for word."""

from __future__ import annotations

import json

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.models import MentorshipStatus, MentorStatus, OfferStatus
from mentorbot.replies import Outcome
from mentorbot.storage.store import Store

A, B = "discord:1000000000000000001", "discord:2000000000000000002"
SLACK_A, SLACK_B = "slack:T0000000001", "slack:T0000000002"
EN = translator("en")
SW = translator("sw")
ANOTHER_SERVER = EN("elsewhere.where.server", count=1)
THIS_SERVER = EN("elsewhere.here.server")


def baraka(community: str) -> Caller:
    return Caller(community, "111", "Baraka")


def offer_of(outcome: Outcome, user_id: str = "111") -> int:
    [ref] = [
        b.ref
        for n in outcome.notifications
        if n.platform_user_id == user_id
        for b in n.reply.buttons
        if b.action == "offer.accept"
    ]
    return int(ref)


async def mentor_in(bot: MentorBot, *communities: str) -> None:
    for community in communities:
        assert (await bot.signup(baraka(community), skills="seo", capacity="2")).error is None


async def offer_in(bot: MentorBot, community: str, mentee: str = "222") -> int:
    """A member of `community` asks for an SEO mentor: the offer made to Baraka there."""
    return offer_of(await bot.request(Caller(community, mentee, f"Mentee{mentee}"), skills="seo"))


# Offers and mentorships named by id in the wrong server.


async def test_an_offer_of_another_server_is_said_to_be_his_there(bot: MentorBot, store: Store) -> None:
    await mentor_in(bot, A, B)
    offer = await offer_in(bot, A)
    accepted = await bot.accept(baraka(B), offer_id=offer)
    assert accepted.error is not None
    assert accepted.reply.text == EN("elsewhere.offer", id=offer, where=ANOTHER_SERVER)
    assert "Offer #1 was made to you in another server, not here" in accepted.reply.text
    assert "someone else" not in accepted.reply.text
    declined = await bot.decline(baraka(B), offer_id=offer, reason="busy")
    assert declined.reply.text == EN("elsewhere.offer", id=offer, where=ANOTHER_SERVER)
    # Nothing was done to it: it waits for him in A, where he can accept it.
    stored = await store.get_offer(offer)
    assert stored is not None and stored.status is OfferStatus.PENDING
    assert (await bot.accept(baraka(A), offer_id=offer)).error is None


async def test_an_offer_to_someone_else_is_still_refused_as_before(bot: MentorBot) -> None:
    await mentor_in(bot, A, B)
    await bot.signup(Caller(A, "444", "Juma"), skills="seo", capacity="2")
    offer = await offer_in(bot, A)
    stranger = Caller(A, "444", "Juma")
    stored = await bot.core.store.get_offer(offer)
    assert stored is not None
    mentor = await bot.core.store.get_member(stored.mentor_id)
    assert mentor is not None
    other = stranger if mentor.platform_user_id == "111" else baraka(A)
    refused = await bot.accept(other, offer_id=offer)
    assert refused.reply.text == EN("offer.not_yours", id=offer)
    # Another member of B is not the same person either.
    await bot.signup(Caller(B, "555", "Neema"), skills="seo", capacity="2")
    assert (await bot.accept(Caller(B, "555", "Neema"), offer_id=offer)).reply.text == EN("offer.not_yours", id=offer)


async def test_the_same_user_id_on_another_platform_is_someone_else(bot: MentorBot) -> None:
    await mentor_in(bot, A, SLACK_B)
    offer = await offer_in(bot, A)
    assert (await bot.accept(baraka(SLACK_B), offer_id=offer)).reply.text == EN("offer.not_yours", id=offer)


async def test_slack_says_workspace_and_swahili_speaks_swahili(bot: MentorBot) -> None:
    await mentor_in(bot, SLACK_A, SLACK_B)
    offer = await offer_in(bot, SLACK_A)
    refused = await bot.accept(baraka(SLACK_B), offer_id=offer)
    assert refused.reply.text == EN("elsewhere.offer", id=offer, where=EN("elsewhere.where.workspace", count=1))
    assert "in another workspace" in refused.reply.text
    await bot.set_language(baraka(SLACK_B), language="sw")
    refused = await bot.accept(baraka(SLACK_B), offer_id=offer)
    assert refused.reply.text == SW("elsewhere.offer", id=offer, where=SW("elsewhere.where.workspace", count=1))
    assert "katika eneo jingine la kazi" in refused.reply.text


async def test_a_mentorship_of_another_server_is_said_to_be_his_there(bot: MentorBot, store: Store) -> None:
    await mentor_in(bot, A, B)
    await bot.accept(baraka(A), offer_id=await offer_in(bot, A))
    [mentorship] = await store.list_mentorships(community=A)
    ended = await bot.end(baraka(B), mentorship_id=mentorship.id, rating="5")
    assert ended.reply.text == EN("elsewhere.mentorship", id=mentorship.id, where=ANOTHER_SERVER)
    assert "not an active mentorship of yours" not in ended.reply.text
    still = await store.get_mentorship(mentorship.id)
    assert still is not None and still.status is MentorshipStatus.ACTIVE
    # The mentee's side too: 222 is a member of B as well, and names the mentorship there.
    await bot.status(Caller(B, "222", "Mentee222"))
    ended = await bot.end(Caller(B, "222", "Mentee222"), mentorship_id=mentorship.id)
    assert ended.reply.text == EN("elsewhere.mentorship", id=mentorship.id, where=ANOTHER_SERVER)
    # Someone else's mentorship is refused as before.
    await bot.status(Caller(B, "999", "Other"))
    refused = await bot.end(Caller(B, "999", "Other"), mentorship_id=mentorship.id)
    assert refused.reply.text == EN("end.not_active", id=mentorship.id)


# Resume and pause.


async def test_resume_in_one_server_tells_of_the_pause_in_the_other(bot: MentorBot) -> None:
    await mentor_in(bot, A, B)
    paused = await bot.admin_pause(Caller(A, "999", "AdminA", is_admin=True), mentor="<@111>")
    assert paused.error is None
    resumed = await bot.resume(baraka(B))
    assert resumed.reply.text == EN("resume.already") + "\n" + EN("elsewhere.resume_paused", where=ANOTHER_SERVER)
    assert "still paused as a mentor in another server" in resumed.reply.text
    profile = await bot.mentor_profile(A, "111")
    assert profile is not None and profile.status is MentorStatus.PAUSED  # resumed only where asked
    # Paused in both: resuming in B resumes B, and says A is still paused.
    await bot.pause(baraka(B))
    resumed = await bot.resume(baraka(B))
    assert resumed.reply.text == EN("resume.done") + "\n" + EN("elsewhere.resume_paused", where=ANOTHER_SERVER)
    # Resumed in A as well: nothing more to say.
    assert (await bot.resume(baraka(A))).reply.text == EN("resume.done")
    assert (await bot.resume(baraka(B))).reply.text == EN("resume.already")


async def test_resume_where_he_is_no_mentor_points_to_the_paused_profile(bot: MentorBot) -> None:
    await mentor_in(bot, A)
    await bot.pause(baraka(A))
    refused = await bot.resume(baraka(B))
    assert refused.reply.text == EN("elsewhere.resume_not_here", here=THIS_SERVER, where=ANOTHER_SERVER, count=1)
    # Active in A: nothing to resume here, and his profile there is active (session 40: was "not a mentor").
    await bot.resume(baraka(A))
    assert (await bot.resume(baraka(B))).reply.text == EN(
        "elsewhere.resume_active_not_here", here=THIS_SERVER, where=ANOTHER_SERVER, count=1
    )


async def test_a_server_he_left_is_not_one_to_resume_in(bot: MentorBot) -> None:
    await mentor_in(bot, A, B)
    await bot.member_left(A, "111")  # paused there for leaving: no resuming there while he is away
    assert (await bot.resume(baraka(B))).reply.text == EN("resume.already")
    await bot.forget(baraka(B), confirm=True)
    assert (await bot.resume(baraka(B))).reply.text == EN("mentor.not_a_mentor")


async def test_pause_in_one_server_tells_of_the_offers_in_the_other(bot: MentorBot) -> None:
    await mentor_in(bot, A, B)
    paused = await bot.pause(baraka(B))
    assert paused.reply.text == EN("pause.done") + "\n" + EN("elsewhere.pause_active", where=ANOTHER_SERVER)
    # Paused in A too: nothing more to say.
    await bot.pause(baraka(A))
    assert (await bot.pause(baraka(B))).reply.text == EN("pause.done")


# Forget and export.


async def test_forget_in_one_server_says_the_other_servers_data_is_kept(bot: MentorBot, store: Store) -> None:
    await mentor_in(bot, A, B)
    asked = await bot.forget(baraka(B))
    assert asked.reply.text == EN("forget.confirm") + "\n" + EN(
        "elsewhere.forget_confirm", here=THIS_SERVER, where=ANOTHER_SERVER
    )
    done = await bot.forget(baraka(B), confirm=True)
    assert done.reply.text == EN("elsewhere.forget_done", here=THIS_SERVER, where=ANOTHER_SERVER)
    assert done.reply.text.startswith("Your data in this server has been deleted. Your data in another server is kept")
    assert await store.find_member(B, "111") is None
    assert await bot.mentor_profile(A, "111") is not None
    # The last one: as ever.
    assert (await bot.forget(baraka(A))).reply.text == EN("forget.confirm")
    assert (await bot.forget(baraka(A), confirm=True)).reply.text == EN("forget.done")


async def test_forget_counts_the_other_servers_and_leaves_other_platforms_out(bot: MentorBot) -> None:
    third = "discord:3000000000000000003"
    for community in (A, third, SLACK_A):
        await bot.status(baraka(community))
    await bot.set_language(baraka(B), language="sw")
    done = await bot.forget(baraka(B), confirm=True)
    here, where = SW("elsewhere.here.server"), SW("elsewhere.where.server", count=2)
    assert done.reply.text == SW("elsewhere.forget_done", here=here, where=where)
    assert "katika seva 2 nyingine" in done.reply.text


async def test_export_in_one_server_says_it_is_this_servers_data(bot: MentorBot) -> None:
    await mentor_in(bot, A, B)
    exported = await bot.export(baraka(B))
    assert exported.reply.text == EN("elsewhere.export_done", here=THIS_SERVER, where=ANOTHER_SERVER)
    [attachment] = exported.reply.attachments
    assert json.loads(attachment.content)
    # One server only: as ever.
    await bot.forget(baraka(A), confirm=True)
    assert (await bot.export(baraka(B))).reply.text == EN("export.done")


async def test_a_member_of_one_community_gets_the_answers_as_before(bot: MentorBot, store: Store) -> None:
    await mentor_in(bot, A)
    offer = await offer_in(bot, A)
    assert (await bot.accept(baraka(A), offer_id=offer)).reply.text == EN("offer.accepted", id=offer)
    [mentorship] = await store.list_mentorships(community=A)
    assert (await bot.end(baraka(A), mentorship_id=mentorship.id, rating="4")).reply.text == EN(
        "end.done", id=mentorship.id
    )
    assert (await bot.resume(baraka(A))).reply.text == EN("resume.already")
    assert (await bot.pause(baraka(A))).reply.text == EN("pause.done")
    assert (await bot.resume(baraka(A))).reply.text == EN("resume.done")
    assert (await bot.export(baraka(A))).reply.text == EN("export.done")
    assert (await bot.forget(baraka(A))).reply.text == EN("forget.confirm")
    assert (await bot.forget(baraka(A), confirm=True)).reply.text == EN("forget.done")
