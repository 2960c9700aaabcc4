"""Session 40: the content line above an embed reply previews an untitled reply, and names the members its lists name.

1. A long untitled reply (an admin's "skills removed but still in use" notice after a reload: over 2,000
   characters, so embeds) had no content at all, or only "From **Server A**": its push notification said nothing.
   Its content line now starts with the text's first line, cut at a word end with an ellipsis when long, as the
   plain text it would have been starts (the server's line first, then the preface).
2. A member named only in a listing (`/mentor status`: "#1 mentored by <@…>") was left out of the content line,
   so large servers showed the raw id: the listings' names and the entries the message shows are read too.
"""

from __future__ import annotations

import re

from mentorbot.replies import Field, Listing, Reply
from mentorbot_discord.render import CONTENT_LIMIT, PREVIEW_LIMIT, Server, mentioned_users, render
from tests.discord.helpers import EN, GUILD_ID, MENTEE_USER_ID, MENTOR_USER_ID, Members, sign_up_mentor

MENTION = re.compile(r"<@!?([0-9]+)>")
DETAIL = "\n".join(
    f"skill 'skill-{i}' is no longer in the skills file but stored rows use it: 1 mentor(s), 0 open request(s)."
    for i in range(25)
)
OPENING = "An admin reloaded the skills file (`/mentor-admin reload`). What is stored was checked against it:"


# ------------------------------------------------------------------------------------- 1. an untitled reply


def test_a_long_untitled_notice_previews_its_first_line() -> None:
    reply = Reply(f"{OPENING}\n{DETAIL}")
    assert len(reply.text) > CONTENT_LIMIT and len(OPENING) <= PREVIEW_LIMIT
    [message] = render(reply)
    assert message.embeds and message.content == OPENING
    [from_a] = render(reply, server=Server(1, "Server A"))
    assert from_a.content == f"{EN('discord.server.from_line', name='Server A')}\n{OPENING}", "as its plain text starts"
    [held] = render(reply, preface="Held for you:", server=Server(1, "Server A"))
    assert held.content == f"{EN('discord.server.from_line', name='Server A')}\nHeld for you:\n{OPENING}"


def test_a_long_first_line_is_cut_at_a_word_end_with_an_ellipsis_never_inside_a_mention() -> None:
    words = " ".join(f"word{i}" for i in range(60))
    [message] = render(Reply(f"\n{words}\nrest", fields=(Field("a", "b"),)))  # a blank line first: skipped
    content = message.content
    assert content is not None and content.endswith("…") and len(content) <= PREVIEW_LIMIT
    assert f"{words} ".startswith(content.removesuffix("…") + " "), "whole words, from the start"
    assert len(content.removesuffix("…")) + len(" word59") > PREVIEW_LIMIT - 1, "as many as fit"

    mention = f"<@{10**17}>"
    for at in range(PREVIEW_LIMIT - 30, PREVIEW_LIMIT + 5):
        text = "x" * at + mention + "y" * 40
        [cut] = render(Reply(text, fields=(Field("a", "b"),)))
        assert cut.content is not None
        head = cut.content.split(" · ")[0]
        assert len(head) <= PREVIEW_LIMIT and "<@" not in head.replace(mention, ""), head
        assert mention in cut.content, "named whole, in the line or after it"


def test_the_first_line_is_followed_by_the_members_named_and_only_once() -> None:
    reply = Reply("Request #4 is cancelled by <@5>.\nYour mentor was <@6>.", fields=(Field("Mentor", "<@7>"),))
    [message] = render(reply, preface="Late answer:")
    assert message.content == "Late answer:\nRequest #4 is cancelled by <@5>. · <@6>, <@7>"
    [short] = render(Reply("Only this line, <@!5>.", fields=(Field("x", "y"),)))
    assert short.content == "Only this line, <@!5>."
    [titled] = render(Reply("First line.", title="Title", fields=(Field("x", "<@7>"),)))
    assert titled.content == "Title · <@7>", "a title still comes first"
    [plain] = render(Reply("A short plain reply, <@5>."))
    assert plain.content == "A short plain reply, <@5>." and plain.embeds == [], "unchanged"


# ------------------------------------------------------------------------------------- 2. members in listings


def test_the_members_a_listing_shows_are_named_not_those_on_later_pages() -> None:
    entries = tuple(f"#{i} <@{10**17 + i}>: " + "SEO, " * 200 for i in range(40))  # ~1,000 characters each
    listing = Listing("Waiting <@9>", entries, total=40)
    messages = render(Reply("", title="Waitlist", listings=(listing,)))
    shown = "\n".join(e.description or "" for m in messages for e in m.embeds)
    named = [f"<@{m[1]}>" for m in MENTION.finditer(shown)]
    assert 1 < len(named) < 41, "some entries, not all of them"
    assert messages[0].content == "Waitlist · " + ", ".join(["<@9>", *named]), "the list's name, then its entries"
    assert f"<@{10**17 + 39}>" not in (messages[0].content or ""), "not a member of a later page"
    assert mentioned_users(Reply("", listings=(listing,))) == [
        "<@9>",
        *(f"<@{10**17 + i}>" for i in range(40)),
    ], "every entry when none was fitted"


async def test_the_mentees_status_names_their_mentor_in_its_content(members: Members) -> None:
    await sign_up_mentor(members)
    await members.slash("mentor request", {"skills": "crisis comms"})
    [offer] = await members.dms(MENTOR_USER_ID)
    await members.click(offer, f"mentorbot:offer.accept:1:{GUILD_ID}", user=MENTOR_USER_ID, dm=True)

    mentee = await members.slash("mentor status", user=MENTEE_USER_ID)
    assert f"<@{MENTOR_USER_ID}>" in mentee.text.partition("\n")[2], "the mentor is in a listing"
    assert f"<@{MENTOR_USER_ID}>" in (mentee.first.get("content") or ""), "so in the content, where Discord resolves it"
    mentor = await members.slash("mentor status", user=MENTOR_USER_ID)
    assert f"<@{MENTEE_USER_ID}>" in (mentor.first.get("content") or "")
