"""Replies as Discord messages: plain text or embeds, Discord's size limits, buttons and files."""

from __future__ import annotations

import re

import discord

from mentorbot.commands import parse_custom_id
from mentorbot.replies import Attachment, Button, ButtonStyle, Field, Reply
from mentorbot_discord.render import (
    ALLOWED_MENTIONS,
    CONTINUED,
    CUSTOM_ID,
    EMBED_TOTAL_LIMIT,
    ActionButton,
    button_custom_id,
    render,
)


def test_a_text_only_reply_is_plain_content_and_a_titled_one_an_embed() -> None:
    [plain] = render(Reply("Request #1 is cancelled."))
    assert plain.content == "Request #1 is cancelled." and plain.embeds == [] and plain.view is None
    [rich] = render(Reply("text", title="Title", fields=(Field("Skills", "SEO", inline=True),)))
    assert rich.content == "Title", "a line of content above the embeds (tests/discord/test_plain_content_s32.py)"
    [embed] = rich.embeds
    assert (embed.title, embed.description) == ("Title", "text")
    assert [(f.name, f.value, f.inline) for f in embed.fields] == [("Skills", "SEO", True)]


def test_mentions_may_only_reach_users() -> None:
    assert ALLOWED_MENTIONS.to_dict()["parse"] == ["users"]
    [message] = render(Reply("<@123> and @everyone"))
    assert message.send_kwargs()["allowed_mentions"] is ALLOWED_MENTIONS


def test_long_fields_are_split_and_big_replies_spread_over_messages() -> None:
    lines = [f"line {i}: " + "x" * 90 for i in range(40)]  # 4,000 characters in one field
    many = tuple(Field(f"Field {i}", "\n".join(lines[:10])) for i in range(30))
    messages = render(Reply("intro", title="Big", fields=(Field("Long", "\n".join(lines)), *many)))
    embeds = [e for m in messages for e in m.embeds]
    assert all(len(f.value) <= 1024 for e in embeds for f in e.fields)
    assert all(len(e.fields) <= 25 for e in embeds)
    assert all(sum(len(e) for e in m.embeds) <= EMBED_TOTAL_LIMIT and len(m.embeds) <= 10 for m in messages)
    names = [f.name for e in embeds for f in e.fields]
    assert names[0] == "Long" and names[1:4] == [CONTINUED] * 3
    shown = "\n".join(f.value for e in embeds for f in e.fields if f.name in ("Long", CONTINUED))
    assert shown == "\n".join(lines), "nothing lost"
    assert len(messages) > 1


def test_a_long_text_becomes_embed_descriptions_that_show_all_of_it() -> None:
    """Past a description's 4,096 characters the text goes on in embeds of its own (cut at line ends, a longer
    line at word ends), over as many messages as Discord's 6,000 characters a message need: nothing is clipped
    (tests/discord/test_long_replies_s33.py)."""
    messages = render(Reply("word " * 2000))
    embeds = [e for m in messages for e in m.embeds]
    assert len(embeds) == 3 and all(e.description is not None and len(e.description) <= 4096 for e in embeds)
    assert "\n".join(e.description or "" for e in embeds).split() == ["word"] * 2000, "every word, none cut"
    assert all(sum(len(e) for e in m.embeds) <= EMBED_TOTAL_LIMIT and len(m.embeds) <= 10 for m in messages)


def test_buttons_are_persistent_and_carry_the_guild_when_sent_by_dm() -> None:
    accept = Button("offer.accept", "12", "Accept", ButtonStyle.PRIMARY)
    decline = Button("offer.decline", "12", "Decline", ButtonStyle.DANGER)
    [message] = render(Reply("offer", buttons=(accept, decline)), guild_id=99)
    assert message.view is not None and message.view.timeout is None
    items = message.view.children
    assert all(isinstance(i, ActionButton) for i in items)
    assert [(i.item.custom_id, i.item.label, i.item.style) for i in items] == [  # type: ignore[attr-defined]
        ("mentorbot:offer.accept:12:99", "Accept", discord.ButtonStyle.primary),
        ("mentorbot:offer.decline:12:99", "Decline", discord.ButtonStyle.danger),
    ]
    assert button_custom_id(accept) == accept.custom_id == "mentorbot:offer.accept:12"
    for custom_id in (button_custom_id(accept), button_custom_id(accept, 99)):
        match = re.fullmatch(CUSTOM_ID, custom_id)
        assert match is not None and (match["action"], match["ref"]) == ("offer.accept", "12")
    assert parse_custom_id(button_custom_id(accept)) == ("offer.accept", "12")


def test_attachments_become_files_and_a_preface_comes_first() -> None:
    reply = Reply("Here you are", title="Export", attachments=(Attachment("data.json", b"{}", "application/json"),))
    [message] = render(reply, preface="Held for you:")
    assert message.content == "Held for you:\nExport"
    assert [f.filename for f in message.files] == ["data.json"]
    [plain] = render(Reply("A notice"), preface="Held for you:")
    assert plain.content == "Held for you:\nA notice"


def test_a_button_whose_id_is_over_discords_limit_is_left_out_not_the_message() -> None:
    """Discord refuses a whole message for one custom id over 100 characters: that button goes, the rest stay."""
    long_ref = "x" * 80
    reply = Reply(
        "Courses",
        buttons=(Button("vote.up", "short", "👍"), Button("vote.up", long_ref, "👍")),
    )
    [message] = render(reply, guild_id=1200000000000000100)
    assert message.view is not None
    custom_ids = [getattr(item, "custom_id", None) for item in message.view.children]
    assert custom_ids == ["mentorbot:vote.up:short:1200000000000000100"]
    assert (
        render(Reply("x", buttons=(Button("vote.up", long_ref, "👍"),)), guild_id=1200000000000000100)[0].view is None
    )
