"""The core's neutral replies as Discord messages: embeds, persistent buttons and files.

No text is made here: every word comes from the `Reply` (already localized by the core), from the core's
paging helpers (`mentorbot.paging`) or from the adapter's own catalog (``locales/<lang>/discord.toml``).

A reply's listings are embeds of their own: the list's name as title, one entry a line in the description
and the "showing 1–25 of 200" line as footer, with Next / Previous buttons. An entry is never cut: a page
shows the entries that fit in what Discord allows (4,096 characters of description, 6,000 in all the embeds
of a message, 10 embeds) and says how many more there are. A reply's text is never cut short either: past a
description's 4,096 characters it goes on in embeds of its own, cut at line ends (`text_pieces`), over as
many messages as it needs. Nor is a field's value: past 1,024 characters it goes on in continuation fields, cut
at line ends, and a longer line at word ends (`_split_value`). Titles, field names and button labels are clipped to
Discord's limits, so a long reply never makes a send fail.

A DM names the Discord server it comes from when the client asks for it (`render`'s `server`: the bot is in several
servers, whose DMs to one member all share one DM channel): at the end of an embed reply's content line (its first
line for an untitled one, whose content line starts as its plain text would), or as the first line of a plain-text one
(`server_phrases`), in the reader's language, its markdown escaped and never cut.

Files go at most 10 a message and no more than Discord's upload limit together (`file_batches`); a file over
that limit is not sent (Discord would refuse the whole message: ``413``, code 40005) but named in a line of the
reply, in the reader's language, with ``mentorbot admin export`` for the admin export's files (`too_big_line`).
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Self

import discord

from mentorbot import paging
from mentorbot.i18n import DEFAULT_LANGUAGE, Translator, translator
from mentorbot.replies import Attachment, Button, ButtonStyle, Listing, Outcome, Reply, clip
from mentorbot.usecases.admin import EXPORT_TABLES
from mentorbot_discord.plugin import COMMUNITY_PREFIX
from mentorbot_discord.ports import client_of

ALLOWED_MENTIONS: Final = discord.AllowedMentions(everyone=False, users=True, roles=False, replied_user=False)
"""Member mentions (``<@id>``) render and may notify; @everyone, @here and roles never do."""

EMBED_COLOUR: Final = discord.Colour.blurple()
CONTENT_LIMIT: Final = 2000
TITLE_LIMIT: Final = 256
DESCRIPTION_LIMIT: Final = 4096
FIELD_NAME_LIMIT: Final = 256
FIELD_VALUE_LIMIT: Final = 1024
FIELDS_LIMIT: Final = 25
EMBED_TOTAL_LIMIT: Final = 6000
BUTTON_LABEL_LIMIT: Final = 80
BUTTONS_LIMIT: Final = 25
CUSTOM_ID_LIMIT: Final = 100
EMBEDS_LIMIT: Final = 10
FOOTER_LIMIT: Final = 2048
FILES_LIMIT: Final = 10
UPLOAD_LIMIT: Final = discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
"""Bytes a file may have (10 MiB: a server without boosts, a DM); a boosted server takes more (the
interaction's `discord.Interaction.filesize_limit`, which `render` may be given instead). Also what the files of
one message keep to together: Discord limits a request's whole size too."""
MEGABYTE: Final = 1024 * 1024
"""What Discord calls a megabyte when it states its upload limit ("10 MB")."""
EXPORT_FILES: Final = frozenset(f"{table}.csv" for table in EXPORT_TABLES)
"""The files of ``/mentor-admin export``, which ``mentorbot admin export`` also writes on the server."""
LISTING_ROOM: Final = paging.ENTRY_MAX + FIELD_NAME_LIMIT + 600
"""What a listing's embed needs at least (one whole entry, its title, its footer): with less room left in a
message, the listing starts the next one."""
MENTION: Final = re.compile(r"<@!?([0-9]+)>")
"""A member mention as the core writes it (``<@123>``, or the nickname form ``<@!123>``); a member's typed
mention is defused by the core (`mentorbot.text_safety.defuse_mentions`) and never matches."""
PREVIEW_LIMIT: Final = 150
"""The most characters of an untitled reply's first line its content line shows (`first_line`): about what a push
notification previews."""
TITLE_SEPARATOR: Final = " · "
MENTION_SEPARATOR: Final = ", "
CONTINUED: Final = "\u200b"
"""The name of a field that continues the previous one (a zero-width space: Discord needs a name)."""

log = logging.getLogger("mentorbot.discord")

CUSTOM_ID: Final = r"mentorbot:(?P<action>[a-z][a-z0-9_.-]*):(?P<ref>[^:]+)(?::(?P<guild>[0-9]+))?"
"""A button's custom id: the core's ``mentorbot:<action>:<ref>``, plus ``:<guild id>`` on buttons sent by DM
(a click in a DM carries no guild, and the guild names the community the button belongs to)."""

_STYLES: Final = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
}


def button_custom_id(button: Button, guild_id: int | None = None) -> str:
    """The Discord custom id of a core button (with the guild appended for buttons sent by DM)."""
    return button.custom_id if guild_id is None else f"{button.custom_id}:{guild_id}"


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=CUSTOM_ID):
    """Every MentorBot button. Dynamic: discord.py rebuilds it from the custom id of any clicked message,
    so buttons keep working after a restart and in any process of a sharded bot."""

    def __init__(self, action: str, ref: str, guild_id: int | None = None, *, button: Button | None = None) -> None:
        custom_id = f"mentorbot:{action}:{ref}" + (f":{guild_id}" if guild_id is not None else "")
        style = _STYLES.get(button.style, discord.ButtonStyle.secondary) if button else discord.ButtonStyle.secondary
        label = clip(button.label, BUTTON_LABEL_LIMIT) if button else None
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))
        self.action = action
        self.ref = ref
        self.guild_id = guild_id

    @classmethod
    def of(cls, button: Button, guild_id: int | None = None) -> Self:
        """The Discord button for a core `Button`."""
        return cls(button.action, button.ref, guild_id, button=button)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        guild = match["guild"]
        return cls(match["action"], match["ref"], int(guild) if guild else None)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await client_of(interaction).press_button(interaction, self.action, self.ref, self.guild_id)


@dataclass
class DiscordMessage:
    """A reply ready to send: text, embeds, buttons and files (each field as discord.py takes it)."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    keep_files: bool = False
    """A page of a list with no files of its own (Next on the waitlist): edited into a message, it keeps that
    message's files (the waitlist's CSV) instead of clearing them."""

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``send``/``send_message``/``followup.send`` (always ephemeral-safe)."""
        kwargs: dict[str, Any] = {"allowed_mentions": ALLOWED_MENTIONS}
        if self.content:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = self.embeds
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = self.files
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for editing a message into this one (what is not set is cleared, but for the files
        of a message turned into another page of its list: `keep_files`)."""
        kwargs: dict[str, Any] = {
            "content": self.content,
            "embeds": self.embeds,
            "view": self.view,
            "allowed_mentions": ALLOWED_MENTIONS,
        }
        if self.files or not self.keep_files:
            kwargs["attachments"] = self.files
        return kwargs


def _split_value(name: str, value: str) -> list[tuple[str, str]]:
    """A field value longer than Discord allows, split at line ends into continuation fields; a line longer than a
    field holds (a mentor's fifteen skills with long names, on one line) at word ends, never inside a mention
    (`paging.split`), so nothing is cut off."""
    if len(value) <= FIELD_VALUE_LIMIT:
        return [(name, value if value.strip() else "—")]  # Discord refuses a blank value
    parts: list[tuple[str, str]] = []
    chunk = ""
    lines = [
        piece.strip(" ")
        for line in value.split("\n")
        for piece in (paging.split(line, FIELD_VALUE_LIMIT, tokens=_mention_tokens) if line else [line])
    ]
    for line in lines:
        if chunk and len(chunk) + 1 + len(line) > FIELD_VALUE_LIMIT:
            parts.append((name if not parts else CONTINUED, chunk))
            chunk = line
        else:
            chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        parts.append((name if not parts else CONTINUED, chunk))
    return parts


def _mention_tokens(text: str) -> list[str]:
    """`text` as the units a cut never splits (`paging.split`): each member mention whole, every other
    character alone."""
    tokens: list[str] = []
    at = 0
    for match in MENTION.finditer(text):
        tokens.extend(text[at : match.start()])
        tokens.append(match[0])
        at = match.end()
    tokens.extend(text[at:])
    return tokens


def text_pieces(text: str, limit: int = DESCRIPTION_LIMIT) -> list[str]:
    """All of `text` as consecutive pieces of at most `limit` characters (an embed's description each), cut at
    line ends; a line longer than `limit` is cut at word ends, never inside a mention (`paging.split`). Blank
    lines where one piece ends and the next begins are left out (Discord trims them anyway)."""
    pieces: list[str] = []
    for line in text.split("\n"):
        if pieces and len(pieces[-1]) + 1 + len(line) <= limit:
            pieces[-1] += "\n" + line
        elif len(line) > limit:
            pieces.extend(paging.split(line, limit, tokens=_mention_tokens))
        else:
            pieces.append(line)
    return [piece.strip("\n") for piece in pieces if piece.strip()]


def embeds_for(reply: Reply) -> list[discord.Embed]:
    """The reply as embeds: title and text (in as many embeds as the text needs, the first titled: see
    `text_pieces`), then its fields; more embeds when one would exceed Discord's total."""
    title = clip(reply.title, TITLE_LIMIT) if reply.title else None
    pieces: list[str | None] = [*text_pieces(reply.text)] or [None]
    embeds = [
        discord.Embed(title=title if i == 0 else None, description=piece, colour=EMBED_COLOUR)
        for i, piece in enumerate(pieces)
    ]
    size = len(embeds[-1].title or "") + len(embeds[-1].description or "")
    for reply_field in reply.fields:
        for name, value in _split_value(clip(reply_field.name, FIELD_NAME_LIMIT) or CONTINUED, reply_field.value):
            current = embeds[-1]
            if len(current.fields) >= FIELDS_LIMIT or size + len(name) + len(value) > EMBED_TOTAL_LIMIT:
                current = discord.Embed(colour=EMBED_COLOUR)
                embeds.append(current)
                size = 0
            current.add_field(name=name, value=value, inline=reply_field.inline)
            size += len(name) + len(value)
    return embeds


def view_for(reply: Reply, guild_id: int | None = None, extra: Sequence[Button] = ()) -> discord.ui.View | None:
    """The reply's buttons (and `extra`, the listings' paging buttons) as a view of persistent buttons (None
    when there are none)."""
    buttons = [*reply.buttons, *extra]
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons:
        if len(button_custom_id(button, guild_id)) > CUSTOM_ID_LIMIT:
            # Discord refuses the whole message for one such button: the message goes without it.
            log.warning("button %s left out: its custom id is over %s characters", button.action, CUSTOM_ID_LIMIT)
            continue
        if len(view.children) >= BUTTONS_LIMIT:
            break
        view.add_item(ActionButton.of(button, guild_id))
    return view if view.children else None


def listing_embed(listing: Listing, room: int) -> tuple[discord.Embed, int]:
    """A listing as an embed using at most `room` characters: the entries that fit, one a line, and the
    summary as footer; and how many entries it shows."""
    title = clip(listing.name, TITLE_LIMIT) if listing.name else None
    footer_room = min(FOOTER_LIMIT, 600)
    fitted = paging.fit(
        listing.entries,
        piece_max=DESCRIPTION_LIMIT,
        pieces_max=max(len(listing.entries), 1),
        chars_max=min(DESCRIPTION_LIMIT + 1, room - len(title or "") - footer_room),
        separator=1,  # the line break between entries
    )
    lines = ["".join(pieces) for pieces in fitted.entries]
    description = "\n".join(lines) if lines else clip(listing.empty or "—", DESCRIPTION_LIMIT)
    embed = discord.Embed(title=title, description=description, colour=EMBED_COLOUR)
    if summary := paging.summary(listing, fitted.shown):
        embed.set_footer(text=clip(summary, footer_room))
    return embed, fitted.shown


SERVER_NAME_LIMIT: Final = 100
"""The longest name Discord gives a server; a longer one (never sent by Discord) is clipped to it."""


@dataclass(frozen=True)
class Server:
    """The Discord server a DM comes from, to name in it (`render`'s `server`)."""

    id: int
    name: str | None = None
    """Its name as the gateway gave it; None when the process does not know it (a server on another process's
    shards): the DM then gives its id."""


def server_phrases(server: Server, t: Translator) -> tuple[str, str]:
    """How a DM names `server` in `t`'s language: the phrase that ends a content line (``from **Server A**``) and the
    line that starts a plain-text DM (``From **Server A**``). The name is shown as typed: its markdown is escaped and
    a mention in it defused, so it neither formats the line nor mentions anyone; at most 100 characters (Discord's
    limit for a server name) before escaping, so the phrases stay a few hundred characters at most."""
    if server.name is None or not server.name.strip():
        return t("discord.server.from_id", id=server.id), t("discord.server.from_id_line", id=server.id)
    name = clip(" ".join(server.name.split()), SERVER_NAME_LIMIT)
    shown = discord.utils.escape_mentions(discord.utils.escape_markdown(name))
    return t("discord.server.from", name=shown), t("discord.server.from_line", name=shown)


def given_back(outcome: Outcome, key: str, text: str | None, **params: Any) -> Outcome:
    """`outcome` with `text`, what the member typed and a refusal lost (a feedback form's comment, a request's note),
    added to its refusal under the catalog line `key` (``discord.given_back.*``, with `params`), in a code block to
    copy as it is (as plain text when it holds a code fence). Unchanged when it is no refusal, or one the core will
    still act on (not settled: the database was away), or there is nothing to give back."""
    if outcome.error is None or outcome.duplicate or not outcome.settled or not text or not text.strip():
        return outcome
    t = translator(outcome.language)
    block = text if "```" in text else f"```\n{text}\n```"
    return replace(outcome, reply=replace(outcome.reply, text=f"{outcome.reply.text}\n\n{t(key, **params)}\n{block}"))


def mentioned_users(reply: Reply, shown: Sequence[int] | None = None) -> list[str]:
    """The members the reply mentions in its text, fields (names and values) and listings (names, and the entries
    shown: the first `shown[i]` of listing `i`, every entry when not given), each once, in order of appearance, as
    ``<@id>``."""
    listed = [
        part
        for i, listing in enumerate(reply.listings)
        for part in (listing.name, *listing.entries[: None if shown is None or i >= len(shown) else shown[i]])
    ]
    found: dict[str, None] = {}
    for text in (reply.text, *(part for f in reply.fields for part in (f.name, f.value)), *listed):
        for match in MENTION.finditer(text):
            found.setdefault(f"<@{match[1]}>", None)
    return list(found)


def first_line(text: str, limit: int = PREVIEW_LIMIT) -> str | None:
    """The first line of `text` that is not blank, within `limit` characters: cut at a word end (never inside a
    mention, `paging.split`) and ending with an ellipsis when longer. None for a blank text."""
    line = next((line.strip() for line in text.split("\n") if line.strip()), None)
    if line is None or len(line) <= limit:
        return line
    return paging.split(line, limit - 1, tokens=_mention_tokens)[0].rstrip() + "…"


def content_line(
    reply: Reply,
    preface: str | None = None,
    origin: tuple[str, str] | None = None,
    shown: Sequence[int] | None = None,
) -> str | None:
    """The plain content above an embed reply: the `preface`, then the title (or, for an untitled reply, its text's
    `first_line`; for a reply of listings only, its first listing's name) and every member the reply mentions
    (`mentioned_users`, its listings' entries as far as `shown`) that the line does not name already, e.g.
    ``Mentorship offer #12 · <@123>``, then the server the DM comes from (`origin`: both `server_phrases`, the one
    that ends a line and the line alone), e.g. ``Mentorship offer #12 · <@123> · from **Server A**``. An untitled
    reply's line starts as its plain text would have: the server's line, the preface, its first line
    (``From **Server A**\nAn admin reloaded the skills file… · <@123>``). None when there is none of these.

    Shown where the embeds are not (link previews turned off, push notifications), and it lets Discord
    resolve the mentions: those in content come with the message, those in embeds only for users the reader's
    client knows already. Within Discord's content limit: the server's room is kept first, and the mentions that do
    not fit are left out, never cut.
    """
    opening = None if reply.title else first_line(reply.text)
    title = reply.title or opening or next((listing.name for listing in reply.listings if listing.name), None)
    lead = origin[1] if origin is not None and opening is not None else None
    tail = ""
    if origin is not None and lead is None:
        inline, alone = origin
        tail = max(TITLE_SEPARATOR + inline, "\n" + alone, key=len)
    room = CONTENT_LIMIT - len(tail)
    line = clip("\n".join(part for part in (lead, preface, title) if part), room)
    named_in_line = {match[1] for match in MENTION.finditer(line)}
    separator = TITLE_SEPARATOR if title else "\n" if preface else ""
    named = bool(title)
    for mention in mentioned_users(reply, shown):
        if mention[2:-1] in named_in_line:
            continue
        if len(line) + len(separator) + len(mention) > room:
            break
        line += separator + mention
        separator = MENTION_SEPARATOR
        named = True
    if origin is not None and lead is None:
        inline, alone = origin
        line += (TITLE_SEPARATOR + inline) if named else ("\n" if line else "") + alone
    return line or None


def file_batches(attachments: Sequence[Attachment], limit: int = UPLOAD_LIMIT) -> list[list[Attachment]]:
    """`attachments` (each within `limit` bytes) in order, as the files of consecutive messages: at most
    `FILES_LIMIT` a message, and at most `limit` bytes together."""
    batches: list[list[Attachment]] = []
    used = 0
    for attachment in attachments:
        size = len(attachment.content)
        if not batches or len(batches[-1]) >= FILES_LIMIT or used + size > limit:
            batches.append([])
            used = 0
        batches[-1].append(attachment)
        used += size
    return batches


def _megabytes(size: int, *, up: bool) -> str:
    count = math.ceil(size / MEGABYTE) if up else size // MEGABYTE
    return f"{count} MB"


def too_big_line(attachment: Attachment, limit: int, t: Translator, community: str | None) -> str:
    """The line telling the reader that `attachment` is over Discord's upload limit, so not sent: for a file of
    the admin export, with the command that writes it on the server (``mentorbot admin export``) for
    `community` (``discord:<guild id>``; a placeholder when not known)."""
    size, most = _megabytes(len(attachment.content), up=True), _megabytes(limit, up=False)
    if attachment.filename not in EXPORT_FILES:
        return t("discord.file_too_big", file=attachment.filename, size=size, limit=most)
    where = community or t("discord.community_placeholder")
    return t("discord.export_too_big", file=attachment.filename, size=size, limit=most, community=where)


def _files(batch: Sequence[Attachment]) -> list[discord.File]:
    return [discord.File(io.BytesIO(a.content), filename=a.filename, description=a.description) for a in batch]


def render(
    reply: Reply,
    *,
    guild_id: int | None = None,
    preface: str | None = None,
    lang: str | None = None,
    upload_limit: int = UPLOAD_LIMIT,
    community: str | None = None,
    server: Server | None = None,
) -> list[DiscordMessage]:
    """One reply as Discord messages (usually one; more when its text or embeds exceed one message, or its
    files do: `file_batches`, each further batch a message of its own after the reply).

    A reply with only text is sent as plain content; one with a title, fields or listings as embeds, the first
    message with a short content above them (`content_line`). `guild_id` is appended to button ids (buttons
    sent by DM); `preface` is a line shown above the reply. A file over `upload_limit` bytes (the default is
    Discord's for a server without boosts) is left out and named at the end of the text (`too_big_line`), in
    `lang` (the reader's language, English by default), with the command for `community` (by default the one of
    `guild_id`, when given). `server`: the server a DM comes from, named in `lang` (`server_phrases`) as the first
    line of plain text, or at the end of the content line; a plain text that no longer fits Discord's content with
    that line goes as an embed.
    """
    origin = server_phrases(server, translator(lang or DEFAULT_LANGUAGE)) if server is not None else None
    fitting = [a for a in reply.attachments if len(a.content) <= upload_limit]
    too_big = [a for a in reply.attachments if len(a.content) > upload_limit]
    if too_big:
        t = translator(lang or DEFAULT_LANGUAGE)
        where = community or (f"{COMMUNITY_PREFIX}{guild_id}" if guild_id is not None else None)
        lines = [too_big_line(a, upload_limit, t, where) for a in too_big]
        reply = replace(reply, text="\n\n".join(part for part in (reply.text, "\n".join(lines)) if part))
        for attachment in too_big:
            log.warning(
                "%s left out: %s bytes, over Discord's upload limit of %s",
                attachment.filename,
                len(attachment.content),
                upload_limit,
            )
    batches = file_batches(fitting, upload_limit)
    files = _files(batches[0]) if batches else []
    more_files = [DiscordMessage(files=_files(batch)) for batch in batches[1:]]
    plain = not reply.title and not reply.fields and not reply.listings
    head = "\n".join(part for part in (origin[1] if origin else None, preface) if part)
    if plain and len(reply.text) + len(head) < CONTENT_LIMIT - 1:
        text = f"{head}\n{reply.text}" if head else reply.text
        return [DiscordMessage(content=text or None, view=view_for(reply, guild_id), files=files), *more_files]
    embeds = embeds_for(reply) if reply.title or reply.text or reply.fields or not reply.listings else []
    messages: list[DiscordMessage] = []
    used = 0
    for embed in embeds:
        length = len(embed)
        if not messages or used + length > EMBED_TOTAL_LIMIT or len(messages[-1].embeds) >= EMBEDS_LIMIT:
            messages.append(DiscordMessage())
            used = 0
        messages[-1].embeds.append(embed)
        used += length
    paging_buttons: list[Button] = []
    listed: list[int] = []
    for listing in reply.listings:
        if not messages or EMBED_TOTAL_LIMIT - used < LISTING_ROOM or len(messages[-1].embeds) >= EMBEDS_LIMIT:
            messages.append(DiscordMessage())
            used = 0
        embed, shown = listing_embed(listing, EMBED_TOTAL_LIMIT - used)
        messages[-1].embeds.append(embed)
        used += len(embed)
        listed.append(shown)
        paging_buttons.extend(paging.buttons(listing, shown))
    messages[0].content = content_line(reply, preface, origin, listed)
    messages[-1].view = view_for(reply, guild_id, paging_buttons)
    messages[-1].files = files
    for message in messages:
        message.keep_files = bool(reply.listings) and not files
    return [*messages, *more_files]
