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
    assert blocks[1]["type"] == "section" and blocks[1]["text"]["text"] == "*" + "t" * 200 + "*"  # whole
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


# --- Slack's limits: nothing cut, nothing past 50 blocks (session 26) -----------------------------------


def test_a_field_past_a_sections_3000_characters_is_shown_whole_over_several() -> None:
    """Before: "most and least helpful resources, per skill" (a line per skill) was cut at 3,000 characters:
    Slack showed 21 of its 29 lines, the last cut mid-title."""
    lines = [
        f"Skill {n} & more: most helpful “A <long> resource title {n}”, least helpful another one" for n in range(60)
    ]
    blocks = reply_blocks(Reply("", fields=(Field("Most and least helpful", "\n".join(lines)),)))
    texts = [b["text"]["text"] for b in blocks]
    assert len(texts) > 1 and all(len(text) <= 3000 for text in texts)
    assert texts[0].startswith("*Most and least helpful*\n")
    shown = "\n".join(texts)
    assert all(escape(line) in shown for line in lines)


def test_several_listings_and_many_fields_stay_within_fifty_blocks() -> None:
    """Before: the first listing was given the room kept for the later ones' first entries, which were then
    shown anyway: 52 blocks, which Slack refuses (`invalid_blocks`)."""
    from mentorbot import paging

    entry = "request #12: SEO, Copywriting — waiting: no mentor with a free place"
    for fields in range(0, 40, 2):
        listings = tuple(
            paging.listing(
                f"L{k}",
                [f"{entry} {i}" for i in range(10)],
                start=0,
                page_size=10,
                source=source,
                empty="none",
                lang="en",
            )
            for k, source in enumerate(("requests", "offers", "mentorships"))
        )
        reply = Reply(
            "text", title="Status", fields=tuple(Field(f"f{i}", "v") for i in range(fields)), listings=listings
        )
        blocks = reply_blocks(reply)
        assert len(blocks) <= 50, fields
        firsts = [b for b in blocks if b.get("text", {}).get("text", "") == escape(f"{entry} 0")]
        assert len(firsts) == 3, "each listing shows one entry at least"


def test_a_title_longer_than_a_header_is_shown_whole() -> None:
    """Before: a `/courses` title naming five long skills was cut at Slack's 150-character header."""
    title = "Courses for " + ", ".join(f"A rather long skill label number {n}" for n in range(5))
    assert len(title) > 150
    blocks = reply_blocks(Reply("text", title=title))
    assert not [b for b in blocks if b["type"] == "header"]
    assert blocks[0]["text"]["text"] == f"*{title}*"
    assert reply_blocks(Reply("text", title="Courses for SEO"))[0]["type"] == "header"
