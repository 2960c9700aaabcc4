"""Lists longer than a message: pages of whole entries, the "showing 1–25 of 200" line and the paging buttons.

The core builds a `replies.Listing` (one page of a list) with `listing`; an adapter shows as many of its
entries as its platform's limits allow (`fit`: all of them unless entries are unusually long), never cutting
an entry, then the line `summary` writes and the buttons of `buttons`. A paging button's state is in the
button itself (`Button.ref`: which list, from which entry, filtered by what; see `encode`), so a click works
after a restart and in any process; `commands.execute_button` runs it (`PAGE_ACTION`). Typed paging is
``page:2`` on the commands that list (`TYPED`).

A list that changes between clicks (the waitlist: requests are matched, cancelled, or come back after a decline)
is paged by position instead of by number: its page is a `KeyedListing` (`keyed`), whose buttons carry the sort
key of the last entry shown (Next) or the first (Previous), and the click shows the entries after (before) that
key in the list as it is now (`start_in`), so none is skipped or shown twice because others came or went.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Final, TypeAlias

from mentorbot.errors import UserError
from mentorbot.i18n import translator
from mentorbot.replies import Button, ButtonStyle, Listing, Reply, clip

PAGE_ACTION: Final = "list.page"
"""The `Button.action` of every Next / Previous button (its `ref` is `encode`'s)."""
ENTRY_MAX: Final = 1500
"""The longest entry (characters) a listing holds: every adapter keeps room for one whole entry of this size."""
PAGE_SIZE: Final = 25
"""Entries per page of the waitlist and the skills."""
STATUS_PAGE_SIZE: Final = 10
"""Entries per page of each list of the status view (open requests, offers, mentorships)."""
QUERY_MAX: Final = 40
"""The longest query a paging button carries (Discord's custom ids hold 100 characters)."""

TYPED: Final = {
    "waitlist": "/mentor-admin waitlist page:{page}",
    "skills": "/skills page:{page}",
    "skills?": "/skills query:{query} page:{page}",
}
"""The command that shows page N of a list, for lists that can be paged by typing. A search names its option
(``query:``): on Discord it is a named option of `/skills`, and the shared parser reads it the same."""

STATUS_SOURCES: Final = ("requests", "offers", "mentorships")
"""The lists of the status view, each paged on its own."""

Key: TypeAlias = tuple[int, ...]
"""Where an entry sorts in a list that is paged by position (`KeyedListing`): whole numbers from 0, compared in
order (the waitlist's: when the request was made, in microseconds, then its id)."""
KEY_PARTS_MAX: Final = 3
"""The most numbers a `Key` has (each of at most 20 digits), so that a button's ref stays short."""


@dataclass(frozen=True)
class PageRef:
    """What a paging button asks for: list `source`, from entry `start` (0-based), filtered by `query`. A
    keyed list's button (`KeyedListing`) also carries the key of the last entry shown (`after`, Next) or of the
    first (`before`, Previous): the page it asks for is found by that key, `start` being where it began when the
    button was made (for the command to type, and a list without keys)."""

    source: str
    start: int
    query: str = ""
    after: Key | None = None
    before: Key | None = None


def encode(ref: PageRef) -> str:
    """A `PageRef` as a button's ref: ``waitlist.25``, ``skills.25.paid ads``, or with a key
    ``waitlist.25>1717171717000000_42`` (Next) / ``waitlist.0<…`` (Previous). No colon: ids use them."""
    query = clip(ref.query.replace(":", " ").strip(), QUERY_MAX) if ref.query else ""
    return f"{ref.source}.{position_of(ref)}" + (f".{query}" if query else "")


def decode(ref: str) -> PageRef | None:
    """The `PageRef` of a paging button's ref; None when it is not one."""
    source, _, rest = ref.partition(".")
    position, _, query = rest.partition(".")
    read = read_position(position)
    if not source or read is None:
        return None
    return PageRef(source, read.start, query, read.after, read.before)


def _key_text(key: Key) -> str:
    return "_".join(str(part) for part in key)


def _key_of(text: str) -> Key | None:
    """The `Key` written by `_key_text`; None when `text` is not one."""
    parts = text.split("_")
    if not 1 <= len(parts) <= KEY_PARTS_MAX:
        return None
    if not all(part.isascii() and part.isdigit() and len(part) <= 20 for part in parts):
        return None
    return tuple(int(part) for part in parts)


@dataclass(frozen=True)
class Position:
    """Where a page starts, as a paging button says it: entry `start`, or after / before a key (`PageRef`)."""

    start: int
    after: Key | None = None
    before: Key | None = None

    def __str__(self) -> str:
        """As a button's ref has it after the list's name (``25``, ``25>1717171717000000_42``): also what
        `commands.execute_button` passes a use-case as its `start`, read back by `start_in`."""
        if self.after is not None:
            return f"{self.start}>{_key_text(self.after)}"
        if self.before is not None:
            return f"{self.start}<{_key_text(self.before)}"
        return str(self.start)


def read_position(text: str) -> Position | None:
    """The `Position` of ``25``, ``25>KEY`` or ``0<KEY``; None when `text` is none of them."""
    for mark in (">", "<"):
        number, found, key_text = text.partition(mark)
        if found:
            start, key = _whole(number), _key_of(key_text)
            if start is None or key is None:
                return None
            return Position(start, key, None) if mark == ">" else Position(start, None, key)
    start = _whole(text)
    return None if start is None else Position(start)


def position_of(ref: PageRef) -> Position:
    """A decoded button's position, for the use-case it runs (``str(position)`` as its `start`)."""
    return Position(ref.start, ref.after, ref.before)


def _whole(text: str) -> int | None:
    """`text` as a whole number of ASCII digits, at most nine of them (no list is longer); else None. (``²``
    and ``٣`` are digits to `str.isdigit` that `int` refuses or reads, and a 5,000-digit page is no page.)"""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def start_in(keys: Sequence[Key], page: str | int | None, start: str | int | None, page_size: int) -> tuple[int, bool]:
    """The first entry to show of a keyed list (its entries' `keys`, in order, as the list is now), and whether
    the list changed since the button asking for it was made: from a button's `start` after a key (Next), the
    entry after it; before a key (Previous), the page that ends just before it (from the first entry when fewer
    come before it); else as `start_of`. A key need not be in the list any more: its entry may have left it."""
    position = read_position(str(start).strip()) if start is not None else None
    if position is not None and position.after is not None:
        first = bisect_right(keys, position.after)
        return first, first != position.start
    if position is not None and position.before is not None:
        first = max(bisect_left(keys, position.before) - page_size, 0)
        return first, first != position.start
    return start_of(page, start, page_size), False


def start_of(page: str | int | None, start: str | int | None, page_size: int) -> int:
    """The first entry to show: from a button's `start`, else from a typed `page` (1 is the first), else 0.
    A typed page that is not a whole number from 1 is refused (``paging.bad_page``)."""
    if start is not None and (number := _whole(str(start))) is not None:
        return number
    if page is None or not str(page).strip():
        return 0
    text = str(page).strip()
    if (number := _whole(text)) is None or number < 1:
        raise UserError("paging.bad_page", page=clip(text, 20))
    return (number - 1) * page_size


def listing(
    name: str,
    entries: Sequence[str],
    *,
    start: int,
    page_size: int,
    source: str,
    empty: str,
    lang: str,
    query: str = "",
) -> Listing:
    """The page of `entries` (the whole list, in order) that begins at `start` (past the end: the last page).
    Entries longer than `ENTRY_MAX` are clipped (the core's own are shorter)."""
    total = len(entries)
    if total and start >= total:
        start = (total - 1) // page_size * page_size
    start = max(start, 0)
    page = tuple(clip(e, ENTRY_MAX) for e in entries[start : start + page_size])
    return Listing(name, page, total, start, source, query, page_size, empty, lang)


@dataclass(frozen=True)
class KeyedListing(Listing):
    """A page of a list paged by position (see the module's doc): `keys` are its entries' sort keys (one each,
    in order), and `changed` says the list changed since the button that asked for this page was made (the
    summary then says its positions are counted afresh). Stored and read back (`replies.reply_to_json`), it is a
    plain `Listing`, paged by number again."""

    keys: tuple[Key, ...] = ()
    changed: bool = False


def keyed(reply: Reply, source: str, keys: Sequence[Key], *, changed: bool = False) -> Reply:
    """`reply` with its listings of `source` (built from the whole list whose entries' keys are `keys`, in order)
    paged by position: each a `KeyedListing` with its page's keys."""
    listings = tuple(
        KeyedListing(
            **{f.name: getattr(page, f.name) for f in fields(Listing)},
            keys=tuple(keys[page.start : page.start + len(page.entries)]),
            changed=changed,
        )
        if page.source == source and not isinstance(page, KeyedListing)
        else page
        for page in reply.listings
    )
    return replace(reply, listings=listings)


def _keys(page: Listing) -> tuple[Key, ...]:
    """A keyed page's keys (one per entry), else none."""
    if isinstance(page, KeyedListing) and len(page.keys) == len(page.entries):
        return page.keys
    return ()


def next_start(page: Listing, shown: int) -> int | None:
    """Where the page after `page` starts when `shown` of its entries were shown; None at the end."""
    after = page.start + shown
    return after if after < page.total else None


def previous_start(page: Listing) -> int | None:
    """Where the page before `page` starts; None on the first."""
    return max(page.start - page.page_size, 0) if page.start > 0 else None


def typed_command(page: Listing, start: int) -> str | None:
    """The command to type for the page beginning at `start`, when the list has one and `start` is a page's."""
    template = TYPED.get(page.source + ("?" if page.query else ""))
    if template is None or start % page.page_size:
        return None
    return template.format(page=start // page.page_size + 1, query=page.query)


def summary(page: Listing, shown: int | None = None) -> str:
    """The line under a page when `shown` of its entries were shown (all by default): which entries of how
    many, how many more, entries of this page that did not fit and how to get the next page. Empty for a list
    that fits whole on one page."""
    shown = len(page.entries) if shown is None else shown
    if page.total == 0 or (page.start == 0 and shown >= page.total):
        return ""
    t = translator(page.lang)
    more = page.total - page.start - shown
    first, last = page.start + 1, page.start + shown
    parts = [
        t("paging.showing_more", first=first, last=last, total=page.total, more=more)
        if more > 0
        else t("paging.showing", first=first, last=last, total=page.total)
    ]
    if isinstance(page, KeyedListing) and page.changed:
        parts.append(t("paging.changed"))
    if shown < len(page.entries):
        parts.append(t("paging.cut" if carried(page) else "paging.cut_narrow", count=len(page.entries) - shown))
    elif (after := next_start(page, shown)) is not None and (command := typed_command(page, after)):
        parts.append(t("paging.next_command", command=command))
    return " ".join(parts)


def carried(page: Listing) -> bool:
    """Whether a paging button can carry the page's query whole (`QUERY_MAX`)."""
    return len(page.query.replace(":", " ").strip()) <= QUERY_MAX


def buttons(page: Listing, shown: int | None = None) -> tuple[Button, ...]:
    """Previous and Next for `page` when `shown` of its entries were shown (each only where there is one). None
    for a list filtered by a query too long for a button to carry (`QUERY_MAX`): a shortened query would page
    through another search; its summary says the command to type instead."""
    shown = len(page.entries) if shown is None else shown
    t = translator(page.lang)
    out: list[Button] = []
    if not carried(page):
        return ()
    keys = _keys(page)
    if (before := previous_start(page)) is not None:
        ref = encode(PageRef(page.source, before, page.query, before=keys[0] if keys else None))
        out.append(Button(PAGE_ACTION, ref, t("paging.previous")))
    if (after := next_start(page, shown)) is not None:
        last = keys[shown - 1] if keys and 0 < shown <= len(keys) else None
        ref = encode(PageRef(page.source, after, page.query, after=last))
        out.append(Button(PAGE_ACTION, ref, t("paging.next"), ButtonStyle.PRIMARY))
    return tuple(out)


def reply_buttons(reply: Reply) -> tuple[Button, ...]:
    """`reply`'s buttons, then the paging buttons of each of its listings shown whole (what an adapter without
    size limits, the console, offers)."""
    return (*reply.buttons, *(b for page in reply.listings for b in buttons(page)))


def page_command(ref: str) -> str | None:
    """The command that does what a paging button does, for text adapters (``/mentor-admin waitlist page:2``)."""
    decoded = decode(ref)
    if decoded is None:
        return None
    size = STATUS_PAGE_SIZE if decoded.source in STATUS_SOURCES else PAGE_SIZE
    probe = Listing("", (), decoded.start + 1, 0, decoded.source, decoded.query, size)
    return typed_command(probe, decoded.start)


# ------------------------------------------------------------------------------------- fitting to limits


def split(
    text: str, limit: int, cost: Callable[[str], int] = len, tokens: Callable[[str], Iterable[str]] = list
) -> list[str]:
    """`text` as consecutive pieces (joined, they are `text`) each costing at most `limit`: whole lines where a
    line fits, else whole words, else as many tokens as fit. `tokens` splits text into the units a piece never
    cuts (characters; a Slack mention), `cost` is what a token costs once rendered (its escaped length)."""
    if sum(cost(tok) for tok in tokens(text)) <= limit:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    breaks: list[int] = []  # indexes in `current` just after a newline or a space
    for token in tokens(text):
        size = cost(token)
        while current and used + size > limit:
            cut = breaks[-1] if breaks else len(current)
            pieces.append("".join(current[:cut]))
            current = current[cut:]
            used = sum(cost(tok) for tok in current)
            breaks = [i + 1 for i, tok in enumerate(current) if tok in ("\n", " ")]
        current.append(token)
        used += size
        if token in ("\n", " "):
            breaks.append(len(current))
    if current:
        pieces.append("".join(current))
    return pieces


@dataclass(frozen=True)
class Fitted:
    """The entries of a page an adapter shows: each as the pieces it is shown in (one, unless very long)."""

    entries: tuple[tuple[str, ...], ...]

    @property
    def shown(self) -> int:
        """How many entries are shown."""
        return len(self.entries)


def fit(
    entries: Sequence[str],
    *,
    piece_max: int,
    pieces_max: int,
    chars_max: int | None = None,
    separator: int = 0,
    cost: Callable[[str], int] = len,
    tokens: Callable[[str], Iterable[str]] = list,
) -> Fitted:
    """The longest run of `entries`, from the first, that fits: each entry split (`split`) into pieces of at
    most `piece_max`; at most `pieces_max` pieces in all and, with `chars_max`, at most that many characters
    (each entry costing `separator` more). The first entry is always shown: callers keep room for one of
    `ENTRY_MAX` characters."""
    shown: list[tuple[str, ...]] = []
    used_pieces = 0
    used_chars = 0
    for entry in entries:
        pieces = tuple(split(entry, piece_max, cost, tokens))
        chars = sum(cost(tok) for piece in pieces for tok in tokens(piece)) + separator
        too_many = used_pieces + len(pieces) > pieces_max
        too_long = chars_max is not None and used_chars + chars > chars_max
        if shown and (too_many or too_long):
            break
        shown.append(pieces)
        used_pieces += len(pieces)
        used_chars += chars
    return Fitted(tuple(shown))
