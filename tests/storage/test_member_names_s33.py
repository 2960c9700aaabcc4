"""A member named by an admin (`MemberStore.find_member_by_name`: `/mentor-admin match 1 @dave`, `/mentor-admin
pause @dave`) when the name fits more than one member: refused, naming the candidates, with nothing changed.

Before, the oldest member of that name was taken silently (``ORDER BY id LIMIT 1``): on Slack a member who renamed
himself kept his old stored name until his next command, a new member took the name, and the admin's match went to
the old one while the reply said "matched with dave". On both engines."""

from __future__ import annotations

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator, translator
from mentorbot.library import Library
from mentorbot.models import MentorStatus, RequestStatus
from mentorbot.settings import Settings
from mentorbot.storage.members import AmbiguousNameError
from mentorbot.storage.store import Store

C = "test:community"
EN = translator("en")
SW = translator("sw")


@pytest.fixture
def bot(store: Store, library: Library, clock: ManualClock) -> MentorBot:
    """The core over the engine's store, with U-admin an admin."""
    settings = Settings(_env_file=None, admin_ids=["U-admin"], rate_limit_per_minute=10_000)  # type: ignore[call-arg]
    return MentorBot(store, library, settings, clock, worker_id="test-worker")


def caller(user_id: str, name: str) -> Caller:
    return Caller(C, user_id, name)


ADMIN = caller("U-admin", "admin")


def candidates(t: Translator, *user_ids: str) -> str:
    """The members a refused name fits, as the refusal lists them: a mention and the id to type."""
    return ", ".join(t("admin.ambiguous_candidate", mention=f"<@{u}>", id=u) for u in user_ids)


# ---------------------------------------------------------------- the store


async def test_two_members_of_the_same_name_are_not_settled_by_age(store: Store, clock: ManualClock) -> None:
    now = clock.now()
    old = await store.ensure_member(C, "U-old", "dave", now)
    new = await store.ensure_member(C, "U-new", "dave", now)
    for typed in ("dave", "DAVE", "Dave"):
        with pytest.raises(AmbiguousNameError) as refused:
            await store.find_member_by_name(C, typed)
        assert [m.id for m in refused.value.candidates] == [old.id, new.id], typed
    found = await store.find_member_by_name(C, "U-new")
    assert found is not None and found.id == new.id, "a platform id still names one member"


async def test_names_alike_but_for_case_are_refused_unless_typed_exactly(store: Store, clock: ManualClock) -> None:
    """An exact spelling names one member; a spelling that only case-folds to several is refused, ASCII or not."""
    now = clock.now()
    lower = await store.ensure_member(C, "U1", "amina", now)
    upper = await store.ensure_member(C, "U2", "Amina", now)
    olafur = await store.ensure_member(C, "U3", "Ólafur", now)
    olafur2 = await store.ensure_member(C, "U4", "ólafur", now)
    for typed, who in (("amina", lower.id), ("Amina", upper.id), ("Ólafur", olafur.id), ("ólafur", olafur2.id)):
        found = await store.find_member_by_name(C, typed)
        assert found is not None and found.id == who, typed
    for typed, both in (("AMINA", [lower.id, upper.id]), ("ÓLAFUR", [olafur.id, olafur2.id])):
        with pytest.raises(AmbiguousNameError) as refused:
            await store.find_member_by_name(C, typed)
        assert [m.id for m in refused.value.candidates] == both, typed


async def test_a_name_of_one_member_is_found_and_other_communities_do_not_count(
    store: Store, clock: ManualClock
) -> None:
    now = clock.now()
    dave = await store.ensure_member(C, "U-dave", "dave", now)
    await store.ensure_member("another:community", "U-other", "dave", now)
    found = await store.find_member_by_name(C, "DAVE")
    assert found is not None and found.id == dave.id
    assert await store.find_member_by_name(C, "nobody") is None


# ---------------------------------------------------------------- what the admin sees


async def _two_daves(bot: MentorBot) -> None:
    """Dave (U-old) mentors copywriting; he renamed himself on Slack, but his stored name is still "dave". A new
    member (U-new) took "dave" and mentors SEO. Both paused, so that only `force:yes` would match either; Amina
    asks for SEO."""
    await bot.signup(caller("U-old", "dave"), skills="copywriting", capacity=2)
    await bot.pause(caller("U-old", "dave"))
    await bot.signup(caller("U-new", "dave"), skills="seo", capacity=2)
    await bot.pause(caller("U-new", "dave"))
    await bot.request(caller("U-amina", "Amina"), skills="seo")


async def test_an_admin_match_by_a_name_two_members_have_is_refused_and_changes_nothing(bot: MentorBot) -> None:
    await _two_daves(bot)
    refused = await bot.admin_match(ADMIN, request_id=1, mentor="@dave", force=True)
    text = refused.reply.plain_text
    assert text == EN("admin.ambiguous_name", name="dave", candidates=candidates(EN, "U-old", "U-new"))
    assert "<@U-old>" in text and "<@U-new>" in text and "`U-old`" in text and "`U-new`" in text
    assert refused.notifications == (), "nobody is told anything"
    assert await bot.store.list_mentorships(community=C) == []
    [request] = await bot.store.list_requests(C, [RequestStatus.WAITING])
    assert request.id == 1

    # Named by id, the one the admin means is matched.
    matched = await bot.admin_match(ADMIN, request_id=1, mentor="U-new", force=True)
    assert "matched with dave" in matched.reply.plain_text
    new = await bot.store.find_member(C, "U-new")
    assert new is not None
    [mentorship] = await bot.store.list_mentorships(community=C)
    assert mentorship.mentor_id == new.id


async def test_an_admin_pause_by_a_name_two_members_have_is_refused_and_pauses_nobody(bot: MentorBot) -> None:
    await bot.signup(caller("U-old", "dave"), skills="copywriting")
    await bot.signup(caller("U-new", "Dave"), skills="seo")
    refused = await bot.admin_pause(ADMIN, mentor="DAVE")
    assert "<@U-old>" in refused.reply.plain_text and "<@U-new>" in refused.reply.plain_text
    assert refused.notifications == ()
    for user in ("U-old", "U-new"):
        member = await bot.store.find_member(C, user)
        assert member is not None
        profile = await bot.store.get_mentor_profile(member.id)
        assert profile is not None and profile.status is MentorStatus.ACTIVE, user
    paused = await bot.admin_pause(ADMIN, mentor="<@U-old>")
    assert paused.reply.plain_text == EN("admin.paused", name="dave")


async def test_the_refusal_is_in_the_admins_language(bot: MentorBot) -> None:
    await _two_daves(bot)
    await bot.set_language(ADMIN, language="sw")
    refused = await bot.admin_match(ADMIN, request_id=1, mentor="dave")
    assert refused.reply.plain_text == SW(
        "admin.ambiguous_name", name="dave", candidates=candidates(SW, "U-old", "U-new")
    )
