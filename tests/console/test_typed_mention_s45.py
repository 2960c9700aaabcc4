"""Session 45: a mention a member typed of a console member whose id holds ``-``, ``.``, ``_`` or a letter outside
ASCII (``<@mary-jane>``, ``<@zoë>``) was left live by the core (`text_safety.defuse_mentions` knew ``[0-9A-Za-z]``
ids only) and the console showed it in the mentor's offer as ``@Mary-Jane``, a mention the bot seemed to make."""

from __future__ import annotations

from mentorbot_console.session import ConsoleSession
from tests.console.conftest import ok


async def test_a_typed_mention_of_any_console_id_is_not_rendered(session: ConsoleSession) -> None:
    for name in ("Mary-Jane", "Zoë", "J.N", "Kip_K"):
        await ok(session, f"/as {name}")
        await ok(session, "/mentor signup skills:seo levels:expert")
    await ok(session, "/as Wanjiru")
    await ok(session, "/mentor signup skills:crisis comms levels:expert")
    await ok(session, "/as Amina")
    out = await ok(
        session,
        '/mentor request skills:"crisis communications" '
        'note:"<@wanjiru>, <@mary-jane>, <@zoë>, <@j.n> and <@kip_k> approved this"',
    )
    assert "→ to @Wanjiru" in out  # the bot's own mention of the mentor it offers the request to
    for shown in ("@Wanjiru,", "@Mary-Jane", "@Zoë", "@J.N", "@Kip_K"):
        assert shown not in out, out
    for typed in ("wanjiru", "mary-jane", "zoë", "j.n", "kip_k"):
        assert typed in out  # shown as typed, not dropped
