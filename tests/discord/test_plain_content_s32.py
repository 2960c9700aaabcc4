"""Session 32: every embed reply has a plain line of content, and the vote buttons say what they do.

A message of embeds only shows nothing to a member with link previews (embeds) turned off, nor in its push
notification; and a member mention inside an embed is resolved only for users the reader's client has cached
(discord-api-docs#1479), so a mentee could see a raw ``<@1200…>`` instead of their mentor. The first message of
an embed reply therefore carries a short content: the preface, the title, and every member the reply mentions
(mentions in content are resolved: they come with the message). The embeds stay as they were.
"""

from __future__ import annotations

import re
from datetime import timedelta

from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.replies import Field, Listing, Reply
from mentorbot_discord.render import ALLOWED_MENTIONS, CONTENT_LIMIT, render
from tests.discord.helpers import (
    EN,
    GUILD_ID,
    MENTEE_USER_ID,
    MENTOR_USER_ID,
    SW,
    Members,
    buttons,
    message_text,
    sign_up_mentor,
)
from tests.fakes.discord_fake import FakeDiscord

MENTOR = f"<@{MENTOR_USER_ID}>"
MENTEE = f"<@{MENTEE_USER_ID}>"
MENTION = re.compile(r"<@!?([0-9]+)>")


# ------------------------------------------------------------------------------------- render()


def test_a_titled_reply_gets_a_content_line_naming_every_member_it_mentions_in_order() -> None:
    reply = Reply(
        "<@123> is looking for a mentor; <@!456> suggested you. <@123> speaks Swahili.",
        title="Mentorship offer #12",
        fields=(Field("Skills", "SEO"), Field("Their admin", "<@789> (or <@!456>)"), Field("<@321>", "x")),
    )
    [message] = render(reply, guild_id=99)
    assert message.content == "Mentorship offer #12 · <@123>, <@456>, <@789>, <@321>"
    [embed] = message.embeds  # the embed is unchanged: title, text and fields as before
    assert (embed.title, embed.description) == ("Mentorship offer #12", reply.text)
    assert [(f.name, f.value) for f in embed.fields] == [(f.name, f.value) for f in reply.fields]
    kwargs = message.send_kwargs()
    assert kwargs["content"] == message.content
    assert kwargs["allowed_mentions"] is ALLOWED_MENTIONS  # members only: never @everyone, @here nor a role
    assert message.edit_kwargs()["content"] == message.content


def test_the_preface_comes_first_and_a_title_without_mentions_is_the_whole_line() -> None:
    [held] = render(Reply("You are now mentoring <@5>.", title="Meet your partner"), preface="Held for you:")
    assert held.content == "Held for you:\nMeet your partner · <@5>"
    [titled] = render(Reply("Nothing to name here.", title="Your mentor profile", fields=(Field("Bio", "PR"),)))
    assert titled.content == "Your mentor profile"
    [untitled] = render(Reply("text", fields=(Field("Mentor", "<@7>"),)), preface="Late answer:")
    assert untitled.content == "Late answer:\ntext · <@7>"  # an untitled reply's first line (session 40)


def test_only_member_mentions_the_core_wrote_are_named_not_roles_broadcasts_or_defused_ones() -> None:
    defused = "<\u200b@999>"  # a member's typed mention, made inert by the core (text_safety.defuse_mentions)
    reply = Reply(f"@everyone @here <@&42> <#77> {defused} <@1>", title="Report", fields=(Field("a", "<@&43>"),))
    [message] = render(reply)
    assert message.content == "Report · <@1>"


def test_the_content_line_stays_within_discords_limit_and_never_cuts_a_mention() -> None:
    many = " ".join(f"<@{10**17 + i}>" for i in range(150))  # more than 2,000 characters of mentions
    [message, *_] = render(Reply(many, title="T" * 300, fields=(Field("more", "<@1>"),)))
    assert message.content is not None and len(message.content) <= CONTENT_LIMIT
    head, _, named = message.content.partition(" · ")
    assert head == "T" * 300
    tokens = named.split(", ")
    assert tokens and all(MENTION.fullmatch(token) for token in tokens), "only whole mentions"
    assert tokens == [f"<@{10**17 + i}>" for i in range(len(tokens))], "the first ones, in order"
    assert len(message.content) + len(f", <@{10**17 + len(tokens)}>") > CONTENT_LIMIT, "as many as fit"
    [long_title] = render(Reply("x", title="W" * 5000))
    assert long_title.content is not None and len(long_title.content) == CONTENT_LIMIT


def test_only_the_first_message_of_a_long_reply_has_the_line() -> None:
    lines = "\n".join("y" * 100 for _ in range(40))
    fields = tuple(Field(f"F{i} <@{i + 1}>", lines[:1000] + " <@9>") for i in range(30))
    messages = render(Reply("<@9> first", title="Big", fields=fields))
    assert len(messages) > 1
    assert messages[0].content == "Big · " + ", ".join(["<@9>", *(f"<@{i + 1}>" for i in range(30) if i != 8)])
    assert all(m.content is None for m in messages[1:])


def test_a_listing_with_a_name_gives_the_line_and_a_plain_reply_is_unchanged() -> None:
    listing = Listing("Waitlist (2)", ("#1 <@5>: SEO", "#2 <@6>: PR"), total=2)
    [message] = render(Reply("", listings=(listing,)))
    assert message.content == "Waitlist (2) · <@5>, <@6>"  # the members its entries name (session 40)
    [nameless] = render(Reply("", listings=(Listing("", ("a",), total=1),)))
    assert nameless.content is None
    [plain] = render(Reply("Request #1 is cancelled, <@5>."))
    assert plain.content == "Request #1 is cancelled, <@5>." and plain.embeds == []


# ------------------------------------------------------------------------------------- the DMs of a mentorship


async def test_every_dm_of_a_mentorship_has_content_naming_the_partner(
    world: FakeDiscord, members: Members, clock: ManualClock
) -> None:
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms", "note": "Launch next month"})
    [offer] = await members.dms(MENTOR_USER_ID)
    assert offer["content"] == f"{EN('offer.title', id=1)} · {MENTEE}"
    assert offer["embeds"][0]["title"] == EN("offer.title", id=1), "the embed stays"

    accept = f"mentorbot:offer.accept:1:{GUILD_ID}"
    accepted = await members.click(offer, accept, user=MENTOR_USER_ID, dm=True)
    assert accepted.first["content"] == EN("offer.title", id=1)  # the offer turned into its outcome: no one named

    [intro_mentee] = await members.dms(MENTEE_USER_ID)
    intro_mentor = (await members.dms(MENTOR_USER_ID, count=2))[-1]
    assert intro_mentee["content"] == f"{EN('intro.title')} · {MENTOR}"
    assert intro_mentor["content"] == f"{EN('intro.title')} · {MENTEE}"

    clock.advance(timedelta(days=14, minutes=1))
    assert await members.client.run_due_jobs() == 2
    checkin_mentee = (await members.dms(MENTEE_USER_ID, count=2))[-1]
    checkin_mentor = (await members.dms(MENTOR_USER_ID, count=3))[-1]
    assert checkin_mentee["content"] == f"{EN('checkin.title')} · {MENTOR}"
    assert checkin_mentor["content"] == f"{EN('checkin.title')} · {MENTEE}"

    for user, partner in ((MENTOR_USER_ID, MENTEE), (MENTEE_USER_ID, MENTOR)):
        for dm in world.dms[user]:
            shown = world.messages[int(dm["id"])]
            assert shown["content"], message_text(shown)
            if partner in message_text(shown).partition("\n")[2]:  # the partner is named in the embed...
                assert partner in shown["content"]  # ...so in the content too, where Discord resolves it
    for call in world.calls("POST", r"/channels/\d+/messages"):  # the DMs: members only, never a role or everyone
        assert call.json["content"] and call.json["allowed_mentions"] == {"parse": ["users"]}


# ------------------------------------------------------------------------------------- the vote buttons


async def test_the_vote_buttons_say_what_they_do(members: Members) -> None:
    shown = await members.slash("courses", {"skills": "crisis-communications"})
    labels = [b["label"] for m in shown.messages for b in buttons(m)]
    assert labels[:4] == ["👍 Helpful #1", "👎 Not helpful #1", "👍 Helpful #2", "👎 Not helpful #2"]


def test_the_vote_labels_have_words_in_both_languages_within_the_platforms_limits() -> None:
    assert (EN("curation.button_helpful", rank=3), EN("curation.button_not_helpful", rank=3)) == (
        "👍 Helpful #3",
        "👎 Not helpful #3",
    )
    assert (SW("curation.button_helpful", rank=3), SW("curation.button_not_helpful", rank=3)) == (
        "👍 Inasaidia #3",
        "👎 Haisaidii #3",
    )
    for lang in ("en", "sw"):
        t = translator(lang)
        for key in ("curation.button_helpful", "curation.button_not_helpful"):
            label = t(key, rank=999)
            assert any(ch.isalpha() for ch in label) and len(label) <= 75  # Slack 75, Discord 80
