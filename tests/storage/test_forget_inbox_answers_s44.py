"""Session 44's forget hunt (/tmp/hunt/forget): the answers stored on other members' inbox rows (both engines).

A command's answer is kept on its inbox row (`InboxStore.store_answer`, the row 'answering') until the adapter has
shown it; a process that dies first leaves it there for the recovery (`MentorBot.unprocessed_events`,
`recorded_answer`). The forget emptied only the forgotten member's own inbox rows: another member's stored answer kept
the notices held for them that it carried (an introduction naming her and quoting her note) and a reply naming her
(an admin's pause answered with her display name), and the restarted bot showed them. The forget now treats a stored
answer as it treats the outbox (`privacy._forget_notices`): a held notice in it that names her goes, as it goes from
the outbox (her mention; her typed texts or display name in an admins' notice or a late answer), and a reply that
names her (her mention, her typed texts or display name: the reply is what a late answer would hold) is replaced by
a line saying the command went through and its answer named a member since deleted, in the member's language.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.replies import Outcome, Reply, answer_to_json, reply_to_json
from mentorbot.storage.store import Store
from tests.storage.forget_cast import HER, NAME, naming_her_text, who
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

NOTE = "NOTECANARY call me on +254 700 000000"


def leaks(outcome: Outcome) -> list[str]:
    texts = [reply_to_json(r) for r in (outcome.reply, *outcome.held)]
    return [t for t in texts if naming_her_text(t)]


async def recovered(store: Store, library: Library, clock: ManualClock) -> list[Outcome]:
    """What a process restarted half an hour later recovers: the answers stored and not shown."""
    clock.advance(timedelta(minutes=30))
    restarted = MentorBot(store, library, make_settings(), clock, worker_id="w2")
    answers = [restarted.recorded_answer(e) for e in await restarted.unprocessed_events()]
    return [a for a in answers if a is not None]


async def test_a_held_introduction_in_a_partners_stored_answer_goes(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """/tmp/hunt/forget/test_inbox_answer_survives.py: kim's own answer stays, with his other held notice."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    await bot.signup(who("kim"), skills="brand-strategy", capacity="3")
    r = await bot.request(who("zawadi"), skills="brand-strategy", note=NOTE)
    a = await bot.accept(who("kim"), offer_id=offer_id(to(r, "kim")[0]))
    [intro] = to(a, "kim")
    assert HER in reply_to_json(intro.reply)
    await bot.hold_undelivered(intro)  # its DM failed: held for kim's next command
    other = Reply("A notice about someone else entirely")
    assert await bot.hold_again(COMMUNITY, "U-kim", [other]) == 1
    inbox_id = await bot.record_event("slack:command:T1", COMMUNITY, "U-kim", '{"kind": "command"}')
    answer = await bot.set_language(who("kim", inbox_id=inbox_id, event_id="slack:command:T1"), language="en")
    assert answer.error is None and len(answer.held) == 2 and leaks(answer)
    # the process dies before showing kim the answer; meanwhile zawadi is forgotten
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None

    [back] = await recovered(store, library, clock)
    assert leaks(back) == []
    assert back.reply == answer.reply  # his own answer, as it was
    assert back.held == (other,)  # the notice not naming her stays, with its key
    assert len(back.held_keys) == 1 and back.held_keys[0] == answer.held_keys[answer.held.index(other)]


async def test_a_stored_admin_answer_naming_her_is_replaced(store: Store, library: Library, clock: ManualClock) -> None:
    """An admin's pause of her answered "Zawadi Secretname is paused": the reply says her display name; it is
    replaced by a line in the admin's language (no buttons, no fields), the command itself done."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    admin = who("admin", is_admin=True)
    await bot.set_language(admin, language="sw")
    await bot.signup(who("zawadi"), skills="brand-strategy", capacity="3")
    inbox_id = await bot.record_event("slack:command:T2", COMMUNITY, "U-admin", '{"kind": "command"}')
    paused = await bot.admin_pause(
        who("admin", is_admin=True, inbox_id=inbox_id, event_id="slack:command:T2"), mentor=NAME
    )
    assert paused.error is None and "Secretname" in paused.reply.text
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None

    [back] = await recovered(store, library, clock)
    assert leaks(back) == []
    assert back.language == "sw"
    assert back.reply == Reply(translator("sw")("forget.answer_named_forgotten"))
    assert back.reply.text != translator("en")("forget.answer_named_forgotten")


async def test_a_stored_reply_with_her_mention_is_replaced_and_unknown_keys_are_searched_whole(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """Written at the store: a reply holding her mention; a held notice quoting her note whose key is not known (an
    answer stored before keys were kept) goes too; one naming nobody stays. Another member's answer naming nobody is
    left as it is."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    await bot.request(who("zawadi"), skills="brand-strategy", note=NOTE)
    await bot.status(who("kim"))
    await bot.status(who("lee"))
    now = clock.now()
    kim = await store.record_event("e-kim", COMMUNITY, "U-kim", "{}", now, "w", lease=timedelta(minutes=5))
    lee = await store.record_event("e-lee", COMMUNITY, "U-lee", "{}", now, "w", lease=timedelta(minutes=5))
    assert kim is not None and lee is not None
    kept = Reply("Lee's own answer", fields=())
    for inbox_id, outcome in (
        (
            kim,
            Outcome(
                Reply(f"Done with <@{HER}>"),
                held=(Reply("nothing of hers"), Reply(f"She wrote: {NOTE}")),
                language="en",
            ),
        ),
        (lee, Outcome(kept, held=(Reply("lee's held notice"),), held_keys=("k:1",), language="en")),
    ):
        assert await store.begin_processing(inbox_id)
        await store.store_answer(inbox_id, answer_to_json(outcome), now, "w", lease=timedelta(minutes=5))
    before_lee = await _answer(store, lee)
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None

    assert await _answer(store, lee) == before_lee  # untouched, byte for byte
    back = {a.reply.text: a for a in await recovered(store, library, clock)}
    assert set(back) == {translator("en")("forget.answer_named_forgotten"), "Lee's own answer"}
    mine = back[translator("en")("forget.answer_named_forgotten")]
    assert mine.held == (Reply("nothing of hers"),) and mine.held_keys == ()
    assert all(leaks(a) == [] for a in back.values())


async def test_a_held_notice_without_her_mention_stays_in_an_ordinary_answer(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """As in the outbox: an ordinary notice (keyed, not an admins' nor a late answer) is searched for her mention
    only, so a notice to another member that happens to say words she typed stays."""
    bot = MentorBot(store, library, make_settings(), clock, worker_id="w")
    await bot.request(who("zawadi"), skills="brand-strategy", note="quokka brand plan")
    await bot.status(who("kim"))
    now = clock.now()
    kim = await store.record_event("e-kim", COMMUNITY, "U-kim", "{}", now, "w", lease=timedelta(minutes=5))
    assert kim is not None
    said = Reply("Your quokka brand plan session is due")
    outcome = Outcome(Reply("ok"), held=(said,), held_keys=("checkin:7",), language="en")
    assert await store.begin_processing(kim)
    await store.store_answer(kim, answer_to_json(outcome), now, "w", lease=timedelta(minutes=5))
    assert (await bot.forget(who("zawadi"), confirm=True)).error is None
    [back] = await recovered(store, library, clock)
    assert back.held == (said,) and back.held_keys == ("checkin:7",)


async def _answer(store: Store, inbox_id: int) -> Any:
    async with store.read() as conn:
        row = await conn.fetch_one("SELECT status, answer FROM inbox WHERE id = ?", inbox_id)
    assert row is not None
    return (row["status"], json.loads(str(row["answer"])))
