"""The stats' acceptance rate as a whole percentage: never a limit the share did not reach."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mentorbot.usecases.views import whole_percent


def test_limits_are_only_for_the_limits() -> None:
    assert whole_percent(199 / 200) == "99%"
    assert whole_percent(1 / 1000) == "1%"
    assert whole_percent(1.0) == "100%"
    assert whole_percent(0.0) == "0%"
    assert whole_percent(0.5) == "50%"
    assert whole_percent(2 / 3) == "67%"


@given(accepted=st.integers(0, 100_000), others=st.integers(0, 100_000))
def test_100_and_0_mean_all_and_none(accepted: int, others: int) -> None:
    if accepted + others == 0:
        return
    shown = int(whole_percent(accepted / (accepted + others)).rstrip("%"))
    assert (shown == 100) == (others == 0)
    assert (shown == 0) == (accepted == 0)
    assert abs(shown - 100 * accepted / (accepted + others)) <= 1


def test_the_stats_reply_shows_199_of_200_as_99_percent() -> None:
    """The admins' stats reply uses it: 199 accepted of 200 decided offers read 99% there (``:.0%`` said 100%)."""
    from mentorbot.i18n import translator
    from mentorbot.library import Library
    from mentorbot.settings import Settings
    from mentorbot.storage.reports import Stats
    from mentorbot.usecases.views import stats

    data = Stats(
        members=10,
        mentors_active=3,
        mentors_paused=0,
        requests_open=1,
        requests_waiting=1,
        mentorships_active=2,
        median_time_to_match=None,
        acceptance_rate=199 / 200,
        skill_demand={},
        skill_supply={},
    )
    t = translator("en")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    reply = stats(data, t, Library(settings.skills_file, settings.courses_file).taxonomy)
    fields = {f.name: f.value for f in reply.fields}
    assert fields[t("stats.acceptance")] == "99%"
