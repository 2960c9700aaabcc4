"""Message catalogs: English and Swahili have the same keys, the same placeholders, no empty message, and
Swahili messages are translations, not English copies. Plural messages give exactly the forms their language's
CLDR rules need (Babel), no "(s)" is left anywhere, and the translator picks the form by the count.

Every ``locales/<lang>/*.toml`` namespace is picked up on its own, the core's and those the adapters bring
(entry points ``mentorbot.locales``: ``discord``, ``slack``, ``console``); tests are parametrized per key so a
failure names the key (``test_same_placeholders[request.offer_sent]``).
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentorbot import i18n
from mentorbot.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Translator,
    catalog_files,
    load_catalog,
    placeholders,
    plural_form,
    plural_forms_needed,
    plural_keys,
    translator,
)

# Keys whose Swahili text may equal the English one (brand names, for example). Messages made only of
# placeholders, digits and punctuation are allowed without being listed here.
ALLOWED_IDENTICAL: frozenset[str] = frozenset()


def _load_all() -> tuple[dict[str, Mapping[str, str]], str | None]:
    try:
        return {lang: load_catalog(lang) for lang in LANGUAGES}, None
    except (OSError, ValueError) as exc:  # a broken TOML file: reported by test_catalogs_load
        return {lang: {} for lang in LANGUAGES}, f"{type(exc).__name__}: {exc}"


CATALOGS, LOAD_ERROR = _load_all()
EN = CATALOGS["en"]
SW = CATALOGS["sw"]
PLURALS = {lang: plural_keys(CATALOGS[lang]) for lang in LANGUAGES}


def _messages(lang: str) -> dict[str, frozenset[str]]:
    """Each message of `lang` (a plural one once, under its own key) -> its placeholders (a plural message's
    forms together, its count included: a form may leave the number out, "worked together once")."""
    catalog, plurals = CATALOGS[lang], PLURALS[lang]
    out: dict[str, frozenset[str]] = {}
    for key, template in catalog.items():
        base, _, form = key.rpartition(".")
        if base in plurals and form in plurals[base]:
            out[base] = out.get(base, frozenset({"count"})) | placeholders(template)
        else:
            out[key] = placeholders(template)
    return out


MESSAGE_PLACEHOLDERS = {lang: _messages(lang) for lang in LANGUAGES}
ALL_KEYS = sorted(set(MESSAGE_PLACEHOLDERS["en"]) | set(MESSAGE_PLACEHOLDERS["sw"]))
SHARED_KEYS = sorted(set(EN) & set(SW))
SHARED_MESSAGES = sorted(set(MESSAGE_PLACEHOLDERS["en"]) & set(MESSAGE_PLACEHOLDERS["sw"]))
MESSAGES = [(lang, key) for lang in LANGUAGES for key in sorted(CATALOGS[lang])]


def _namespaces(lang: str) -> set[str]:
    return {entry.name.removesuffix(".toml") for entry in catalog_files(lang)}


def _literal_text(template: str) -> str:
    return "".join(literal for literal, _, _, _ in string.Formatter().parse(template))


def test_catalogs_load() -> None:
    assert LOAD_ERROR is None, LOAD_ERROR


@pytest.mark.parametrize("lang", LANGUAGES)
def test_adapter_catalogs_are_loaded_and_no_namespace_is_defined_twice(lang: str) -> None:
    names = Counter(entry.name for entry in catalog_files(lang))
    assert {"discord.toml", "slack.toml", "console.toml"} <= set(names), "the adapters' catalogs are registered"
    assert [name for name, count in names.items() if count > 1] == []
    for namespace in ("discord", "slack", "console"):
        assert any(key.startswith(f"{namespace}.") for key in CATALOGS[lang]), namespace


def test_same_namespaces() -> None:
    namespaces = {lang: _namespaces(lang) for lang in LANGUAGES}
    assert "common" in namespaces[DEFAULT_LANGUAGE]
    for lang in LANGUAGES:
        assert namespaces[lang] == namespaces[DEFAULT_LANGUAGE], f"locales/{lang} vs locales/{DEFAULT_LANGUAGE}"


@pytest.mark.parametrize("key", ALL_KEYS)
def test_key_in_every_language(key: str) -> None:
    missing = [lang for lang in LANGUAGES if key not in MESSAGE_PLACEHOLDERS[lang]]
    assert not missing, f"{key} is missing in: {', '.join(missing)}"


@pytest.mark.parametrize("key", SHARED_MESSAGES)
def test_same_placeholders(key: str) -> None:
    def expected(lang: str) -> frozenset[str]:
        found = MESSAGE_PLACEHOLDERS[lang][key]
        # A language whose grammar needs no form for this number may give one plain message with {count}.
        return found | {"count"} if key in PLURALS["en"] or key in PLURALS["sw"] else found

    for lang in LANGUAGES:
        assert expected(lang) == expected("en"), f"{lang}:{key} vs en:{key}"


@pytest.mark.parametrize(("lang", "key"), MESSAGES, ids=[f"{lang}:{key}" for lang, key in MESSAGES])
def test_no_optional_plural_left(lang: str, key: str) -> None:
    """ "offer(s)" reads like a form: a number-agreeing phrase is a plural message with its forms instead."""
    assert not re.search(r"\w\((s|es)\)", CATALOGS[lang][key]), f"{lang}:{key} still says (s): make it a plural"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_messages_give_exactly_the_forms_their_language_needs(lang: str) -> None:
    assert PLURALS[lang], "the catalogs have plural messages"
    needed = plural_forms_needed(lang)
    assert needed == {"one", "other"}, "English and Swahili (CLDR) both tell one from other"
    wrong = {key: sorted(forms) for key, forms in PLURALS[lang].items() if forms != needed}
    assert not wrong, f"{lang}: these plural messages need exactly {sorted(needed)}: {wrong}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_plural_table_is_never_half_a_message(lang: str) -> None:
    """A plural message has no plain message of the same key beside it (the translator would not know which)."""
    assert not [key for key in PLURALS[lang] if key in CATALOGS[lang]]


@pytest.mark.parametrize("lang", LANGUAGES)
@given(count=st.integers(min_value=0, max_value=10**9))
def test_translator_picks_the_plural_form_of_the_count(lang: str, count: int) -> None:
    t = Translator(lang)
    form = plural_form(lang, count)
    assert form == ("one" if count == 1 else "other"), "CLDR: one is exactly 1 in en and sw"
    for key in PLURALS[lang]:
        params = dict.fromkeys(MESSAGE_PLACEHOLDERS[lang][key], "x") | {"count": count}
        assert t(key, **params) == CATALOGS[lang][f"{key}.{form}"].format(**params)


def test_plurals_read_right_in_both_languages() -> None:
    en, sw = Translator("en"), Translator("sw")
    assert en("pause.withdrawn", count=1) == "Your pending offer was withdrawn:"
    assert en("pause.withdrawn", count=2) == "Your 2 pending offers were withdrawn:"
    assert en("match.past_pairs", count=1) == "worked together once recently"
    assert en("stats.ratings_count", count=1) == "1 rating"
    assert en("stats.gap_line", skill="SEO", demand=en("stats.asking", count=3), count=1) == "SEO: 3 asking, 1 mentor"
    # Swahili agreement follows the noun class: ofa (N) yako iliyokuwa/zako zilizokuwa, ombi/maombi (JI-MA),
    # mshauri/washauri (M-WA), mstari/mistari (M-MI).
    assert sw("pause.withdrawn", count=1) == "Ofa yako iliyokuwa ikisubiri imeondolewa:"
    assert sw("pause.withdrawn", count=4) == "Ofa zako 4 zilizokuwa zikisubiri zimeondolewa:"
    assert sw("round.still_waiting", count=1) == "ombi 1 bado linasubiri"
    assert sw("round.still_waiting", count=3) == "maombi 3 bado yanasubiri"
    assert (
        sw("stats.gap_line", skill="SEO", demand=sw("stats.asking", count=3), count=1) == "SEO: 3 wanaomba, mshauri 1"
    )
    assert (
        sw("stats.gap_line", skill="SEO", demand=sw("stats.asking", count=1), count=2) == "SEO: 1 anaomba, washauri 2"
    )
    # Each count agrees on its own (before, "1 wamesitisha", "1 yanasubiri": the counts had no forms).
    assert sw("stats.paused", count=1) == "1 amesitisha" and sw("stats.paused", count=2) == "2 wamesitisha"
    assert sw("stats.active", count=1) == "1 anapatikana" and sw("stats.waiting", count=1) == "1 linasubiri"
    assert sw("stats.waiting", count=4) == "4 yanasubiri"
    assert sw("console.script_failed", count=1, lines="3").startswith("Mstari 1 haukuweza")
    assert sw("console.script_failed", count=2, lines="3, 5").startswith("Mistari 2 haikuweza")
    # A language decides its own forms: Swahili's verb agrees with the places taken, English needs no form.
    assert en("places.taken", taken=1, capacity=3, count=1) == "1 of 3 taken"
    assert sw("places.taken", taken=1, capacity=3, count=1) == "1 kati ya 3 imechukuliwa"
    assert sw("places.taken", taken=2, capacity=3, count=2) == "2 kati ya 3 zimechukuliwa"


def test_a_plural_message_needs_its_count() -> None:
    with pytest.raises(KeyError):
        Translator("en")("places.held")


@pytest.mark.parametrize(("lang", "key"), MESSAGES, ids=[f"{lang}:{key}" for lang, key in MESSAGES])
def test_message_is_well_formed(lang: str, key: str) -> None:
    template = CATALOGS[lang][key]
    assert template.strip(), f"{lang}:{key} is empty"
    fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    assert all(name.isidentifier() for name in fields), f"{lang}:{key} has unnamed placeholders: {fields}"


@pytest.mark.parametrize("key", SHARED_KEYS)
def test_swahili_is_translated(key: str) -> None:
    if key in ALLOWED_IDENTICAL or not any(char.isalpha() for char in _literal_text(EN[key])):
        return
    assert SW[key] != EN[key], f"sw:{key} is a copy of the English text (translate it, or add it to ALLOWED_IDENTICAL)"


def test_allow_list_is_current() -> None:
    stale = sorted(key for key in ALLOWED_IDENTICAL if key not in SHARED_KEYS or SW[key] != EN[key])
    assert not stale, f"remove from ALLOWED_IDENTICAL: {', '.join(stale)}"


def test_translator_in_swahili() -> None:
    t = Translator("sw")
    assert t("common.not_admin") == SW["common.not_admin"]
    assert t("common.not_admin") != EN["common.not_admin"]
    filled = t("common.rate_limited", count=30)
    assert "30" in filled
    assert "{" not in filled


@pytest.mark.parametrize("lang", ["fr", "", None, "EN-gb"])
def test_unknown_language_falls_back_to_english(lang: str | None) -> None:
    t = translator(lang)
    assert t.lang == DEFAULT_LANGUAGE
    assert t("common.not_admin") == EN["common.not_admin"]


def test_missing_key_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    catalogs = {"en": {"demo.only_english": "Hello {name}"}, "sw": {}}
    monkeypatch.setattr(i18n, "load_catalog", lambda lang: catalogs[lang])
    t = Translator("sw")
    assert t.has("demo.only_english")
    assert t("demo.only_english", name="Amina") == "Hello Amina"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_field_an_error_can_name_has_its_word(lang: str) -> None:
    """A `UserError`'s ``field`` / ``what`` is looked up under ``[field]`` while the error is shown: a name with
    no word there turned the member's bad input into the generic apology (``suggestion`` and ``title`` did)."""
    from mentorbot.errors import FIELD_NAMES

    messages = load_catalog(lang)
    assert [name for name in FIELD_NAMES if f"field.{name}" not in messages] == []


@pytest.mark.parametrize(
    ("key", "params", "one", "many"),
    [
        ("request.limit", {}, "1 open request,", "2 open requests,"),
        ("common.rate_limited", {}, "wait 1 second ", "wait 2 seconds "),
        ("curation.rate_limited", {"at": "2026-01-06 09:01 UTC"}, "made 1 suggestion ", "made 2 suggestions "),
        ("round_why.next_round", {"until": "Monday"}, "1 waits for", "2 wait for"),
    ],
)
def test_counts_agree_with_their_words(key: str, params: dict[str, str], one: str, many: str) -> None:
    """A number a member or admin is told (a limit of 1 is allowed; a wait is often 1 second) agrees with its noun
    and verb: "1 open request", "wait 1 second", "1 waits"."""
    en = Translator("en")
    assert one in en(key, count=1, **params)
    assert many in en(key, count=2, **params)
