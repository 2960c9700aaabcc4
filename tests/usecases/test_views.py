"""The pure reply builders: data in, the reply a member reads out, with no store and no clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.matching import Explanation
from mentorbot.models import (
    Level,
    Member,
    MentorProfile,
    MentorshipRequest,
    MentorStatus,
    Offer,
    OfferStatus,
    RequestStatus,
)
from mentorbot.settings import Settings
from mentorbot.skills import Taxonomy
from mentorbot.storage.store import Stats
from mentorbot.usecases import views

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
EN = translator("en")
SW = translator("sw")


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return Library(settings.skills_file, settings.courses_file).taxonomy


def member(member_id: int, name: str) -> Member:
    return Member(member_id, "test:guild", f"U-{name}", name, "en", NOW)


def profile(**changes: object) -> MentorProfile:
    values: dict[str, object] = {
        "member_id": 1,
        "skills": {"seo": Level.EXPERT},
        "capacity": 3,
        "bio": "Ask me about @everyone",
        "timezone": "Africa/Nairobi",
        "languages": ("en", "sw"),
        "status": MentorStatus.ACTIVE,
        "paused_until": None,
        "pause_reason": None,
        "active_count": 1,
        "pending_offers": 0,
        "expired_streak": 0,
        "last_offered_at": None,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(changes)
    return MentorProfile(**values)  # type: ignore[arg-type]


def request(
    request_id: int, *, status: RequestStatus = RequestStatus.WAITING, reason: str | None = None
) -> MentorshipRequest:
    return MentorshipRequest(request_id, 2, "test:guild", ("seo",), "", status, reason, NOW, NOW, None)


def offer(offer_id: int, explanation: str = "") -> Offer:
    return Offer(offer_id, 7, 1, OfferStatus.PENDING, 1.0, explanation, NOW, NOW + timedelta(hours=48), None, None)


def test_profile_fields_say_why_a_mentor_is_paused_and_defuse_the_bio(taxonomy: Taxonomy) -> None:
    paused = profile(status=MentorStatus.PAUSED, pause_reason="expired_offers")
    fields = {f.name: f.value for f in views.profile_fields(paused, EN, taxonomy)}
    assert fields["Availability"] == (
        EN("status.mentor_paused") + " — " + EN("status.paused_for_expiry") + "; " + EN("status.resume_available")
    )
    assert fields[EN("status.capacity")] == EN("places.taken", taken=1, capacity=3)
    assert "@everyone" not in fields[EN("status.bio")]


def test_a_wait_reason_is_read_in_the_readers_language(taxonomy: Taxonomy) -> None:
    reason = json.dumps({"key": "wait.no_mentor", "skills": ["seo"]})
    assert views.wait_reason_text(reason, EN, taxonomy) == EN("wait.no_mentor", skills="SEO")
    assert views.wait_reason_text(reason, SW, taxonomy) == SW(
        "wait.no_mentor", skills=views.skill_label(taxonomy, "seo", "sw")
    )
    assert views.wait_reason_text("not json", EN, taxonomy) == EN("wait.unknown")
    assert views.wait_reason_text(None, EN, taxonomy) == EN("wait.unknown")


def test_the_status_view_shows_where_each_request_stands(taxonomy: Taxonomy) -> None:
    why = Explanation((("seo", "expert"),), 0.0, 1, 3, True, 0).to_json()
    data = views.StatusData(
        member=member(1, "amina"),
        profile=profile(),
        requests=[
            views.RequestView(request(7, status=RequestStatus.OFFERED), offer(3, why), member(5, "Baraka")),
            views.RequestView(request(8, reason=json.dumps({"key": "wait.all_busy", "skills": ["seo"]}))),
        ],
        offers=[views.OfferView(offer(4), request(9), member(6, "chao"))],
        mentorships=[],
    )
    reply = views.status(data, EN, taxonomy)
    lists = {x.name: x for x in reply.listings}
    lines = lists[EN("status.requests")].entries
    expected = EN(
        "status.request_offered",
        id=7,
        skills="SEO",
        mentor="Baraka",
        expires="2026-12-06 12:30 (Africa/Nairobi)",
        why=views.explanation_line(why, EN, taxonomy),
    )
    assert lines[0] == expected
    assert "Baraka" in lines[0] and "2026-12-06 12:30 (Africa/Nairobi)" in lines[0], "in the reader's zone"
    assert EN("wait.all_busy", skills="SEO") in lines[1]
    assert "<@U-chao>" in lists[EN("status.offers")].entries[0]
    assert [(b.action, b.ref) for b in reply.buttons] == [("offer.accept", "4"), ("offer.decline", "4")]
    assert lists[EN("status.mentorships")].entries == () and lists[EN("status.mentorships")].empty == EN("status.none")


def test_an_offer_names_the_mentee_the_note_and_why_this_mentor(taxonomy: Taxonomy) -> None:
    why = Explanation((("seo", "expert"),), 3.0, 1, 3, True, 0).to_json()
    asked = MentorshipRequest(7, 2, "test:guild", ("seo",), "help @here", RequestStatus.OFFERED, None, NOW, NOW, None)
    reply = views.offer_message(offer(3, why), asked, member(2, "dan"), EN, taxonomy)
    assert reply.text == EN("offer.text", mentee="<@U-dan>", id=3)
    names = [f.name for f in reply.fields]
    assert names == [EN("offer.skills"), EN("offer.note"), EN("offer.why"), EN("offer.expires")]
    assert "@here" not in reply.fields[1].value
    assert EN("match.hours_apart", hours="3") in reply.fields[2].value


def test_stats_list_the_widest_gaps_first(taxonomy: Taxonomy) -> None:
    stats = Stats(
        members=9,
        mentors_active=2,
        mentors_paused=1,
        requests_open=6,
        requests_waiting=4,
        mentorships_active=2,
        median_time_to_match=timedelta(hours=5),
        acceptance_rate=0.5,
        skill_demand={"seo": 1, "paid-social": 4, "crisis-communications": 2},
        skill_supply={"seo": 3, "paid-social": 1},
    )
    fields = {f.name: f.value for f in views.stats(stats, EN, taxonomy).fields}
    gaps = fields[EN("stats.gaps")].splitlines()
    assert gaps[0] == EN("stats.gap_line", skill="Paid social", demand=EN("stats.asking", count=4), count=1)
    assert gaps[1].startswith(views.skill_label(taxonomy, "crisis-communications", "en"))
    assert fields[EN("stats.median_match")] == EN("stats.hours", hours="5.0")
    assert fields[EN("stats.feedback")] == EN("stats.none")


def test_the_waitlist_says_so_when_nobody_waits(taxonomy: Taxonomy) -> None:
    empty = views.waitlist([], EN, taxonomy)
    assert (empty.text, empty.title) == (EN("waitlist.empty"), EN("waitlist.title", count=0))
    one = views.waitlist([(request(8), None)], EN, taxonomy)
    assert len(one.listings[0].entries) == 1 and "—" in one.listings[0].entries[0]
    assert one.text == EN("admin.match_hint"), "the admin is pointed to the command that acts"
