"""Text typed by members and shown to others: checked on the way in, defused on the way out.

Members' text is stored as typed. When it is shown to someone else it is rendered so that it cannot
mention everyone, a role or another member on Discord (``@everyone``, ``@here``, ``<@&role>``, ``<@id>``) or
Slack (``<!channel>``, ``<!here>``, ``<!everyone>``, ``<!subteam^…>``, ``<@U…>``), nor disguise a link as other
words (Discord's masked link ``[Accept your offer](https://…)``, in a note an offer shows a mentor): the address
is shown as typed, the link's words beside it. Slack's own link form (``<url|words>``) is escaped by the Slack
adapter with every ``<``.

Nor may it hide or reorder itself: a right-to-left override (U+202E) in a note shows the words after it backwards
in a mentor's offer, a zero-width space hides inside a word. `check_text` refuses every invisible formatting
character (Unicode category Cf: bidi marks, embeddings, overrides and isolates, zero-width spaces, word joiners,
soft hyphens, byte order marks, tags…) but those writing needs: a zero-width joiner or non-joiner right after a
character outside ASCII (emoji sequences such as 👩‍💻 and ❤️‍🔥, Persian, Indic and Sinhala words) and the tags of
a subdivision flag (🏴 England, Scotland, Wales). Variation selectors, skin tones and flags are not format
characters. Where text is matched against words (the spam check of suggestions) it is compared in
`comparable` form, which sees through what is invisible.

A member's display name is the platform's, not checked on the way in: wherever another member or an admin is shown
it, `shown_name` drops the invisible formatting characters `check_text` would refuse (a right-to-left override in
a mentor's name reversed the rest of the mentee's status line) and defuses its mentions and masked links (a name
``[Undo](https://…)`` was a link in an admin's answer). A member's web address (a suggested resource's) is shown
with ``<``, ``>``, ``[`` and ``]`` percent-encoded (`defuse_url`): ``…?by=<@U0CAROL01>`` is no mention, ``…](https://…)``
closes no masked link, and it is still the same page. A member's title shown on a line with more after it (an
introduction's courses) has no lone ``[`` (`defuse_link_opener`) to open a masked link something later closes.

A member mention is defused in every id form an adapter renders (`_USER_MENTION`): Discord's digits, Slack's
``U…``, the console's names with any letter, ``.``, ``-`` and ``_`` (``<@mary-jane>``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Final

from mentorbot.errors import FieldName, UserError

_ZWSP = "\u200b"
_BROADCAST = re.compile(r"@(everyone|here|channel)", re.IGNORECASE)
_SLACK_SPECIAL = re.compile(r"<!([^>]*)>")
_DISCORD_ROLE = re.compile(r"<@&(\d+)>")
_USER_MENTION = re.compile("<@(?!" + _ZWSP + r")([^<>\s]+)>")
"""A member mention in any id form an adapter renders: Discord's ``<@123>`` and ``<@!123>``, Slack's ``<@U0CAROL01>``
and ``<@U0CAROL01|carol>``, the console's names (``<@mary-jane>``, ``<@zoë>``, ``<@j.n>``: any letter, digits, ``.``,
``-``, ``_``, which the console renders as ``@Name``): everything but ``<``, ``>`` and spaces between ``<@`` and ``>``.
Not one `defuse_mentions` already made inert with a zero-width space after its ``<@`` (a role's, ``@everyone``)."""
_LINK_OPENER: Final = "\uff3b"
"""What a lone ``[`` of a title is shown as (`defuse_link_opener`): a fullwidth left square bracket, which opens no
masked link."""
_MASKED_LINK = re.compile(r"\]\s*\(")
_ALLOWED_CONTROLS = {"\n", "\t"}
_JOINERS: Final = frozenset({"\u200c", "\u200d"})
"""Zero-width non-joiner and joiner: writing needs them (emoji sequences, Persian, Indic scripts)."""
_NOT_JOINED: Final = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})
"""What a joiner cannot follow: control, format and surrogate characters, spaces and line breaks."""
_FLAG_TAGS: Final = re.compile("\U0001f3f4[\U000e0030-\U000e0039\U000e0061-\U000e007a]{3,7}\U000e007f")
"""A subdivision flag: a black flag, a region and subdivision code in tag letters and digits, a cancel tag."""
_WHITESPACE_RUN: Final = re.compile(r"\s+")
_UNSEEN_WHEN_COMPARED: Final = frozenset({"Cf", "Mn", "Me", "Cc"})
"""What `comparable` drops: format characters, combining marks (variation selectors among them), controls."""


def has_control_characters(text: str) -> bool:
    """Whether `text` holds control characters other than newline and tab."""
    return any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in text)


def has_broken_characters(text: str) -> bool:
    """Whether `text` holds a lone surrogate (half of an emoji, say): not text any database can store."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def has_invisible_characters(text: str) -> bool:
    """Whether `text` holds an invisible formatting character (category Cf) writing does not need: any but a
    zero-width joiner or non-joiner right after a visible character outside ASCII and not followed by another
    format character, and the tags of a subdivision flag (``🏴`` + tag letters + cancel tag)."""
    return next(_needless_format(text), None) is not None


def _needless_format(text: str) -> Iterator[int]:
    """The positions in `text` of the invisible formatting characters writing does not need, as
    `has_invisible_characters` tells them: a subdivision flag's tags are read as its black flag alone."""
    seen: list[tuple[int, str]] = []  # (position in text, character), a flag's tags left out
    start = 0
    for flag in _FLAG_TAGS.finditer(text):
        seen.extend((index, text[index]) for index in range(start, flag.start()))
        seen.append((flag.start(), "\U0001f3f4"))
        start = flag.end()
    seen.extend((index, text[index]) for index in range(start, len(text)))
    for at, (index, ch) in enumerate(seen):
        if unicodedata.category(ch) != "Cf":
            continue
        if ch in _JOINERS and at > 0 and _joinable(seen[at - 1][1]):
            following = seen[at + 1][1] if at + 1 < len(seen) else ""
            if not following or unicodedata.category(following) != "Cf":
                continue
        yield index


def _joinable(ch: str) -> bool:
    """Whether a joiner may follow `ch`: a visible character outside ASCII (an emoji, a letter, a virama, a
    variation selector, a skin tone); ASCII text never needs one."""
    return ord(ch) > 0x7F and unicodedata.category(ch) not in _NOT_JOINED


def comparable(text: str) -> str:
    """`text` as a check matching words sees it: compatibility forms folded (fullwidth ``ｃａｓｉｎｏ`` is
    ``casino``), format characters, combining marks and variation selectors dropped (a zero-width space inside
    ``casino``, an accent on ``viagra``), each run of spaces and line breaks one space. Never shown or stored."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) not in _UNSEEN_WHEN_COMPARED or ch.isspace())
    return _WHITESPACE_RUN.sub(" ", unicodedata.normalize("NFKC", kept))


def storable(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (a pair of surrogates becomes the character it encodes)."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def check_text(text: str | None, *, field: FieldName, max_length: int, required: bool = False) -> str:
    """`text` trimmed, or a localized `UserError` when it is empty (if required), too long, has control
    characters, a lone surrogate or an invisible formatting character (`has_invisible_characters`). `field` is a
    message key suffix naming the field for the user (``note``…)."""
    value = (text or "").strip()
    if not value:
        if required:
            raise UserError("input.empty", field=field)
        return ""
    if has_control_characters(value):
        raise UserError("input.control_characters", field=field)
    if has_broken_characters(value):
        raise UserError("input.broken_characters", field=field)
    if has_invisible_characters(value):
        raise UserError("input.invisible_characters", field=field)
    if len(value) > max_length:
        raise UserError("input.too_long", field=field, max=max_length, length=len(value))
    return value


def defuse_mentions(text: str) -> str:
    """`text` with mass mentions, role mentions, member mentions and masked links made inert for Discord and
    Slack (a member's typed ``<@U…>`` would show as the bot quoting that member, and may ping them)."""
    text = _BROADCAST.sub(lambda m: "@" + _ZWSP + m.group(1), text)
    text = _SLACK_SPECIAL.sub(lambda m: "<" + _ZWSP + "!" + m.group(1) + ">", text)
    text = _MASKED_LINK.sub(lambda m: "]" + _ZWSP + m.group(0)[1:], text)
    text = _DISCORD_ROLE.sub(lambda m: "<@" + _ZWSP + "&" + m.group(1) + ">", text)
    return _USER_MENTION.sub(lambda m: "<" + _ZWSP + "@" + m.group(1) + ">", text)


NO_NAME: Final = "—"
"""How a display name made only of invisible characters is shown (`shown_name`)."""


def shown_name(name: str) -> str:
    """A member's display name as others are shown it: without the invisible formatting characters writing does
    not need (`has_invisible_characters`: a right-to-left override in a name would show the rest of the line it is
    in backwards; a zero-width joiner of an emoji sequence, of a Persian or an Indic name stays), its mentions and
    masked links made inert (`defuse_mentions`). A platform checks names by its own rules, not ours: they are
    stored as the platform gives them and made safe where they are shown."""
    needless = set(_needless_format(name))
    shown = defuse_mentions("".join(ch for index, ch in enumerate(name) if index not in needless))
    return shown if shown.strip() else NO_NAME  # only invisible characters: a visible mark, not a gap in the line


def defuse_link_opener(text: str) -> str:
    """`text` with each lone ``[`` (one no later ``]`` of `text` closes) shown as a fullwidth ``［``: a title shown
    on a line the bot writes more on (an introduction's ``{title} — {provider} ({cost}): {url}``) cannot open a
    Discord masked link that something after it closes. A bracketed word (``[Draft] notes``) stays as typed; its
    ``](`` is `defuse_mentions`'s. Showing it again changes nothing."""
    lone: list[int] = []
    for index, ch in enumerate(text):
        if ch == "[":
            lone.append(index)
        elif ch == "]" and lone:
            lone.pop()
    if not lone:
        return text
    chars = list(text)
    for index in lone:
        chars[index] = _LINK_OPENER
    return "".join(chars)


def defuse_url(url: str) -> str:
    """A web address typed by a member (or written in a catalog file), as anyone is shown it: every ``<``, ``>``,
    ``[`` and ``]`` percent-encoded (``%3C``, ``%3E``, ``%5B``, ``%5D``, which a server reads as the same page), so a
    mention typed into it (``…?by=<@U0CAROL01>``, ``<@&role>``) is no mention on Discord or Slack, and it can neither
    close a masked link a title before it opened (``…/guide](https://evil.example)``) nor open one. With no ``]``
    left, no ``](`` is: its parentheses (Wikipedia's ``…/Crisis_(disambiguation)``) stay."""
    return encode_angle_brackets(url).replace("[", "%5B").replace("]", "%5D")


def encode_angle_brackets(url: str) -> str:
    """`url` with every ``<`` and ``>`` percent-encoded (``%3C``, ``%3E``) and nothing else changed: the part of
    `defuse_url` a suggested address gets before it is checked (a refusal quotes it with its square brackets, which
    `usecases.curation.check_url` refuses after the catalog file's rule)."""
    return url.replace("<", "%3C").replace(">", "%3E")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list)."""


def spreadsheet_safe(value: object) -> object:
    """A CSV cell a spreadsheet shows as typed: text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return gets a leading ``'`` (which spreadsheets hide), so a member's note can never run as a
    formula in an admin's export. Anything that is not text is left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
