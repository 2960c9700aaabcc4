"""The inbox payload of an interaction (`inbox.Recorded`): it reads back as written, and it is written exactly as
before it was built field by field (rows recorded by an older process, still pending after an upgrade, replay)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from mentorbot_discord.inbox import Recorded

text = st.text(max_size=40)
recorded = st.builds(
    Recorded,
    application_id=st.integers(min_value=0, max_value=2**63 - 1),
    token=text,
    guild_id=st.integers(min_value=0, max_value=2**63 - 1),
    channel=st.none() | text,
    display_name=text,
    is_admin=st.booleans(),
    at=st.datetimes(  # hypothesis takes naive bounds and makes aware datetimes with `timezones`
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    command=st.none() | text,
    args=st.dictionaries(text, text, max_size=5),
    action=st.none() | text,
    ref=text,
)


@given(recorded)
def test_a_recorded_interaction_reads_back_as_written(one: Recorded) -> None:
    assert Recorded.from_json(one.to_json()) == one


@given(recorded)
def test_the_payload_is_the_one_asdict_wrote(one: Recorded) -> None:
    data = asdict(one)
    data["at"] = one.at.isoformat()
    assert one.to_json() == json.dumps(data, ensure_ascii=False)
