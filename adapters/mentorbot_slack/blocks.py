"""The core's neutral `Reply` as Slack Block Kit, within Slack's size limits.

A reply becomes: a header (its title), a section (its text), sections for its fields (inline fields side by
side, up to ten per section), its listings (a bold name, one section per entry, a context line saying which
entries of how many, see `mentorbot.paging`), and actions blocks for its buttons and the listings' Next /
Previous. Every message also carries `text`, the plain fallback Slack shows in notifications and screen readers
(up to Slack's 40,000 characters): it says what the blocks show, a small-print note first (`message`, `packed`),
and after a click in a pack of held notices every notice still shown (`swap_notice`); what passes the limit is
cut, never dropped whole with what follows (`fallback_text`).

Text from the core is written for every platform: backticks, plain URLs and ``<@U…>`` member mentions. Only
``&``, ``<`` and ``>`` mean something else to Slack, so they are escaped, except in member mentions, so that
nothing typed by a member can become a link, a channel mention or a broadcast. What is shown is decided on the
core's text first and escaped afterwards (`clip_escaped`, `paging.split`), so a cut never leaves half an
escape (``&am…``). A listing's entries are never cut: a page shows the entries that fit in the blocks left
(`paging.fit`) and says how many more there are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from mentorbot import paging
from mentorbot.replies import Button, ButtonStyle, Field, Listing, Reply, clip

Block = dict[str, Any]

HEADER_MAX: Final = 150
SECTION_TEXT_MAX: Final = 3000
FIELD_TEXT_MAX: Final = 2000
FIELDS_PER_SECTION: Final = 10
BUTTONS_PER_ACTIONS: Final = 25
BUTTON_TEXT_MAX: Final = 75
FALLBACK_TEXT_MAX: Final = 40000
MESSAGE_BLOCKS_MAX: Final = 50
HOME_BLOCKS_MAX: Final = 100
FIELD_NAME_MAX: Final = 200
"""The most of a field's name shown (its value gets the rest of the section's text)."""
ENTRY_BLOCKS_MAX: Final = 3
"""Sections one entry of `paging.ENTRY_MAX` characters may need once escaped (room kept for each listing)."""

ACTION_PREFIX: Final = "mentorbot:"
"""Every button's `action_id` is its `Button.custom_id` (``mentorbot:offer.accept:42``)."""

HELD_BLOCK_PREFIX: Final = "mentorbot-held-"
"""The start of the block ids of a pack of held notices (`packed`)."""
HELD_NOTE_BLOCK: Final = f"{HELD_BLOCK_PREFIX}note"
"""The block id of a pack's small print (`packed`)."""

_MENTION: Final = re.compile(r"(<@[UW][A-Z0-9]+>)")
_HELD_BLOCK: Final = re.compile(re.escape(HELD_BLOCK_PREFIX) + r"(\d+)-\d+")


def escape(text: str) -> str:
    """`text` safe for Slack's mrkdwn: ``& < >`` escaped, member mentions (``<@U123>``) kept."""
    parts = _MENTION.split(text)
    return "".join(
        part if i % 2 else part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for i, part in enumerate(parts)
    )


def tokens(text: str) -> list[str]:
    """`text` as the units a cut never splits: each member mention whole, every other character alone."""
    out: list[str] = []
    for i, part in enumerate(_MENTION.split(text)):
        if i % 2:
            out.append(part)
        else:
            out.extend(part)
    return out


def cost(token: str) -> int:
    """How many characters a token of `tokens` takes once escaped."""
    return len(escape(token))


def clip_escaped(text: str, limit: int) -> str:
    """`text` escaped, at most `limit` characters: when it is longer, the most of `text` whose escaped form
    fits with an ellipsis, so that no escape sequence or mention is cut."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    kept: list[str] = []
    used = 0
    for token in tokens(text):
        size = cost(token)
        if used + size > limit - 1:
            break
        kept.append(token)
        used += size
    return escape("".join(kept)) + "…"


def plain(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    """A ``plain_text`` text object."""
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    """An ``mrkdwn`` text object of core text (cut to what fits in `limit` once escaped, then escaped)."""
    return {"type": "mrkdwn", "text": clip_escaped(text, limit)}


def section(text: str) -> Block:
    """A section block showing `text`."""
    return {"type": "section", "text": mrkdwn(text)}


def context(text: str) -> Block:
    """A small-print context block."""
    return {"type": "context", "elements": [mrkdwn(text)]}


def _field_name(field: Field) -> str:
    return f"*{clip_escaped(field.name, FIELD_NAME_MAX)}*\n"


def _field_text(field: Field, limit: int) -> str:
    name = _field_name(field)
    return name + clip_escaped(field.value, limit - len(name))


def field_blocks(fields: Sequence[Field]) -> list[Block]:
    """Sections for `fields`: consecutive inline fields share a section (up to ten), others get their own."""
    blocks: list[Block] = []
    inline: list[Field] = []

    def flush() -> None:
        for start in range(0, len(inline), FIELDS_PER_SECTION):
            chunk = inline[start : start + FIELDS_PER_SECTION]
            texts = [{"type": "mrkdwn", "text": _field_text(f, FIELD_TEXT_MAX)} for f in chunk]
            blocks.append({"type": "section", "fields": texts})
        inline.clear()

    for field in fields:
        if field.inline:
            inline.append(field)
            continue
        flush()
        blocks.extend(_long_field(field))
    flush()
    return blocks


def _long_field(field: Field) -> list[Block]:
    """A field of its own: one section, or, when its value is past a section's 3,000 characters (a line per
    skill of a large taxonomy), several, cut at line ends, the name on the first."""
    return text_sections(field.value, head=_field_name(field))


def text_sections(text: str, *, head: str = "") -> list[Block]:
    """Sections showing all of `text` (core text, escaped here): one, or, past a section's 3,000 characters once
    escaped (an admin's reload report naming many skills), several, cut at line ends (a line longer than a
    section at word ends, see `paging.split`). `head` (mrkdwn, escaped already: a field's bold name) starts the
    first. How many sections a message keeps is `layout`'s to decide."""
    room = SECTION_TEXT_MAX - len(head)
    pieces: list[str] = []
    for line in text.split("\n"):
        size = len(escape(line))
        if pieces and len(escape(pieces[-1])) + 1 + size <= room:
            pieces[-1] += "\n" + line
        else:
            pieces.extend(paging.split(line, room, cost=cost, tokens=tokens) if size > room else [line])
    # A blank piece (an empty line where one section ends) would be a section Slack refuses: it is left out.
    kept = [piece for piece in pieces if piece.strip()] or [""]
    texts = [head + escape(kept[0]), *(escape(piece) for piece in kept[1:])]
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text or "…"}} for text in texts]


def button_element(button: Button) -> dict[str, Any]:
    """A Block Kit button for a core `Button`: its `action_id` is the button's stable custom id."""
    element: dict[str, Any] = {
        "type": "button",
        "action_id": button.custom_id,
        "text": plain(button.label, BUTTON_TEXT_MAX),
        "value": button.ref,
    }
    if button.style is not ButtonStyle.SECONDARY:
        element["style"] = button.style.value
    return element


def button_blocks(buttons: Sequence[Button], *, block_prefix: str = "mentorbot-actions") -> list[Block]:
    """Actions blocks for `buttons` (at most 25 per block)."""
    return [
        {
            "type": "actions",
            "block_id": f"{block_prefix}-{start // BUTTONS_PER_ACTIONS}",
            "elements": [button_element(b) for b in buttons[start : start + BUTTONS_PER_ACTIONS]],
        }
        for start in range(0, len(buttons), BUTTONS_PER_ACTIONS)
    ]


@dataclass(frozen=True)
class Shown:
    """One listing as a message shows it: the entries that fit, each as its sections' texts (core text)."""

    listing: Listing
    fitted: paging.Fitted

    @property
    def count(self) -> int:
        """How many of the page's entries are shown."""
        return self.fitted.shown


def fit_listings(listings: Sequence[Listing], room: int) -> list[Shown]:
    """The entries of each listing that fit in `room` sections, in order (each listing shows at least one: the
    room of one whole entry is kept for each listing still to come)."""
    shown: list[Shown] = []
    for index, listing in enumerate(listings):
        later = ENTRY_BLOCKS_MAX * (len(listings) - index - 1)
        fitted = paging.fit(
            listing.entries,
            piece_max=SECTION_TEXT_MAX,
            pieces_max=max(room - later, 1),
            cost=cost,
            tokens=tokens,
        )
        room -= sum(len(pieces) for pieces in fitted.entries)
        shown.append(Shown(listing, fitted))
    return shown


def listing_blocks(item: Shown) -> list[Block]:
    """A listing's blocks: its name, one section per entry (or per piece of a very long one), the summary."""
    listing = item.listing
    blocks: list[Block] = []
    if listing.name:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{clip_escaped(listing.name, 200)}*"}})
    if not listing.entries:
        blocks.append(section(listing.empty or "—"))
    for pieces in item.fitted.entries:
        blocks.extend({"type": "section", "text": {"type": "mrkdwn", "text": escape(piece)}} for piece in pieces)
    if line := paging.summary(listing, item.count):
        blocks.append(context(line))
    return blocks


def layout(
    reply: Reply, *, buttons: bool = True, max_blocks: int = MESSAGE_BLOCKS_MAX
) -> tuple[list[Block], list[Shown]]:
    """The blocks of `reply` (its buttons and the listings' paging buttons too, unless `buttons` is false) and
    what each listing shows. The listings' entries get the blocks the rest leaves; the rest is shortened first
    so that each listing has room for one whole entry."""
    blocks: list[Block] = []
    if reply.title and len(reply.title) <= HEADER_MAX:
        blocks.append({"type": "header", "text": plain(reply.title, HEADER_MAX)})
    elif reply.title:  # a header would cut it (five long skill names): a bold section shows it whole
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{clip_escaped(reply.title, 2000)}*"}})
    if reply.text:
        blocks.extend(text_sections(reply.text))  # never cut: past 3,000 characters, several sections
    blocks.extend(field_blocks(reply.fields))
    listings = reply.listings
    most_buttons = len(reply.buttons) + 2 * len(listings) if buttons else 0
    actions_max = -(-most_buttons // BUTTONS_PER_ACTIONS)
    # Each listing: a name, a summary and room for one entry of paging.ENTRY_MAX characters (or its empty text).
    kept = sum(2 + ENTRY_BLOCKS_MAX for _ in listings)
    room = max_blocks - actions_max - kept
    if len(blocks) > room:
        blocks = [*blocks[: max(room - 1, 0)], section("…")]
    entry_room = max_blocks - actions_max - len(blocks) - 2 * len(listings)
    shown = fit_listings(listings, entry_room)
    for item in shown:
        blocks.extend(listing_blocks(item))
    if buttons:
        paging_buttons = [b for item in shown for b in paging.buttons(item.listing, item.count)]
        blocks.extend(button_blocks([*reply.buttons, *paging_buttons]))
    return blocks, shown


def reply_blocks(reply: Reply, *, buttons: bool = True, max_blocks: int = MESSAGE_BLOCKS_MAX) -> list[Block]:
    """The blocks of `reply` (its buttons too, unless `buttons` is false): see `layout`."""
    return layout(reply, buttons=buttons, max_blocks=max_blocks)[0]


def fallback_text(reply: Reply, shown: Sequence[Shown] | None = None, *, limit: int = FALLBACK_TEXT_MAX) -> str:
    """The plain text Slack shows in notifications (and where blocks cannot be shown): the title, text and
    fields, then each listing's entries as `shown` (all of the page by default) and its summary, within `limit`
    characters (Slack's 40,000): the line that does not fit whole is cut there (never inside an escape or a
    mention, `clip_escaped`) and the lines after it are left out, so the start of every part up to it is kept."""
    lines = [part for part in (reply.title, reply.text) if part]
    lines.extend(f"{f.name}: {f.value}" for f in reply.fields)
    if shown is None:
        shown = [Shown(x, paging.Fitted(tuple((e,) for e in x.entries))) for x in reply.listings]
    for item in shown:
        listing = item.listing
        lines.append(f"{listing.name}:" if listing.name else "")
        lines.extend(["".join(p) for p in item.fitted.entries] or [listing.empty])
        lines.append(paging.summary(listing, item.count))
    text = ""
    for line in (line for line in lines if line):
        room = limit - (len(text) + 1 if text else 0)
        escaped = escape(line)
        if len(escaped) > room:
            if room > 0:
                cut = clip_escaped(line, room)
                text = f"{text}\n{cut}" if text else cut
            break
        text = f"{text}\n{escaped}" if text else escaped
    return text or "…"


def clip_mrkdwn(text: str, limit: int) -> str:
    """Escaped text (`escape`d core text, a block's mrkdwn) at most `limit` characters: when it is longer, cut
    with an ellipsis before any escape (``&amp;``) or mention (``<@U…>``) the cut would split."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    amp = cut.rfind("&")
    if amp >= 0 and ";" not in cut[amp:]:
        cut = cut[:amp]
    opened = cut.rfind("<")
    if opened >= 0 and ">" not in cut[opened:]:
        cut = cut[:opened]
    return cut + "…" if limit > 0 else ""


def shown_text(blocks: Sequence[Any]) -> str:
    """What `blocks` (as built here, or as a click carried them back) show, as escaped text: headers, sections
    and their fields, context lines, one a line (buttons left out, as `fallback_text` leaves them out)."""
    lines: list[str] = []

    def add(obj: Any) -> None:
        if isinstance(obj, dict) and isinstance(obj.get("text"), str) and obj.get("type") in ("mrkdwn", "plain_text"):
            lines.append(obj["text"] if obj["type"] == "mrkdwn" else escape(obj["text"]))

    for block in blocks:
        if not isinstance(block, dict) or block.get("type") not in ("header", "section", "context"):
            continue
        add(block.get("text"))
        for item in block.get("fields") or []:
            add(item)
        for element in block.get("elements") or []:
            add(element)
    return "\n".join(line for line in lines if line)


def packed(replies: Sequence[Reply], *, note: str | None = None) -> list[tuple[dict[str, Any], list[Reply]]]:
    """Several replies (the notices held for a member) in as few messages as Slack takes (50 blocks each), each
    with the replies it holds: an interaction's response_url takes five posts only, so one post per notice
    could leave some unshown. `note` is the small print above each message, and the first line of its `text`
    (then each notice's `fallback_text`). Every block's id names the notice it shows (`held_blocks`), so that a
    click in one notice changes that notice alone (`swap_notice`)."""
    groups: list[tuple[list[Block], list[str], list[Reply]]] = []
    room = MESSAGE_BLOCKS_MAX - (1 if note else 0)
    for reply in replies:
        blocks, shown = layout(reply, buttons=True, max_blocks=room)  # a reply alone never passes the room
        if not groups or len(groups[-1][0]) + len(blocks) > room:
            groups.append(([], [], []))
        groups[-1][0].extend(held_blocks(blocks, len(groups[-1][2])))
        groups[-1][1].append(fallback_text(reply, shown))
        groups[-1][2].append(reply)
    top = [{**context(note), "block_id": HELD_NOTE_BLOCK}] if note else []
    head = shown_text(top)
    return [({"text": _with_note(head, texts), "blocks": [*top, *blocks]}, held) for blocks, texts, held in groups]


def held_blocks(blocks: Sequence[Block], number: int) -> list[Block]:
    """The blocks of notice `number` of a pack (`packed`), each with a block id that names the notice
    (``mentorbot-held-<notice>-<block>``, unique in the message)."""
    return [{**block, "block_id": f"{HELD_BLOCK_PREFIX}{number}-{index}"} for index, block in enumerate(blocks)]


def held_notice(block_id: object) -> int | None:
    """The notice of a pack a block shows (see `held_blocks`), or None for a block of another message."""
    found = _HELD_BLOCK.fullmatch(block_id) if isinstance(block_id, str) else None
    return int(found.group(1)) if found else None


def clicked_notice(blocks: Sequence[Any], block_id: object, action_id: object) -> int | None:
    """The notice of a pack a button was clicked in: its block's id (`block_id`, as Slack names it in the click),
    else the block of the message's `blocks` holding a button `action_id`; None outside a pack."""
    if (number := held_notice(block_id)) is not None:
        return number
    for block in blocks:
        elements = block.get("elements") if isinstance(block, dict) else None
        if isinstance(elements, list) and any(
            isinstance(e, dict) and e.get("action_id") == action_id for e in elements
        ):
            return held_notice(block.get("block_id"))
    return None


def swap_notice(blocks: Sequence[Any], number: int, reply: Reply) -> dict[str, Any] | None:
    """The ``text`` and ``blocks`` of a pack's message (`blocks`, as the click carried them) with notice
    `number` turned into `reply` (a click's answer in it), the note and the other notices as they were: for
    chat.update or a response_url's ``replace_original``. None when no block shows that notice, or when the
    answer would not fit whole beside the others in Slack's 50 blocks (it is then shown beside the message).

    The ``text`` says what the new blocks show, in their order: the note as its first line, then each notice,
    the answer as its `fallback_text` and the others as their blocks show them (`shown_text`: a click carries
    the blocks, not each notice's own text)."""
    if not all(isinstance(block, dict) for block in blocks):
        return None
    mine = [index for index, block in enumerate(blocks) if held_notice(block.get("block_id")) == number]
    if not mine:
        return None
    room = MESSAGE_BLOCKS_MAX - (len(blocks) - len(mine))
    answer, shown = layout(reply)
    if len(answer) > room:
        return None
    others = [block for index, block in enumerate(blocks) if index not in mine]
    at = mine[0]
    final = [*others[:at], *held_blocks(answer, number), *others[at:]]
    head = ""
    parts: list[tuple[object, list[Block]]] = []
    for block in final:
        if block.get("block_id") == HELD_NOTE_BLOCK and not parts:
            head = "\n".join(line for line in (head, shown_text([block])) if line)
            continue
        key = held_notice(block.get("block_id"))
        if parts and parts[-1][0] == key:
            parts[-1][1].append(block)
        else:
            parts.append((key, [block]))
    limit = FALLBACK_TEXT_MAX - (len(head) + 1 if head else 0)
    texts = [fallback_text(reply, shown, limit=limit) if key == number else shown_text(part) for key, part in parts]
    return {"text": _with_note(head, [text for text in texts if text]), "blocks": final}


def _joined(texts: Sequence[str], limit: int = FALLBACK_TEXT_MAX) -> str:
    """Fallback texts (`fallback_text`: escaped already) one after the other within `limit` characters (Slack's
    40,000): the one that does not fit whole is cut there (`clip_mrkdwn`: an escaped text is never escaped
    again, nor cut inside an escape) and those after it are left out."""
    joined = ""
    for text in texts:
        room = limit - (len(joined) + 2 if joined else 0)
        if len(text) > room:
            if room > 0:
                cut = clip_mrkdwn(text, room)
                joined = f"{joined}\n\n{cut}" if joined else cut
            break
        joined = f"{joined}\n\n{text}" if joined else text
    return joined or "…"


def _with_note(head: str, texts: Sequence[str]) -> str:
    """`texts` (`_joined`) after `head` (a note's escaped text, or none) as their first line, in Slack's 40,000."""
    if not head:
        return _joined(texts)
    head = clip_mrkdwn(head, FALLBACK_TEXT_MAX // 2)
    return f"{head}\n{_joined(texts, FALLBACK_TEXT_MAX - len(head) - 1)}"


def message(reply: Reply, *, buttons: bool = True, note: str | None = None) -> dict[str, Any]:
    """``text`` and ``blocks`` arguments for chat.postMessage / chat.update / chat.postEphemeral / respond.

    `note` adds a small-print line first (for example why a message arrives here and not by DM), in the blocks
    and as the first line of ``text``.
    """
    blocks, shown = layout(reply, buttons=buttons, max_blocks=MESSAGE_BLOCKS_MAX - (1 if note else 0))
    if not note:
        return {"text": fallback_text(reply, shown), "blocks": blocks}
    top = context(note)
    head = clip_mrkdwn(shown_text([top]), FALLBACK_TEXT_MAX // 2)
    text = fallback_text(reply, shown, limit=FALLBACK_TEXT_MAX - len(head) - 1)
    return {"text": f"{head}\n{text}" if head else text, "blocks": [top, *blocks]}
