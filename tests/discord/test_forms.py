"""`forms.submission`: a modal submission read from its payload alone (no form kept in memory) never raises, and
reads the feedback form's answers from either shape Discord sends."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mentorbot_discord.forms import FormSubmission, submission

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
IDS = st.sampled_from(
    ["mentorbot-form:feedback.open:1:42", "mentorbot-form:checkin.end:7", "mentorbot-form:offer.accept:1", "x", ""]
)


@given(
    custom_id=IDS | st.text(max_size=40),
    components=st.lists(st.dictionaries(st.sampled_from(["type", "component", "components", "value"]), JSON)),
)
def test_any_payload_is_read_or_refused_never_raises(custom_id: str, components: list[dict[str, Any]]) -> None:
    read = submission({"custom_id": custom_id, "components": components})
    assert read is None or read.action in ("feedback.open", "checkin.end")


def _input(custom_id: str, value: str) -> dict[str, Any]:
    return {"type": 4, "custom_id": custom_id, "value": value}


def test_both_shapes_are_read_and_empty_answers_are_none() -> None:
    labels = [{"type": 18, "component": _input("rating", " 5 ")}, {"type": 18, "component": _input("comment", "")}]
    rows = [{"type": 1, "components": [_input("rating", "4")]}, {"type": 1, "components": [_input("comment", "Hi")]}]
    assert submission({"custom_id": "mentorbot-form:feedback.open:3:42", "components": labels}) == FormSubmission(
        "feedback.open", "3", 42, "5", None
    )
    assert submission({"custom_id": "mentorbot-form:checkin.end:3", "components": rows}) == FormSubmission(
        "checkin.end", "3", None, "4", "Hi"
    )
    assert submission({"custom_id": "mentorbot-form:offer.accept:3", "components": rows}) is None, "not a form"
    assert submission({"custom_id": "other-bot:form", "components": rows}) is None


def test_the_form_fits_discords_limits_and_keeps_the_privacy_promise() -> None:
    """Before: the comment's label, 52 characters in English and 53 in Swahili, was cut at Discord's 45, cutting
    off the promise that admins read it without the member's name. It is now in the placeholder."""
    from mentorbot.i18n import translator
    from mentorbot_discord.forms import FeedbackModal

    for lang in ("en", "sw"):
        t = translator(lang)
        for action in ("feedback.open", "checkin.end"):
            sent = FeedbackModal(action, "123", 42, t).to_dict()  # what Discord is sent
            assert len(sent["title"]) <= 45 and sent["title"].endswith("#123")
            labels = sent["components"]  # each answer in a Label (type 18): the rating's list, then the comment
            for label in labels:
                assert label["type"] == 18 and len(label["label"]) <= 45 and not label["label"].endswith("…")
            assert labels[-1]["component"]["placeholder"] == t("feedback.comment_hint")


def test_the_slack_form_title_keeps_the_mentorship_number() -> None:
    """Before: "End and give feedback #12" was cut at Slack's 24 characters to "End and give feedback #…"."""
    from mentorbot.i18n import translator
    from mentorbot_slack.views import ModalContext, feedback_modal

    for lang in ("en", "sw"):
        t = translator(lang)
        for ref in ("7", "12", "12345"):
            view = feedback_modal(t, ModalContext(action="checkin.end", ref=ref))
            title = view["title"]["text"]
            assert len(title) <= 24 and title.endswith(f"#{ref}"), title
            assert any(t("feedback.end_title") in b.get("text", {}).get("text", "") for b in view["blocks"]) or (
                title == f"{t('feedback.end_title')} #{ref}"
            )
