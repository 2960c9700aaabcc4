"""What a member types in a slash command is stored and shown as typed (`payloads.unescape_typed`).

Slack HTML-escapes ``&``, ``<`` and ``>`` in a slash command's ``text`` (``&amp;``, ``&lt;``, ``&gt;``: Slack's
formatting docs, "Escaping text"), ``should_escape: false`` or not; before, a note "R&D" was stored "R&amp;D" and
shown so. Modal inputs come as typed and are left alone.

The fake's slash command builder (`tests.fakes.slack_signing.slash_command`) sends text as given, so these tests
escape it as Slack does (`as_slack_sends`).
"""

from __future__ import annotations

from tests.slack.conftest import ALICE, BOB, Workspace, skills_state, text_state, unescape


def as_slack_sends(typed: str) -> str:
    """A slash command's text as Slack posts it: ``&``, ``<`` and ``>`` escaped (``&`` first)."""
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def notes_of(ws: Workspace, user: str) -> list[str]:
    return [r.note for r in await ws.bot.store.list_member_requests((await ws.member(user)).id)]


TYPED = "R&D <budget> > 5"


async def test_a_typed_note_is_stored_and_shown_as_typed(workspace: Workspace) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(ALICE, as_slack_sends(f"request skills:seo note:{TYPED}"))
    assert await notes_of(ws, ALICE) == [TYPED]
    [offer] = ws.dms(BOB)
    assert TYPED in unescape(offer["text"]), "Bob reads the note as Alice typed it"
    assert "&amp;amp;" not in offer["text"] and "&amp;lt;" not in offer["text"], "escaped once, for Slack"


async def test_typed_entities_stay_as_typed(workspace: Workspace) -> None:
    """A member who types ``&lt;`` or ``&amp;`` gets those characters, not ``<`` or ``&``: ``&amp;`` is undone last."""
    ws = workspace
    typed = "use &lt; and &amp; literally"
    await ws.mentor(ALICE, as_slack_sends(f"request skills:seo note:{typed}"))
    assert await notes_of(ws, ALICE) == [typed]


async def test_a_mention_slack_formats_stays_a_mention(workspace: Workspace) -> None:
    """With "escape channels, users and links" on, Slack sends a mention as ``<@U…|name>`` (real angle brackets)
    among the escaped text: it is still the core's ``<@U…>``."""
    ws = workspace
    await ws.mentor(ALICE, "request skills:seo note:ask <@U0BOB0001|bob> about Q&amp;A")
    assert await notes_of(ws, ALICE) == ["ask <@U0BOB0001> about Q&A"]


async def test_typed_text_carried_into_a_form_is_unescaped(workspace: Workspace) -> None:
    """``/mentor request note:…`` without skills opens the form with the note in it, as typed."""
    ws = workspace
    await ws.mentor(ALICE, as_slack_sends(f"request note:{TYPED}"))
    [modal] = ws.fake.modals_of(ALICE)
    [note] = [b for b in modal.view["blocks"] if b.get("block_id") == "note"]
    assert note["element"]["initial_value"] == TYPED


async def test_a_modal_value_is_taken_as_typed(workspace: Workspace) -> None:
    """Slack sends a form's input as typed: a note "Q&amp;A" typed in the form is not unescaped."""
    ws = workspace
    await ws.mentor(ALICE, "request")
    [modal] = ws.fake.modals_of(ALICE)
    await ws.submit(ALICE, modal.view, {"skills": skills_state("seo"), "note": text_state("Q&amp;A <x>")})
    assert await notes_of(ws, ALICE) == ["Q&amp;A <x>"]
