"""The sandbox's fake Docs v1 and Drive v3 on the wire (sandbox/google_docs.py): drive.file
visibility, the `q` subset, partial responses, trash, parents, batchUpdate's indices and
paragraph rules, and Google's error shapes. Raw HTTP, so each shape is the one pinned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import requests

from chalicelib.domain.providers.oauth import Feature
from chalicelib.integrations.oauth.scopes import GOOGLE
from sandbox import ProviderSandbox
from sandbox.testing import access_token

DOCS_SCOPE, DRIVE_FILE = GOOGLE[Feature.NOTES]
FOLDER = "application/vnd.google-apps.folder"
DOCUMENT = "application/vnd.google-apps.document"


class Google:
    """One grant's calls to the fake, as Google's REST paths take them."""

    def __init__(self, sandbox: ProviderSandbox,
                 scopes: Sequence[str] = (DOCS_SCOPE, DRIVE_FILE)) -> None:
        self.base = sandbox.base_url("google")
        self.session = requests.Session()
        self.session.headers["Authorization"] = \
            f"Bearer {access_token(sandbox, 'google', scopes)}"

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> requests.Response:
        return self.session.request(method, f"{self.base}/{path}", json=body, params=params,
                                    timeout=10)

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        answer = self.call(method, path, body, **params)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def make(self, name: str, mime: str = DOCUMENT, parent: str | None = None,
             **props: str) -> str:
        return str(self.ok("POST", "drive/v3/files", {
            "name": name, "mimeType": mime, **({"parents": [parent]} if parent else {}),
            **({"appProperties": props} if props else {})})["id"])

    def names(self, q: str, **params: Any) -> list[str]:
        listed = self.ok("GET", "drive/v3/files", q=q, fields="files(name)", **params)
        return [f["name"] for f in listed["files"]]

    def edit(self, doc_id: str, *requests_: dict[str, Any]) -> requests.Response:
        return self.call("POST", f"v1/documents/{doc_id}:batchUpdate",
                         {"requests": list(requests_)})


def _insert(index: int, text: str) -> dict[str, Any]:
    return {"insertText": {"location": {"index": index}, "text": text}}


def _range(kind: str, start: int, end: int, **more: Any) -> dict[str, Any]:
    return {kind: {"range": {"startIndex": start, "endIndex": end}, **more}}


# -- drive.file --------------------------------------------------------------------------


def test_drive_file_sees_only_what_the_app_made_for_any_grant_of_it(
        provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)
    own = provider_sandbox.google_drive_folder("The host's own")
    provider_sandbox.google_doc_by_hand("Diary", parent=own)
    made = api.make("Penny notes", FOLDER)

    assert api.names("") == ["Penny notes"]
    hidden = api.call("GET", f"drive/v3/files/{own}")
    assert hidden.status_code == 404 and hidden.json() == {"error": {
        "code": 404, "message": f"File not found: {own}.", "errors": [{
            "domain": "global", "reason": "notFound", "message": f"File not found: {own}.",
            "location": "fileId", "locationType": "parameter"}]}}
    inside = api.call("POST", "drive/v3/files", {"name": "x", "parents": [own]})
    assert inside.status_code == 404
    # The host reconnects: a new grant of the same app still sees what it made.
    assert Google(provider_sandbox).ok("GET", f"drive/v3/files/{made}")["name"] == "Penny notes"


def test_the_documents_scope_reads_any_doc_and_drive_file_only_the_apps(
        provider_sandbox: ProviderSandbox) -> None:
    diary = provider_sandbox.google_doc_by_hand("Diary")

    by_documents = Google(provider_sandbox, (DOCS_SCOPE,)).call("GET", f"v1/documents/{diary}")
    by_drive_file = Google(provider_sandbox, (DRIVE_FILE,)).call("GET", f"v1/documents/{diary}")

    assert by_documents.status_code == 200 and by_documents.json()["title"] == "Diary"
    assert by_drive_file.status_code == 403
    assert by_drive_file.json() == {"error": {"code": 403, "status": "PERMISSION_DENIED",
                                              "message": "The caller does not have permission"}}


# -- files.list's q, orderBy, pages and fields ------------------------------------------


def test_q_takes_the_terms_penny_uses(provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)
    folder = api.make("Notes", FOLDER, penny="notes")
    api.make("O'Brien \\ notes", parent=folder, pennyBooking="bk_1")
    api.make("Second", parent=folder, pennyBooking="bk_2")
    stray = api.make("Stray", pennyBooking="bk_1")
    api.ok("PATCH", f"drive/v3/files/{stray}", {"trashed": True})

    booking = "appProperties has { key='pennyBooking' and value='bk_1' }"
    assert api.names(f"{booking} and trashed = false") == ["O'Brien \\ notes"]
    assert api.names(f"{booking} AND trashed = true") == ["Stray"]
    assert api.names(booking) == ["O'Brien \\ notes", "Stray"]  # no term: both, as Drive
    assert api.names(f"'{folder}' in parents", orderBy="name desc") == [
        "Second", "O'Brien \\ notes"]
    assert api.names("name = 'O\\'Brien \\\\ notes'") == ["O'Brien \\ notes"]
    assert api.names(f"mimeType = '{FOLDER}' and "
                     "appProperties has { key='penny' and value='notes' }") == ["Notes"]
    assert api.names("'root' in parents and mimeType != 'x'") == ["Notes", "Stray"]


@pytest.mark.parametrize("q", ["name = 'a' or name = 'b'", "not trashed = true",
                               "(trashed = false)", "starred = true", "name = 'open"])
def test_a_q_outside_the_subset_is_refused_as_an_invalid_value(
        provider_sandbox: ProviderSandbox, q: str) -> None:
    answer = Google(provider_sandbox).call("GET", "drive/v3/files", q=q)

    assert answer.status_code == 400
    [error] = answer.json()["error"]["errors"]
    assert (error["reason"], error["location"]) == ("invalid", "q")


def test_answers_hold_the_default_fields_or_those_asked_page_by_page(
        provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)
    first, second = api.make("One"), api.make("Two")

    assert api.ok("GET", f"drive/v3/files/{first}") == {
        "kind": "drive#file", "id": first, "name": "One", "mimeType": DOCUMENT}
    page = api.ok("GET", "drive/v3/files", pageSize=1, fields="nextPageToken,files(id)")
    rest = api.ok("GET", "drive/v3/files", pageSize=1, pageToken=page["nextPageToken"],
                  fields="files(id,appProperties),nextPageToken")
    assert (page["files"], rest) == ([{"id": first}], {"files": [{"id": second}]})
    assert set(api.ok("GET", f"drive/v3/files/{first}", fields="*")) >= {
        "webViewLink", "trashed", "explicitlyTrashed", "parents", "createdTime"}


# -- trash, parents, appProperties -----------------------------------------------------


def test_a_doc_in_a_trashed_folder_is_trashed_but_not_explicitly(
        provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)
    folder = api.make("Notes", FOLDER)
    doc = api.make("Inside", parent=folder)

    api.ok("PATCH", f"drive/v3/files/{folder}", {"trashed": True})

    assert api.ok("GET", f"drive/v3/files/{doc}", fields="trashed,explicitlyTrashed") == {
        "trashed": True, "explicitlyTrashed": False}
    assert api.names("trashed = false") == []


@pytest.mark.parametrize("still_listed", [False, True])
def test_a_doc_deleted_for_good_answers_404_and_drives_search_may_list_it_a_while(
        provider_sandbox: ProviderSandbox, still_listed: bool) -> None:
    api = Google(provider_sandbox)
    doc = api.make("Gone", penny="notes")

    provider_sandbox.google_drive_delete(doc, still_listed=still_listed)

    assert [api.call(*call).status_code for call in (
        ("GET", f"drive/v3/files/{doc}"), ("PATCH", f"drive/v3/files/{doc}", {"name": "x"}),
        ("GET", f"v1/documents/{doc}"))] == [404, 404, 404]
    assert api.edit(doc, _insert(1, "x")).status_code == 404
    listed = api.names("appProperties has { key='penny' and value='notes' }")
    assert listed == (["Gone"] if still_listed else [])
    assert provider_sandbox.google_docs() == []


def test_a_file_has_one_parent_and_moves_with_add_and_remove(
        provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)
    old, new = api.make("Old", FOLDER), api.make("New", FOLDER)
    doc = api.make("Doc", parent=old)

    two = api.call("POST", "drive/v3/files", {"name": "x", "parents": [old, new]})
    added = api.call("PATCH", f"drive/v3/files/{doc}", addParents=new)
    written = api.call("PATCH", f"drive/v3/files/{doc}", {"parents": [new]})
    moved = api.ok("PATCH", f"drive/v3/files/{doc}", addParents=new, removeParents=old,
                   fields="parents")

    assert [a.json()["error"]["errors"][0]["reason"] for a in (two, added, written)] == [
        "cannotAddParent", "cannotAddParent", "fieldNotWritable"]
    assert moved == {"parents": [new]}


def test_app_properties_merge_and_a_null_clears_one(provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)
    doc = api.make("Doc", pennyBooking="bk_1", other="x")

    answer = api.ok("PATCH", f"drive/v3/files/{doc}", {"appProperties": {"other": None,
                                                                        "more": "y"}},
                    fields="appProperties")

    assert answer == {"appProperties": {"pennyBooking": "bk_1", "more": "y"}}


# -- documents -------------------------------------------------------------------------


def test_documents_create_makes_an_empty_doc_in_my_drive(
        provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)

    made = api.ok("POST", "v1/documents", {"title": "Plan", "body": {"content": []}})

    assert [e.get("paragraph", {}).get("elements", [{}])[0].get("textRun")
            for e in made["body"]["content"]] == [None, {"content": "\n", "textStyle": {}}]
    assert api.names("'root' in parents") == ["Plan"]


def test_indices_count_utf16_code_units(provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)
    doc = api.make("Doc")
    assert api.edit(doc, _insert(1, "😀x")).status_code == 200

    split = api.edit(doc, _range("deleteContentRange", 2, 3))
    whole = api.edit(doc, _range("deleteContentRange", 1, 3))

    assert split.status_code == 400 and whole.status_code == 200
    assert provider_sandbox.google_doc_lines(doc) == [("x", False)]


def test_new_paragraphs_copy_the_bullet_and_a_merge_keeps_the_later_paragraphs(
        provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)
    doc = api.make("Doc")
    api.edit(doc, _insert(1, "Head\nitem"),
             _range("createParagraphBullets", 6, 11, bulletPreset="BULLET_DISC_CIRCLE_SQUARE"))

    api.edit(doc, _insert(10, "\nnext"))
    assert provider_sandbox.google_doc_lines(doc) == [
        ("Head", False), ("item", True), ("next", True)]

    api.edit(doc, _range("deleteContentRange", 3, 8))  # "ad\nit": Head's newline goes
    assert provider_sandbox.google_doc_lines(doc) == [("Heem", True), ("next", True)]


def test_a_table_is_kept_whole_and_the_newline_before_it_goes_only_with_it(
        provider_sandbox: ProviderSandbox) -> None:
    # Google refuses deleting part of a table, or the newline right before one without
    # the table, and inserting text at a table's start (DeleteContentRangeRequest,
    # InsertTextRequest in docs.v1.json).
    api = Google(provider_sandbox)
    doc = api.make("Doc")
    api.edit(doc, _insert(1, "Head"))
    provider_sandbox.google_docs_insert_table(doc)
    [_, head, grid, tail] = api.ok("GET", f"v1/documents/{doc}")["body"]["content"]
    assert (head["startIndex"], head["endIndex"]) == (1, 6) and "paragraph" in head
    assert (grid["startIndex"], grid["endIndex"], grid["table"]["rows"]) == (6, 10, 1)
    assert (tail["startIndex"], tail["endIndex"]) == (10, 11) and "paragraph" in tail

    refused = [api.edit(doc, _range("deleteContentRange", 1, 6)),   # Head's newline
               api.edit(doc, _range("deleteContentRange", 5, 8)),   # into the table
               api.edit(doc, _insert(6, "x"))]                      # at the table's start
    kept = api.edit(doc, _range("deleteContentRange", 1, 5))        # Head's text only
    assert [r.status_code for r in refused] == [400, 400, 400] and kept.status_code == 200
    assert provider_sandbox.google_doc_lines(doc) == [("", False), ("[table]", False),
                                                      ("", False)]

    whole = api.edit(doc, _range("deleteContentRange", 1, 6))       # newline and table
    assert whole.status_code == 200
    assert provider_sandbox.google_doc_lines(doc) == [("", False)]


def _named(api: Google, doc: str) -> dict[str, list[list[tuple[int, int]]]]:
    """The doc's named ranges as documents.get answers them: by name, each one's ranges."""
    found = api.ok("GET", f"v1/documents/{doc}").get("namedRanges", {})
    return {name: [[(r["startIndex"], r["endIndex"]) for r in one["ranges"]]
                   for one in group["namedRanges"]] for name, group in found.items()}


def test_a_named_range_moves_with_edits_grows_with_text_inside_and_goes_with_its_text(
        provider_sandbox: ProviderSandbox) -> None:
    # NamedRange in docs.v1.json: content inserted inside a range generally expands it;
    # indices in UTF-16 units. The official sample re-creates a range after deleting its
    # text: a range whose text is all deleted is gone.
    api = Google(provider_sandbox)
    doc = api.make("Doc")
    made = api.edit(doc, _insert(1, "Head\nitem\ntail"),
                    {"createNamedRange": {"name": "mine", "range": {"startIndex": 6,
                                                                    "endIndex": 11}}})
    assert made.status_code == 200
    [reply_insert, reply_range] = made.json()["replies"]
    range_id = reply_range["createNamedRange"]["namedRangeId"]
    assert reply_insert == {} and range_id
    got = api.ok("GET", f"v1/documents/{doc}")["namedRanges"]
    assert got == {"mine": {"name": "mine", "namedRanges": [{
        "namedRangeId": range_id, "name": "mine",
        "ranges": [{"startIndex": 6, "endIndex": 11}]}]}}

    api.edit(doc, _insert(1, "😀"))                 # before it: it moves, by 2 units
    assert _named(api, doc) == {"mine": [[(8, 13)]]}
    api.edit(doc, _insert(12, "\nhost"))            # inside it (before its newline): it grows
    assert _named(api, doc) == {"mine": [[(8, 18)]]}
    api.edit(doc, _insert(18, "after "))            # at its end: it stays
    assert _named(api, doc) == {"mine": [[(8, 18)]]}
    api.edit(doc, _range("deleteContentRange", 1, 3))
    assert _named(api, doc) == {"mine": [[(6, 16)]]}

    api.edit(doc, _range("deleteContentRange", 6, 16))  # all its text
    assert _named(api, doc) == {}
    assert provider_sandbox.google_doc_lines(doc) == [("Head", False), ("after tail", False)]


def test_named_ranges_are_deleted_by_id_or_name_and_refused_as_google_refuses(
        provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)
    doc = api.make("Doc")
    api.edit(doc, _insert(1, "one\ntwo"))

    def create(name: str, start: int = 1, end: int = 5) -> requests.Response:
        return api.edit(doc, {"createNamedRange": {
            "name": name, "range": {"startIndex": start, "endIndex": end}}})

    first = create("a").json()["replies"][0]["createNamedRange"]["namedRangeId"]
    create("a", 5, 9)
    create("b", 5, 9)
    refused = [create(""), create("x" * 257), create("c", 0, 3), create("c", 3, 3),
               create("c", 5, 10),
               api.edit(doc, {"deleteNamedRange": {"namedRangeId": "kix.nosuch"}}),
               api.edit(doc, {"deleteNamedRange": {}})]
    assert [r.status_code for r in refused] == [400] * len(refused)
    assert create("😀" * 128).status_code == 200       # 256 UTF-16 units

    api.edit(doc, {"deleteNamedRange": {"namedRangeId": first}})
    assert _named(api, doc)["a"] == [[(5, 9)]]
    api.edit(doc, {"deleteNamedRange": {"name": "a"}})
    assert sorted(_named(api, doc)) == ["b", "😀" * 128]
    assert provider_sandbox.google_doc_lines(doc) == [("one", False), ("two", False)]


def test_a_batch_is_all_or_nothing_and_names_the_request_refused(
        provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)
    doc = api.make("Doc")
    before = api.ok("GET", f"v1/documents/{doc}")

    refused = api.edit(doc, _insert(1, "kept?"), _range("deleteContentRange", 1, 7))
    after = api.ok("GET", f"v1/documents/{doc}")

    assert refused.status_code == 400 and refused.json()["error"]["status"] == \
        "INVALID_ARGUMENT"
    assert refused.json()["error"]["message"].startswith(
        "Invalid requests[1].deleteContentRange: ")
    assert after == before


def test_a_required_revision_that_is_not_the_latest_is_refused(
        provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)
    doc = api.make("Doc")
    read = api.ok("GET", f"v1/documents/{doc}")["revisionId"]
    api.edit(doc, _insert(1, "host typed"))

    answer = api.call("POST", f"v1/documents/{doc}:batchUpdate", {
        "requests": [_insert(1, "x")], "writeControl": {"requiredRevisionId": read}})

    assert answer.status_code == 400 and answer.json()["error"]["status"] == \
        "FAILED_PRECONDITION"


# -- refusals --------------------------------------------------------------------------


def test_a_token_without_the_scopes_is_refused_as_google_does(
        provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox, GOOGLE[Feature.CALENDAR])

    drive = api.call("GET", "drive/v3/files")
    docs = api.call("POST", "v1/documents", {"title": "x"})

    assert (drive.status_code, docs.status_code) == (403, 403)
    assert drive.json()["error"]["errors"][0]["reason"] == "insufficientPermissions"
    assert "errors" not in docs.json()["error"]
    for answer in (drive, docs):
        error = answer.json()["error"]
        assert error["status"] == "PERMISSION_DENIED"
        assert error["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
        assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]
    assert provider_sandbox.api_call_counts("google") == {
        "files.list (refused)": 1, "documents.create (refused)": 1}


def test_injected_faults_come_in_each_apis_shape(provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)
    provider_sandbox.fail_next_api_calls("google", status=429, retry_after=3)
    drive = api.call("GET", "drive/v3/files")
    provider_sandbox.fail_next_api_calls("google", status=503, retry_after=None)
    docs = api.call("POST", "v1/documents", {"title": "x"})

    assert drive.status_code == 429 and drive.headers["Retry-After"] == "3"
    assert drive.json()["error"]["errors"][0]["reason"] == "rateLimitExceeded"
    assert docs.status_code == 503 and docs.json()["error"]["status"] == "UNAVAILABLE"


def test_the_sandbox_page_lists_the_drive(provider_sandbox: ProviderSandbox) -> None:
    api = Google(provider_sandbox)
    api.make("Notes <b>", FOLDER)

    page = requests.get(f"{provider_sandbox.base_url('google')}/_sandbox", timeout=10).text

    assert "<h2>Google Drive</h2>" in page and "Notes &lt;b&gt;" in page
