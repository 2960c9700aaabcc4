"""Session 38's metrics hunt: what an admin reads agrees across the stats, the export and the metrics (both engines).

- A mentor who left the community was "1 left the community" (not paused) in `/mentor-admin stats` but
  ``mentor_status = paused`` in ``members.csv``: an admin checking one against the other found a paused mentor the
  stats said did not exist. The export now says ``left``.
- ``mentorbot_offers`` is read from the database: a member's forget deletes their offers, and the gauge says so
  (its help no longer promises "every offer ever made")."""

from __future__ import annotations

import csv
import io

from mentorbot.bot import Caller, MentorBot
from mentorbot.metrics import OFFERS
from mentorbot.models import LEFT_COMMUNITY
from mentorbot.observability import refresh
from tests.usecases.conftest import COMMUNITY, offer_id, to

ADMIN = Caller(COMMUNITY, "U-admin", "Admin")


def member(name: str) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", name.capitalize())


async def _mentor_statuses(bot: MentorBot) -> dict[str, str]:
    files = {a.filename: a.content.decode("utf-8-sig") for a in (await bot.admin_export(ADMIN)).reply.attachments}
    return {r["platform_user_id"]: r["mentor_status"] for r in csv.DictReader(io.StringIO(files["members.csv"]))}


async def test_a_mentor_who_left_is_left_in_the_members_export_as_in_the_stats(bot: MentorBot) -> None:
    for name in ("gone", "resting", "working"):
        assert (await bot.signup(member(name), skills="seo", capacity=1)).error is None
    assert (await bot.pause(member("resting"))).error is None
    await bot.member_left(COMMUNITY, "U-gone")

    statuses = await _mentor_statuses(bot)
    assert statuses["U-gone"] == LEFT_COMMUNITY
    assert statuses["U-resting"] == "paused"
    assert statuses["U-working"] == "active"
    mentors = {f.name: f.value for f in (await bot.admin_stats(ADMIN)).reply.fields}["Mentors"]
    assert "1 active, 1 paused, 1 left the community" in mentors, mentors


async def test_the_offers_gauge_is_what_the_database_holds_after_a_forget(bot: MentorBot) -> None:
    await bot.signup(member("mentor"), skills="seo", capacity=1)
    offered = await bot.request(member("amina"), skills="seo")
    await bot.decline(member("mentor"), offer_id=offer_id(to(offered, "mentor")[0]), reason="busy")
    assert await refresh(bot)
    assert OFFERS.labels("sent")._value.get() == OFFERS.labels("declined")._value.get() == 1
    await bot.forget(member("amina"), confirm=True)
    assert await refresh(bot)
    assert len(await bot.store.list_offers()) == 0
    assert OFFERS.labels("sent")._value.get() == 0, "the gauge is the database's, as its help says"
    assert "forget" in OFFERS._documentation and "ever" not in OFFERS._documentation
