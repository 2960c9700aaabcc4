"""What the store recognises of forgotten members without keeping them: the key their exclusions and their forget
are kept under (`forgotten_member_key`), and whether a stored notice is about one (`names_forgotten`), read from
every string a stored notice holds (`notice_strings`). Apart from `storage.privacy`, which forgets, so that the
outbox (`OutboxStore.hold_notices_again`) reads it without importing the forget."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from mentorbot.storage.database import Connection
from mentorbot.storage.sql import text_list


def forgotten_member_key(community: str, platform_user_id: str) -> str:
    """What `forgotten_exclusions` keeps of a forgotten member instead of their platform user id: the SHA-256 (hex)
    of their community and that id (joined by a unit separator, which neither holds), so that the same platform user
    coming back is recognised (`CandidateStore.pair_history`, as a mentee or, for a "not this person", as a mentor:
    the exclusion holds both ways) and nothing else of them is kept. A plain hash, not a
    keyed one: the bot has no secret kept apart from the database to key it with (a key stored beside the rows would
    hide nothing), and one lost or rotated would silently lift every block. Platform user ids are guessable, so the
    key is a pseudonym, not anonymity: someone holding the database and a user id can tell whether that user was
    excluded by a mentor, and nothing more."""
    return hashlib.sha256(f"{community}\x1f{platform_user_id}".encode()).hexdigest()


def decoded_notice(payload: str) -> Any:
    """A stored reply (`replies.reply_to_json`) decoded; a payload that is none (none is written so) as it is."""
    try:
        return json.loads(payload)
    except ValueError:
        return payload


def notice_strings(value: Any) -> Iterator[str]:
    """Every string in a decoded notice (`replies.reply_to_json`): its text, title, fields, buttons, listings, and
    its files' names, descriptions and, for a text file (CSV, JSON, plain text), its content."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "files" and isinstance(item, list):
                yield from _file_strings(item)
            else:
                yield from notice_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from notice_strings(item)


def _file_strings(files: list[Any]) -> Iterator[str]:
    """The strings of a decoded notice's files (`notice_strings`): names, descriptions, a text file's content."""
    for entry in files:
        if not (isinstance(entry, list) and len(entry) == 4):
            yield from notice_strings(entry)
            continue
        name, mime, content, description = entry
        yield from notice_strings([name, description])
        if isinstance(mime, str) and (mime.startswith("text/") or mime == "application/json"):
            with contextlib.suppress(ValueError):  # not base64, or not UTF-8: nothing a member typed is readable
                yield base64.b64decode(str(content)).decode("utf-8-sig")


_MENTION = re.compile(r"<@([^<>\s&]+)>")
"""A platform mention as the core writes one (`models.mention_of`): its platform user id (not a Discord role's
``<@&…>``)."""


async def names_forgotten(conn: Connection, dialect: str, community: str, payload: str) -> bool:
    """Whether a notice (an outbox row's `payload`, `replies.reply_to_json`) mentions a member of `community` who
    was forgotten (`forgotten_members`) and is not a member again: it can only be about what the forget deleted (a
    late answer an adapter read before the forget, held again after it: `OutboxStore.hold_notices_again`). Its
    mentions are read from its decoded strings (`notice_strings`: its text file's content too); at most two
    queries, none for a notice that mentions nobody."""
    mentioned = sorted({uid for text in notice_strings(decoded_notice(payload)) for uid in _MENTION.findall(text)})
    if not mentioned:
        return False
    ids_sql, ids_arg = text_list(dialect, mentioned)
    # Read FOR SHARE on PostgreSQL: a forget deleting one of them, not committed yet, is waited for (SQLite's writer
    # runs alone), and the forgotten_members row it writes is seen by the next statement.
    share = " FOR SHARE" if dialect == "postgresql" else ""
    members = await conn.fetch_all(
        f"SELECT platform_user_id FROM members WHERE community = ? AND platform_user_id IN ({ids_sql}){share}",
        community,
        ids_arg,
    )
    gone = set(mentioned) - {str(row["platform_user_id"]) for row in members}
    if not gone:
        return False
    keys_sql, keys_arg = text_list(dialect, sorted(forgotten_member_key(community, uid) for uid in gone))
    found = await conn.fetch_one(
        f"SELECT 1 AS one FROM forgotten_members WHERE community = ? AND member_key IN ({keys_sql}) LIMIT 1",
        community,
        keys_arg,
    )
    return found is not None
