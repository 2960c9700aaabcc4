"""A round's offers, made together (`OfferStore.create_offers`), supersede in one statement each offered request's
notices that have not reached its mentee, and nothing else: not another request's (``request:1:`` is no prefix of
``request:12:``), not another member's, not a row a live process is delivering, not a delivered one."""

from __future__ import annotations

from datetime import timedelta

from mentorbot.replies import Notification, Reply
from mentorbot.storage.store import NewOffer, Store
from tests.storage.test_places_and_claims import EXPIRES, START, C, mentors, requests

LEASE = timedelta(minutes=5)


async def status_of(store: Store) -> dict[str, str]:
    async with store.read() as conn:
        rows = await conn.fetch_all("SELECT message_key, status FROM outbox ORDER BY id")
    return {str(r["message_key"]): str(r["status"]) for r in rows}


async def test_a_rounds_offers_supersede_only_their_requests_unsent_notices(store: Store) -> None:
    [mentor] = await mentors(store, 3)
    asked = await requests(store, 11)
    first = asked[0]
    twelfth = await store.create_request(first.member_id, C, ["seo"], "", START, max_open=5)  # the same mentee's
    last = await store.create_request(asked[1].member_id, C, ["seo"], "", START, max_open=5)
    assert str(twelfth.id).startswith(str(first.id))  # request:1: against request:12:
    keys = {
        f"request:{first.id}:after:7": first,  # written, then released for a retry: unsent
        f"request:{first.id}:offer:6": first,  # held for the mentee's next command
        f"request:{twelfth.id}:after:8": twelfth,  # released too, but not offered in this round
        f"request:{last.id}:after:9": last,  # a live process is delivering it
        f"request:{last.id}:offer:5": last,  # delivered
    }
    for key, request in keys.items():
        note = Notification(request.member_id, f"A{request.member_id}", Reply(key), key, community=C, language="en")
        [written] = await store.enqueue([note], START, "w-live", lease=LEASE)
        if key.endswith((":7", ":8")):
            assert await store.release_for_retry(written, "w-live", START)
        elif key.endswith(":6"):
            assert await store.hold_notice(
                request.member_id, "{}", START, key=key, outbox_id=written.outbox_id, worker="w-live"
            )
        elif key.endswith(":5"):
            assert await store.mark_delivered([written], START, "w-live") == 1
    created = await store.create_offers([NewOffer(r.id, mentor, 1.0, "") for r in (first, last)], START, EXPIRES)
    assert len(created) == 2
    assert await status_of(store) == {
        f"request:{first.id}:after:7": "superseded",
        f"request:{first.id}:offer:6": "superseded",
        f"request:{twelfth.id}:after:8": "pending",
        f"request:{last.id}:after:9": "pending",
        f"request:{last.id}:offer:5": "delivered",
    }
