"""The waitlist's paging buttons page by position: Next shows the requests after the last one shown and Previous
the ones before the first, in the waitlist as it is at the click. Requests matched, cancelled or back after a
decline between two clicks no longer make a page skip requests (offset 25 of a list that lost five of its first
page) or show one twice (offset 25 of a list that gained one before it). The "Showing a–b of n" line counts the
list as it is now, and says when it changed.

Before: the buttons carried an offset (``waitlist.25``), read in the list as it was at the click."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from mentorbot import paging
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import button_command, execute_button
from mentorbot.i18n import translator
from mentorbot.replies import Button, Listing, Outcome, Reply, reply_from_json, reply_to_json
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


def shown_ids(outcome: Outcome) -> list[int]:
    """The request numbers of the waitlist page shown."""
    (page,) = outcome.reply.listings
    return [int(re.match(r"#(\d+) ", entry).group(1)) for entry in page.entries]  # type: ignore[union-attr]


def page_button(outcome: Outcome, label: str) -> Button:
    (page,) = outcome.reply.listings
    (button,) = [b for b in paging.buttons(page) if b.label == label]
    return button


async def waiting(bot: MentorBot, who: Who, clock: ManualClock, count: int, *, prefix: str = "m") -> None:
    """`count` members (named `prefix` and a number) ask for SEO, which nobody mentors, a minute apart."""
    for i in range(count):
        clock.advance(timedelta(minutes=1))
        out = await bot.request(who(f"{prefix}{i:02d}"), skills="seo")
        assert out.error is None, out.reply.text


async def test_next_after_requests_left_the_shown_page_skips_none(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await waiting(bot, who, clock, 60)
    admin = who("admin")
    first = await bot.admin_waitlist(admin)
    assert shown_ids(first) == list(range(1, 26))
    nxt = page_button(first, EN("paging.next"))
    for i in range(5):  # five of page 1 are cancelled while the admin reads it
        assert (await bot.cancel(who(f"m{i:02d}"))).error is None

    second = await execute_button(bot, admin, nxt.action, nxt.ref)
    assert shown_ids(second) == list(range(26, 51)), "the requests after #25: none skipped"
    (page,) = second.reply.listings
    line = paging.summary(page)
    assert line.startswith(EN("paging.showing_more", first=21, last=45, total=55, more=10)), line
    assert EN("paging.changed") in line

    third = await execute_button(bot, admin, *_ref(page_button(second, EN("paging.next"))))
    assert shown_ids(third) == list(range(51, 61))
    assert paging.summary(third.reply.listings[0]).startswith(EN("paging.showing", first=46, last=55, total=55))
    assert not [b for b in paging.buttons(third.reply.listings[0]) if b.label == EN("paging.next")]
    assert EN("paging.changed") not in paging.summary(third.reply.listings[0]), "unchanged since page 2"

    back = await execute_button(bot, admin, *_ref(page_button(third, EN("paging.previous"))))
    assert shown_ids(back) == list(range(26, 51)), "Previous: the page ending just before #51"


def _ref(button: Button) -> tuple[str, str]:
    return button.action, button.ref


async def test_a_request_back_after_a_decline_is_not_shown_twice(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("baraka"), skills="copywriting", capacity=1)
    await waiting(bot, who, clock, 9)
    clock.advance(timedelta(minutes=1))
    offered = await bot.request(who("zawadi"), skills="copywriting")  # request #10, offered to Baraka
    await waiting(bot, who, clock, 30, prefix="n")  # requests #11…#40
    admin = who("admin")
    first = await bot.admin_waitlist(admin)
    assert 10 not in shown_ids(first) and shown_ids(first)[-1] == 26
    declined = await bot.decline(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    assert declined.error is None, declined.reply.text

    nxt = page_button(first, EN("paging.next"))
    second = await execute_button(bot, admin, nxt.action, nxt.ref)
    assert shown_ids(second)[0] == 27, "#26 is not shown again though #10 came back before it"
    assert 10 in shown_ids(await bot.admin_waitlist(admin)), "#10 waits again, in its place"


async def test_buttons_carry_the_position_and_old_offset_buttons_still_work(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await waiting(bot, who, clock, 30)
    admin = who("admin")
    first = await bot.admin_waitlist(admin)
    nxt = page_button(first, EN("paging.next"))
    ref = paging.decode(nxt.ref)
    assert ref is not None and ref.source == "waitlist" and ref.start == 25 and ref.after is not None
    assert len(f"{nxt.custom_id}:{2**63}") <= 100, "fits a Discord custom id with a guild appended"
    assert button_command(nxt) == "/mentor-admin waitlist page:2", "the console's command to type is unchanged"

    old = await execute_button(bot, admin, paging.PAGE_ACTION, "waitlist.25")  # a button sent before the fix
    assert shown_ids(old) == list(range(26, 31))

    typed = await bot.admin_waitlist(admin, page="2")
    assert shown_ids(typed) == list(range(26, 31))
    previous = page_button(typed, EN("paging.previous"))
    assert shown_ids(await execute_button(bot, admin, previous.action, previous.ref)) == list(range(1, 26))


async def test_the_changed_note_is_in_swahili_too(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await waiting(bot, who, clock, 30)
    admin = who("admin")
    await bot.set_language(admin, language="sw")
    first = await bot.admin_waitlist(admin)
    nxt = page_button(first, SW("paging.next"))
    await bot.cancel(who("m00"))
    second = await execute_button(bot, admin, nxt.action, nxt.ref)
    assert shown_ids(second) == list(range(26, 31))
    line = paging.summary(second.reply.listings[0])
    assert SW("paging.showing", first=25, last=29, total=29) in line and SW("paging.changed") in line


def test_a_keyed_page_stored_and_read_back_pages_by_number() -> None:
    """A reply kept as JSON (an inbox answer) loses the keys: its buttons are offset buttons again."""
    entries = [f"#{i} x" for i in range(1, 31)]
    page = paging.listing("L", entries, start=0, page_size=25, source="waitlist", empty="", lang="en")
    keyed = paging.keyed(Reply("t", listings=(page,)), "waitlist", [(i, i) for i in range(1, 31)])
    assert [b.ref for b in paging.buttons(keyed.listings[0])] == ["waitlist.25>25_25"]
    again = reply_from_json(reply_to_json(keyed)).listings[0]
    assert isinstance(again, Listing) and [b.ref for b in paging.buttons(again)] == ["waitlist.25"]
    assert paging.decode("waitlist.25>x") is None and paging.decode("waitlist.0<1_2_3_4") is None
    assert paging.decode("waitlist.0<7_3") == paging.PageRef("waitlist", 0, before=(7, 3))
