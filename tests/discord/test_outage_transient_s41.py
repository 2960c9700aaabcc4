"""Session 41, the day's review: one "Unknown Guild" answer from Discord is no outage.

A click on a DM arrives on shard 0, so a process handles answers to offers of servers on other processes' shards,
which it has no `Guild` for. One member lookup answering "Unknown Guild" for such a server (a passing mistake of
Discord's: the bot never left) refused the answer, as it should, but also recorded the server as out of reach, and
nothing in this process ever closed that: every later offer there that reached its mentor and was ignored expired
as no lapse, so a mentor who ignored offers for days was never paused. Now only a server this process knows the bot
is not in (`not_in_guild`: removed, on its own shards) is recorded; the process that holds the server's shard
records and closes its outages (GUILD_DELETE, GUILD_CREATE, READY)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from tests.discord.helpers import MENTEE_USER_ID, MENTOR_USER_ID, SECOND_MENTOR_USER_ID, buttons
from tests.discord.test_guild_removed_s32 import profile_of, timer_round
from tests.discord.test_removed_server_s33 import remove_bot
from tests.fakes.discord_models import GUILD_ID

SIGNUP = {"skills": "crisis-communications", "levels": "expert", "timezone": "Africa/Nairobi", "capacity": 3}


async def test_one_unknown_guild_answer_for_another_shards_server_records_no_outage(
    world: Any, members: Any, bot: MentorBot, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = members.client
    await members.slash("mentor signup", SIGNUP, user=MENTOR_USER_ID)
    await members.slash("mentor request", {"skills": "crisis-communications"}, user=MENTEE_USER_ID)
    [offer] = world.dms[MENTOR_USER_ID]
    real_get = client.get_guild
    monkeypatch.setattr(client, "get_guild", lambda gid: None if gid == GUILD_ID else real_get(gid))
    monkeypatch.setattr(client, "not_in_guild", lambda gid: False)  # another process's shard: not known here
    guild = await remove_bot(world, client, tell=False)  # Discord answers "Unknown Guild" for a moment
    shown = await members.click(offer, buttons(offer)[1]["custom_id"], user=MENTOR_USER_ID, dm=True)
    assert shown.text, "the answer is refused all the same"
    world.world.guilds[GUILD_ID] = guild  # the bot never left
    assert await bot.store.communities_out("discord:") == []
    await timer_round(client, clock, timedelta(days=2, minutes=1))
    await members.slash("mentor request", {"skills": "crisis-communications"}, user=SECOND_MENTOR_USER_ID)
    for _ in range(3):
        await timer_round(client, clock, timedelta(days=1))
    assert (await profile_of(bot, MENTOR_USER_ID)).expired_streak >= 1, "ignored offers are lapses"
