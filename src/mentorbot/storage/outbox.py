"""The outbox: notifications written in the transaction of the change they announce, delivered from there.

A row is created claimed by the process that made it (`enqueue`), which delivers it at once and marks it
(`mark_delivered`). A process that dies in between leaves the row pending with a lease that runs out; then
any process serving that community claims it (`claim_undelivered`, one process per row) and delivers it.
A row the platform failed to take for a transient reason is released for a later claim (`release_for_retry`:
no holder, claimable once its wait is over); ``attempts`` counts the claims.

A keyed row (``offer:42``) is one version of a message: writing a newer version of its key for the member, pending
or held, supersedes the older ones still pending or held, in the same transaction, so an old version is never
delivered nor shown again over a newer one (the offer over its expiry notice). Rows without a key are independent.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final
from uuid import uuid4

from mentorbot.replies import Notification, reply_from_json, reply_to_json
from mentorbot.storage.database import Connection, Row
from mentorbot.storage.forgotten import names_forgotten
from mentorbot.storage.sql import claim_expired, id_list, in_list
from mentorbot.storage.units import Transactions


def _notification(row: Row) -> Notification:
    return Notification(
        int(row["member_id"]),
        str(row["platform_user_id"]),
        reply_from_json(str(row["payload"])),
        row["message_key"],
        community=str(row["community"]),
        language=str(row["language"]),
        outbox_id=int(row["id"]),
        attempts=int(row["attempts"]),
    )


async def _supersede_older(conn: Connection, member_id: int, key: str, below: int | None = None) -> None:
    """Supersede the member's rows keyed `key` still pending or held (those with an id below `below`, when given):
    a newer version of the message is being written or held."""
    bound = "" if below is None else " AND id < ?"
    await conn.execute(
        "UPDATE outbox SET status = 'superseded' WHERE member_id = ? AND message_key = ? "
        f"AND status IN ('pending', 'held'){bound}",
        member_id,
        key,
        *([] if below is None else [below]),
    )


def offered_notice_key(request_id: int, offer_id: int) -> str:
    """The outbox key of the notice telling a mentee that their request was offered by offer `offer_id`
    (`usecases.matchmaking.offered_key`): superseded, while undelivered, when that offer ends
    (`supersede_request_notices`)."""
    return f"request:{request_id}:offer:{offer_id}"


def pause_notice_key(mentor_id: int, offer_id: int) -> str:
    """The outbox key of the notice telling a mentor that the expiry of their offer `offer_id` paused them for lapses
    (`usecases.expiry.expire_offers`): one key per such pause, so it replaces no earlier message; superseded, while
    undelivered, when an answer recorded in time takes that pause back (`supersede_pause_notice`)."""
    return f"pause:{mentor_id}:{offer_id}"


async def supersede_pause_notice(conn: Connection, mentor_id: int, offer_id: int) -> None:
    """The pause the expiry of `mentor_id`'s offer `offer_id` brought was taken back (`storage.offers._forgive_lapse`,
    an answer recorded in time), inside that transaction: its notice (`pause_notice_key`) still pending or held is
    superseded, so it is never delivered nor shown after the reply saying the profile takes requests again. A batch
    that claimed it drops it too (`OutboxStore.still_to_send`: no longer pending), as for a newer version of a key.
    One delivered already stays so: that reply is what corrects it."""
    await _supersede_older(conn, mentor_id, pause_notice_key(mentor_id, offer_id))


def unsent(now: str = "?") -> str:
    """Whether an outbox row is not reaching its member as things stand, the time now being the SQL `now` (by default
    one argument): held, or pending with no process delivering it (released for a retry, handed over untried, or left
    by a process that died: its claim run out). A row a live process claims is being delivered by it, which re-checks
    it right before sending it (`OutboxStore.still_to_send`: one a change made out of date is dropped then)."""
    return f"(status = 'held' OR (status = 'pending' AND (claimed_by IS NULL OR claimed_until < {now})))"


LATE_ANSWER_KEY: Final = "late-answer:"
"""What the outbox key of an answer held for its member's next command starts with: the answer to a command recovered
after a crash, whose direct message the platform refused (`OutboxStore.hold_notices_again`, a notice no outbox row
had). Each has a key of its own, ``late-answer:<random hex>``, so that two late answers never supersede each other;
an admin's one quotes members (the waitlist's names, the stats' decline reasons), so `storage.privacy` searches these
as it searches the admins' notices."""


FORGOTTEN_NOTICE: Final = "forgotten-notice:"
"""What the id of a `forgotten_notice_marker` starts with."""


def forgotten_notice_marker(member_id: int, payload: str) -> str:
    """The id, in `processed_events`, that records that a forget emptied a delivered notice of `member_id`'s with
    this content (`storage.privacy._forget_notices`): ``forgotten-notice:<member id>:<SHA-256 of the payload>``, so
    that the notice, taken by a command of theirs just before the forget and held again by its adapter just after,
    is recognised and not held again (`OutboxStore.hold_notices_again`), while nothing of what it said is kept. The
    hash recognises that exact content (a forgotten member's note, mention and the bot's words in the member's
    language, its buttons' ids), which someone must hold already to test it. Pruned with the other event ids a day
    after the forget (`EventStore.prune_events`), when the emptied row itself is long pruned (a day after delivery)."""
    return f"{FORGOTTEN_NOTICE}{member_id}:{hashlib.sha256(payload.encode()).hexdigest()}"


_UNSENT: Final = unsent()
"""`unsent`, its one argument the time now."""


KEY_PREFIX: Final = "message_key LIKE ? ESCAPE '\\'"
"""The SQL matching a message key that starts with a prefix; its one argument is `key_prefix`'s pattern."""


def key_prefix(prefix: str) -> str:
    """The pattern for `KEY_PREFIX` matching the keys that start with `prefix` (its wildcards escaped)."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_REQUESTS_PER_STATEMENT: Final = 500
"""How many requests one statement of `supersede_request_notices` names (each twice: within placeholder limits)."""


async def supersede_request_notices(conn: Connection, request_ids: Sequence[int], now: datetime) -> None:
    """The state of each of `request_ids` changed, inside that change's transaction (an offer of it ended: expired,
    declined, withdrawn; it was offered anew, matched, cancelled or closed; a round's offers made together): the
    mentee's notices about it that have not reached them (`_UNSENT`), "a mentor has been offered your request"
    (`offered_notice_key`) and "your request is waiting again" (keys ``request:<id>:after:<offer id>``), are
    superseded, so never delivered nor shown once they are out of date. A restart after a crash, or a command showing
    held notices, would otherwise tell "offered" or "waiting again" after "cancelled", after the introduction, or
    after a later notice saying where it stands. What the change means is told by the change itself (the
    introduction, the cancel's reply, a new "waiting again"), and a request handed on to another mentor is told to
    its mentee when the offer's notice never reached them (`offered_unheard`). One statement per
    `_REQUESTS_PER_STATEMENT` requests, over their mentees' rows (the index ``outbox_by_member``)."""
    for lo in range(0, len(request_ids), _REQUESTS_PER_STATEMENT):
        part = list(request_ids[lo : lo + _REQUESTS_PER_STATEMENT])
        await conn.execute(
            "UPDATE outbox SET status = 'superseded' "
            f"WHERE member_id IN (SELECT member_id FROM requests WHERE id IN ({in_list(part)})) AND {_UNSENT} "
            f"AND EXISTS (SELECT 1 FROM requests r WHERE r.id IN ({in_list(part)}) AND r.member_id = outbox.member_id "
            "AND outbox.message_key LIKE 'request:' || r.id || ':%')",
            *part,
            now,
            *part,
        )


async def supersede_unsent(
    conn: Connection, member_id: int, key: str, now: datetime, *, prefix: bool = False
) -> list[str]:
    """The message keyed `key` of a member (with `prefix`, every message whose key starts with `key`) is out of date,
    inside the transaction that made it so (their own offer, accepted or declined: `releases.release_offer`,
    `OfferStore.accept_offer`; the notice of their departure, once they are back: `OutboxStore.supersede_unsent_keyed`):
    its rows that have not reached them (`_UNSENT`) are superseded, so a held offer is not shown, live buttons and
    all, beside the reply saying it is answered, nor delivered after it by a restart. Returns the superseded rows'
    payloads, oldest first. A row a live process is delivering is left to it."""
    match, pattern = (KEY_PREFIX, key_prefix(key)) if prefix else ("message_key = ?", key)
    found = await conn.fetch_all(
        f"UPDATE outbox SET status = 'superseded' WHERE member_id = ? AND {match} AND {_UNSENT} RETURNING id, payload",
        member_id,
        pattern,
        now,
    )
    return [str(r["payload"]) for r in sorted(found, key=lambda r: int(r["id"]))]


async def never_reached(
    conn: Connection, member_id: int, key: str, now: datetime | None = None, *, runner: str | None = None
) -> bool:
    """Whether the member's message keyed `key` has not reached them, as the outbox tells it, inside the caller's
    transaction: a row of the key is held (refused, or failed for a transient reason too often; not shown to them
    since) or pending after a failed try (released for a retry: no holder; or claimed again: more than one attempt)
    or, given `now` and the `runner` asking (the worker running the offer's expiry), pending on its first try with
    the claim of another worker run out before `now` (that process died before sending it: a crash just after the
    offer was written, and no process recovered the row since, the bot down), and none is delivered (sent, or held
    and then shown with their command). Given `now` (the offer's expiry: its deadline passed), a row no process holds
    is "never reached" even untried (handed over, `hand_over`, or given back untried, `release_for_retry`): no
    process claims an overdue offer's row any more (`claim_undelivered`). A row still with the process that wrote
    it, on its first try, is being delivered (this worker's own, or another's whose claim runs), and, without `now`,
    one handed over untried (no attempt yet) is about to be; no row at all (a delivered one is pruned after a day)
    tells nothing: neither is "never reached". One query over the member's rows (the index ``outbox_by_member``)."""
    dead = now is not None and runner is not None
    orphan = " OR (attempts = 1 AND claimed_by IS NOT NULL AND claimed_by <> ? AND claimed_until < ?)" if dead else ""
    untried = "" if now is not None else " AND attempts > 0"
    row = await conn.fetch_one(
        "SELECT COALESCE(SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END), 0) AS delivered, "
        f"COALESCE(SUM(CASE WHEN status = 'held' OR (status = 'pending' AND ((claimed_by IS NULL{untried}) "
        f"OR attempts > 1{orphan})) "
        "THEN 1 ELSE 0 END), 0) AS stuck FROM outbox WHERE member_id = ? AND message_key = ?",
        *([runner, now] if dead else []),
        member_id,
        key,
    )
    return row is not None and int(row["delivered"]) == 0 and int(row["stuck"]) > 0


_OVERDUE_OFFER: Final = (
    "outbox.message_key LIKE 'offer:%' AND EXISTS (SELECT 1 FROM offers o WHERE o.mentor_id = outbox.member_id "
    "AND o.status = 'pending' AND o.expires_at <= ? AND outbox.message_key = 'offer:' || o.id)"
)
"""An outbox row ``offer:<id>`` whose offer is still pending but overdue, its deadline at or before the SQL time (its
one argument): the offer message itself (every other version of its key is written when the offer ends), never
recovered (`OutboxStore.claim_undelivered`). Its Accept and Decline would be live past the "answer by" it shows; its
expiry, due, replaces it ("expired before it could reach you": `never_reached`). Over the mentor's offers (the index
``offers_by_mentor``)."""


_OFFERED_NOTICE: Final = re.compile(r"request:(\d+):offer:(\d+)")
_WAITING_AGAIN: Final = re.compile(r"request:(\d+):after:(\d+)")
_OFFER: Final = re.compile(r"offer:(\d+)")
_CHECKIN: Final = re.compile(r"checkin:(\d+)(?::\d+)?")


def _out_of_date(note: Notification, *, buttons_only: bool = False) -> tuple[str, list[object]]:
    """SQL (and its arguments) true when what `note` tells has moved on since it was written, so that sent now it would
    tell a member something no longer so, after (or over) what told them the change: "a mentor has been offered your
    request" once the request has no pending offer (it waits again, or was cancelled, closed, matched; not when its
    offer ended and the request went on to another mentor: the notice names neither, and is what tells the mentee);
    "your request is waiting again" once the request is no longer waiting or was offered anew since; an offer with its
    live Accept once it is no longer pending; a check-in with its live buttons once its mentorship is no longer
    active. Such a row is superseded by the unit of work of the change, unless a live process claims it (`unsent`:
    it is that process's to deliver); the batch that claimed it drops it here (`OutboxStore.still_to_send`). Any
    other notification ("0"): what it tells stays true, or a newer version of its key replaces it. Each check is one
    lookup by primary key or over the request's offers (the index ``offers_by_request``). With `buttons_only` (a row
    a dead process left, recovered: `MentorBot.undelivered`), the live buttons, and a request's notices only once the
    request ended (cancelled, matched, closed: the change that ended it told so, and "offered" or "waiting again"
    would come after it): an open request's notices recovered are delivered in order, each change a message of its
    own, the last one last."""
    key = note.key or ""
    if buttons_only and (found := _OFFERED_NOTICE.fullmatch(key) or _WAITING_AGAIN.fullmatch(key)):
        # Recovered: told in order while the request is open; once it ended, the change that ended it told so.
        return "NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = ? AND r.status IN ('waiting', 'offered'))", [
            int(found.group(1))
        ]
    if not buttons_only and (found := _OFFERED_NOTICE.fullmatch(key)):
        # Its text names no mentor nor offer: still true once its offer ended and the request was handed on to
        # another mentor (whose hand-on told the mentee nothing, this claimed row not being superseded:
        # `OutboxStore.offered_unheard`). Out of date once the request has no pending offer at all.
        return "NOT EXISTS (SELECT 1 FROM offers o WHERE o.request_id = ? AND o.status = 'pending')", [
            int(found.group(1))
        ]
    if not buttons_only and (found := _WAITING_AGAIN.fullmatch(key)):
        request, offer = int(found.group(1)), int(found.group(2))
        return (
            "(NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = ? AND r.status = 'waiting') "
            "OR EXISTS (SELECT 1 FROM offers o WHERE o.request_id = ? AND o.id > ?))",
            [request, request, offer],
        )
    actions = {button.action for button in note.reply.buttons}
    if (found := _OFFER.fullmatch(key)) and "offer.accept" in actions:
        return "NOT EXISTS (SELECT 1 FROM offers o WHERE o.id = ? AND o.status = 'pending')", [int(found.group(1))]
    if (found := _CHECKIN.fullmatch(key)) and any(action.startswith("checkin.") for action in actions):
        return "NOT EXISTS (SELECT 1 FROM mentorships m WHERE m.id = ? AND m.status = 'active')", [int(found.group(1))]
    return "0 = 1", []


OUTBOX_CLAIM_LIMIT: Final = 100
"""The most undelivered notifications a round of one process claims (`OutboxStore.claim_undelivered`); a round that
claimed as many runs the next one at once (`MentorBot.undelivered`)."""


class OutboxStore(Transactions):
    """Notifications waiting to be delivered, and which were."""

    async def enqueue(
        self, notes: Sequence[Notification], now: datetime, worker: str, *, lease: timedelta
    ) -> list[Notification]:
        """Write `notes` to the outbox, claimed by `worker` for `lease`; the same notifications, numbered.

        A keyed notification (``offer:42``) supersedes the member's earlier ones with that key that are still
        pending or held: they are never delivered nor shown again, so neither a recovery nor the member's next
        command can put an old version of a message (the offer) back over a newer one (its expiry)."""
        if not notes:
            return []
        out: list[Notification] = []
        async with self.transaction() as conn:
            for note in notes:
                if note.key is not None:
                    await _supersede_older(conn, note.member_id, note.key)
                row = await conn.fetch_one(
                    "INSERT INTO outbox (member_id, platform_user_id, community, language, message_key, payload, "
                    "status, claimed_by, claimed_until, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) "
                    "RETURNING id",
                    note.member_id,
                    note.platform_user_id,
                    note.community,
                    note.language,
                    note.key,
                    reply_to_json(note.reply),
                    worker,
                    now + lease,
                    now,
                )
                assert row is not None
                out.append(replace(note, outbox_id=int(row["id"])))
        return out

    async def mark_delivered(self, notes: Sequence[Notification], now: datetime, worker: str) -> int:
        """Record that `notes`, held by `worker`, were delivered (sent, or held for the member's next command);
        how many rows changed. A row delivered or held already, superseded, released for a retry (it has no
        holder) or claimed by another worker since is left as it is."""
        ids = [n.outbox_id for n in notes if n.outbox_id is not None]
        if not ids:
            return 0
        ids_sql, ids_arg = id_list(self.db.dialect, ids)
        async with self.transaction() as conn:
            return await conn.execute(
                f"UPDATE outbox SET status = 'delivered', delivered_at = ? WHERE id IN ({ids_sql}) "
                "AND status = 'pending' AND claimed_by = ?",
                now,
                ids_arg,
                worker,
            )

    async def still_to_send(self, note: Notification, worker: str, *, buttons_only: bool = False) -> bool:
        """Whether `note`, claimed by `worker` in a batch, is still that batch's to send, asked right before the
        platform call: its row still pending, still `worker`'s claim at the same try (``attempts``), and what it
        tells not out of date (`_out_of_date`). A batch takes seconds, minutes after an outage; meanwhile a member's
        command may have written a newer version of its key (the row superseded: sent now, it would edit the newer
        message back into the old one) or changed what it speaks of (a live process's row is spared by that change's
        supersession: `unsent`), or its lease ran out and another claim took it. False: not to be sent, and nothing
        is marked (the row is another claim's, or no longer pending); a row still this claim's but out of date is
        superseded here, so it is never claimed again. A notification with no row (a live reply) is always sent.
        One read by primary key (a second statement only to supersede an out-of-date row)."""
        if note.outbox_id is None:
            return True
        stale, stale_args = _out_of_date(note, buttons_only=buttons_only)
        ours = "id = ? AND status = 'pending' AND claimed_by = ? AND attempts = ?"
        mine = [note.outbox_id, worker, note.attempts]
        async with self.read() as conn:
            row = await conn.fetch_one(
                f"SELECT CASE WHEN {stale} THEN 1 ELSE 0 END AS stale FROM outbox WHERE {ours}", *stale_args, *mine
            )
        if row is None:
            return False
        if not int(row["stale"]):
            return True
        async with self.transaction() as conn:
            await conn.execute(f"UPDATE outbox SET status = 'superseded' WHERE {ours} AND {stale}", *mine, *stale_args)
        return False

    async def release_for_retry(
        self, note: Notification, worker: str, until: datetime, *, untried: bool = False
    ) -> bool:
        """Give up `worker`'s claim on `note`'s row after a transient failure: no process holds it, and any may
        claim it once `until` has passed (`claim_undelivered`, which counts the attempt). With `untried`, the
        platform was never asked (its adapter not connected yet, a batch out of time, a global rate limit): the
        claim's attempt is given back too, so the next claim is the same try. False, and nothing changed, when the
        row is not this claim's any more: superseded by a newer version of its key (it is then never delivered),
        delivered, held, or claimed again since (its ``attempts`` moved on)."""
        if note.outbox_id is None:
            return False
        async with self.transaction() as conn:
            changed = await conn.execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = ?, attempts = attempts - ? WHERE id = ? "
                "AND status = 'pending' AND claimed_by = ? AND attempts = ?",
                until,
                1 if untried else 0,
                note.outbox_id,
                worker,
                note.attempts,
            )
        return changed == 1

    async def hand_over(self, notes: Sequence[Notification], worker: str, now: datetime) -> int:
        """Give up `worker`'s claim on `notes`, which it wrote and never tried to deliver (a process that delivers
        nothing: `mentorbot admin forget`), to any process at once, without using one of their delivery attempts:
        the first claim (`claim_undelivered`) is their first try. How many rows were handed over; a row already
        tried, superseded, delivered or held is left as it is."""
        ids = [n.outbox_id for n in notes if n.outbox_id is not None]
        if not ids:
            return 0
        ids_sql, ids_arg = id_list(self.db.dialect, ids)
        async with self.transaction() as conn:
            return await conn.execute(
                f"UPDATE outbox SET claimed_by = NULL, claimed_until = ?, attempts = 0 WHERE id IN ({ids_sql}) "
                "AND status = 'pending' AND claimed_by = ? AND attempts = 1",
                now,
                ids_arg,
                worker,
            )

    async def claim_undelivered(
        self,
        now: datetime,
        worker: str,
        *,
        lease: timedelta,
        limit: int = OUTBOX_CLAIM_LIMIT,
        communities: Sequence[str] | None = None,
    ) -> list[Notification]:
        """Claim for `worker` the pending notifications whose lease ran out (their process died before
        delivering them), oldest first; each row is claimed by one worker at a time. An offer whose deadline has
        passed while it is still pending is not sent (`_OVERDUE_OFFER`: a long outage, its expiry timer not run
        yet): its row is left to the expiry, which supersedes it and tells the mentor it expired before it could
        reach them."""
        async with self.transaction() as conn:
            found = await claim_expired(
                conn,
                "outbox",
                now=now,
                worker=worker,
                lease=lease,
                limit=limit,
                communities=communities,
                skip_locked=self.db.skip_locked,
                unless=_OVERDUE_OFFER,
                unless_args=[now],
            )
        return [_notification(r) for r in found]

    async def hold_notice(
        self,
        member_id: int,
        payload: str,
        now: datetime,
        *,
        key: str | None = None,
        outbox_id: int | None = None,
        worker: str | None = None,
    ) -> bool:
        """Keep a notice that could not be delivered (DMs closed) for the member's next command: its outbox row
        (`outbox_id`, still pending and, with a `worker`, held by it) goes to the 'held' state, or, for a notice
        that has none, a held row is written with its `key`. False when its row was not pending (superseded by a
        newer version, delivered, held already) or is another worker's: nothing is held, so nothing is shown twice
        and a replaced version never comes back. A keyed notice held supersedes the older versions of its key
        still pending or held for the member."""
        async with self.transaction() as conn:
            if outbox_id is not None:
                holder = "" if worker is None else " AND claimed_by = ?"
                row = await conn.fetch_one(
                    f"UPDATE outbox SET status = 'held' WHERE id = ? AND status = 'pending'{holder} "
                    "RETURNING message_key",
                    outbox_id,
                    *([] if worker is None else [worker]),
                )
                if row is None:
                    return False
                if row["message_key"] is not None:
                    await _supersede_older(conn, member_id, str(row["message_key"]), below=outbox_id)
                return True
            await self._insert_held(conn, member_id, payload, key, now)
        return True

    @staticmethod
    async def _insert_held(conn: Connection, member_id: int, payload: str, key: str | None, now: datetime) -> bool:
        """Write a held row for the member (False when the member is gone); keyed, it supersedes the older
        versions of its key still pending or held."""
        row = await conn.fetch_one(
            "INSERT INTO outbox (member_id, platform_user_id, community, language, message_key, payload, status, "
            "created_at) SELECT m.id, m.platform_user_id, m.community, COALESCE(m.language, ''), ?, ?, 'held', ? "
            "FROM members m WHERE m.id = ? RETURNING id",
            key,
            payload,
            now,
            member_id,
        )
        if row is None:
            return False
        if key is not None:
            await _supersede_older(conn, member_id, key, below=int(row["id"]))
        return True

    async def has_keyed(
        self, member_ids: Sequence[int], key: str, *, since: datetime | None = None, prefix: bool = False
    ) -> bool:
        """Whether a notification keyed `key` (with `prefix`, any key starting with `key`) was written for any of
        `member_ids` (and not pruned yet: delivered ones are kept a day), at or after `since` when given, whatever
        became of it. One query, over the members' rows (the index ``outbox_by_member``)."""
        if not member_ids:
            return False
        args: list[object]
        if prefix:
            match, args = KEY_PREFIX, [key_prefix(key)]
        else:
            match, args = "message_key = ?", [key]
        if since is not None:
            match += " AND created_at >= ?"
            args.append(since)
        async with self.read() as conn:
            found = await conn.fetch_one(
                f"SELECT 1 AS found FROM outbox WHERE member_id IN ({in_list(member_ids)}) AND {match} LIMIT 1",
                *member_ids,
                *args,
            )
        return found is not None

    async def offered_unheard(self, member_id: int, request_id: int, offer_id: int) -> bool:
        """Whether the member's notice that their request was offered by `offer_id` (`offered_notice_key`) was
        written and superseded without reaching them (`supersede_request_notices`, when that offer ended before it
        could be sent or shown), none of its rows delivered: the last they heard is that the request waits. One query
        over the member's rows (the index ``outbox_by_member``)."""
        async with self.read() as conn:
            row = await conn.fetch_one(
                "SELECT COALESCE(SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END), 0) AS delivered, "
                "COALESCE(SUM(CASE WHEN status = 'superseded' THEN 1 ELSE 0 END), 0) AS superseded "
                "FROM outbox WHERE member_id = ? AND message_key = ?",
                member_id,
                offered_notice_key(request_id, offer_id),
            )
        return row is not None and int(row["delivered"]) == 0 and int(row["superseded"]) > 0

    async def has_held_notices(self, member_id: int) -> bool:
        """Whether notices are held for the member (shown with their next command: `take_held_keyed`)."""
        async with self.read() as conn:
            held = await conn.fetch_one(
                "SELECT 1 AS held FROM outbox WHERE member_id = ? AND status = 'held' LIMIT 1", member_id
            )
        return held is not None

    async def take_held_keyed(self, member_id: int, now: datetime) -> list[tuple[str | None, str]]:
        """The member's held notices as (key, payload), oldest first, marked delivered in the same transaction (each
        is shown once; an adapter that cannot show some of them holds those again: `hold_notices_again`). Of a key,
        only the newest version is shown: a held row with a newer row of its key (left by a version that superseded
        only pending rows) is superseded instead."""
        # Every command asks; almost always there is nothing, and a read avoids taking the write lock for it.
        if not await self.has_held_notices(member_id):
            return []
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'superseded' WHERE member_id = ? AND status = 'held' "
                "AND message_key IS NOT NULL AND EXISTS (SELECT 1 FROM outbox newer WHERE newer.member_id = "
                "outbox.member_id AND newer.message_key = outbox.message_key AND newer.id > outbox.id)",
                member_id,
            )
            found = await conn.fetch_all(
                "UPDATE outbox SET status = 'delivered', delivered_at = ? WHERE member_id = ? AND status = 'held' "
                "RETURNING id, message_key, payload",
                now,
                member_id,
            )
        return [(r["message_key"], r["payload"]) for r in sorted(found, key=lambda r: int(r["id"]))]

    async def unsent_keyed(self, member_id: int, prefix: str) -> list[tuple[int, str, str]]:
        """The member's notifications still to reach them (pending or held) whose key starts with `prefix`, oldest
        first, as (row id, key, payload). One query over the member's rows (the index ``outbox_by_member``)."""
        async with self.read() as conn:
            rows = await conn.fetch_all(
                "SELECT id, message_key, payload FROM outbox WHERE member_id = ? AND status IN ('pending', 'held') "
                f"AND {KEY_PREFIX} ORDER BY id",
                member_id,
                key_prefix(prefix),
            )
        return [(int(r["id"]), str(r["message_key"]), str(r["payload"])) for r in rows]

    async def supersede_unsent_keyed(self, member_id: int, prefix: str, now: datetime) -> list[str]:
        """Supersede the member's notifications whose key starts with `prefix` that have not reached them (`_UNSENT`:
        held, or pending with no live process delivering it), in one transaction; their payloads, oldest first. A row
        a live process is delivering is left to it."""
        async with self.transaction() as conn:
            return await supersede_unsent(conn, member_id, prefix, now, prefix=True)

    async def rewrite_unsent(self, outbox_id: int, payload: str, language: str) -> bool:
        """Replace the content (and its language) of a notification still to reach its member, pending or held: the
        same row, so its key, state, claim and tries stay. False, and nothing changed, when it was delivered or
        superseded meanwhile. A process delivering the row already holds its old content and delivers that."""
        async with self.transaction() as conn:
            changed = await conn.execute(
                "UPDATE outbox SET payload = ?, language = ? WHERE id = ? AND status IN ('pending', 'held')",
                payload,
                language,
                outbox_id,
            )
        return changed == 1

    async def hold_notices_again(self, member_id: int, payloads: Sequence[str], now: datetime) -> int:
        """Hold again, for the member's next command, notices `take_held_keyed` took but the adapter could not
        show anywhere (`payloads`, in the order they are to be shown); how many are held. Each is the row it was taken
        from again (the member's newest delivered row with that content, its key and place kept); one whose key has
        had a newer version written since is not held again: that version replaced it (one written by a unit not yet
        committed has the higher id, and `take_held_keyed` shows the newest). One no row held (an answer to a command
        recovered after a crash, its direct message refused) gets a key of its own (`LATE_ANSWER_KEY`), which the
        forget searches for a member it names or quotes (`storage.privacy`).

        Nor is a notice a forget has dealt with since it was taken: one whose row a forget emptied (taken just before
        it, the row delivered: its `forgotten_notice_marker`), and one that mentions a member forgotten and not back
        (`forgotten.names_forgotten`: an answer the adapter read before the forget; a forget not committed yet is waited
        for, on PostgreSQL too: its member row is read FOR SHARE, and the row the forget empties is locked by it until
        it commits, then no longer has the content). Without these, the content no row has any more would be held
        afresh under a key of its own, after the forget that searched those, with the forgotten member's mention,
        their note and an offer's live buttons."""
        if not payloads:
            return 0
        async with self.transaction() as conn:
            member = await conn.fetch_one("SELECT community FROM members WHERE id = ?", member_id)
            if member is None:
                return 0
            community = str(member["community"])
            # Every check is made before any write: what they wait for (a forget's locks) never waits for this. The
            # forget markers are read last: a forget that committed before the row taken was looked up (which then
            # found it emptied, as if no row had held it) is seen by a statement run after that lookup.
            looked: list[tuple[str, Row | None]] = []
            for payload in payloads:
                taken = await conn.fetch_one(
                    "SELECT id, message_key FROM outbox WHERE member_id = ? AND status = 'delivered' AND payload = ? "
                    "ORDER BY id DESC LIMIT 1",
                    member_id,
                    payload,
                )
                if (
                    taken is not None
                    and taken["message_key"] is not None
                    and await conn.fetch_one(
                        "SELECT 1 AS found FROM outbox WHERE member_id = ? AND message_key = ? AND id > ? LIMIT 1",
                        member_id,
                        str(taken["message_key"]),
                        int(taken["id"]),
                    )
                ):
                    continue
                looked.append((payload, taken))
            kept = [
                (payload, taken)
                for payload, taken in looked
                if not await names_forgotten(conn, self.db.dialect, community, payload)
            ]
            if not kept:
                return 0
            markers = [forgotten_notice_marker(member_id, payload) for payload, _ in kept]
            emptied = {
                str(row["event_id"])
                for row in await conn.fetch_all(
                    f"SELECT event_id FROM processed_events WHERE event_id IN ({in_list(markers)})", *markers
                )
            }
            held = 0
            for (payload, taken), marker in zip(kept, markers, strict=True):
                if marker in emptied:
                    continue
                if taken is None:
                    if await self._insert_held(conn, member_id, payload, f"{LATE_ANSWER_KEY}{uuid4().hex}", now):
                        held += 1
                    continue
                # The very row taken is held again, not a copy: a forget emptying it meanwhile holds its lock, so this
                # waits for that forget and then finds its content gone; a newer version of its key written by a unit
                # not yet committed has the higher id all the same, and `take_held_keyed` shows only the newest.
                held += await conn.execute(
                    "UPDATE outbox SET status = 'held', delivered_at = NULL "
                    "WHERE id = ? AND status = 'delivered' AND payload = ?",
                    int(taken["id"]),
                    payload,
                )
        return held

    async def count_undelivered(self) -> int:
        """How many notifications are not delivered yet (health checks, tests)."""
        async with self.read() as conn:
            row = await conn.fetch_one("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'")
        return int(row["n"]) if row else 0

    async def prune_outbox(self, before: datetime) -> int:
        """Drop delivered notifications older than `before`, and those a newer version of their key replaced
        (superseded: never sent) written before it."""
        async with self.transaction() as conn:
            delivered = await conn.execute("DELETE FROM outbox WHERE status = 'delivered' AND delivered_at < ?", before)
            superseded = await conn.execute("DELETE FROM outbox WHERE status = 'superseded' AND created_at < ?", before)
        return delivered + superseded

    async def prune_held_notices(self, before: datetime) -> int:
        """Drop the notices held (for the member's next command) since before `before`: a member who has not come
        back since is shown nothing that old (what it spoke of is long settled, and the message it would replace
        is no longer known: `MessageRefStore.prune_message_refs`); how many."""
        async with self.transaction() as conn:
            return await conn.execute("DELETE FROM outbox WHERE status = 'held' AND created_at < ?", before)

    async def release_held_offers(self, community: str, now: datetime) -> int:
        """`community` is back within reach (the Discord bot added back, the Slack app working again): its offers
        held meanwhile (rows ``offer:<id>`` held, their offer still pending and not overdue) go back to the outbox,
        pending and unclaimed, for any process to deliver as a first try (`claim_undelivered`), rather than wait for
        their mentor's next command while the request stalls until the deadline. How many; one statement."""
        async with self.transaction() as conn:
            return await conn.execute(
                "UPDATE outbox SET status = 'pending', claimed_by = NULL, claimed_until = ?, attempts = 0 "
                "WHERE community = ? AND status = 'held' AND message_key LIKE 'offer:%' AND EXISTS (SELECT 1 FROM "
                "offers o WHERE o.mentor_id = outbox.member_id AND o.status = 'pending' AND o.expires_at > ? "
                "AND outbox.message_key = 'offer:' || o.id)",
                now,
                community,
                now,
            )
