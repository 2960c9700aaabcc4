"""Discord's documented limits on what a bot sends, checked as Discord's API checks them.

The fake REST API (:mod:`tests.fakes.discord_rest`) runs these checks on message creates and edits,
interaction callbacks and follow-ups, and answers a broken limit as Discord does: ``400`` with code
``50035`` ("Invalid Form Body") and an ``errors`` object that nests, field by field, down to an
``_errors`` list, e.g. ``{"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", ...}]}}``.

Limits (developers/resources/message.mdx, developers/components/reference.mdx,
developers/interactions/receiving-and-responding.mdx and application-commands.mdx of discord-api-docs):

* message: ``content`` up to 2000 characters; up to 10 embeds; up to 10 attachments;
* uploads (developers/reference.mdx, "Uploading Files"): each file up to the upload limit, ``10 MiB`` by default
  (more on a boosted server; an interaction's ``attachment_size_limit``); a file over it is refused with ``413``
  and code ``40005`` ("Request entity too large"), not 50035 (`too_large`);
* embed: ``title`` 256, ``description`` 4096, up to 25 fields, field ``name`` 256 and ``value`` 1024 (both
  required, so neither empty nor blank), ``footer.text`` 2048, ``author.name`` 256; the title, description,
  field names and values, footer texts and author names of all a message's embeds together up to 6000;
* components of a legacy message (no ``IS_COMPONENTS_V2`` flag): up to 5 action rows, each with up to 5
  buttons or one select; ``custom_id`` 1-100 characters and unique in the message; button ``label`` 80;
  select up to 25 options, option ``label``/``value``/``description`` 100;
* modal: ``title`` 1-45, ``custom_id`` 1-100, 1-5 components; a text input's label (or its Label
  component's) 1-45, ``placeholder`` 100, ``value`` 4000, ``min_length`` 0-4000, ``max_length`` 1-4000; a Label's
  ``description`` 100 and its component one a Label may hold (`LABEL_CHILDREN`; text inputs and string selects are
  checked further); a string
  select in a Label: ``custom_id`` 1-100, 1-25 options (``label``/``value``/``description`` 100, ``label`` and
  ``value`` required), ``placeholder`` 150, ``min_values`` 0-25 (at least 1 unless ``required`` is false),
  ``max_values`` 1-25 and not below ``min_values``, never ``disabled`` ("Modals do not support disabled
  components": ``disabled: false`` is taken, as discord.py sends it);
* autocomplete result: up to 25 choices, each ``name`` 1-100 and a string ``value`` 1-100.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.fakes.discord_models import JSON

MESSAGE_CONTENT_MAX = 2000
EMBEDS_MAX = 10
ATTACHMENTS_MAX = 10
ATTACHMENT_SIZE_MAX = 10 * 1024 * 1024
"""The default upload limit, per file (bytes): a server without boosts, a DM."""
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBEDS_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
ROW_COMPONENTS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_PLACEHOLDER_MAX = 100
TEXT_INPUT_VALUE_MAX = 4000
LABEL_DESCRIPTION_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
AUTOCOMPLETE_CHOICES_MAX = 25
CHOICE_TEXT_MAX = 100

FLAG_IS_COMPONENTS_V2 = 1 << 15
COMPONENT_ACTION_ROW = 1
COMPONENT_BUTTON = 2
COMPONENT_STRING_SELECT = 3
COMPONENT_TEXT_INPUT = 4
COMPONENT_LABEL = 18

Path = Sequence[str | int]


@dataclass
class FormErrors:
    """The field errors of one request body, built into Discord's nested ``errors`` object."""

    problems: list[tuple[tuple[str | int, ...], str, str]] = field(default_factory=list)
    """``(field path, error code, message)`` in the order found."""

    def add(self, path: Path, code: str, message: str) -> None:
        """Record an error of the field at ``path`` (e.g. ``["embeds", 0, "title"]``)."""
        self.problems.append((tuple(path), code, message))

    def too_long(self, path: Path, limit: int) -> None:
        """A string or array over its maximum length, in Discord's words."""
        self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def bad_length(self, path: Path, low: int, high: int) -> None:
        """A string or array outside ``low..high``, in Discord's words."""
        self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def required(self, path: Path) -> None:
        """A required field missing, empty or blank."""
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def __bool__(self) -> bool:
        return bool(self.problems)

    def as_json(self) -> dict[str, JSON]:
        """The ``errors`` object: each path nested as keys (indexes as strings), ending in ``_errors``."""
        tree: dict[str, JSON] = {}
        for path, code, message in self.problems:
            node = tree
            for part in path:
                node = node.setdefault(str(part), {})
            node.setdefault("_errors", []).append({"code": code, "message": message})
        return tree


def too_large(sizes: Sequence[int], limit: int = ATTACHMENT_SIZE_MAX) -> bool:
    """Whether a file of `sizes` (bytes, one per uploaded file) is over the upload limit: Discord then refuses the
    whole request with ``413`` Request entity too large (code 40005), before reading its form."""
    return any(size > limit for size in sizes)


def _text(value: JSON) -> str:
    return value if isinstance(value, str) else ""


def _items(value: JSON) -> list[JSON]:
    return value if isinstance(value, list) else []


def _check_max(errors: FormErrors, path: Path, value: JSON, limit: int) -> None:
    if isinstance(value, str | list) and len(value) > limit:
        errors.too_long(path, limit)


def check_message(errors: FormErrors, body: JSON, *, files: int = 0, at: Path = ()) -> None:
    """Check a message body (create or edit, or an interaction callback's ``data`` at ``at``).

    ``files`` is the number of uploaded files. Only the fields sent are checked, so an edit is checked as sent.
    """
    if not isinstance(body, dict):
        return
    _check_max(errors, [*at, "content"], body.get("content"), MESSAGE_CONTENT_MAX)
    embeds = body.get("embeds")
    if isinstance(embeds, list):
        _check_max(errors, [*at, "embeds"], embeds, EMBEDS_MAX)
        total = sum(_check_embed(errors, [*at, "embeds", i], e) for i, e in enumerate(embeds))
        if total > EMBEDS_TOTAL_MAX:
            errors.add(
                [*at, "embeds"], "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBEDS_TOTAL_MAX}"
            )
    components = body.get("components")
    if isinstance(components, list) and not int(body.get("flags") or 0) & FLAG_IS_COMPONENTS_V2:
        check_components(errors, components, at=[*at, "components"])
    attachments = len(_items(body.get("attachments")))
    if max(attachments, files) > ATTACHMENTS_MAX:
        errors.too_long([*at, "attachments"], ATTACHMENTS_MAX)


def _check_embed(errors: FormErrors, at: Path, embed: JSON) -> int:
    """Check one embed; return its characters that count towards the 6000 of a message."""
    if not isinstance(embed, dict):
        return 0
    title, description = _text(embed.get("title")), _text(embed.get("description"))
    _check_max(errors, [*at, "title"], title, EMBED_TITLE_MAX)
    _check_max(errors, [*at, "description"], description, EMBED_DESCRIPTION_MAX)
    fields = _items(embed.get("fields"))
    _check_max(errors, [*at, "fields"], fields, EMBED_FIELDS_MAX)
    total = len(title) + len(description)
    for j, item in enumerate(fields):
        entry = item if isinstance(item, dict) else {}
        for key, limit in (("name", EMBED_FIELD_NAME_MAX), ("value", EMBED_FIELD_VALUE_MAX)):
            text = _text(entry.get(key))
            # Discord trims the text first, so a blank one is as missing as an empty one.
            if not text.strip():
                errors.required([*at, "fields", j, key])
            _check_max(errors, [*at, "fields", j, key], text, limit)
            total += len(text)
    footer = _text((embed.get("footer") or {}).get("text"))
    author = _text((embed.get("author") or {}).get("name"))
    _check_max(errors, [*at, "footer", "text"], footer, EMBED_FOOTER_MAX)
    _check_max(errors, [*at, "author", "name"], author, EMBED_AUTHOR_MAX)
    return total + len(footer) + len(author)


def check_components(errors: FormErrors, rows: list[JSON], *, at: Path) -> None:
    """Check the action rows of a legacy message: counts, custom_ids (length, unique), labels, options."""
    _check_max(errors, at, rows, ACTION_ROWS_MAX)
    seen: set[str] = set()
    for r, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        children = _items(row.get("components"))
        if row.get("type") == COMPONENT_ACTION_ROW:
            _check_max(errors, [*at, r, "components"], children, ROW_COMPONENTS_MAX)
        for c, child in enumerate(children):
            if not isinstance(child, dict):
                continue
            where = [*at, r, "components", c]
            custom_id = child.get("custom_id")
            if isinstance(custom_id, str):
                if not 1 <= len(custom_id) <= CUSTOM_ID_MAX:
                    errors.bad_length([*where, "custom_id"], 1, CUSTOM_ID_MAX)
                elif custom_id in seen:
                    errors.add(
                        [*where, "custom_id"],
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                seen.add(custom_id)
            if child.get("type") == COMPONENT_BUTTON:
                _check_max(errors, [*where, "label"], child.get("label"), BUTTON_LABEL_MAX)
            if child.get("type") == COMPONENT_STRING_SELECT:
                options = _items(child.get("options"))
                _check_max(errors, [*where, "options"], options, SELECT_OPTIONS_MAX)
                for o, option in enumerate(options):
                    for key in ("label", "value", "description"):
                        value = option.get(key) if isinstance(option, dict) else None
                        _check_max(errors, [*where, "options", o, key], value, SELECT_OPTION_TEXT_MAX)


def check_modal(errors: FormErrors, data: JSON, *, at: Path = ("data",)) -> None:
    """Check a modal callback's ``data``: title, custom_id, 1-5 components and their text inputs."""
    if not isinstance(data, dict):
        errors.required(at)
        return
    title, custom_id = data.get("title"), data.get("custom_id")
    if not isinstance(title, str) or not title:
        errors.required([*at, "title"])
    elif len(title) > MODAL_TITLE_MAX:
        errors.too_long([*at, "title"], MODAL_TITLE_MAX)
    if not isinstance(custom_id, str) or not custom_id:
        errors.required([*at, "custom_id"])
    elif len(custom_id) > CUSTOM_ID_MAX:
        errors.bad_length([*at, "custom_id"], 1, CUSTOM_ID_MAX)
    components = _items(data.get("components"))
    if not 1 <= len(components) <= MODAL_COMPONENTS_MAX:
        errors.bad_length([*at, "components"], 1, MODAL_COMPONENTS_MAX)
    for i, component in enumerate(components):
        if not isinstance(component, dict):
            continue
        where: list[str | int] = [*at, "components", i]
        if component.get("type") == COMPONENT_LABEL:
            _check_label(errors, [*where, "label"], component.get("label"))
            _check_max(errors, [*where, "description"], component.get("description"), LABEL_DESCRIPTION_MAX)
            inner, inner_at = component.get("component"), [*where, "component"]
            if not isinstance(inner, dict) or inner.get("type") not in LABEL_CHILDREN:
                choices = ", ".join(str(kind) for kind in LABEL_CHILDREN)
                errors.add([*inner_at, "type"], "UNION_TYPE_CHOICES", f"Value must be one of {{{choices}}}.")
            elif inner.get("type") == COMPONENT_STRING_SELECT:
                _check_modal_select(errors, inner_at, inner)
        else:
            inner, inner_at = (_items(component.get("components")) or [None])[0], [*where, "components", 0]
        if isinstance(inner, dict) and inner.get("type") == COMPONENT_TEXT_INPUT:
            _check_text_input(errors, inner_at, inner, in_label=component.get("type") == COMPONENT_LABEL)


LABEL_CHILDREN = (COMPONENT_STRING_SELECT, COMPONENT_TEXT_INPUT, 5, 6, 7, 8, 19, 21, 22, 23)
"""The components a Label may hold ("Label Child Components"): a string select, a text input, the user, role,
mentionable and channel selects, a file upload, a radio group, a checkbox group, a checkbox. Only the first two are
checked further."""


def _check_modal_select(errors: FormErrors, at: Path, select: dict[str, JSON]) -> None:
    """A string select inside a modal's Label (developers/components/reference.mdx, "String Select")."""
    custom_id = select.get("custom_id")
    if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= CUSTOM_ID_MAX:
        errors.bad_length([*at, "custom_id"], 1, CUSTOM_ID_MAX)
    options = _items(select.get("options"))
    if not 1 <= len(options) <= SELECT_OPTIONS_MAX:
        errors.bad_length([*at, "options"], 1, SELECT_OPTIONS_MAX)
    for o, option in enumerate(options):
        entry = option if isinstance(option, dict) else {}
        for key in ("label", "value"):
            if not isinstance(entry.get(key), str) or not entry.get(key):
                errors.required([*at, "options", o, key])
        for key in ("label", "value", "description"):
            _check_max(errors, [*at, "options", o, key], entry.get(key), SELECT_OPTION_TEXT_MAX)
    _check_max(errors, [*at, "placeholder"], select.get("placeholder"), SELECT_PLACEHOLDER_MAX)
    required = select.get("required", True) is not False
    low, high = select.get("min_values", 1), select.get("max_values", 1)
    least = 1 if required else 0
    if isinstance(low, int) and not least <= low <= SELECT_OPTIONS_MAX:
        errors.add(
            [*at, "min_values"],
            "NUMBER_TYPE_MIN" if low < least else "NUMBER_TYPE_MAX",
            f"int value should be {'greater' if low < least else 'less'} than or equal to "
            f"{least if low < least else SELECT_OPTIONS_MAX}.",
        )
    floor = max(1, low if isinstance(low, int) else 1)
    if isinstance(high, int) and not floor <= high <= SELECT_OPTIONS_MAX:
        errors.add(
            [*at, "max_values"],
            "NUMBER_TYPE_MIN" if high < floor else "NUMBER_TYPE_MAX",
            f"int value should be {'greater' if high < floor else 'less'} than or equal to "
            f"{floor if high < floor else SELECT_OPTIONS_MAX}.",
        )
    if select.get("disabled") is True:
        errors.add([*at, "disabled"], "MODAL_COMPONENT_DISABLED", "Modals do not support disabled components")


def _check_label(errors: FormErrors, at: Path, label: JSON) -> None:
    if not isinstance(label, str) or not label:
        errors.required(at)
    elif len(label) > TEXT_INPUT_LABEL_MAX:
        errors.too_long(at, TEXT_INPUT_LABEL_MAX)


def _check_text_input(errors: FormErrors, at: Path, text_input: dict[str, JSON], *, in_label: bool = False) -> None:
    """`in_label`: inside a Label, whose text replaces the text input's own (deprecated) ``label``: a null one is
    taken (discord.py sends ``"label": null`` there)."""
    if "label" in text_input and not (in_label and text_input["label"] is None):
        _check_label(errors, [*at, "label"], text_input["label"])
    custom_id = text_input.get("custom_id")
    if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= CUSTOM_ID_MAX:
        errors.bad_length([*at, "custom_id"], 1, CUSTOM_ID_MAX)
    _check_max(errors, [*at, "placeholder"], text_input.get("placeholder"), TEXT_INPUT_PLACEHOLDER_MAX)
    _check_max(errors, [*at, "value"], text_input.get("value"), TEXT_INPUT_VALUE_MAX)
    for key, low in (("min_length", 0), ("max_length", 1)):
        value = text_input.get(key)
        if isinstance(value, int) and not low <= value <= TEXT_INPUT_VALUE_MAX:
            errors.add(
                [*at, key],
                "NUMBER_TYPE_MAX" if value > TEXT_INPUT_VALUE_MAX else "NUMBER_TYPE_MIN",
                f"int value should be {'less' if value > TEXT_INPUT_VALUE_MAX else 'greater'} than or equal to "
                f"{TEXT_INPUT_VALUE_MAX if value > TEXT_INPUT_VALUE_MAX else low}.",
            )


def check_choices(errors: FormErrors, data: JSON, *, at: Path = ("data",)) -> None:
    """Check an autocomplete result's ``data.choices``: up to 25, names and string values 1-100."""
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list):
        errors.required([*at, "choices"])
        return
    _check_max(errors, [*at, "choices"], choices, AUTOCOMPLETE_CHOICES_MAX)
    for i, choice in enumerate(choices):
        entry = choice if isinstance(choice, dict) else {}
        name, value = entry.get("name"), entry.get("value")
        if not isinstance(name, str) or not 1 <= len(name) <= CHOICE_TEXT_MAX:
            errors.bad_length([*at, "choices", i, "name"], 1, CHOICE_TEXT_MAX)
        if isinstance(value, str) and not 1 <= len(value) <= CHOICE_TEXT_MAX:
            errors.bad_length([*at, "choices", i, "value"], 1, CHOICE_TEXT_MAX)
