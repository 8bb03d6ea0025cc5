"""GoogleDocsNotes (chalicelib/integrations/google_docs_notes.py) against the sandbox's
Docs v1 and Drive v3, through the real google-api-python-client: one doc of bullets per
booking in Penny's folder however often it is saved, updates in the same doc, the
folders Penny made, and each error as the port names it."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest
import requests

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    NotesPageGoneError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.domain.providers.notes import NotesProvider
from chalicelib.domain.providers.oauth import Feature
from chalicelib.integrations.google_docs_notes import WRITE_TRIES, GoogleDocsNotes
from chalicelib.integrations.oauth.scopes import GOOGLE
from chalicelib.provider_settings import OAuthApp
from sandbox import ProviderSandbox
from tests.sandbox.google_tokens import GoogleToken
from tests.sandbox.notes_sample import INTRO, span

NOTES_SCOPES = GOOGLE[Feature.NOTES]
WRITES = ("files.create", "files.update", "documents.create", "documents.batchUpdate")


STATUS_LINE = "Confirmed: Monday 4 May 2026, 11:00 to 11:30 (Europe/Berlin)"


class HostToken(GoogleToken):
    """The host's token source, with the scopes these tests grant unless told others."""

    def __init__(self, sandbox: ProviderSandbox, scopes: tuple[str, ...] = NOTES_SCOPES,
                 refreshes: bool = True) -> None:
        super().__init__(sandbox, scopes, refreshes)


def _notes(sandbox: ProviderSandbox, token: Any = None, folder: str | None = None,
           timeout: float = 5.0) -> GoogleDocsNotes:
    client = sandbox.client("google")
    entry = OAuthApp(client.client_id, client.client_secret, base_url=sandbox.base_url("google"))
    return GoogleDocsNotes(entry, token or HostToken(sandbox), timeout,
                           _folder(sandbox) if folder is None else folder)


def _folder(sandbox: ProviderSandbox) -> str:
    """Penny's notes folder in the host's Drive (made once, as the host's settings do)."""
    client = sandbox.client("google")
    entry = OAuthApp(client.client_id, client.client_secret, base_url=sandbox.base_url("google"))
    made = GoogleDocsNotes(entry, HostToken(sandbox), 5.0).create_folder()
    sandbox.reset_api_calls("google")
    return made.database_id


def _writes(sandbox: ProviderSandbox) -> dict[str, int]:
    return {k: v for k, v in sandbox.api_call_counts("google").items() if k in WRITES}


def _lines(sandbox: ProviderSandbox, doc_id: str) -> list[tuple[str, bool]]:
    return sandbox.google_doc_lines(doc_id)


# -- saving ----------------------------------------------------------------------------


def test_saved_notes_are_one_doc_of_bullets_in_pennys_folder(
        provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)

    saved = notes.save_notes(INTRO)

    [doc] = provider_sandbox.google_docs(notes.folder_id)
    assert (saved.id, saved.url) == (doc["id"], doc["url"])
    assert doc["title"] == "Intro call with Grace Hopper"
    # The booking, and that Penny's lines carry named ranges (what else is the host's)
    assert doc["app_properties"] == {"pennyBooking": "bk_7Hq2", "pennyMarks": "namedRanges"}
    assert doc["named_ranges"] == len(doc["paragraphs"])
    assert [(p["text"], p["style"], p["bullet"]) for p in doc["paragraphs"]] == [
        ("Intro call with Grace Hopper", "HEADING_2", False),
        (STATUS_LINE, "NORMAL_TEXT", False),
        *((bullet, "NORMAL_TEXT", True) for bullet in INTRO.bullets)]
    assert provider_sandbox.api_call_counts("google") == {
        "files.list": 1, "files.create": 1, "documents.batchUpdate": 1}


def test_the_doc_link_opens_the_notes_as_the_host_reads_them_escaped(
        provider_sandbox: ProviderSandbox) -> None:
    notes = replace(INTRO, bullets=(*INTRO.bullets, "Answer: <script>alert('hi')</script> & co"))
    saved = _notes(provider_sandbox).save_notes(notes)

    html = requests.get(saved.url, timeout=10).text

    assert "<h1>Intro call with Grace Hopper</h1>" in html
    assert "<li>E-mail: grace@example.com</li>" in html
    assert "<li>Answer: &lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt; &amp; co</li>" in html
    assert "<script>" not in html


def test_saving_twice_leaves_one_doc_and_writes_nothing_the_second_time(
        provider_sandbox: ProviderSandbox) -> None:
    folder = _folder(provider_sandbox)
    first = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    provider_sandbox.reset_api_calls("google")

    again = _notes(provider_sandbox, folder=folder).save_notes(INTRO)  # a redelivery

    assert again == first and len(provider_sandbox.google_docs()) == 1
    assert provider_sandbox.api_call_counts("google") == {"files.list": 1, "documents.get": 1}


def test_text_google_counts_differently_is_still_written_once(
        provider_sandbox: ProviderSandbox) -> None:
    notes = replace(INTRO, bullets=("Name: Grace 😀 Hopper", "Answer: line one\nline two\ttab",
                                    "\tIndented", ""))
    folder = _folder(provider_sandbox)
    saved = _notes(provider_sandbox, folder=folder).save_notes(notes)
    provider_sandbox.reset_api_calls("google")

    _notes(provider_sandbox, folder=folder).save_notes(notes)

    assert _writes(provider_sandbox) == {}
    assert _lines(provider_sandbox, saved.id)[2:] == [
        ("Name: Grace 😀 Hopper", True), ("Answer: line one line two tab", True),
        ("Indented", True), ("", True)]


def test_a_retry_after_the_doc_was_made_but_not_written_fills_that_doc(
        provider_sandbox: ProviderSandbox) -> None:
    folder, token = _folder(provider_sandbox), HostToken(provider_sandbox)
    # An earlier attempt made the doc, then timed out before writing it.
    made = requests.post(f"{provider_sandbox.base_url('google')}/drive/v3/files", timeout=10,
                         headers={"Authorization": f"Bearer {token(False)}"},
                         json={"name": INTRO.title, "parents": [folder],
                               "mimeType": "application/vnd.google-apps.document",
                               "appProperties": {"pennyBooking": INTRO.key}})
    made.raise_for_status()

    saved = _notes(provider_sandbox, token, folder).save_notes(INTRO)

    assert saved.id == made.json()["id"] and len(provider_sandbox.google_docs()) == 1
    assert _lines(provider_sandbox, saved.id)[0] == ("Intro call with Grace Hopper", False)
    # ... and records how many bullets it wrote, which the earlier attempt could not
    assert _writes(provider_sandbox) == {"files.create": 1, "documents.batchUpdate": 1,
                                         "files.update": 1}


def test_a_doc_saved_through_an_earlier_connection_is_found_again(
        provider_sandbox: ProviderSandbox) -> None:
    folder = _folder(provider_sandbox)
    first = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    provider_sandbox.reset_api_calls("google")

    # The host reconnected Google: a new grant of the same app (drive.file is per app).
    again = _notes(provider_sandbox, HostToken(provider_sandbox), folder).save_notes(INTRO)

    assert again == first and _writes(provider_sandbox) == {}


# -- updating --------------------------------------------------------------------------


def test_an_update_changes_status_and_time_in_the_same_doc(
        provider_sandbox: ProviderSandbox) -> None:
    folder = _folder(provider_sandbox)
    saved = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    moved = replace(INTRO, status="Rescheduled",
                    when=span("2026-05-05T14:00:00+00:00", "2026-05-05T14:45:00+00:00"),
                    bullets=("Name: Grace Hopper", "Rescheduled from 4 May"))
    provider_sandbox.reset_api_calls("google")

    updated = _notes(provider_sandbox, folder=folder).update_notes(saved.id, moved)

    assert updated == saved and len(provider_sandbox.google_docs()) == 1
    assert _lines(provider_sandbox, saved.id) == [
        ("Intro call with Grace Hopper", False),
        ("Rescheduled: Tuesday 5 May 2026, 16:00 to 16:45 (Europe/Berlin)", False),
        ("Name: Grace Hopper", True), ("Rescheduled from 4 May", True)]
    # Two bullets now, not INTRO's: one batchUpdate, the lines' named ranges with them
    assert provider_sandbox.api_call_counts("google") == {
        "files.get": 1, "documents.get": 1, "documents.batchUpdate": 1}


def test_a_doc_of_a_booking_across_the_fall_back_says_which_0130_and_which_0100(
        provider_sandbox: ProviderSandbox) -> None:
    # New York's clocks go back on 2026-11-01 (02:00 EDT is 01:00 EST): 01:30 EDT is
    # 05:30Z, and 01:00 EST, 06:00Z, is half an hour later.
    across = replace(INTRO, time_zone="America/New_York",
                     when=span("2026-11-01T05:30:00+00:00", "2026-11-01T06:00:00+00:00"))

    saved = _notes(provider_sandbox).save_notes(across)

    assert _lines(provider_sandbox, saved.id)[1] == (
        "Confirmed: Sunday 1 November 2026, 01:30 EDT to 01:00 EST (America/New_York)", False)


def test_a_bullet_the_host_added_after_pennys_list_stays_through_an_update(
        provider_sandbox: ProviderSandbox) -> None:
    folder = _folder(provider_sandbox)
    saved = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    provider_sandbox.google_docs_continue_list(saved.id, "Prefers mornings")
    briefed = replace(INTRO, bullets=(*INTRO.bullets, "Brief: a growth-stage founder"))

    _notes(provider_sandbox, folder=folder).update_notes(saved.id, briefed)

    assert _lines(provider_sandbox, saved.id)[2:] == [
        *((line, True) for line in briefed.bullets), ("Prefers mornings", True)]


def test_a_line_the_host_typed_between_pennys_bullets_stays_through_every_rewrite(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a doc where the host pressed Enter after Penny's e-mail bullet and typed
    folder = _folder(provider_sandbox)
    saved = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    provider_sandbox.google_docs_type_line(saved.id, "Call her Amazing Grace",
                                           after="E-mail: grace@example.com")
    moved = replace(INTRO, status="Rescheduled",
                    when=span("2026-05-05T14:00:00+00:00", "2026-05-05T14:45:00+00:00"))
    briefed = replace(moved, bullets=(*INTRO.bullets, "Brief: a growth-stage founder"))
    fewer = replace(moved, bullets=INTRO.bullets[:3])

    for notes in (moved, briefed, fewer, INTRO):
        # WHEN Penny rewrites the notes (a move, the brief, fewer lines, back again)
        _notes(provider_sandbox, folder=folder).update_notes(saved.id, notes)

        # THEN the host's line is still there, once, after the e-mail, and each of
        # Penny's lines is there once
        lines = _lines(provider_sandbox, saved.id)
        assert lines[1][0].startswith(f"{notes.status}: ")
        assert lines[2:] == [*((b, True) for b in notes.bullets[:2]),
                             ("Call her Amazing Grace", True),
                             *((b, True) for b in notes.bullets[2:])]


def test_the_hosts_lines_before_between_and_after_pennys_stay_and_a_replay_writes_nothing(
        provider_sandbox: ProviderSandbox) -> None:
    folder = _folder(provider_sandbox)
    saved = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    provider_sandbox.google_docs_type_line(saved.id, "Agenda first")
    provider_sandbox.google_docs_type_line(saved.id, "Ask about the budget",
                                           after="Name: Grace Hopper")
    provider_sandbox.google_docs_type(saved.id, "Likes tea")
    cancelled = replace(INTRO, status="Cancelled",
                        bullets=(*INTRO.bullets, "Earlier: 2 calls"))

    _notes(provider_sandbox, folder=folder).update_notes(saved.id, cancelled)
    provider_sandbox.reset_api_calls("google")
    _notes(provider_sandbox, folder=folder).update_notes(saved.id, cancelled)  # redelivered

    assert _lines(provider_sandbox, saved.id) == [
        ("Agenda first", False), ("Intro call with Grace Hopper", False),
        (STATUS_LINE.replace("Confirmed", "Cancelled"), False),
        ("Name: Grace Hopper", True), ("Ask about the budget", True),
        *((b, True) for b in cancelled.bullets[1:]), ("Likes tea", False)]
    assert _writes(provider_sandbox) == {}


@pytest.mark.parametrize("seed", [7, 11])
def test_the_hosts_lines_anywhere_survive_a_run_of_rewrites_and_a_replay_writes_nothing(
        provider_sandbox: ProviderSandbox, seed: int) -> None:
    # GIVEN a doc where, before each rewrite, the host may type a line above Penny's,
    # among them (Enter after any line) or below, or put a table under the doc's end
    choose = random.Random(seed)
    folder = _folder(provider_sandbox)
    saved = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    pool = ["Name: Grace Hopper", "Answer: 😀 yes", "", "Brief: a founder", "Earlier: none"]
    theirs: list[str] = []
    for step in range(25):
        typed, where = f"Host line {step}", choose.random()
        if where < 0.4:
            after = choose.choice([t for t, _ in _lines(provider_sandbox, saved.id)
                                   if t != "[table]"])
            provider_sandbox.google_docs_type_line(saved.id, typed, after=after)
        elif where < 0.55:
            provider_sandbox.google_docs_type_line(saved.id, typed)
        elif where < 0.7:
            provider_sandbox.google_docs_type(saved.id, typed)
        elif where < 0.75:
            provider_sandbox.google_docs_insert_table(saved.id)
        theirs += [typed] if where < 0.7 else []
        notes = replace(INTRO, status=choose.choice(["Confirmed", "Rescheduled", "Cancelled"]),
                        bullets=tuple(choose.choice(pool) for _ in range(choose.randint(0, 6))))

        # WHEN Penny rewrites the notes, and the event is delivered again
        _notes(provider_sandbox, folder=folder).update_notes(saved.id, notes)
        provider_sandbox.reset_api_calls("google")
        _notes(provider_sandbox, folder=folder).update_notes(saved.id, notes)

        # THEN each of the host's lines is there once; Penny's lines read as the notes;
        # the replay wrote nothing
        texts = [t for t, _ in _lines(provider_sandbox, saved.id)]
        assert sorted(t for t in texts if t.startswith("Host line")) == sorted(theirs)
        pennys = [t for t in texts if t not in theirs and t not in ("", "[table]")]
        assert pennys[0] == notes.title and pennys[1].startswith(f"{notes.status}: ")
        assert pennys[2:] == [b for b in notes.bullets if b]
        assert _writes(provider_sandbox) == {}


def test_a_line_of_pennys_the_host_edited_becomes_theirs_and_pennys_is_written_again(
        provider_sandbox: ProviderSandbox) -> None:
    # A doc has no author per paragraph: what the host changed is never written over.
    folder = _folder(provider_sandbox)
    saved = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    theirs = "Name: Grace Hopper, call her Amazing Grace"
    provider_sandbox.google_docs_edit_line(saved.id, "Name: Grace Hopper", theirs)

    _notes(provider_sandbox, folder=folder).update_notes(saved.id, INTRO)  # the next event
    provider_sandbox.reset_api_calls("google")
    _notes(provider_sandbox, folder=folder).update_notes(saved.id, INTRO)  # redelivered

    assert _lines(provider_sandbox, saved.id)[2:] == [
        (theirs, True), *((line, True) for line in INTRO.bullets)]
    assert _writes(provider_sandbox) == {}


def _doc_of_before_named_ranges(sandbox: ProviderSandbox, folder: str) -> str:
    """A doc of INTRO as Penny wrote them before its lines carried named ranges: its top,
    and the count of its bullets on the file."""
    token = HostToken(sandbox)(False)
    base, auth = sandbox.base_url("google"), {"Authorization": f"Bearer {token}"}
    made = requests.post(f"{base}/drive/v3/files", headers=auth, timeout=10, json={
        "name": INTRO.title, "parents": [folder],
        "mimeType": "application/vnd.google-apps.document",
        "appProperties": {"pennyBooking": INTRO.key, "pennyBullets": str(len(INTRO.bullets))}})
    doc_id = str(made.json()["id"])
    text = "\n".join([INTRO.title, STATUS_LINE, *INTRO.bullets])
    first_bullet = len(INTRO.title) + len(STATUS_LINE) + 3
    requests.post(f"{base}/v1/documents/{doc_id}:batchUpdate", headers=auth, timeout=10,
                  json={"requests": [
                      {"insertText": {"location": {"index": 1}, "text": text}},
                      {"updateParagraphStyle": {
                          "range": {"startIndex": 1, "endIndex": len(INTRO.title) + 2},
                          "fields": "namedStyleType",
                          "paragraphStyle": {"namedStyleType": "HEADING_2"}}},
                      {"createParagraphBullets": {
                          "range": {"startIndex": first_bullet, "endIndex": len(text) + 2},
                          "bulletPreset": "BULLET_DISC_CIRCLE_SQUARE"}}]}).raise_for_status()
    return doc_id


def test_a_doc_written_before_named_ranges_is_named_once_and_a_retry_writes_no_line_twice(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a doc of before named ranges with a bullet of the host's after Penny's, and a
    # rewrite whose text lands but whose mark Drive did not keep (a 503 on files.update)
    folder = _folder(provider_sandbox)
    doc_id = _doc_of_before_named_ranges(provider_sandbox, folder)
    provider_sandbox.google_docs_continue_list(doc_id, "Prefers mornings")
    briefed = replace(INTRO, bullets=(*INTRO.bullets, "Brief: a growth-stage founder"))
    provider_sandbox.fail_next_api_calls("google", 503, endpoint="files.update")
    with pytest.raises(ProviderUnavailableError):
        _notes(provider_sandbox, folder=folder).update_notes(doc_id, briefed)

    # WHEN the job's retry writes the same notes
    _notes(provider_sandbox, folder=folder).update_notes(doc_id, briefed)

    # THEN each of Penny's lines is there once, the host's still after them, and the doc
    # says its lines are named
    assert _lines(provider_sandbox, doc_id)[2:] == [
        *((line, True) for line in briefed.bullets), ("Prefers mornings", True)]
    [doc] = provider_sandbox.google_docs()
    assert doc["app_properties"] == {"pennyBooking": INTRO.key, "pennyMarks": "namedRanges"}
    # ... and from then on a line the host types among Penny's stays too
    provider_sandbox.google_docs_type_line(doc_id, "Ask about the budget",
                                           after="Name: Grace Hopper")
    _notes(provider_sandbox, folder=folder).update_notes(doc_id, INTRO)
    assert _lines(provider_sandbox, doc_id)[2:] == [
        (INTRO.bullets[0], True), ("Ask about the budget", True),
        *((line, True) for line in INTRO.bullets[1:]), ("Prefers mornings", True)]


def test_a_write_refused_as_the_host_typed_meanwhile_is_made_again_on_the_doc_as_it_is(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a doc the host types in while Penny writes it: twice the revision Penny read
    # is too far behind by the time its batchUpdate arrives (Google's 400)
    folder = _folder(provider_sandbox)
    saved = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    briefed = replace(INTRO, bullets=(*INTRO.bullets, "Brief: a growth-stage founder"))
    provider_sandbox.google_docs_type_during_writes(saved.id, times=2)
    provider_sandbox.reset_api_calls("google")

    # WHEN the notes are updated
    _notes(provider_sandbox, folder=folder).update_notes(saved.id, briefed)

    # THEN the doc is read again after each refusal, and the third write lands, around
    # what the host typed
    typed = "The host typed this while Penny wrote."
    assert _lines(provider_sandbox, saved.id)[2:] == [
        *((line, True) for line in briefed.bullets), (typed, False), (typed, False)]
    counts = provider_sandbox.api_call_counts("google")
    assert (counts["documents.get"], counts["documents.batchUpdate"]) == (3, 3)
    # ... and a later update finds Penny's part where it is
    _notes(provider_sandbox, folder=folder).update_notes(saved.id, INTRO)
    assert _lines(provider_sandbox, saved.id)[2:] == [
        *((line, True) for line in INTRO.bullets), (typed, False), (typed, False)]


def test_a_doc_changed_under_every_write_is_left_to_the_jobs_retry(
        provider_sandbox: ProviderSandbox) -> None:
    folder = _folder(provider_sandbox)
    saved = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    moved = replace(INTRO, status="Rescheduled")
    provider_sandbox.google_docs_type_during_writes(saved.id, times=WRITE_TRIES)
    provider_sandbox.reset_api_calls("google")

    with pytest.raises(ProviderUnavailableError, match="changed"):
        _notes(provider_sandbox, folder=folder).update_notes(saved.id, moved)

    assert provider_sandbox.api_calls("google", "documents.batchUpdate") == WRITE_TRIES
    # The job's retry, the host done typing, writes it
    _notes(provider_sandbox, folder=folder).update_notes(saved.id, moved)
    assert _lines(provider_sandbox, saved.id)[1][0].startswith("Rescheduled: ")


def test_an_update_keeps_what_the_host_wrote_below_and_renames_the_doc(
        provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    saved = notes.save_notes(INTRO)
    provider_sandbox.google_docs_type(saved.id, "Likes tea")

    notes.update_notes(saved.id, replace(INTRO, title="Follow-up with Grace Hopper",
                                         bullets=(*INTRO.bullets, "Earlier: 2 calls")))

    [doc] = provider_sandbox.google_docs()
    assert doc["title"] == "Follow-up with Grace Hopper"
    assert [(p["text"], p["style"], p["bullet"]) for p in doc["paragraphs"]] == [
        ("Follow-up with Grace Hopper", "HEADING_2", False),
        (STATUS_LINE, "NORMAL_TEXT", False),
        *((b, "NORMAL_TEXT", True) for b in (*INTRO.bullets, "Earlier: 2 calls")),
        ("Likes tea", "NORMAL_TEXT", False)]


def test_an_update_keeps_a_table_the_host_put_right_under_pennys_bullets(
        provider_sandbox: ProviderSandbox) -> None:
    # Google refuses deleting the newline before a table without the table: Penny's
    # part must end before that newline, whichever way it changes.
    folder = _folder(provider_sandbox)
    saved = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    provider_sandbox.google_docs_insert_table(saved.id)
    fewer = replace(INTRO, status="Rescheduled", bullets=INTRO.bullets[:1])
    more = replace(INTRO, bullets=(*INTRO.bullets, "Earlier: 2 calls"))

    for notes in (fewer, more):
        _notes(provider_sandbox, folder=folder).update_notes(saved.id, notes)

        lines = _lines(provider_sandbox, saved.id)
        assert lines[2:] == [*((b, True) for b in notes.bullets), ("[table]", False),
                             ("", False)]
        assert lines[0] == ("Intro call with Grace Hopper", False)


def test_updating_a_doc_the_host_trashed_is_rejected(provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    saved = notes.save_notes(INTRO)
    provider_sandbox.google_docs_trash(saved.id)

    with pytest.raises(ProviderRejectedError, match="trash") as rejected:
        notes.update_notes(saved.id, replace(INTRO, status="Cancelled"))
    assert rejected.value.provider == "google"
    # Restorable for 30 days: left there, neither untrashed nor made anew.
    assert not isinstance(rejected.value, NotesPageGoneError)
    assert [d["trashed"] for d in provider_sandbox.google_docs()] == [True]
    assert _writes(provider_sandbox) == {"files.create": 1, "documents.batchUpdate": 1}


def test_saving_a_booking_whose_doc_the_host_trashed_makes_no_second_doc(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a booking's doc the host put in the trash, and a job that has no stored link
    # for it (a crash before the link was saved, an older record)
    folder = _folder(provider_sandbox)
    saved = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    provider_sandbox.google_docs_trash(saved.id)
    provider_sandbox.reset_api_calls("google")

    # WHEN its notes are saved by the booking's key alone
    with pytest.raises(ProviderRejectedError, match="trash") as rejected:
        _notes(provider_sandbox, folder=folder).save_notes(replace(INTRO, status="Cancelled"))

    # THEN Drive's search finds the trashed doc, refused as an update of its link is, and
    # no second doc is made beside it (two once the host restores the first)
    assert not isinstance(rejected.value, NotesPageGoneError)
    assert [(d["id"], d["trashed"]) for d in provider_sandbox.google_docs()] == [
        (saved.id, True)]
    assert _writes(provider_sandbox) == {}


def test_updating_a_doc_deleted_for_good_says_so_and_saving_makes_it_anew(
        provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    first = notes.save_notes(INTRO)
    # The host empties the trash; Drive's search lists the doc a while yet.
    provider_sandbox.google_drive_delete(first.id, still_listed=True)

    with pytest.raises(NotesPageGoneError, match="is gone") as gone:
        notes.update_notes(first.id, INTRO)
    assert gone.value.provider == "google"
    # The notes job then saves anew, under its lease: the gone doc, still listed, is
    # skipped without another 404.
    provider_sandbox.reset_api_calls("google")
    again = notes.save_notes(INTRO)

    assert again.id != first.id
    assert [d["id"] for d in provider_sandbox.google_docs()] == [again.id]
    assert _lines(provider_sandbox, again.id)[2:] == [(b, True) for b in INTRO.bullets]
    assert provider_sandbox.api_calls("google", "documents.get") == 0


def test_a_doc_gone_after_drives_search_found_it_is_made_anew_once(
        provider_sandbox: ProviderSandbox) -> None:
    folder = _folder(provider_sandbox)
    first = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    provider_sandbox.google_drive_delete(first.id, still_listed=True)
    provider_sandbox.reset_api_calls("google")

    again = _notes(provider_sandbox, folder=folder).save_notes(
        replace(INTRO, status="Rescheduled"))

    assert again.id != first.id
    [doc] = provider_sandbox.google_docs(folder)
    assert doc["id"] == again.id and doc["app_properties"]["pennyBooking"] == INTRO.key
    assert _lines(provider_sandbox, again.id)[1][0].startswith("Rescheduled: ")
    assert provider_sandbox.api_calls("google", "files.create") == 1


def test_a_second_doc_gone_in_one_save_is_refused_not_chased(
        provider_sandbox: ProviderSandbox) -> None:
    folder = _folder(provider_sandbox)
    first = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    provider_sandbox.google_drive_delete(first.id, still_listed=True)
    second = _notes(provider_sandbox, folder=folder).save_notes(INTRO)
    provider_sandbox.google_drive_delete(second.id, still_listed=True)  # both listed, both 404
    provider_sandbox.reset_api_calls("google")

    with pytest.raises(NotesPageGoneError, match=second.id):
        _notes(provider_sandbox, folder=folder).save_notes(INTRO)

    # One more try after the first 404, and no doc made: bounded.
    assert provider_sandbox.api_calls("google", "files.list") == 2
    assert provider_sandbox.api_calls("google", "files.create") == 0


# -- the folder ------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["trashed", "deleted"])
def test_a_folder_the_host_removed_is_refused_without_breaking_the_google_connection(
        provider_sandbox: ProviderSandbox, how: str) -> None:
    # The same connection serves the host's calendar: a lost folder must not stop it.
    notes = _notes(provider_sandbox)
    saved = notes.save_notes(replace(INTRO, key="bk_earlier"))
    if how == "trashed":
        provider_sandbox.google_docs_trash(notes.folder_id)
    else:
        provider_sandbox.google_drive_delete(notes.folder_id)

    with pytest.raises(ProviderRejectedError, match="choose or create another") as on_save:
        notes.save_notes(INTRO)
    with pytest.raises(ProviderRejectedError) as on_update:
        notes.update_notes(saved.id, INTRO)
    assert on_save.value.provider == on_update.value.provider == "google"


def test_no_folder_chosen_is_refused_without_a_call(
        provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(ProviderRejectedError, match="choose or create one"):
        _notes(provider_sandbox, folder="").save_notes(INTRO)
    assert provider_sandbox.api_call_counts("google") == {}


def test_databases_are_the_live_folders_penny_made(provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox, folder="")
    port: NotesProvider = notes
    first = port.make_place()
    assert first is not None
    leads = notes.create_folder("Leads")
    old = notes.create_folder("Old notes")
    provider_sandbox.google_docs_trash(old.database_id)
    provider_sandbox.google_drive_folder("Penny client notes")  # the host's own, by hand

    listed = notes.databases()

    assert listed == [first, leads]
    assert (first.database_id, first.data_source_id, first.title) == (
        first.database_id, first.database_id, "Penny client notes")
    assert notes.create_folder() == first  # a second click makes no second folder


# -- errors ----------------------------------------------------------------------------


def test_a_refused_token_is_refreshed_once_and_the_call_retried(
        provider_sandbox: ProviderSandbox) -> None:
    folder, token = _folder(provider_sandbox), HostToken(provider_sandbox)
    provider_sandbox.expire_access_tokens("google")

    saved = _notes(provider_sandbox, token, folder).save_notes(INTRO)

    assert token.asked == [False, True]
    assert [d["id"] for d in provider_sandbox.google_docs()] == [saved.id]


def test_a_token_refused_again_after_a_refresh_breaks_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    folder, token = _folder(provider_sandbox), HostToken(provider_sandbox, refreshes=False)
    provider_sandbox.expire_access_tokens("google")

    with pytest.raises(ConnectionBrokenError, match="reconnect Google") as broken:
        _notes(provider_sandbox, token, folder).save_notes(INTRO)
    assert broken.value.provider == "google" and token.asked == [False, True]
    assert provider_sandbox.api_call_counts("google") == {"files.list (refused)": 2}


def test_a_token_without_the_docs_scopes_is_refused_without_breaking_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    # The grant still serves the host's calendar: only the notes are refused.
    folder = _folder(provider_sandbox)
    calendar_only = HostToken(provider_sandbox, GOOGLE[Feature.CALENDAR])

    with pytest.raises(ProviderRejectedError, match="allow Docs access"):
        _notes(provider_sandbox, calendar_only, folder).save_notes(INTRO)
    assert provider_sandbox.api_call_counts("google") == {"files.list (refused)": 1}


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_or_a_server_error_is_unavailable(
        provider_sandbox: ProviderSandbox, status: int) -> None:
    notes = _notes(provider_sandbox)
    provider_sandbox.fail_next_api_calls("google", status=status, retry_after=7)

    with pytest.raises(ProviderUnavailableError, match=f"HTTP {status}") as unavailable:
        notes.save_notes(INTRO)
    assert unavailable.value.provider == "google" and "Google Docs" in str(unavailable.value)
    assert provider_sandbox.google_docs() == []
    assert notes.save_notes(INTRO).id  # the job's retry: one call, one answer each time


def test_a_refused_request_is_rejected(provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    provider_sandbox.fail_next_api_calls("google", status=400, retry_after=None)

    with pytest.raises(ProviderRejectedError, match="Google Docs refused finding the notes doc"):
        notes.save_notes(INTRO)


def test_a_slow_google_is_unavailable(provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox, timeout=0.2)
    provider_sandbox.set_api_delay("google", 1.0)

    with pytest.raises(ProviderUnavailableError, match="did not answer"):
        notes.save_notes(INTRO)
