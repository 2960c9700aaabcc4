"""Lists longer than a message (issue 14), on every adapter: pages of whole entries, within each platform's limits.

Slack's payloads are checked with slack_sdk's own models (`Block.parse`, `View`, `validate_json()`), Discord's
against its documented limits; each list is walked page by page through its Next buttons, as a member would, and
must give back every entry, whole and in order, with the counts the page shows right.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from mentorbot import paging
from mentorbot.commands import help_reply
from mentorbot.i18n import Translator, translator
from mentorbot.library import Library
from mentorbot.models import (
    Level,
    Member,
    MentorProfile,
    Mentorship,
    MentorshipRequest,
    MentorshipStatus,
    MentorStatus,
    Offer,
    OfferStatus,
    RequestStatus,
)
from mentorbot.replies import Listing, Reply
from mentorbot.settings import Settings
from mentorbot.skills import Labels, Skill, Taxonomy, render_skill_list
from mentorbot.usecases import views
from mentorbot_console.render import NumberedAction, render_mentions, render_reply
from mentorbot_discord import render as discord_render
from mentorbot_slack.blocks import escape, layout, message
from mentorbot_slack.views import home_view

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LANGS = ("en", "sw")
HALF_ESCAPE = re.compile(r"&(?!amp;|lt;|gt;)")
"""An ``&`` that does not start one of Slack's three escapes: a cut escape sequence (``&am…``), or one unescaped."""


@pytest.fixture(scope="module")
def shipped() -> Taxonomy:
    settings_ = Settings(_env_file=None)  # type: ignore[call-arg]
    return Library(settings_.skills_file, settings_.courses_file).taxonomy


def big_taxonomy(shipped: Taxonomy, size: int = 150) -> Taxonomy:
    """The shipped skills and made-up ones up to `size`, some with long aliases and characters Slack escapes."""
    made = [
        Skill(
            slug=f"made-skill-{i:03d}",
            category=("growth", "content", "data")[i % 3],
            labels=Labels(en=f"Made skill {i} & <co>", sw=f"Ujuzi wa kubuni {i}"),
            aliases=tuple(f"alias {i}-{j} & more" for j in range(i % 7)),
        )
        for i in range(size - len(shipped))
    ]
    return Taxonomy.from_skills([*shipped, *made])


def member(member_id: int, name: str) -> Member:
    return Member(member_id, "test:guild", f"U{member_id:08d}", name, "en", NOW)


def waiting(request_id: int) -> MentorshipRequest:
    reason = '{"key": "wait.all_busy", "skills": ["seo", "paid-social"]}' if request_id % 2 else None
    skills = ("seo", "paid-social", "copywriting")[: 1 + request_id % 3]
    return MentorshipRequest(
        request_id, request_id, "test:guild", skills, "", RequestStatus.WAITING, reason, NOW, NOW, None
    )


def waitlist_entries(count: int) -> list[tuple[MentorshipRequest, Member | None]]:
    # Names with characters Slack escapes, and long ones, so that escaping and sizes both matter.
    names = ["Amina & <Co>", "Baraka " + "x" * 120, "Chao <3", "Dede"]
    return [(waiting(i), member(i, names[i % len(names)])) for i in range(1, count + 1)]


def status_data(requests: int, offers: int, mentorships: int) -> views.StatusData:
    profile = MentorProfile(
        1, {"seo": Level.EXPERT}, 10, "bio", "Africa/Nairobi", ("en",), MentorStatus.ACTIVE, None, None,
        mentorships, offers, 0, None, NOW, NOW,
    )  # fmt: skip
    offer_views = [
        views.OfferView(
            Offer(i, i, 1, OfferStatus.PENDING, 1.0, "", NOW, NOW + timedelta(hours=48), None, None),
            waiting(i),
            member(100 + i, f"mentee {i} & co"),
        )
        for i in range(1, offers + 1)
    ]
    mentorship_views = [
        views.MentorshipView(
            Mentorship(i, i, 1, 200 + i, ("seo",), MentorshipStatus.ACTIVE, NOW, None, None),
            member(200 + i, f"mentee {i}"),
        )
        for i in range(1, mentorships + 1)
    ]
    return views.StatusData(
        member(1, "Amina"),
        profile,
        [views.RequestView(waiting(i)) for i in range(1, requests + 1)],
        offer_views,
        mentorship_views,
    )


# ------------------------------------------------------------------------------------------------ walking


Build = Callable[[int], Reply]
"""A list's reply from a page's first entry (what a paging button or a typed page asks the core for)."""


def listing_of(reply: Reply, source: str) -> Listing:
    (found,) = [x for x in reply.listings if x.source == source]
    return found


def check_summary(listing: Listing, shown: int, line: str) -> None:
    """The counts a page shows are right: which entries of how many, how many more."""
    more = listing.total - listing.start - shown
    t = translator(listing.lang)
    if listing.start == 0 and shown == listing.total:
        assert line == ""
        return
    first, last, total = listing.start + 1, listing.start + shown, listing.total
    if more:
        assert t("paging.showing_more", first=first, last=last, total=total, more=more) in line
    else:
        assert t("paging.showing", first=first, last=last, total=total) in line
    if shown < len(listing.entries):
        assert t("paging.cut", count=len(listing.entries) - shown) in line


def slack_texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts: list[str] = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            texts.append(block["text"]["text"])
        texts.extend(f["text"] for f in block.get("fields", []))
        texts.extend(e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str))
    return texts


def check_slack_message(body: dict[str, Any], max_blocks: int = 50) -> None:
    """Within Slack's limits, by slack_sdk's own models; no escape sequence cut anywhere."""
    blocks = body["blocks"]
    assert 0 < len(blocks) <= max_blocks
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
    assert 0 < len(body["text"]) <= 40_000
    for text in [body["text"], *slack_texts(blocks)]:
        assert not HALF_ESCAPE.search(text), text


def walk_slack(build: Build, source: str, *, home: bool = False) -> list[str]:
    """Every entry of list `source`, page after page through the Slack messages' Next buttons."""
    seen: list[str] = []
    start = 0
    for _ in range(500):
        reply = build(start)
        if home:
            view = home_view(reply, translator(listing_of(reply, source).lang))
            View(**view).validate_json()
            check_slack_message({"blocks": view["blocks"], "text": "-"}, max_blocks=100)
            blocks, shown = layout(reply, max_blocks=98)
        else:
            body = message(reply)
            check_slack_message(body)
            blocks, shown = layout(reply)
        (item,) = [s for s in shown if s.listing.source == source]
        texts = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
        for pieces in item.fitted.entries:
            for piece in pieces:
                assert escape(piece) in texts, "each entry (or piece of a very long one) is a section of its own"
            seen.append("".join(pieces))
        summaries = [t for b in blocks if b["type"] == "context" for t in slack_texts([b])]
        line = paging.summary(item.listing, item.count)
        assert not line or escape(line) in summaries
        check_summary(item.listing, item.count, line)
        nexts = [
            e
            for b in blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"].startswith(f"mentorbot:{paging.PAGE_ACTION}:{source}.")
            and e["text"]["text"] == translator(item.listing.lang)("paging.next")
        ]
        if not nexts:
            return seen
        ref = paging.decode(nexts[0]["value"])
        assert ref is not None and ref.start == item.listing.start + item.count
        start = ref.start
    raise AssertionError("paging never ends")


def check_discord_message(msg: discord_render.DiscordMessage) -> None:
    """Within Discord's documented limits."""
    assert len(msg.embeds) <= 10
    assert sum(len(e) for e in msg.embeds) <= 6000
    assert len(msg.content or "") <= 2000
    for embed in msg.embeds:
        assert len(embed.title or "") <= 256
        assert len(embed.description or "") <= 4096
        assert len(embed.footer.text or "") <= 2048
        assert len(embed.fields) <= 25
        assert all(len(f.name or "") <= 256 and len(f.value or "") <= 1024 for f in embed.fields)
    if msg.view is not None:
        assert len(msg.view.children) <= 25


def walk_discord(build: Build, source: str) -> list[str]:
    """Every entry of list `source`, page after page through the Discord messages' Next buttons."""
    seen: list[str] = []
    start = 0
    for _ in range(500):
        reply = build(start)
        listing = listing_of(reply, source)
        messages = discord_render.render(reply)
        for msg in messages:
            check_discord_message(msg)
        embed = [e for m in messages for e in m.embeds if (e.title or "") == listing.name][-1]
        description = embed.description or ""
        shown = next(
            k for k in range(len(listing.entries), -1, -1) if "\n".join(listing.entries[:k]) == description
        ) if listing.entries else 0  # fmt: skip
        assert shown >= 1 or not listing.entries, "a page always shows at least one whole entry"
        seen.extend(listing.entries[:shown])
        check_summary(listing, shown, embed.footer.text or "")
        view = messages[-1].view
        shown_buttons = [getattr(item, "item", item) for item in (view.children if view else [])]
        labels = {str(getattr(b, "custom_id", "")): getattr(b, "label", "") for b in shown_buttons}
        ids = list(labels)
        nexts = [
            i
            for i in ids
            if i.startswith(f"mentorbot:{paging.PAGE_ACTION}:{source}.")
            and labels[i] == translator(listing.lang)("paging.next")
        ]
        if not nexts:
            return seen
        ref = paging.decode(nexts[0].split(":", 2)[2])
        assert ref is not None and ref.start == listing.start + shown
        start = ref.start
    raise AssertionError("paging never ends")


def walk_console(build: Build, source: str) -> list[str]:
    """Every entry of list `source`, page after page through the console's numbered Next action."""
    seen: list[str] = []
    start = 0
    for _ in range(500):
        reply = build(start)
        listing = listing_of(reply, source)
        t = translator(listing.lang)
        actions = [NumberedAction(i, b) for i, b in enumerate(paging.reply_buttons(reply), start=1)]
        text = render_reply(reply, t, names={}, actions=actions)
        for entry in listing.entries:
            assert all(line in text for line in render_mentions(entry, {}).splitlines())
        check_summary(listing, len(listing.entries), paging.summary(listing))
        if line := paging.summary(listing):
            assert line in text
        seen.extend(listing.entries)
        nexts = [
            a.button for a in actions if a.button.ref.startswith(f"{source}.") and a.button.label == t("paging.next")
        ]
        if not nexts:
            return seen
        ref = paging.decode(nexts[0].ref)
        assert ref is not None
        start = ref.start
    raise AssertionError("paging never ends")


WALKS = {"slack": walk_slack, "discord": walk_discord, "console": walk_console}


# ------------------------------------------------------------------------------------------ done when


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("adapter", sorted(WALKS))
def test_a_200_entry_waitlist_is_reachable_whole_on_every_adapter(shipped: Taxonomy, adapter: str, lang: str) -> None:
    t = translator(lang)
    entries = waitlist_entries(200)
    expected = [views.waitlist_line(r, m, t, shipped) for r, m in entries]

    def build(start: int) -> Reply:
        return views.waitlist(entries, t, shipped, start=start)

    first = build(0)
    assert first.title == t("waitlist.title", count=200)
    assert listing_of(first, "waitlist").total == 200
    assert WALKS[adapter](build, "waitlist") == expected, "every entry, whole, once, in order"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("adapter", sorted(WALKS))
def test_a_150_skill_taxonomy_is_reachable_whole_on_every_adapter(shipped: Taxonomy, adapter: str, lang: str) -> None:
    taxonomy = big_taxonomy(shipped)
    assert len(taxonomy) == 150

    def build(start: int) -> Reply:
        return render_skill_list(taxonomy.skills, lang, None, start=start)

    seen = WALKS[adapter](build, "skills")
    assert len(seen) == 150 and len(set(seen)) == 150
    for skill in taxonomy:
        assert sum(f"(`{skill.slug}`)" in entry for entry in seen) == 1
    query = render_skill_list(taxonomy.search("made", limit=len(taxonomy)), lang, "made")
    assert listing_of(query, "skills").total == 150 - len(shipped), "a query lists every match, not 25"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("adapter", [*sorted(WALKS), "slack-home"])
@pytest.mark.parametrize("source", paging.STATUS_SOURCES)
def test_the_status_lists_are_each_reachable_whole(shipped: Taxonomy, adapter: str, lang: str, source: str) -> None:
    t = translator(lang)
    data = status_data(requests=20, offers=10, mentorships=25)

    def build(start: int) -> Reply:
        return views.status(data, t, shipped, section=source, start=start)

    seen = walk_slack(build, source, home=True) if adapter == "slack-home" else WALKS[adapter](build, source)
    assert len(seen) == {"requests": 20, "offers": 10, "mentorships": 25}[source]
    if source == "requests":
        assert seen == [views.request_line(item, t, shipped, "Africa/Nairobi") for item in data.requests]
    offers = [b for b in build(0).buttons if b.action.startswith("offer.")]
    assert len(offers) == 20, "Accept and Decline for each offer shown"


def other_replies(t: Translator, taxonomy: Taxonomy) -> list[Reply]:
    """Reply types without lists, rendered next to the lists (so the layout of each stays within limits)."""
    asked = waiting(3)
    offer = Offer(4, 3, 1, OfferStatus.PENDING, 1.0, "", NOW, NOW + timedelta(hours=48), None, None)
    mentorship = Mentorship(5, 3, 1, 2, ("seo",), MentorshipStatus.ACTIVE, NOW, None, None)
    return [
        help_reply(t.lang, admin=True),
        views.offer_message(offer, asked, member(3, "Amina & <Co>"), t, taxonomy),
        views.checkin(mentorship, member(2, "Baraka"), t),
        views.feedback_asked(mentorship, member(2, "Baraka"), t),
        views.request_waiting(asked, None, t, taxonomy),
        views.waitlist([], t, taxonomy),
        render_skill_list([], t.lang, "xyzzy"),
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_every_other_reply_type_fits_every_adapter(shipped: Taxonomy, lang: str) -> None:
    t = translator(lang)
    for reply in other_replies(t, shipped):
        check_slack_message(message(reply))
        View(**home_view(reply, t)).validate_json()
        for msg in discord_render.render(reply):
            check_discord_message(msg)
        assert render_reply(reply, t, names={})


# ------------------------------------------------------------------------------------- the property


_TOKENS = st.sampled_from(["a", "Z", " ", "\n", "&", "<", ">", "&amp;", "<@U0ABC123>", "é", "😀", "`x`", "*"])
ENTRY = st.builds(
    lambda parts, times: ("".join(parts) * times)[: paging.ENTRY_MAX],
    st.lists(_TOKENS, min_size=1, max_size=25),
    st.integers(min_value=1, max_value=120),
).filter(lambda e: e.strip() != "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=st.lists(ENTRY, max_size=70), page_size=st.sampled_from([10, 25]), lang=st.sampled_from(LANGS))
def test_pages_partition_any_list_exactly_within_every_limit(entries: list[str], page_size: int, lang: str) -> None:
    def build(start: int) -> Reply:
        page = paging.listing(
            "List & <more>", entries, start=start, page_size=page_size, source="waitlist", empty="-", lang=lang
        )
        return Reply("text & <b>", title="Title", listings=(page,))

    for walk in (walk_slack, walk_discord, walk_console):
        assert walk(build, "waitlist") == entries


@settings(max_examples=200, deadline=None)
@given(text=st.lists(_TOKENS, max_size=400).map("".join), limit=st.integers(min_value=12, max_value=400))
def test_slack_clips_after_choosing_never_inside_an_escape(text: str, limit: int) -> None:
    from mentorbot_slack.blocks import clip_escaped, cost, tokens

    clipped = clip_escaped(text, limit)
    assert len(clipped) <= limit
    assert not HALF_ESCAPE.search(clipped)
    pieces = paging.split(text, limit, cost, tokens)
    assert "".join(pieces) == text
    assert all(len(escape(p)) <= limit for p in pieces)


def test_a_page_past_the_end_is_the_last_and_a_bad_page_is_refused() -> None:
    page = paging.listing("L", [str(i) for i in range(30)], start=999, page_size=25, source="s", empty="", lang="en")
    assert (page.start, page.entries[0]) == (25, "25")
    assert paging.start_of("2", None, 25) == 25
    assert paging.start_of(None, "17", 25) == 17, "a button's start wins"
    for bad in ("0", "-1", "two", "1.5", "²", "①", "٣", "9" * 5000):  # before: ² ① and 5,000 digits crashed
        with pytest.raises(Exception, match=r"paging\.bad_page"):
            paging.start_of(bad, None, 25)
    assert paging.decode("waitlist.²") is None and paging.decode("waitlist.25") == paging.PageRef("waitlist", 25)


def test_a_discord_page_holds_fewer_entries_when_6000_characters_would_pass() -> None:
    entries = ["é" * 1400 + f" {i}" for i in range(25)]
    page = paging.listing("Big", entries, start=0, page_size=25, source="waitlist", empty="", lang="sw")
    (msg,) = discord_render.render(Reply("x", title="T", listings=(page,)))
    check_discord_message(msg)
    embed = msg.embeds[-1]
    shown = len((embed.description or "").split("\n"))
    assert 1 <= shown < 25
    assert translator("sw")("paging.cut", count=25 - shown) in (embed.footer.text or "")
    assert isinstance(msg.view, discord.ui.View)


def test_a_query_too_long_for_a_button_gets_no_paging_buttons_but_the_command() -> None:
    """Before: the query was cut to 40 characters with an ellipsis in the Next button, which then searched for
    that cut text (the "…" included) and found nothing."""
    query = "social media marketing for small businesses in nairobi"
    page = paging.listing(
        "", [f"skill {n}" for n in range(25)], start=0, page_size=25, source="skills", query=query, empty="", lang="en"
    )
    page = replace(page, total=40)
    assert paging.buttons(page) == ()
    assert f"/skills query:{query} page:2" in paging.summary(page)
    short = replace(page, query="social media")
    assert [b.ref for b in paging.buttons(short)] == ["skills.25.social media"]
    # Entries of the page that did not fit are not promised to a Next button that is not there.
    assert "a shorter search shows them" in paging.summary(page, shown=20)
    assert "Next shows them" in paging.summary(short, shown=20)
