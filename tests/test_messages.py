"""Message catalogs: English and Swahili have the same keys, the same placeholders, no empty message, and
Swahili messages are translations, not English copies.

Every ``locales/<lang>/*.toml`` namespace is picked up on its own, the core's and those the adapters bring
(entry points ``mentorbot.locales``: ``discord``, ``slack``, ``console``); tests are parametrized per key so a
failure names the key (``test_same_placeholders[request.offer_sent]``).
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Mapping

import pytest

from mentorbot import i18n
from mentorbot.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Translator,
    catalog_files,
    load_catalog,
    placeholders,
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
ALL_KEYS = sorted(set(EN) | set(SW))
SHARED_KEYS = sorted(set(EN) & set(SW))
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
    missing = [lang for lang in LANGUAGES if key not in CATALOGS[lang]]
    assert not missing, f"{key} is missing in: {', '.join(missing)}"


@pytest.mark.parametrize("key", SHARED_KEYS)
def test_same_placeholders(key: str) -> None:
    expected = placeholders(EN[key])
    for lang in LANGUAGES:
        assert placeholders(CATALOGS[lang][key]) == expected, f"{lang}:{key} vs en:{key}"


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
    filled = t("common.rate_limited", seconds=30)
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
