"""Session 46: `courses.url_key` reads a percent-encoded square bracket (``%5B``, ``%5D``, either case) as the
bracket itself. Since session 45 an address is shown with its brackets encoded (`text_safety.defuse_url`) and a
member typing one with brackets is told to type them so (`curation.url_brackets`); the keys differed, so the page
of an address stored with raw brackets (approved before session 45, or a courses file's) was taken as a new one."""

from __future__ import annotations

import pytest

from mentorbot.courses import url_key


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("https://www.example.org/guide?tags[]=seo", "https://www.example.org/guide?tags%5B%5D=seo"),
        ("https://www.example.org/guide?tags[]=seo", "https://example.org/guide?tags%5b%5d=seo"),
        ("https://www.example.org/[draft]/guide", "https://www.example.org/%5Bdraft%5D/guide"),
        ("https://www.example.org/guide?b=2&a[0]=1", "https://www.example.org/guide?a%5B0%5D=1&b=2"),
    ],
)
def test_an_encoded_bracket_is_the_bracket(raw: str, encoded: str) -> None:
    assert url_key(encoded) == url_key(raw)


def test_other_encodings_and_the_host_are_left_as_they_are() -> None:
    assert url_key("https://www.example.org/a%20b%3C") == "example.org/a%20b%3C"
    assert url_key("https://www.example.org/a%255Bb") == "example.org/a%255Bb"  # an encoded "%", then "5B"
    assert url_key("https://exa%5Dmple.org/guide") == "exa%5dmple.org/guide"  # not read as an IPv6 host's bracket
