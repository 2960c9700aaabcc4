"""What a mentee is promised when their request is offered is what they hear (session 35, a mentee-over-months hunt).

Before: "I've found a mentor and sent them an offer; you'll hear as soon as they answer." A decline or an expiry
that handed the request on to another mentor told the mentee nothing (by design: one notice per offer would be a
stream of news about strangers' answers), so the promise was broken on every hand-on. The texts now promise what
is kept: news when a mentor accepts (the introduction), or when the request has to wait (rule 14's "waiting
again"). On both engines, in both languages.
"""

from __future__ import annotations

from mentorbot.bot import MentorBot
from mentorbot.i18n import translator
from tests.usecases.conftest import to
from tests.usecases.test_answered_in_time_s34 import offers_in
from tests.usecases.test_departures_s32 import Who

EN = translator("en")


async def test_a_mentee_hears_of_the_accept_or_the_wait_and_nothing_else(bot: MentorBot, who: Who) -> None:
    for name in ("bob", "cara"):
        await bot.delivered((await bot.signup(who(name), skills="seo")).notifications)
    asked = await bot.request(who("amina"), skills="seo")
    assert asked.reply.text == EN("request.offered", id=1, skills="SEO")
    assert "accepts it, or if it has to wait" in asked.reply.text
    [first] = [o for name in ("bob", "cara") for o in offers_in(asked.notifications, name)]
    first_mentor = "bob" if offers_in(asked.notifications, "bob") else "cara"
    other = "cara" if first_mentor == "bob" else "bob"
    declined = await bot.decline(who(first_mentor), offer_id=first)
    assert to(declined, "amina") == [], "handed on: no news, as promised"
    [second] = offers_in(declined.notifications, other)
    declined_again = await bot.decline(who(other), offer_id=second)
    [waiting] = to(declined_again, "amina")
    assert waiting.key == f"request:1:after:{second}", "it has to wait: she is told"


async def test_the_promise_reads_the_same_in_swahili(bot: MentorBot, who: Who) -> None:
    sw = translator("sw")
    for key in ("request.offered", "request.now_offered", "end.requeued_offered"):
        assert "atakapolikubali, au likilazimika kusubiri" in sw(key, id=1, request=1, skills="SEO"), key
        assert "accepts it, or if it has to wait" in EN(key, id=1, request=1, skills="SEO"), key
