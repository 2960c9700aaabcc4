"""A mentor who deletes their data (`/mentor forget`) while mentoring: their mentee's request waits again and is
matched again in the forget's own unit of work, and the mentee is told their mentor left and where the request
stands (offered to another mentor, or back on the waitlist and why).

Before: the mentorship ended and the mentee was told "Mentorship #1 has been ended by your partner" with a rating
prompt; the request stayed `matched`, so `/mentor status` showed nothing and no mentor was ever offered it again
(had the mentor left while the offer was still pending, the request would have been passed on)."""

from __future__ import annotations

import json
from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import MentorshipStatus, RequestStatus
from mentorbot.replies import Outcome
from tests.usecases.conftest import COMMUNITY, offer_id, to
from tests.usecases.test_admin import Who

EN = translator("en")
SW = translator("sw")


def offered_to(outcome: Outcome) -> list[str]:
    """The names of the mentors an outcome sends an offer to."""
    return [
        n.platform_user_id.removeprefix("U-")
        for n in outcome.notifications
        if any(b.action == "offer.accept" for b in n.reply.buttons)
    ]


async def _mentoring(bot: MentorBot, who: Who, *mentors: str, capacity: int = 2) -> str:
    """`mentors` mentor SEO; Amina asks for it (request #1) and the one offered it accepts (mentorship #1)."""
    for name in mentors:
        await bot.signup(who(name), skills="seo", capacity=capacity)
    asked = await bot.request(who("amina"), skills="seo", note="launch next week")
    [holder] = offered_to(asked)
    accepted = await bot.accept(who(holder), offer_id=offer_id(to(asked, holder)[0]))
    assert accepted.error is None
    return holder


async def test_a_mentor_who_leaves_right_after_accepting_hands_the_request_to_another(bot: MentorBot, who: Who) -> None:
    holder = await _mentoring(bot, who, "baraka", "dina", "wanjiru")
    gone = await bot.forget(who(holder), confirm=True)
    assert gone.error is None
    [told] = to(gone, "amina")
    lines = told.reply.text.splitlines()
    assert lines[0] == EN("end.mentor_left", id=1)
    assert lines[1] == EN("end.requeued_offered", request=1)
    assert EN("feedback.asked", id=1, other=EN("common.member_left")) in lines
    assert [b.action for b in told.reply.buttons] == ["feedback.open"]
    [next_mentor] = offered_to(gone)
    assert next_mentor != holder
    request = await bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.OFFERED and request.matched_at is None
    [ended] = await bot.store.list_mentorships(community=COMMUNITY)
    assert ended.status is MentorshipStatus.ENDED
    status = (await bot.status(who("amina"))).reply.plain_text
    assert "#1" in status, "the request shows in the mentee's status again"
    assert "launch next week" in to(gone, next_mentor)[0].reply.plain_text, "the same request, with its note"
    accepted = await bot.accept(who(next_mentor), offer_id=offer_id(to(gone, next_mentor)[0]))
    assert accepted.error is None and to(accepted, "amina"), "Amina is introduced to her new mentor"
    second = await bot.store.get_mentorship(2)
    assert second is not None and second.status is MentorshipStatus.ACTIVE and second.request_id == 1
    first = await bot.store.get_mentorship(1)
    assert first is not None and first.request_id == 0, "the ended one keeps no link to the request"


async def test_with_no_other_mentor_the_request_is_back_on_the_waitlist_until_one_comes(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Also a mentorship that has run past its check-in: an active one is always handed back."""
    await _mentoring(bot, who, "baraka")
    clock.advance(timedelta(days=30))
    await bot.run_due_jobs()  # the check-in
    gone = await bot.forget(who("baraka"), confirm=True)
    [told] = to(gone, "amina")
    lines = told.reply.text.splitlines()
    assert lines[:2] == [EN("end.mentor_left", id=1), EN("end.requeued_waiting", request=1)]
    assert "No mentor offers" in told.reply.text  # why it waits
    request = await bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.WAITING
    assert json.loads(request.wait_reason or "{}")["key"] == "wait.no_mentor"
    status = (await bot.status(who("amina"))).reply.plain_text
    assert "#1" in status and "waiting" in status
    joined = await bot.signup(who("dina"), skills="seo")
    assert offered_to(joined) == ["dina"], "the request is matched again when a mentor comes"


async def test_the_mentee_is_told_in_their_language(bot: MentorBot, who: Who) -> None:
    await _mentoring(bot, who, "baraka")
    await bot.set_language(who("amina"), language="sw")
    gone = await bot.forget(who("baraka"), confirm=True)
    [told] = to(gone, "amina")
    lines = told.reply.text.splitlines()
    assert lines[:2] == [SW("end.mentor_left", id=1), SW("end.requeued_waiting", request=1)]
    assert SW("feedback.asked", id=1, other=SW("common.member_left")) in lines


async def test_a_mentorship_already_ended_is_not_touched(bot: MentorBot, who: Who) -> None:
    await _mentoring(bot, who, "baraka", "dina")
    await bot.end(who("amina"), rating=5)
    gone = await bot.forget(who("baraka"), confirm=True)
    assert to(gone, "amina") == [] and offered_to(gone) == []
    request = await bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.MATCHED


async def test_a_mentee_who_asked_again_for_the_same_skills_is_not_given_a_second_request(
    bot: MentorBot, who: Who
) -> None:
    """A request for skills an active mentorship covers is refused now (`request.covered`); one made before that
    rule (stored data) still exists, and the forget then leaves the matched request matched."""
    await _mentoring(bot, who, "baraka", capacity=1)
    amina = await bot.store.find_member(COMMUNITY, "U-amina")
    assert amina is not None
    await bot.store.create_request(amina.id, COMMUNITY, ["seo"], "", bot.clock.now(), max_open=5)
    gone = await bot.forget(who("baraka"), confirm=True)
    [told] = to(gone, "amina")
    assert told.reply.text.splitlines()[0] == EN("end.mentor_left", id=1)
    assert EN("end.requeued_waiting", request=1) not in told.reply.text
    request = await bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.MATCHED
    waiting = await bot.store.list_requests(COMMUNITY, [RequestStatus.WAITING])
    assert [r.id for r in waiting] == [2]


async def test_a_mentee_who_leaves_ends_the_mentorship_as_before(bot: MentorBot, who: Who) -> None:
    await _mentoring(bot, who, "baraka")
    gone = await bot.forget(who("amina"), confirm=True)
    [told] = to(gone, "baraka")
    # Session 35: the mentor is told the mentee left MentorBot, not that their partner ended it.
    assert told.reply.text.splitlines()[0] == EN("end.mentee_left", id=1)
    assert await bot.store.list_requests(COMMUNITY, list(RequestStatus)) == []
