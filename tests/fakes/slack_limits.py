"""Slack's documented limits on what an app sends, checked as Slack's Web API checks them.

The fake Web API (:mod:`tests.fakes.slack_web_api`) runs these checks on ``chat.postMessage``,
``chat.postEphemeral``, ``chat.update``, ``views.open``/``views.update``/``views.publish`` and on posts to a
``response_url``. Each problem is phrased as Slack phrases it, with a JSON pointer to the field:
``must be less than 3001 characters [json-pointer:/blocks/0/text/text]``; Slack answers a message's with
``invalid_blocks`` and a view's with ``invalid_arguments``, listing them in ``errors`` and, prefixed with
``[ERROR]``, in ``response_metadata.messages``.

Limits (docs.slack.dev Block Kit reference; the same figures slack_sdk.models checks):

* a message holds up to 50 blocks, a modal or Home tab view up to 100; ``block_id`` and ``action_id`` up to
  255 characters; a block_id unique among the blocks, an action_id among the elements of its block;
* ``section``: ``text`` up to 3000, up to 10 ``fields`` of up to 2000 each, text or fields required;
  ``header``: plain_text up to 150; ``context``: 1-10 elements (text ones up to 3000); ``actions``: 1-25
  elements; ``input``: plain_text ``label`` and ``hint`` up to 2000;
* elements: button plain_text ``text`` up to 75, ``value`` up to 2000 and ``url`` up to 3000; plain_text
  ``placeholder`` up to 150; options up to 100 (checkboxes and radio buttons up to 10, an overflow menu 2-5),
  an option's ``text`` and ``description`` up to 75, ``value`` 1-150 and ``url`` (overflow) up to 3000, its
  ``text`` plain_text in a select menu or an overflow menu; ``option_groups`` up to 100, each a plain_text
  ``label`` up to 75 and up to 100 options; ``plain_text_input`` ``max_length`` up to 3000;
* a confirmation dialog (``confirm`` of an element): plain_text ``title`` up to 100, ``text`` up to 300,
  plain_text ``confirm`` and ``deny`` up to 30;
* every text object's text at least 1 character;
* modal: plain_text ``title``, ``submit`` and ``close`` up to 24, a ``submit`` when it has an input block; any
  view: ``private_metadata`` up to 3000, ``callback_id`` up to 255, and at most 250 kB as JSON (Slack answers
  ``view_too_large``: the problem starts with that code, see `VIEW_TOO_LARGE`).

What an app answers in an HTTP response is checked the same way, by the fake's client
(:class:`tests.fakes.slack_http_app.SlackClient`): a slash command's acknowledgement with `message_problems`
(Slack shows the member none of a refused one) and an options load's (``block_suggestion``) answer with
`options_problems` (a refused one offers no options).

A message's top-level ``text`` over 40,000 characters is not refused: Slack truncates it and posts it,
with the warning ``message_truncated`` (docs.slack.dev changelog, "Truncating really long messages").
"""

from __future__ import annotations

import json
from typing import Any

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
MESSAGE_TEXT_MAX = 40_000
ID_MAX = 255
SECTION_TEXT_MAX = 3000
SECTION_FIELDS_MAX = 10
SECTION_FIELD_MAX = 2000
HEADER_TEXT_MAX = 150
CONTEXT_ELEMENTS_MAX = 10
CONTEXT_TEXT_MAX = 3000
ACTIONS_ELEMENTS_MAX = 25
INPUT_LABEL_MAX = 2000
INPUT_HINT_MAX = 2000
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
PLACEHOLDER_MAX = 150
OPTIONS_MAX = 100
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
PLAIN_TEXT_INPUT_MAX = 3000
VIEW_TITLE_MAX = 24
PRIVATE_METADATA_MAX = 3000
CHOICES_OPTIONS_MAX = 10
"""Checkboxes and radio buttons."""
OVERFLOW_OPTIONS_MIN = 2
OVERFLOW_OPTIONS_MAX = 5
OPTION_DESCRIPTION_MAX = 75
OPTION_GROUPS_MAX = 100
OPTION_GROUP_LABEL_MAX = 75
URL_MAX = 3000
CONFIRM_TITLE_MAX = 100
CONFIRM_TEXT_MAX = 300
CONFIRM_BUTTON_MAX = 30
VIEW_BYTES_MAX = 250_000
"""A view's JSON, in bytes (Slack's "250 kB")."""
VIEW_TOO_LARGE = "view_too_large"
"""The error Slack answers a view over `VIEW_BYTES_MAX` with; a problem naming it starts with it."""
CHOICE_ELEMENTS = frozenset({"checkboxes", "radio_buttons"})
"""Elements whose options may have mrkdwn text (every other element's options take plain_text only)."""

TRUNCATED_WARNING = "message_truncated"
TRUNCATED_MESSAGE = (
    "[WARN] Your message was truncated but still posted. The `text` field accepts up to 40,000 characters."
)

_SCHEMA = "failed to match all allowed schemas"


class _Problems:
    """Problems found in one request, each ending in the JSON pointer of its field."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, pointer: str, message: str) -> None:
        self.found.append(f"{message} [json-pointer:{pointer}]")

    def max_items(self, pointer: str, items: Any, limit: int) -> None:
        if isinstance(items, list) and len(items) > limit:
            self.add(pointer, f"no more than {limit} items allowed")

    def between(self, pointer: str, items: Any, least: int, most: int) -> None:
        if not isinstance(items, list) or not least <= len(items) <= most:
            self.add(pointer, f"must provide between {least} and {most} items")

    def max_chars(self, pointer: str, value: Any, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(pointer, f"must be less than {limit + 1} characters")

    def text(self, pointer: str, obj: Any, limit: int, *, plain: bool = False) -> None:
        """A text object: present, ``plain_text`` when ``plain``, its text 1..``limit`` characters."""
        if not isinstance(obj, dict) or (plain and obj.get("type") != "plain_text"):
            self.add(pointer, _SCHEMA)
            return
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.add(f"{pointer}/text", "must be more than 0 characters")
        else:
            self.max_chars(f"{pointer}/text", text, limit)


def message_problems(params: dict[str, Any]) -> list[str]:
    """What Slack refuses in a message's ``blocks`` (chat.postMessage, chat.update, a response_url post)."""
    problems = _Problems()
    _blocks(problems, "/blocks", params.get("blocks"), MESSAGE_BLOCKS_MAX)
    return problems.found


def view_problems(view: dict[str, Any]) -> list[str]:
    """What Slack refuses in a view (views.open, views.update, views.publish). A view over 250 kB gets one
    problem, starting with `VIEW_TOO_LARGE` (`view_too_large`)."""
    problems = _Problems()
    if view_too_large(view):
        problems.add("/view", f"{VIEW_TOO_LARGE}: the view is over {VIEW_BYTES_MAX} bytes as JSON")
    _blocks(problems, "/view/blocks", view.get("blocks"), VIEW_BLOCKS_MAX)
    if view.get("type") == "modal":
        problems.text("/view/title", view.get("title"), VIEW_TITLE_MAX, plain=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                problems.text(f"/view/{key}", view[key], VIEW_TITLE_MAX, plain=True)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            problems.add("/view/submit", "must provide a submit button when the view has an input block")
    problems.max_chars("/view/private_metadata", view.get("private_metadata"), PRIVATE_METADATA_MAX)
    problems.max_chars("/view/callback_id", view.get("callback_id"), ID_MAX)
    return problems.found


def view_too_large(view: dict[str, Any]) -> bool:
    """Whether Slack refuses `view` as ``view_too_large``: over 250 kB as (compact) JSON."""
    return len(json.dumps(view, separators=(",", ":"), ensure_ascii=False).encode()) > VIEW_BYTES_MAX


def options_problems(answer: Any) -> list[str]:
    """What Slack refuses in an app's answer to an options load (``block_suggestion`` of an external select):
    ``{"options": [...]}`` (up to 100) or ``{"option_groups": [...]}`` (up to 100 groups, each a plain_text
    label up to 75 and up to 100 options); each option's text plain_text up to 75, its value 1-150 characters."""
    problems = _Problems()
    if not isinstance(answer, dict):
        problems.add("/", _SCHEMA)
        return problems.found
    if answer.get("options") is not None and answer.get("option_groups") is not None:
        problems.add("/", "must provide either `options` or `option_groups`, not both")
    _options(problems, "", answer, plain=True)
    return problems.found


def truncated(params: dict[str, Any]) -> dict[str, Any] | None:
    """A copy of ``params`` with a top-level ``text`` over 40,000 characters cut to 40,000, as Slack posts it;
    ``None`` when the text is within the limit."""
    text = params.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
        return {**params, "text": text[:MESSAGE_TEXT_MAX]}
    return None


def _blocks(problems: _Problems, pointer: str, blocks: Any, limit: int) -> None:
    if not isinstance(blocks, list):
        return
    problems.max_items(pointer, blocks, limit)
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        at = f"{pointer}/{i}"
        if not isinstance(block, dict):
            problems.add(at, _SCHEMA)
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            problems.max_chars(f"{at}/block_id", block_id, ID_MAX)
            if block_id in block_ids:
                problems.add(f"{at}/block_id", "Block ID needs to be unique")
            block_ids.add(block_id)
        _block(problems, at, block)


def _block(problems: _Problems, at: str, block: dict[str, Any]) -> None:
    action_ids: set[str] = set()
    kind = block.get("type")
    if kind == "section":
        if block.get("text") is None and not block.get("fields"):
            problems.add(at, "must define either `text` or `fields`")
        if block.get("text") is not None:
            problems.text(f"{at}/text", block["text"], SECTION_TEXT_MAX)
        fields = block.get("fields") or []
        problems.max_items(f"{at}/fields", fields, SECTION_FIELDS_MAX)
        for j, item in enumerate(fields):
            problems.text(f"{at}/fields/{j}", item, SECTION_FIELD_MAX)
        if isinstance(block.get("accessory"), dict):
            _element(problems, f"{at}/accessory", block["accessory"], action_ids)
    elif kind == "header":
        problems.text(f"{at}/text", block.get("text"), HEADER_TEXT_MAX, plain=True)
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= CONTEXT_ELEMENTS_MAX:
            problems.add(f"{at}/elements", f"must provide between 1 and {CONTEXT_ELEMENTS_MAX} items")
        for j, element in enumerate(elements):
            if isinstance(element, dict) and element.get("type") in ("mrkdwn", "plain_text"):
                problems.text(f"{at}/elements/{j}", element, CONTEXT_TEXT_MAX)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= ACTIONS_ELEMENTS_MAX:
            problems.add(f"{at}/elements", f"must provide between 1 and {ACTIONS_ELEMENTS_MAX} items")
        for j, element in enumerate(elements):
            if isinstance(element, dict):
                _element(problems, f"{at}/elements/{j}", element, action_ids)
    elif kind == "input":
        problems.text(f"{at}/label", block.get("label"), INPUT_LABEL_MAX, plain=True)
        if block.get("hint") is not None:
            problems.text(f"{at}/hint", block["hint"], INPUT_HINT_MAX, plain=True)
        if isinstance(block.get("element"), dict):
            _element(problems, f"{at}/element", block["element"], action_ids)
        else:
            problems.add(f"{at}/element", _SCHEMA)


def _element(problems: _Problems, at: str, element: dict[str, Any], action_ids: set[str]) -> None:
    action_id = element.get("action_id")
    if isinstance(action_id, str):
        problems.max_chars(f"{at}/action_id", action_id, ID_MAX)
        if action_id in action_ids:
            problems.add(f"{at}/action_id", "Action ID needs to be unique")
        action_ids.add(action_id)
    kind = element.get("type")
    if kind == "button":
        problems.text(f"{at}/text", element.get("text"), BUTTON_TEXT_MAX, plain=True)
        problems.max_chars(f"{at}/value", element.get("value"), BUTTON_VALUE_MAX)
        problems.max_chars(f"{at}/url", element.get("url"), URL_MAX)
    if element.get("placeholder") is not None:
        problems.text(f"{at}/placeholder", element["placeholder"], PLACEHOLDER_MAX, plain=True)
    if element.get("confirm") is not None:
        _confirm(problems, f"{at}/confirm", element["confirm"])
    if kind == "plain_text_input":
        max_length = element.get("max_length")
        if isinstance(max_length, int) and not 1 <= max_length <= PLAIN_TEXT_INPUT_MAX:
            problems.add(f"{at}/max_length", f"must be less than {PLAIN_TEXT_INPUT_MAX + 1}")
    plain = kind not in CHOICE_ELEMENTS
    if kind in CHOICE_ELEMENTS:
        problems.between(f"{at}/options", element.get("options"), 1, CHOICES_OPTIONS_MAX)
    elif kind == "overflow":
        problems.between(f"{at}/options", element.get("options"), OVERFLOW_OPTIONS_MIN, OVERFLOW_OPTIONS_MAX)
    _options(problems, at, element, plain=plain)
    initial = element.get("initial_options")
    if isinstance(initial, list):
        problems.max_items(f"{at}/initial_options", initial, OPTIONS_MAX)
        for k, option in enumerate(initial):
            _option(problems, f"{at}/initial_options/{k}", option, plain=plain)
    if isinstance(element.get("initial_option"), dict):
        _option(problems, f"{at}/initial_option", element["initial_option"], plain=plain)


def _options(problems: _Problems, at: str, holder: dict[str, Any], *, plain: bool) -> None:
    """The ``options`` (up to 100) or ``option_groups`` of an element or of an options load's answer."""
    options = holder.get("options")
    if isinstance(options, list):
        problems.max_items(f"{at}/options", options, OPTIONS_MAX)
        for k, option in enumerate(options):
            _option(problems, f"{at}/options/{k}", option, plain=plain)
    elif options is not None:
        problems.add(f"{at}/options", _SCHEMA)
    groups = holder.get("option_groups")
    if groups is None:
        return
    if not isinstance(groups, list):
        problems.add(f"{at}/option_groups", _SCHEMA)
        return
    problems.max_items(f"{at}/option_groups", groups, OPTION_GROUPS_MAX)
    for g, group in enumerate(groups):
        where = f"{at}/option_groups/{g}"
        if not isinstance(group, dict) or not isinstance(group.get("options"), list):
            problems.add(where, _SCHEMA)
            continue
        problems.text(f"{where}/label", group.get("label"), OPTION_GROUP_LABEL_MAX, plain=True)
        problems.max_items(f"{where}/options", group["options"], OPTIONS_MAX)
        for k, option in enumerate(group["options"]):
            _option(problems, f"{where}/options/{k}", option, plain=True)


def _option(problems: _Problems, at: str, option: Any, *, plain: bool = True) -> None:
    """An option: its text (plain_text unless of checkboxes or radio buttons) up to 75, its value 1-150, an
    optional description up to 75 and url (overflow menus) up to 3000."""
    if not isinstance(option, dict):
        problems.add(at, _SCHEMA)
        return
    problems.text(f"{at}/text", option.get("text"), OPTION_TEXT_MAX, plain=plain)
    value = option.get("value")
    if not isinstance(value, str) or not value:
        problems.add(f"{at}/value", "must be more than 0 characters")
    else:
        problems.max_chars(f"{at}/value", value, OPTION_VALUE_MAX)
    if option.get("description") is not None:
        problems.text(f"{at}/description", option["description"], OPTION_DESCRIPTION_MAX, plain=plain)
    problems.max_chars(f"{at}/url", option.get("url"), URL_MAX)


def _confirm(problems: _Problems, at: str, confirm: Any) -> None:
    """A confirmation dialog: plain_text title up to 100, text up to 300, plain_text confirm and deny up to 30."""
    if not isinstance(confirm, dict):
        problems.add(at, _SCHEMA)
        return
    problems.text(f"{at}/title", confirm.get("title"), CONFIRM_TITLE_MAX, plain=True)
    problems.text(f"{at}/text", confirm.get("text"), CONFIRM_TEXT_MAX)
    problems.text(f"{at}/confirm", confirm.get("confirm"), CONFIRM_BUTTON_MAX, plain=True)
    problems.text(f"{at}/deny", confirm.get("deny"), CONFIRM_BUTTON_MAX, plain=True)
