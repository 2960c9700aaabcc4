"""Privacy: forgetting a member and everything personal of theirs."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from mentorbot.i18n import LANGUAGES, load_catalog, translator
from mentorbot.matching.eligibility import EXCLUDING, DeclineReason
from mentorbot.models import (
    ADMIN_ONLY_KEY_PREFIXES,
    OPEN_REQUEST_STATUSES,
    JobKind,
    Mentorship,
    Offer,
    RequestStatus,
    mention_of,
)
from mentorbot.replies import Reply, reply_to_json
from mentorbot.storage import jobs, rows
from mentorbot.storage.database import Connection
from mentorbot.storage.events import DEPARTED_PREFIX, DEPARTURE_PREFIX, departed_marker
from mentorbot.storage.forgotten import decoded_notice, forgotten_member_key, notice_strings
from mentorbot.storage.locks import lock_member_and_mentees_of_pending_offers
from mentorbot.storage.outbox import LATE_ANSWER_KEY, forgotten_notice_marker
from mentorbot.storage.releases import release_offer
from mentorbot.storage.requests import read_request, read_requests, withdraw_pending
from mentorbot.storage.sql import id_list, in_list
from mentorbot.storage.units import Transactions


@dataclass(frozen=True)
class ForgetResult:
    """What forgetting a member changed for others."""

    ended_mentorships: tuple[Mentorship, ...]
    requeued_requests: tuple[int, ...]
    reopened_requests: tuple[int, ...] = ()
    """The requests of the mentorships the member ended as the mentor, waiting again (see `forget_member`; each
    `ended_mentorships` entry still names its request, as it was when it ended)."""
    over_limit: tuple[tuple[int, int], ...] = ()
    """The requests of those mentorships not put back because their mentee already had as many open requests as
    allowed, or more (`forget_member`'s `max_open`), each with how many they had: (request id, open requests)."""


class _Reopened(NamedTuple):
    """What `_reopen` did with a mentorship's request: whether it waits again; when it was not put back because its
    mentee already had `max_open` open requests or more, how many they had (None otherwise)."""

    waits: bool
    over_limit: int | None = None


class PrivacyStore(Transactions):
    """Forgetting a member."""

    async def prepare_forget(self, member_id: int, now: datetime) -> list[Offer]:
        """The first step of forgetting a member, in the unit of work that then calls `forget_member`: their open
        requests are closed and the pending offers of them withdrawn (each mentor's held place given back), and
        their mentor profile is paused, so that those places can be handed on before the rows go (neither a
        request of theirs nor an offer to them comes of it). The withdrawn offers.

        Done first, so that the use-case can tell each mentor and hand their freed place on in the same unit of
        work as the forget, while the offers and requests concerned still exist to be read."""
        async with self.transaction() as conn:
            # The store's lock order (`locks`): members' rows first (theirs, as the mentee of their own requests,
            # then the mentees of the offers they hold as a mentor, whose decisions change the mentor profile paused
            # here), then offers, mentor profiles, requests.
            await lock_member_and_mentees_of_pending_offers(conn, member_id, dialect=self.db.dialect)
            open_requests = await conn.fetch_all(
                f"SELECT id FROM requests WHERE member_id = ? AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
                member_id,
                *OPEN_REQUEST_STATUSES,
            )
            withdrawn = await withdraw_pending(conn, [int(r["id"]) for r in open_requests], now)
            await conn.execute(
                "UPDATE mentor_profiles SET status = 'paused', updated_at = ? WHERE member_id = ?", now, member_id
            )
            await conn.execute(
                "UPDATE requests SET status = 'closed', updated_at = ? "
                f"WHERE member_id = ? AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
                now,
                member_id,
                *OPEN_REQUEST_STATUSES,
            )
        return withdrawn

    async def erase_member(self, member_id: int, now: datetime, *, max_open: int | None = None) -> ForgetResult:
        """A forget's two store steps (`prepare_forget`, then `forget_member`, with `max_open` as the forget passes
        it: `Settings.max_open_requests`) in one unit of work, telling nobody: for a restore that makes again, in
        the restored database, a forget made since its backup (`copying.sqlite_restore`), whose members concerned
        were told at the forget itself. Everything a forget erases is erased, as it erases it; its record
        (`_record_forget`) keeps the time of the forget made again."""
        async with self.unit_of_work():
            await self.prepare_forget(member_id, now)
            return await self.forget_member(member_id, now, max_open=max_open)

    async def forget_member(
        self, member_id: int, now: datetime, *, keep_event: int | None = None, max_open: int | None = None
    ) -> ForgetResult:
        """Delete a member and everything personal of theirs in one transaction.

        Their open requests and pending offers go; requests offered to them wait again; their active
        mentorships end (freeing the mentor's place), and the request of each one they were the mentor of waits
        again (`reopened_requests`: not when its mentee has meanwhile asked again for the same skills, nor when its
        mentee already has `max_open` open requests or more, `Settings.max_open_requests` as `/mentor request`
        counts them, the ones put back before it included: `over_limit`; requests closed as overlapping at the
        accept stay closed); mentorships and feedback keep no link to them. Their
        recorded events are done and emptied (one recorded before the forget and not yet processed would bring
        them back), except `keep_event`, the forget's own, which its unit of work finishes; their course
        suggestions go, or, approved into the catalog, lose their note; notices still waiting for other members
        that name them go (a mentor's offer that quoted their note, held until the mentor's next command; an
        admin's held digest that named them or quoted their decline reason; an admin's answer held for later that
        says their display name or quotes what they typed), and those delivered already lose their content
        (`_forget_notices`), each leaving only a digest of what it said until the day-old event ids are pruned (so
        that an adapter that took it and holds it again holds nothing: `OutboxStore.hold_notices_again`). The answers
        stored for other members' commands and not shown yet (`InboxStore.store_answer`) are searched the same way
        (`_forget_answers`): a notice held for them that the answer carries goes as it goes from the outbox, and an
        answer that names them is replaced by a line saying the command went through. The forget's own event loses
        their platform user id when it is finished (`InboxStore.finish_event`).

        A mentor's exclusion of them (a decline "not this person", or "not my skill" with its requests' skills:
        docs/matching.md rule 5) outlives them as a row of `forgotten_exclusions` keyed by `forgotten_member_key`, so
        that the same platform user asking again is not offered to that mentor, nor (a "not this person", which holds
        both ways) offered that mentor's requests when back as a mentor (`CandidateStore.pair_history`): the mentor's
        decision, kept for the mentor. The rows of their own exclusions as a mentor go, both ways: forgotten, their
        decisions go with them, and when they come back nothing blocks either member.

        The forget is recorded in its transaction (`_record_forget`: a row of `forgotten_members`, the hash of their
        community and platform user id and the time, no personal data), for a restore of a backup made before it to
        make it again (`copying.sqlite_restore`); no forget erases that row.
        """
        async with self.transaction() as conn:
            # The store's lock order (`locks`): members' rows first (theirs, as the mentee of their own requests,
            # then the mentees of the offers they hold), then offers, mentor profiles, requests.
            await lock_member_and_mentees_of_pending_offers(conn, member_id, dialect=self.db.dialect)
            own_requests = await conn.fetch_all(
                f"SELECT id FROM requests WHERE member_id = ? AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
                member_id,
                *OPEN_REQUEST_STATUSES,
            )
            await withdraw_pending(conn, [int(r["id"]) for r in own_requests], now)
            # The offers they hold, withdrawn only if still pending, in one statement that says which were: one that
            # expired meanwhile (its request perhaps offered to another mentor since) is left alone, and so is its
            # request.
            offered = await conn.fetch_all(
                "UPDATE offers SET status = 'withdrawn', decided_at = ? "
                "WHERE mentor_id = ? AND status = 'pending' RETURNING *",
                now,
                member_id,
            )
            requeued: list[int] = []
            for offer in sorted((rows.offer(r) for r in offered), key=lambda o: o.request_id):
                await release_offer(conn, offer, now, expired=False)
                requeued.append(offer.request_id)
            ended_rows = await conn.fetch_all(
                "UPDATE mentorships SET status = 'ended', ended_at = ? "
                "WHERE status = 'active' AND (mentor_id = ? OR mentee_id = ?) RETURNING *",
                now,
                member_id,
                member_id,
            )
            ended = sorted((rows.mentorship(r) for r in ended_rows), key=lambda m: m.id)
            reopened: list[int] = []
            over_limit: list[tuple[int, int]] = []
            for mentorship in ended:
                await jobs.cancel(conn, JobKind.CHECKIN, mentorship.id)
                if mentorship.mentor_id != member_id:
                    await conn.execute(
                        "UPDATE mentor_profiles SET active_count = active_count - 1 "
                        "WHERE member_id = ? AND active_count > 0",
                        mentorship.mentor_id,
                    )
                else:
                    done = await _reopen(conn, mentorship, now, max_open)
                    if done.waits:
                        reopened.append(mentorship.request_id)
                    elif done.over_limit is not None:
                        over_limit.append((mentorship.request_id, done.over_limit))
            await conn.execute("DELETE FROM jobs WHERE kind = ? AND ref_id = ?", JobKind.RESUME.value, member_id)
            await _keep_exclusions(conn, member_id)
            await _record_forget(conn, member_id, now)
            await _forget_traces(conn, self.db.dialect, member_id, now, keep_event)
            # Feedback stays only anonymised: its free-text comment could identify the author.
            await conn.execute("UPDATE feedback SET comment = NULL WHERE author_id = ?", member_id)
            # Their departure's markers (`events`): a forgotten member is nobody's departed partner any more, and a
            # newcomer SQLite gives the id to would read as departed.
            await conn.execute(
                "DELETE FROM processed_events WHERE event_id = ? OR event_id LIKE ?",
                f"{DEPARTED_PREFIX}{member_id}",
                f"{DEPARTURE_PREFIX}%:{member_id}",
            )
            await conn.execute("DELETE FROM members WHERE id = ?", member_id)
        return ForgetResult(tuple(ended), tuple(requeued), tuple(reopened), tuple(over_limit))


async def _reopen(conn: Connection, mentorship: Mentorship, now: datetime, max_open: int | None) -> _Reopened:
    """Let the matched request of a mentorship whose mentor is being forgotten wait again (no longer matched: no
    `matched_at`; waiting since now, its row of `reopened_requests`, from which its next time to match is measured,
    not from its `created_at`, before the whole mentorship), inside the caller's transaction; not when the mentee
    has an open request for the same skills (asked again meanwhile: it would be a duplicate), nor when the mentee was
    reported gone from the community (their `departed_marker`: they ask again when back), nor when the mentee already
    has `max_open` open requests or more (waiting or offered, counted as `RequestStore.create_request` counts them:
    put back, it would be one more than `/mentor request` lets them have; None: no limit). Whether it waits, and how
    many open requests kept it from waiting. The ended mentorship then keeps no link to a request that waits (as one
    whose mentee was forgotten): a request has at most one mentorship, and this one may get another; one not put
    back stays as it was. The mentee's row is locked by the forget's first statement
    (`locks.lock_member_and_mentees_of_pending_offers`), so a request they make meanwhile waits for the forget."""
    request = await read_request(conn, mentorship.request_id) if mentorship.request_id else None
    if request is None or request.status is not RequestStatus.MATCHED:
        return _Reopened(False)
    departed = await conn.fetch_one(
        "SELECT 1 AS one FROM processed_events WHERE event_id = ?", departed_marker(request.member_id)
    )
    if departed is not None:  # a member reported gone holds no open request (`usecases.departures`)
        return _Reopened(False)
    open_ones = await read_requests(
        conn,
        f"member_id = ? AND status IN ({in_list(OPEN_REQUEST_STATUSES)})",
        request.member_id,
        *OPEN_REQUEST_STATUSES,
    )
    if any(set(other.skills) == set(request.skills) for other in open_ones):
        return _Reopened(False)
    if max_open is not None and len(open_ones) >= max_open:
        return _Reopened(False, over_limit=len(open_ones))
    changed = await conn.execute(
        "UPDATE requests SET status = 'waiting', wait_reason = NULL, matched_at = NULL, updated_at = ? "
        "WHERE id = ? AND status = 'matched'",
        now,
        request.id,
    )
    if changed != 1:
        return _Reopened(False)
    await conn.execute(
        "INSERT INTO reopened_requests (request_id, reopened_at) VALUES (?, ?) "
        "ON CONFLICT (request_id) DO UPDATE SET reopened_at = excluded.reopened_at",
        request.id,
        now,
    )
    await conn.execute("UPDATE mentorships SET request_id = NULL WHERE id = ?", mentorship.id)
    return _Reopened(True)


async def _record_forget(conn: Connection, member_id: int, now: datetime) -> None:
    """Inside the forget's transaction, before the member's row goes: record that they were forgotten, and when
    (`forgotten_members`: keyed by `forgotten_member_key`, never their platform user id). The latest forget of the
    same platform user is kept, but a record already later than this member row's creation stays as it is: it is
    this very row's forget, made again in a restored backup (`copying.sqlite_restore`, which carries the record of
    the database it replaces first), and its time is when the member asked (a later time would also cover a return
    of theirs made before it, in a backup restored later)."""
    member = await conn.fetch_one("SELECT community, platform_user_id, created_at FROM members WHERE id = ?", member_id)
    if member is None:
        return
    community = str(member["community"])
    key = forgotten_member_key(community, str(member["platform_user_id"]))
    before = await conn.fetch_one(
        "SELECT forgotten_at FROM forgotten_members WHERE community = ? AND member_key = ?", community, key
    )
    if before is not None and rows.ts(before["forgotten_at"]) > rows.ts(member["created_at"]):
        return
    await conn.execute(
        "INSERT INTO forgotten_members (community, member_key, forgotten_at) VALUES (?, ?, ?) "
        "ON CONFLICT (community, member_key) DO UPDATE SET forgotten_at = excluded.forgotten_at",
        community,
        key,
        now,
    )


async def _keep_exclusions(conn: Connection, member_id: int) -> None:
    """Inside the forget's transaction, before the member's rows go: keep each mentor's exclusion of them (one row
    per mentor and kind, merged with what an earlier forget of the same platform user kept: the skills joined, the
    latest date). The rows of the exclusions they made as a mentor go with their member row (the table's reference
    to it deletes them: ``ON DELETE CASCADE``, enforced by both engines). A member no mentor excluded touches nothing
    here but their offers."""
    member = await conn.fetch_one("SELECT community, platform_user_id FROM members WHERE id = ?", member_id)
    if member is None:
        return
    kinds = sorted(EXCLUDING)
    found = await conn.fetch_all(
        "SELECT o.mentor_id, o.reason_kind, o.decided_at, s.skill FROM offers o "
        "JOIN requests r ON r.id = o.request_id LEFT JOIN request_skills s ON s.request_id = o.request_id "
        f"WHERE r.member_id = ? AND o.mentor_id <> ? AND o.status = 'declined' AND o.reason_kind IN ({in_list(kinds)}) "
        "AND o.decided_at IS NOT NULL",
        member_id,
        member_id,
        *kinds,
    )
    if not found:
        return
    community = str(member["community"])
    key = forgotten_member_key(community, str(member["platform_user_id"]))
    kept: dict[tuple[int, str], tuple[set[str], datetime]] = {}

    def merge(mentor_id: int, kind: str, skills: set[str], at: datetime) -> None:
        before = kept.get((mentor_id, kind))
        kept[(mentor_id, kind)] = (skills | before[0], max(at, before[1])) if before else (skills, at)

    for row in found:
        skill = {str(row["skill"])} if row["skill"] is not None else set()
        merge(int(row["mentor_id"]), str(row["reason_kind"]), skill, rows.ts(row["decided_at"]))
    earlier = await conn.fetch_all(
        "SELECT mentor_id, reason_kind, skills, decided_at FROM forgotten_exclusions "
        "WHERE community = ? AND member_key = ?",
        community,
        key,
    )
    for row in earlier:
        merge(
            int(row["mentor_id"]),
            str(row["reason_kind"]),
            set(rows.split_list(row["skills"])),
            rows.ts(row["decided_at"]),
        )
    for (mentor_id, kind), (skills, at) in sorted(kept.items()):
        # "Not this person" is about every request of theirs: no skills. "Not my skill": its requests' skills.
        joined = "" if kind == DeclineReason.NOT_THIS_PERSON.value else rows.join_list(sorted(skills))
        await conn.execute(
            "INSERT INTO forgotten_exclusions (community, member_key, mentor_id, reason_kind, skills, decided_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (community, member_key, mentor_id, reason_kind) "
            "DO UPDATE SET skills = excluded.skills, decided_at = excluded.decided_at",
            community,
            key,
            mentor_id,
            kind,
            joined,
            at,
        )


async def _forget_traces(conn: Connection, dialect: str, member_id: int, now: datetime, keep_event: int | None) -> None:
    """What names a member outside their own rows (see `PrivacyStore.forget_member`), in its transaction."""
    row = await conn.fetch_one("SELECT community, platform_user_id FROM members WHERE id = ?", member_id)
    if row is None:
        return
    community, user_id = str(row["community"]), str(row["platform_user_id"])
    typed = await _typed_by(conn, member_id)  # before their suggestions' notes go, while their name is known
    await conn.execute(
        "UPDATE inbox SET status = 'done', done_at = COALESCE(done_at, ?), payload = '', answer = NULL, "
        "platform_user_id = '' WHERE community = ? AND platform_user_id = ? AND id <> ?",
        now,
        community,
        user_id,
        keep_event if keep_event is not None else -1,
    )
    await conn.execute("DELETE FROM course_suggestions WHERE member_id = ? AND status <> 'approved'", member_id)
    await conn.execute("UPDATE course_suggestions SET note = '' WHERE member_id = ?", member_id)
    await conn.execute(
        "UPDATE course_suggestions SET decided_by = NULL WHERE community = ? AND decided_by = ?", community, user_id
    )
    await _forget_notices(conn, dialect, community, member_id, mention_of(user_id), typed, now)
    await _forget_answers(conn, community, user_id, mention_of(user_id), typed)


TYPED_MIN = 4
"""The fewest characters (once normalised: `_normal`) a text a member typed has for a notice quoting it to be taken
as naming them: a shorter one ("ok", "no") would take everyone's notices that say it."""
_ZWJ = "\u200d"
"""The zero-width joiner: one emoji of several ("👨‍👩‍👧") counts it as a character (`_shown_length`)."""
_LINK_OPENER = "\uff3b"
"""What `text_safety.defuse_link_opener` shows a title's lone ``[`` as (read as ``[`` again before comparing)."""
_PAGE = 500
"""The outbox rows the forget reads at a time, looking for notices that name the member."""


def _normal(text: str) -> str:
    """`text` as notices are compared with what a member typed, without what the bot changes in a text it shows
    (`text_safety`): no invisible formatting characters (Unicode category Cf: `defuse_mentions` puts zero-width
    spaces in, `shown_name` takes out of a display name those writing does not need), a fullwidth ``［`` read as
    ``[`` (`defuse_link_opener`'s lone ``[`` of a title), case folded, every run of white space one space. An
    address is shown percent-encoded (`defuse_url`), but none is searched for: a title left as its address is not
    (`_typed_by`)."""
    if not text.isascii():  # ASCII has no format character and no fullwidth bracket
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf").replace(_LINK_OPENER, "[")
    return " ".join(text.casefold().split())


def _shown_length(text: str) -> int:
    """How many characters `text` reads as: white space runs one space, invisible formatting characters (Unicode
    category Cf) not counted but the zero-width joiners that make one emoji of several (which `shown_name` keeps)."""
    return sum(1 for ch in " ".join(text.split()) if ch == _ZWJ or unicodedata.category(ch) != "Cf")


def _words(normal: str) -> str:
    """A pattern finding `normal` (a `_normal` text) as whole words: not inside a longer word."""
    return rf"(?<!\w){re.escape(normal)}(?!\w)"


@cache
def _bot_says() -> str:
    """Every message of every catalog (`i18n.load_catalog`), normalised, one a line: what the bot itself says."""
    return "\n".join(_normal(text) for lang in LANGUAGES for text in load_catalog(lang).values())


async def _typed_by(conn: Connection, member_id: int) -> re.Pattern[str] | None:
    """What the member typed that the forget deletes, and their display name, as one pattern finding any of it in a
    notice's normalised text (`_normal`, whole words): their requests' notes, their decline reasons, their mentor
    bio, their feedback comments, their course suggestions' notes and the titles they typed for those not approved
    (an approved one's title stays, in the catalog), and the name the platform last showed for them (an admin's
    waitlist, a pause's answer name them so; the whole name, not its parts). Left out: a text shorter than
    `TYPED_MIN` as typed (a name "Ann" too), and one the bot's own messages say (a comment "Thank you" would take every
    notice thanking someone; a name "Mentor" every notice naming a mentor): neither tells who the member is. None
    when nothing is left. Searched only in the notices `_forget_notices` says: a common name or phrase may be in one
    about someone else."""
    found: list[Any] = []
    for sql in (
        "SELECT display_name AS text FROM members WHERE id = ?",
        "SELECT note AS text FROM requests WHERE member_id = ?",
        "SELECT decline_reason AS text FROM offers WHERE mentor_id = ?",
        "SELECT bio AS text FROM mentor_profiles WHERE member_id = ?",
        "SELECT comment AS text FROM feedback WHERE author_id = ?",
        "SELECT note AS text FROM course_suggestions WHERE member_id = ?",
        "SELECT title AS text FROM course_suggestions WHERE member_id = ? AND status <> 'approved' AND title <> url",
    ):
        found.extend(row["text"] for row in await conn.fetch_all(sql, member_id))
    # Each text's length is counted as it reads (`_shown_length`), not once `_normal` took its invisible characters
    # out: a name of an emoji sequence ("👨‍👩‍👧", joined by zero-width joiners) is no shorter than it reads, and "Ann"
    # with a zero-width space after it no longer.
    lengths: dict[str, int] = {}
    for text in found:
        if text and (normal := _normal(str(text))):
            lengths[normal] = max(lengths.get(normal, 0), _shown_length(str(text)))
    said = _bot_says()
    kept = sorted(
        (t for t, n in lengths.items() if n >= TYPED_MIN and not re.search(_words(t), said)), key=lambda t: (-len(t), t)
    )
    return re.compile("|".join(_words(t) for t in kept)) if kept else None


QUOTING_KEY_PREFIXES: tuple[str, ...] = (*ADMIN_ONLY_KEY_PREFIXES, LATE_ANSWER_KEY)
"""What the outbox keys of the notices searched for what a forgotten member typed and for their display name start
with (`_forget_notices`): the admins' notices (`models.ADMIN_ONLY_KEY_PREFIXES`) and the answers held for later
(`outbox.LATE_ANSWER_KEY`: an admin's waitlist or stats answered late)."""


def quoting(key: str | None) -> bool:
    """Whether an outbox key is a notice's that may quote members (`QUOTING_KEY_PREFIXES`)."""
    return key is not None and key.startswith(QUOTING_KEY_PREFIXES)


def names_member(payload: str, mention: str, typed: re.Pattern[str] | None) -> bool:
    """Whether a notice (an outbox row's `payload`) names a member: it holds their platform `mention`, or quotes a
    text they typed or their display name (`typed`, from `_typed_by`), compared on its decoded strings, normalised
    (`_normal`)."""
    return _names(decoded_notice(payload), mention, typed)


def _names(decoded: Any, mention: str, typed: re.Pattern[str] | None) -> bool:
    """`names_member` of a notice decoded already (an outbox row's payload, or a reply of a stored answer)."""
    return any(
        mention in text or (typed is not None and typed.search(_normal(text))) for text in notice_strings(decoded)
    )


async def _forget_notices(
    conn: Connection,
    dialect: str,
    community: str,
    member_id: int,
    mention: str,
    typed: re.Pattern[str] | None,
    now: datetime,
) -> None:
    """Inside the forget's transaction: the community's notices to other members that name the member (`names_member`):
    any that holds their mention, and an admins' notice (`ADMIN_ONLY_KEY_PREFIXES`: the digest quotes decline reasons, a
    call for help its member) or an answer held for later (`outbox.LATE_ANSWER_KEY`: an admin's waitlist names members
    by their display name, the stats quote decline reasons) that quotes a text they typed or says their display name
    (`QUOTING_KEY_PREFIXES`). Such a notice goes whole even when the name or text is someone else's too (another "Anna
    Lee" waiting): an admin's answer is asked again, a forgotten member's data is not to be kept. A late answer is
    searched whoever it is for (the bot does not know at that point whether its member is a platform's admin): one
    to an ordinary member is their own answer, out of date, to a command of theirs. Another member's notice is not
    searched for the typed texts nor the name: a skill's label or a few common words typed by the member would match
    notices about someone else (a held offer to another mentor, which would then never reach them). One still to be
    delivered or shown (pending, held; superseded too) goes. One delivered already keeps its row with an empty
    payload: its key and state are still read (`outbox.never_reached`, `OutboxStore.has_keyed`: a check-in's call
    for help once an hour) until the hourly prune drops it; nothing reads a delivered row's content but
    `OutboxStore.hold_notices_again`, which looks for the very content it took. So that a notice the member's command
    took just before (its row delivered) and its adapter holds again just after is not held again, whole, under a
    key of its own, each one emptied leaves a digest of its content (`outbox.forgotten_notice_marker`, a row of
    `processed_events` pruned with the day-old event ids): no text, only what recognises that very content."""
    after = 0
    doomed: list[int] = []
    blanked: list[int] = []
    markers: set[str] = set()
    while True:
        found = await conn.fetch_all(
            "SELECT id, member_id, status, message_key, payload FROM outbox "
            "WHERE community = ? AND member_id <> ? AND id > ? "
            "AND status IN ('pending', 'held', 'superseded', 'delivered') AND payload <> '' ORDER BY id LIMIT ?",
            community,
            member_id,
            after,
            _PAGE,
        )
        for row in found:
            quotes = typed if quoting(row["message_key"]) else None
            if not names_member(str(row["payload"]), mention, quotes):
                continue
            if row["status"] == "delivered":
                blanked.append(int(row["id"]))
                markers.add(forgotten_notice_marker(int(row["member_id"]), str(row["payload"])))
            else:
                doomed.append(int(row["id"]))
        if len(found) < _PAGE:
            break
        after = int(found[-1]["id"])
    if doomed:
        ids_sql, ids_arg = id_list(dialect, doomed)
        await conn.execute(f"DELETE FROM outbox WHERE id IN ({ids_sql})", ids_arg)
    if blanked:
        ids_sql, ids_arg = id_list(dialect, blanked)
        if dialect == "postgresql":
            # Locked first, so that the state read below is theirs until this commits: a row held again since it was
            # read (`OutboxStore.hold_notices_again`) and taken again (`take_held_keyed`) between the two statements
            # below was neither emptied (held) nor deleted (delivered). SQLite's writer runs alone.
            await conn.fetch_all(f"SELECT id FROM outbox WHERE id IN ({ids_sql}) ORDER BY id FOR UPDATE", ids_arg)
        await conn.execute(f"UPDATE outbox SET payload = '' WHERE id IN ({ids_sql}) AND status = 'delivered'", ids_arg)
        # One an adapter held again meanwhile (`OutboxStore.hold_notices_again` sets the row taken back to held; on
        # PostgreSQL the lock above waited for its unit) is held now: it goes, as held ones do.
        await conn.execute(f"DELETE FROM outbox WHERE id IN ({ids_sql}) AND status <> 'delivered'", ids_arg)
        await conn.executemany(
            "INSERT INTO processed_events (event_id, created_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING",
            [(marker, now) for marker in sorted(markers)],
        )


async def _forget_answers(
    conn: Connection, community: str, user_id: str, mention: str, typed: re.Pattern[str] | None
) -> None:
    """Inside the forget's transaction: the answers stored for other members' commands of the community and not shown
    yet (inbox rows 'answering': `InboxStore.store_answer`; shown after a crash by the recovery, `recorded_answer`),
    searched as `_forget_notices` searches the outbox (`_cleaned_answer`). One naming the member is written again
    without what names them; the others are left as they are. Read a page (`_PAGE`) at a time; few are stored at
    any moment (each is emptied once shown: `InboxStore.finish_event`)."""
    after = 0
    cleaned: list[tuple[str, int]] = []
    while True:
        found = await conn.fetch_all(
            "SELECT id, answer FROM inbox WHERE community = ? AND platform_user_id <> ? AND id > ? "
            "AND status IN ('pending', 'answering') AND answer IS NOT NULL ORDER BY id LIMIT ?",
            community,
            user_id,
            after,
            _PAGE,
        )
        for row in found:
            answer = _cleaned_answer(str(row["answer"]), mention, typed)
            if answer is not None:
                cleaned.append((answer, int(row["id"])))
        if len(found) < _PAGE:
            break
        after = int(found[-1]["id"])
    if cleaned:
        await conn.executemany("UPDATE inbox SET answer = ? WHERE id = ?", cleaned)


def _cleaned_answer(answer: str, mention: str, typed: re.Pattern[str] | None) -> str | None:
    """A stored answer (`replies.answer_to_json`) without what names a forgotten member (`_names`), or None when
    nothing in it does. A held notice it carries goes when the outbox would drop it (`_forget_notices`): one that
    holds their `mention`, or, an admins' notice or a late answer by its key (`quoting`), one quoting a text they
    typed or saying their display name (`typed`); one whose key is not known (an answer stored before keys were
    kept) is searched as an admins' notice is: its key could be one. The reply is searched as a late answer is (it
    is what one would hold: the answer to a command of the member's own) and, naming them, is replaced by
    ``forget.answer_named_forgotten`` in the answer's language (no fields, no buttons): the command went through,
    and `/mentor status` tells where things stand. An answer not written by `answer_to_json` (none is) is left."""
    try:
        data = json.loads(answer)
        reply, held, keys = data["reply"], list(data["held"]), data.get("held_keys")
    except (ValueError, KeyError, TypeError):
        return None
    known = isinstance(keys, list) and len(keys) == len(held)
    kept: list[tuple[Any, Any]] = []
    for index, notice in enumerate(held):
        key = keys[index] if known else None
        quotes = typed if not known or quoting(None if key is None else str(key)) else None
        if not _names(notice, mention, quotes):
            kept.append((notice, key))
    reply_names = _names(reply, mention, typed)
    if not reply_names and len(kept) == len(held):
        return None
    if reply_names:
        t = translator(str(data.get("language") or ""))
        data["reply"] = json.loads(reply_to_json(Reply(t("forget.answer_named_forgotten"))))
    data["held"] = [notice for notice, _ in kept]
    data["held_keys"] = [key for _, key in kept] if known else []
    return json.dumps(data, ensure_ascii=False)
