"""Session 32: a message's plain ``text`` (what notifications, screen readers and search read) says what its blocks
show.

1. After a click in a pack of held notices (`blocks.swap_notice`), ``text`` still names every notice the blocks
   show, not the answer alone; the small print above a pack or a fallback ephemeral (why it is shown there) is
   the first line of ``text`` as it is the first block.
2. `blocks.fallback_text` keeps the start of every part: a line past the 40,000 characters left is cut (never
   inside an escape), not dropped with all that follows; a pack's texts likewise.
"""

from __future__ import annotations

import copy

from mentorbot.replies import Field, Listing, Reply
from mentorbot_slack.blocks import FALLBACK_TEXT_MAX, escape, fallback_text, message, packed, swap_notice
from tests.fakes.slack_limits import message_problems
from tests.slack.conftest import ALICE, BOB, EN, Workspace, blocks_text, unescape
from tests.slack.test_ui_session30 import ELSEWHERE, headers, held_for_alice


def _no_half_escape(text: str) -> None:
    """Every ``&`` of `text` starts a whole escape (``&amp;``, ``&lt;``, ``&gt;``)."""
    for at, char in enumerate(text):
        if char == "&":
            assert text[at:].startswith(("&amp;", "&lt;", "&gt;")), text[at : at + 8]


# ------------------------------------------------------------------------ 1. after a click in a pack


async def test_after_a_click_in_a_dm_pack_the_text_still_names_the_other_notices(workspace: Workspace) -> None:
    ws = workspace
    await held_for_alice(ws)
    ws.fake.open_dms(ALICE)
    ws.fake.response_url_posts = 1  # the answer takes the command's response_url: the pack goes to her DMs
    await ws.mentor(ALICE, "status", channel_id=ELSEWHERE)
    ws.fake.response_url_posts = 5
    pack = ws.dms(ALICE)[-1]
    assert headers(pack["blocks"]) == [EN("intro.title"), EN("checkin.title")]
    assert unescape(pack["text"]).split("\n")[0] == EN("slack.dm.held"), "the note is the text's first line"
    await ws.click(ALICE, copy.deepcopy(pack), "checkin.ok")
    now = ws.dms(ALICE)[-1]
    assert headers(now["blocks"]) == [EN("intro.title")]
    text = unescape(now["text"])
    assert text.split("\n")[0] == EN("slack.dm.held")
    assert EN("intro.title") in text, "the introduction is still shown, so still in the text"
    assert EN("checkin.noted", id=1) in text, "and the answer"
    assert EN("checkin.title") not in text, "the check-in is gone from the blocks, so from the text"
    assert text.index(EN("intro.title")) < text.index(EN("checkin.noted", id=1)), "in the order shown"


async def test_after_a_click_in_an_ephemeral_pack_the_text_still_names_the_other_notices(
    workspace: Workspace,
) -> None:
    ws = workspace
    await held_for_alice(ws)
    await ws.mentor(ALICE, "status", channel_id=ELSEWHERE)
    pack = ws.fake.response_posts[-1]
    assert unescape(pack.text or "").startswith(EN("slack.dm.held") + "\n")
    clicked = {"ts": "1700000000.000999", "blocks": pack.blocks, "text": pack.body.get("text")}
    await ws.click(ALICE, clicked, "checkin.ok", channel_id=ELSEWHERE, is_ephemeral=True)
    answer = ws.fake.response_posts[-1]
    assert answer.replace_original and headers(answer.blocks) == [EN("intro.title")]
    text = unescape(answer.text or "")
    assert text.startswith(EN("slack.dm.held") + "\n")
    assert EN("intro.title") in text and EN("checkin.noted", id=1) in text


async def test_a_fallback_ephemeral_says_why_in_its_text_too(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo", channel_id="C0MENTORS1")
    ws.fake.close_dms(BOB)
    await ws.mentor(ALICE, "request skills:seo")
    offer = ws.last(BOB)
    assert offer.kind == "ephemeral" and offer.blocks is not None
    assert offer.blocks[0]["elements"][0]["text"] == escape(EN("slack.dm.fallback"))
    first, second = unescape(offer.text or "").split("\n")[:2]
    assert (first, second) == (EN("slack.dm.fallback"), EN("offer.title", id=1))


def test_swap_notice_rebuilds_the_text_of_every_notice_from_the_blocks() -> None:
    first = Reply("A <b> & c", title="First notice", fields=(Field("Mentor", "<@U0BOB0001>"),))
    second = Reply("Second body", title="Second notice")
    third = Reply("Third body", title="Third notice", listings=(Listing("Things", ("x & y", "z"), 2),))
    [(body, _)] = packed([first, second, third], note="Held <for> you")
    swapped = swap_notice(body["blocks"], 1, Reply("Answer & more", title="Answered"))
    assert swapped is not None and message_problems(swapped) == []
    text = swapped["text"]
    _no_half_escape(text)
    shown = unescape(text)
    assert shown.split("\n")[0] == "Held <for> you"
    for part in ("First notice", "A <b> & c", "<@U0BOB0001>", "Answered", "Answer & more", "Third notice", "x & y"):
        assert part in shown, part
    assert "Second notice" not in shown and "Second body" not in shown
    assert shown.index("First notice") < shown.index("Answered") < shown.index("Third notice")
    assert "<b>" not in text and "&amp;lt;" not in text, "escaped once"


def test_swap_notice_keeps_the_text_within_slacks_limit() -> None:
    big = "&" * 590  # escaped, five characters each: a section of 2,950 characters of whole escapes
    huge = Reply("", title="Huge", fields=tuple(Field(f"f{i}", big, inline=False) for i in range(20)))
    [(body, _)] = packed([huge, Reply("small", title="Small notice")], note="kept for you")
    swapped = swap_notice(body["blocks"], 1, Reply("answer", title="Answered"))
    assert swapped is not None and len(blocks_text(swapped["blocks"])) > FALLBACK_TEXT_MAX
    assert len(swapped["text"]) <= FALLBACK_TEXT_MAX
    _no_half_escape(swapped["text"])
    assert swapped["text"].startswith("kept for you\nHuge")


def test_message_and_packed_put_the_note_first_in_the_text() -> None:
    reply = Reply("Body", title="Title")
    assert message(reply, note="Why <here>")["text"] == "Why &lt;here&gt;\nTitle\nBody"
    assert message(reply)["text"] == "Title\nBody"
    [(body, _)] = packed([reply, Reply("Other")], note="Why <here>")
    assert body["text"] == "Why &lt;here&gt;\nTitle\nBody\n\nOther"
    [(plain, _)] = packed([reply])
    assert plain["text"] == "Title\nBody"


def test_a_note_and_a_long_reply_stay_within_slacks_limit() -> None:
    long = Reply("x" * 39_990, title="Long")
    text = message(long, note="kept for you")["text"]
    assert len(text) <= FALLBACK_TEXT_MAX and text.startswith("kept for you\nLong\nxxx") and text.endswith("…")


# ------------------------------------------------------------------------ 2. what does not fit is cut, not dropped


def test_a_field_past_the_limit_is_cut_and_what_follows_is_dropped_not_the_field() -> None:
    reply = Reply(
        "Reload report",
        title="Skills reloaded",
        fields=(Field("Removed skills in use", "some-skill: 2 mentors\n" * 2000), Field("Renamed", "a -> b")),
    )
    text = message(reply)["text"]
    assert len(text) <= FALLBACK_TEXT_MAX
    assert len(text) > FALLBACK_TEXT_MAX - 100, "the room is used"
    assert text.startswith("Skills reloaded\nReload report\nRemoved skills in use: some-skill: 2 mentors\n")
    assert text.endswith("…")


def test_a_cut_never_splits_an_escape_or_a_mention() -> None:
    reply = Reply("intro", title="T", fields=(Field("Amps", "&" * 4000), Field("Who", "<@U0BOB0001> " * 4000)))
    text = fallback_text(reply)
    assert len(text) <= FALLBACK_TEXT_MAX and text.endswith("…")
    _no_half_escape(text)
    assert "<@U0BOB0001>" in text
    cut = text[:-1].rsplit(" ", 1)[-1]
    assert cut in ("", "<@U0BOB0001>"), cut
    amps = fallback_text(Reply("intro", title="T", fields=(Field("Amps", "&" * 9000), Field("After", "x"))))
    assert len(amps) <= FALLBACK_TEXT_MAX and amps.startswith("T\nintro\nAmps: &amp;") and amps.endswith("&amp;…")
    _no_half_escape(amps)


def test_a_pack_keeps_the_start_of_a_notice_that_does_not_fit_whole() -> None:
    first = Reply("a" * 25_000, title="First notice")
    second = Reply("b" * 25_000, title="Second notice")
    [(body, held)] = packed([first, second])
    assert held == [first, second]
    assert "Second notice" in blocks_text(body["blocks"])
    assert len(body["text"]) <= FALLBACK_TEXT_MAX
    assert "\n\nSecond notice\nbbb" in body["text"], "the second notice's start is kept"
    assert body["text"].endswith("…")
