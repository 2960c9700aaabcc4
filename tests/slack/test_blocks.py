"""Rendering the core's replies as Block Kit: escaping, layout and Slack's size limits."""

from __future__ import annotations

from mentorbot.i18n import translator
from mentorbot.replies import Button, ButtonStyle, Field, Reply
from mentorbot_slack.blocks import escape, fallback_text, message, reply_blocks
from mentorbot_slack.views import home_view


def test_escaping_keeps_member_mentions_and_defuses_everything_else() -> None:
    assert escape("<@U0BOB0001> & <!channel> <https://x.test|click> a<b") == (
        "<@U0BOB0001> &amp; &lt;!channel&gt; &lt;https://x.test|click&gt; a&lt;b"
    )


def test_layout_title_text_fields_and_buttons() -> None:
    reply = Reply(
        "Hello *there*",
        title="Offer #3",
        fields=(
            Field("Skills", "SEO"),
            Field("Places", "1 of 2", inline=True),
            Field("Zone", "UTC", inline=True),
            Field("Bio", "x"),
        ),
        buttons=(Button("offer.accept", "3", "Accept", ButtonStyle.PRIMARY), Button("x.y", "3", "Later")),
    )
    blocks = reply_blocks(reply)
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section", "section", "actions"]
    assert blocks[2]["text"]["text"] == "*Skills*\nSEO"
    assert [f["text"] for f in blocks[3]["fields"]] == ["*Places*\n1 of 2", "*Zone*\nUTC"]
    accept, later = blocks[-1]["elements"]
    assert accept == {
        "type": "button",
        "action_id": "mentorbot:offer.accept:3",
        "text": {"type": "plain_text", "text": "Accept", "emoji": True},
        "value": "3",
        "style": "primary",
    }
    assert "style" not in later
    assert reply_blocks(reply, buttons=False)[-1]["type"] == "section"
    assert fallback_text(reply).startswith("Offer #3\nHello *there*\nSkills: SEO")


def test_slack_limits_are_respected() -> None:
    long = "y" * 5000
    many = tuple(Field(f"f{i}", long, inline=True) for i in range(25)) + tuple(Field(f"g{i}", long) for i in range(60))
    reply = Reply(long, title="t" * 200, fields=many, buttons=tuple(Button("a", str(i), "b" * 90) for i in range(30)))
    body = message(reply, note="why")
    blocks = body["blocks"]
    assert len(blocks) <= 50 and blocks[0]["type"] == "context"
    assert len(blocks[1]["text"]["text"]) <= 150
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000
        assert len(block.get("fields", [])) <= 10
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            assert all(len(e["text"]["text"]) <= 75 for e in block["elements"])
    assert [b["type"] for b in blocks[-2:]] == ["actions", "actions"], "buttons are never cut"
    assert len(body["text"]) <= 40000
    home = home_view(reply, translator("en"))
    assert home["type"] == "home" and len(home["blocks"]) <= 100
