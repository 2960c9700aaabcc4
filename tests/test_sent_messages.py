"""The bounded memory of keyed direct messages (mentorbot.sent_messages), shared by the Slack and Discord adapters."""

from __future__ import annotations

from mentorbot.sent_messages import SentMessages


def test_remembers_per_member_and_key_and_forgets() -> None:
    sent: SentMessages[tuple[str, str]] = SentMessages(10)
    sent.remember("U1", "offer:1", ("D1", "1.0"))
    sent.remember("U2", "offer:1", ("D2", "2.0"))
    assert sent.get("U1", "offer:1") == ("D1", "1.0")
    assert sent.get("U2", "offer:1") == ("D2", "2.0")
    assert sent.get("U1", "offer:2") is None
    sent.forget("U1", "offer:1")
    sent.forget("U1", "offer:1")  # twice: nothing to forget, no error
    assert sent.get("U1", "offer:1") is None and len(sent) == 1


def test_the_least_recently_used_is_forgotten_past_the_bound() -> None:
    sent: SentMessages[int] = SentMessages(2)
    sent.remember("U1", "a", 1)
    sent.remember("U1", "b", 2)
    assert sent.get("U1", "a") == 1  # used: "b" is now the oldest
    sent.remember("U1", "c", 3)
    assert (sent.get("U1", "a"), sent.get("U1", "b"), sent.get("U1", "c")) == (1, None, 3)
    assert len(sent) == 2
