"""Issue 13's console reproduction, line by line: three members' offers lapse together, the mentor comes back,
a fourth member asks last. Before the fix a1–a3 were stranded ("Every available mentor for SEO has been asked
already", a round sent nothing) and a4 got the offer; now a1–a3 are offered again, oldest first, and the round
says why a4 waits."""

from __future__ import annotations

from mentorbot_console.session import ConsoleSession
from tests.console.conftest import console_translator, ok


async def test_the_issue_reproduction(session: ConsoleSession) -> None:
    t = console_translator("en")
    await ok(session, "/as m1")
    await ok(session, "/mentor signup skills:seo capacity:3")
    for name in ("a1", "a2", "a3"):
        await ok(session, f"/as {name}")
        await ok(session, "/mentor request skills:seo")
    out = await ok(session, "/clock +49h")
    # The three offers expired together: one lapse, no pause (nor a warning of one); the requests wait (m1 is on
    # cooldown for them), and each notice says so, with how to take it after all.
    for offer in (1, 2, 3):
        assert t("offer.expired_waiting", id=offer) + " " + t("offer.take_it_after_all", id=offer) in out
    assert t("pause.for_expiry", count=3) not in out
    assert t("offer.lapse_warning") not in out
    await ok(session, "/as a1")
    assert "can be asked again after" in await ok(session, "/mentor status")
    # m1 is back, the only SEO mentor: a1–a3, oldest first, are offered to m1 at once.
    await ok(session, "/as m1")
    out = await ok(session, "/mentor resume")
    assert t("resume.already") in out
    for offer in (4, 5, 6):
        assert t("offer.title", id=offer) in out
    await ok(session, "/as a4")
    out = await ok(session, "/mentor request skills:seo")
    assert t("request.waiting", id=4, skills="SEO") in out
    assert t("console.to", name="m1") not in out, "the newest request does not jump the queue"
    await ok(session, "/as a1")
    out = await ok(session, "/mentor status")
    assert "asked already" not in out
    await ok(session, "/as admin")
    await ok(session, "/admin on")
    out = await ok(session, "/mentor-admin round")
    assert "0 offers sent, 1 request still waiting" in out
    assert "whose mentors have no free places" in out
