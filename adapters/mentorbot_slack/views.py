"""Slack views: the signup, request and feedback modals, a notice modal, and the App Home tab.

The modals collect what `/mentor signup` and `/mentor request` need when it was not typed. What a member
submits goes to the same use-cases as the typed commands; the core validates it, and a refusal comes back as
a Slack field error on the input it concerns (`error_block`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from mentorbot.errors import UserError
from mentorbot.i18n import Translator
from mentorbot.inputs import (
    MAX_BIO,
    MAX_COMMENT,
    MAX_MENTOR_SKILLS,
    MAX_NOTE,
    MAX_REQUEST_SKILLS,
    parse_capacity,
    parse_languages,
    whole_number,
)
from mentorbot.models import Level, MentorProfile
from mentorbot.replies import Reply
from mentorbot.skills import Skill, Taxonomy, category_name
from mentorbot.text_safety import check_text
from mentorbot.timezones import parse_timezone
from mentorbot_slack.blocks import HOME_BLOCKS_MAX, Block, context, plain, reply_blocks

SIGNUP_CALLBACK: Final = "mentorbot:signup"
REQUEST_CALLBACK: Final = "mentorbot:request"
NOTICE_CALLBACK: Final = "mentorbot:notice"
FEEDBACK_CALLBACK: Final = "mentorbot:feedback"

VALUE: Final = "value"
"""The `action_id` of every modal input (each input sits in a block named after its field)."""
SKILLS: Final = "skills"
LEVELS: Final = "levels"
CAPACITY: Final = "capacity"
LANGUAGES: Final = "languages"
BIO: Final = "bio"
NOTE: Final = "note"
RATING: Final = "rating"
COMMENT: Final = "comment"

MODAL_TITLE_MAX: Final = 24
OPTION_TEXT_MAX: Final = 75
OPTIONS_MAX: Final = 100
METADATA_MAX: Final = 3000
"""Characters of a view's ``private_metadata``."""
"""Slack shows at most 100 options in one answer to an options load (all groups together)."""

# Which input a refusal from the core is about (by message key; `field` parameters name text inputs).
_ERROR_BLOCKS: Final[Mapping[str, str]] = {
    "input.no_skills": SKILLS,
    "input.too_many_skills": SKILLS,
    "profile.too_many_skills": SKILLS,
    "skills.unknown": SKILLS,
    "skills.unknown_no_suggestion": SKILLS,
    "input.bad_level": LEVELS,
    "input.level_for_unknown_skill": LEVELS,
    "input.levels_count": LEVELS,
    "input.bad_capacity": CAPACITY,
    "input.bad_language": LANGUAGES,
    "input.bad_rating": RATING,
    "feedback.rating_required": RATING,
}
_FIELD_BLOCKS: Final[Mapping[str, str]] = {"bio": BIO, "note": NOTE, "comment": COMMENT, "capacity": CAPACITY}


@dataclass(frozen=True)
class ModalContext:
    """Where the modal was opened from, carried in its ``private_metadata`` to answer there afterwards, and what
    the submission needs besides the form's inputs."""

    channel_id: str | None = None
    response_url: str | None = None
    action: str | None = None
    """The button that opened a feedback form (``feedback.open`` or ``checkin.end``), and its `ref`."""
    ref: str | None = None
    lang: str | None = None
    """The member's language when the modal opened: the skills picker's options are searched and labelled in
    it without reading the database (an options load must be answered within Slack's three seconds)."""
    message_ts: str | None = None
    """The message whose button opened a feedback form (in `channel_id`; `ephemeral` when only the member sees
    it): the form's answer replaces it, as a click's answer replaces the message it was on."""
    ephemeral: bool = False
    timezone: str | None = None
    """The time zone typed after ``/mentor signup`` when the form opened instead (checked and normalized): the
    form does not show it, its submission gives it (`typed_for_form`). So are `languages` (codes), which prefill
    the form's languages input too (a form opened before it had one gives them: `submitted_languages`)."""
    languages: str | None = None
    levels: str | None = None
    """The signup form's levels as prefilled with the mentor's current ``slug:level`` pairs (`submitted_levels`)."""
    url_issued: int | None = None
    """When `response_url` was issued (the command or click that opened the form), in whole seconds since the epoch:
    Slack takes posts to it for 30 minutes, so a form submitted later is answered by direct message
    (`SlackAdapter.form_late`). None for a form opened before it was recorded."""

    def dump(self) -> str:
        """As ``private_metadata`` (Slack allows 3000 characters; a response_url is about 100). The prefilled
        levels are left out when the whole would be longer (the submission then takes the levels as sent)."""
        data: dict[str, Any] = {"channel": self.channel_id, "response_url": self.response_url}
        if self.url_issued is not None:
            data["issued"] = self.url_issued
        if self.action is not None:
            data |= {"action": self.action, "ref": self.ref}
        if self.lang is not None:
            data["lang"] = self.lang
        if self.message_ts is not None:
            data |= {"ts": self.message_ts, "ephemeral": self.ephemeral}
        for key in ("timezone", "languages", "levels"):
            if (value := getattr(self, key)) is not None:
                data[key] = value
        text = json.dumps(data)
        if len(text) > METADATA_MAX and "levels" in data:
            del data["levels"]
            text = json.dumps(data)
        return text

    @classmethod
    def load(cls, text: object) -> ModalContext:
        """From ``private_metadata`` (anything unreadable, or not text at all, means no context)."""
        if not isinstance(text, str):
            return cls()
        try:
            data = json.loads(text or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()

        def string(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        return cls(
            string("channel"),
            string("response_url"),
            string("action"),
            string("ref"),
            string("lang"),
            message_ts=string("ts"),
            ephemeral=data.get("ephemeral") is True,
            timezone=string("timezone"),
            languages=string("languages"),
            levels=string("levels"),
            url_issued=issued if type(issued := data.get("issued")) is int else None,  # not a bool, not a float
        )


@dataclass(frozen=True)
class Submission:
    """The values of a submitted modal, as the use-cases take them (None: left empty)."""

    skills: tuple[str, ...]
    levels: str | None
    capacity: str | None
    bio: str | None
    note: str | None
    rating: str | None = None
    comment: str | None = None
    languages: str | None = None
    languages_sent: bool = False
    """Whether the form had a languages input (a signup form opened before it had one has not): with it, the
    languages are what it holds, else those typed with the command (`submitted_languages`)."""


def _option(skill: Skill, lang: str) -> dict[str, Any]:
    return {"text": plain(skill.label(lang), OPTION_TEXT_MAX), "value": skill.slug}


def skill_select(
    taxonomy: Taxonomy,
    t: Translator,
    *,
    initial: Iterable[str] = (),
    max_selected: int,
    placeholder: str,
) -> dict[str, Any]:
    """The skills picker: a multi-select whose options Slack loads from the app as the member types
    (`skill_options`), so every skill of a taxonomy of any size can be picked. `initial` (a mentor's skills)
    is preselected whatever their place in the taxonomy (or when it is no longer in it), so reopening the form and
    saving loses none."""
    element: dict[str, Any] = {
        "type": "multi_external_select",
        "action_id": VALUE,
        "placeholder": plain(placeholder, 150),
        "min_query_length": 0,
        "max_selected_items": max_selected,
    }
    # A skill an admin's reload took out of the taxonomy that the mentor still holds stays selected, labelled with
    # its slug: saving the form keeps it (the core takes a slug the mentor holds), unpicking it drops it.
    selected = [
        _option(skill, t.lang)
        if (skill := taxonomy.get(slug))
        else {"text": plain(slug, OPTION_TEXT_MAX), "value": slug}
        for slug in dict.fromkeys(initial)
    ]
    if selected:
        element["initial_options"] = selected
    return element


def skill_options(taxonomy: Taxonomy, query: str, t: Translator) -> dict[str, Any]:
    """The answer to the skills picker's options load: the skills whose slug, labels (English or Swahili) or
    aliases match the typed `query` (`Taxonomy.search`: exact, then prefix, then substring; everything when
    empty), at most `OPTIONS_MAX`, labelled in the member's language and grouped by category (categories in
    the order of their first skill). Pure and in memory: a few milliseconds for a taxonomy of thousands."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for skill in taxonomy.search(query, limit=OPTIONS_MAX):
        groups.setdefault(skill.category, []).append(_option(skill, t.lang))
    if len(groups) <= 1:
        return {"options": [option for options in groups.values() for option in options]}
    return {
        "option_groups": [
            {"label": plain(category_name(category, t), OPTION_TEXT_MAX), "options": options}
            for category, options in groups.items()
        ]
    }


def _text_input(
    block_id: str,
    label: str,
    *,
    hint: str | None = None,
    placeholder: str | None = None,
    initial: str | None = None,
    multiline: bool = False,
    max_length: int | None = None,
) -> Block:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": VALUE, "multiline": multiline}
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    if initial:
        # Slack refuses a view whose initial value is longer than its input allows (a typed bio over 500).
        element["initial_value"] = initial[:max_length] if max_length else initial
    if max_length:
        element["max_length"] = max_length
    block: Block = {"type": "input", "block_id": block_id, "optional": True, "label": plain(label, 2000)}
    block["element"] = element
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _modal(callback_id: str, title: str, submit: str, t: Translator, blocks: list[Block], meta: ModalContext) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_MAX),
        "submit": plain(submit, MODAL_TITLE_MAX),
        "close": plain(t("slack.modal.cancel"), MODAL_TITLE_MAX),
        "private_metadata": meta.dump(),
        "blocks": blocks,
    }


def signup_modal(
    skills: Taxonomy,
    t: Translator,
    meta: ModalContext,
    *,
    profile: MentorProfile | None = None,
    typed: Mapping[str, str] | None = None,
) -> Block:
    """The mentor-profile modal, filled with the current profile (its levels as ``slug:level`` pairs, carried in
    `meta` too: see `submitted_levels`; its languages as codes, ``en, sw``) and anything typed after the command
    (the languages typed come checked and normalized in `meta`)."""
    typed = typed or {}
    current = level_pairs(profile.skills, t) if profile and profile.skills else None
    if current and not typed.get("levels"):
        meta = replace(meta, levels=current)
    capacity = typed.get("capacity") or (str(profile.capacity) if profile else None)
    capacity_element: dict[str, Any] = {
        "type": "number_input",
        "action_id": VALUE,
        "is_decimal_allowed": False,
        "min_value": "1",
        "max_value": "10",
    }
    number = whole_number(capacity) if capacity else None
    if number is not None and 1 <= number <= 10:  # outside its bounds Slack refuses the whole view
        capacity_element["initial_value"] = str(number)  # Slack reads ASCII digits only
    blocks: list[Block] = [
        context(t("slack.modal.signup_intro")),
        {
            "type": "input",
            "block_id": SKILLS,
            "label": plain(t("slack.modal.skills")),
            "hint": plain(t("slack.modal.signup_skills_hint")),
            "element": skill_select(
                skills,
                t,
                initial=profile.skills if profile else (),
                max_selected=MAX_MENTOR_SKILLS,
                placeholder=t("slack.modal.skills_placeholder"),
            ),
        },
        _text_input(
            LEVELS,
            t("slack.modal.levels"),
            hint=t("slack.modal.levels_hint"),
            placeholder=t("slack.modal.levels_placeholder"),
            initial=typed.get("levels") or current,
        ),
        {
            "type": "input",
            "block_id": CAPACITY,
            "optional": True,
            "label": plain(t("slack.modal.capacity")),
            "hint": plain(t("slack.modal.capacity_hint")),
            "element": capacity_element,
        },
        _text_input(
            LANGUAGES,
            t("status.languages"),
            hint=t("slack.modal.languages_hint"),
            placeholder=t("slack.modal.languages_placeholder"),
            # Typed with the command (checked and normalized: `typed_for_form`), else the profile's.
            initial=meta.languages or (", ".join(profile.languages) if profile else None),
        ),
        _text_input(
            BIO,
            t("slack.modal.bio"),
            placeholder=t("slack.modal.bio_placeholder"),
            initial=typed.get("bio") or (profile.bio if profile else None),
            multiline=True,
            max_length=MAX_BIO,
        ),
    ]
    return _modal(SIGNUP_CALLBACK, t("slack.modal.signup_title"), t("slack.modal.submit_signup"), t, blocks, meta)


def level_pairs(levels: Mapping[str, Level], t: Translator) -> str:
    """A mentor's levels as the signup form's levels field shows them: ``seo:expert, copywriting:learning``, each
    level in the reader's language (``seo:mtaalamu``; either language's word may be typed)."""
    return ", ".join(f"{slug}:{t(f'level.{level.value}')}" for slug, level in levels.items())


def submitted_levels(meta: ModalContext, submission: Submission) -> str | None:
    """The levels of a submitted signup form, less the pairs it was prefilled with (`ModalContext.levels`) of the
    skills the member unpicked: dropping a skill from the picker needs no edit of the levels too (the core refuses
    a level for a skill not given). A pair the member typed is kept whatever it names, for the core to judge."""
    if not submission.levels or not meta.levels:
        return submission.levels
    prefilled = set(_level_parts(meta.levels))
    picked = set(submission.skills)
    kept = [
        part
        for part in _level_parts(submission.levels)
        if part not in prefilled or part.partition(":")[0].strip() in picked
    ]
    return ", ".join(kept) or None


def _level_parts(text: str) -> list[str]:
    """The comma- (or semicolon-) separated parts of a levels text, trimmed (as `inputs.parse_levels` reads it)."""
    return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]


def typed_for_form(method: str | None, typed: Mapping[str, str], lang: str) -> dict[str, str]:
    """What was typed after ``/mentor signup`` or ``request`` whose form opens instead, checked as the use-case
    checks it: a value the core would refuse raises the core's own `UserError` (the refusal the command typed in
    full gets), rather than the form opening without it or with it cut (a number input takes 1–10 only, a text
    input its maximum). What goes in the signup form's `ModalContext` is returned, normalized: the time zone,
    which the form does not show and its submission gives, and the languages, which prefill its languages input."""
    if method != "signup":
        check_text(typed.get("note"), field="note", max_length=MAX_NOTE)
        return {}
    parse_capacity(typed.get("capacity"), 1)
    if (bio := typed.get("bio")) is not None:
        check_text(bio, field="bio", max_length=MAX_BIO)
    carried: dict[str, str] = {}
    if zone := (typed.get("timezone") or "").strip():
        carried["timezone"] = parse_timezone(zone)
    if languages := (typed.get("languages") or "").strip():
        carried["languages"] = ", ".join(parse_languages(languages, lang))
    return carried


def request_modal(
    skills: Taxonomy, t: Translator, meta: ModalContext, *, typed: Mapping[str, str] | None = None
) -> Block:
    """The request modal: 1–5 skills and an optional note (prefilled with a typed note)."""
    typed = typed or {}
    blocks: list[Block] = [
        context(t("slack.modal.request_intro")),
        {
            "type": "input",
            "block_id": SKILLS,
            "label": plain(t("slack.modal.skills")),
            "hint": plain(t("slack.modal.request_skills_hint")),
            "element": skill_select(
                skills, t, max_selected=MAX_REQUEST_SKILLS, placeholder=t("slack.modal.skills_placeholder")
            ),
        },
        _text_input(
            NOTE,
            t("slack.modal.note"),
            placeholder=t("slack.modal.note_placeholder"),
            initial=typed.get("note"),
            multiline=True,
            max_length=MAX_NOTE,
        ),
    ]
    return _modal(REQUEST_CALLBACK, t("slack.modal.request_title"), t("slack.modal.submit_request"), t, blocks, meta)


def feedback_modal(t: Translator, meta: ModalContext) -> Block:
    """The feedback form for mentorship `meta.ref`: a rating (1–5) and an optional comment. Opened by the
    feedback button, or by the check-in's "end and give feedback" (`meta.action` ``checkin.end``: the rating
    is then optional, as when ending)."""
    ending = meta.action == "checkin.end"
    rating: Block = {
        "type": "input",
        "block_id": RATING,
        "optional": ending,
        "label": plain(t("feedback.rating_label")),
        "element": {
            "type": "number_input",
            "action_id": VALUE,
            "is_decimal_allowed": False,
            "min_value": "1",
            "max_value": "5",
        },
    }
    blocks = [
        rating,
        _text_input(COMMENT, t("feedback.comment_label"), multiline=True, max_length=MAX_COMMENT),
    ]
    title = t("feedback.end_title") if ending else t("feedback.form_title")
    heading = f"{title} #{meta.ref}"
    if len(heading) > MODAL_TITLE_MAX:
        # Slack clips a modal's title at 24 characters, which would cut the mentorship's number: the whole
        # heading goes first in the form, and the title is the short one.
        blocks.insert(0, {"type": "section", "text": plain(heading)})
        heading = f"{t('feedback.form_title')} #{meta.ref}"
    return _modal(FEEDBACK_CALLBACK, heading, t("feedback.submit"), t, blocks, meta)


def notice_modal(reply: Reply, t: Translator) -> Block:
    """A modal that only shows `reply` (the answer to a click on the App Home tab, which has no channel)."""
    return {
        "type": "modal",
        "callback_id": NOTICE_CALLBACK,
        "title": plain(t("slack.modal.notice_title"), MODAL_TITLE_MAX),
        "close": plain(t("slack.modal.close"), MODAL_TITLE_MAX),
        "blocks": reply_blocks(reply, buttons=False),
    }


def read_submission(view: Mapping[str, Any]) -> Submission:
    """The values of a submitted signup or request modal."""
    values: Mapping[str, Any] = view.get("state", {}).get("values", {})

    def state(block_id: str) -> Mapping[str, Any]:
        block = values.get(block_id) or {}
        found = block.get(VALUE)
        return found if isinstance(found, Mapping) else {}

    def text(block_id: str) -> str | None:
        value = state(block_id).get("value")
        return value if isinstance(value, str) and value.strip() else None

    chosen = state(SKILLS).get("selected_options") or []
    skills = tuple(str(o["value"]) for o in chosen if isinstance(o, Mapping) and o.get("value"))
    return Submission(
        skills,
        text(LEVELS),
        text(CAPACITY),
        text(BIO),
        text(NOTE),
        text(RATING),
        text(COMMENT),
        languages=text(LANGUAGES),
        languages_sent=LANGUAGES in values,
    )


def submitted_languages(meta: ModalContext, submission: Submission) -> str | None:
    """The languages of a submitted signup form, for the core to read (`inputs.parse_languages`): what its
    languages input holds (empty: the mentor's current languages are kept, a new mentor's are the language of the
    bot's replies to them). A form without that input (opened before it had one) gives those typed with the
    command that opened it (`ModalContext.languages`), as before."""
    return submission.languages if submission.languages_sent else meta.languages


def error_block(error: UserError | None, input_blocks: Iterable[str]) -> str:
    """The input a refusal is about, for ``ack(response_action="errors")`` (the first input if none)."""
    present = list(input_blocks)
    if error is not None:
        target = _ERROR_BLOCKS.get(error.key) or _FIELD_BLOCKS.get(str(error.params.get("field", "")))
        if target in present:
            return target
    return present[0] if present else SKILLS


def input_blocks(view: Mapping[str, Any]) -> list[str]:
    """The block ids of a view's inputs, in order (from its blocks, and its submitted state)."""
    ids = [str(b["block_id"]) for b in view.get("blocks", []) if b.get("type") == "input" and b.get("block_id")]
    ids += [str(k) for k in view.get("state", {}).get("values", {}) if k not in ids]
    return ids


def home_view(reply: Reply, t: Translator) -> Block:
    """The App Home tab: the member's status (or a welcome), and a hint about the commands."""
    blocks = reply_blocks(reply, max_blocks=HOME_BLOCKS_MAX - 2)
    blocks += [{"type": "divider"}, context(t("slack.home.hint"))]
    return {"type": "home", "callback_id": "mentorbot:home", "blocks": blocks}


def welcome_reply(t: Translator) -> Reply:
    """The App Home of someone who has not used MentorBot yet."""
    return Reply(t("slack.home.welcome_text"), title=t("slack.home.welcome_title"))
