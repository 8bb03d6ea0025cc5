"""The sandbox's Notion API (version 2025-09-03), driven by the real notion-client: a
database of data sources, pages with properties and bullets, a query by booking uid,
Notion's errors, and a revoked token."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from notion_client import APIErrorCode, APIResponseError, Client, collect_paginated_api

from sandbox import ProviderSandbox

VERSION = "2025-09-03"


def _client(sandbox: ProviderSandbox, token: str | None = None, **options: Any) -> Client:
    return Client(**{"auth": token or sandbox.notion_connect()["access_token"],
                     "base_url": sandbox.base_url("notion"), "notion_version": VERSION,
                     "timeout_ms": 5_000, **options})


def _text(content: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": content}}]


def _bullet(content: str) -> dict[str, Any]:
    return {"object": "block", "type": "bulleted_list_item",
            "bulleted_list_item": {"rich_text": _text(content)}}


def _properties(uid: str = "bk_1", status: str = "Confirmed") -> dict[str, Any]:
    return {"Name": {"title": _text("Intro call with Grace Hopper")},
            "Email": {"email": "grace@example.com"},
            "When": {"date": {"start": "2026-05-04T11:00:00", "end": "2026-05-04T11:30:00",
                              "time_zone": "Europe/Berlin"}},
            "Status": {"select": {"name": status}},
            "Booking": {"rich_text": _text(uid)}}


def _source_id(notion: Client, sandbox: ProviderSandbox) -> str:
    database = notion.databases.retrieve(sandbox.notion_database_id())
    return str(database["data_sources"][0]["id"])


def _new_page(notion: Client, source_id: str, uid: str = "bk_1",
              bullets: tuple[str, ...] = ("E-mail: grace@example.com",)) -> dict[str, Any]:
    page: dict[str, Any] = notion.pages.create(
        parent={"type": "data_source_id", "data_source_id": source_id},
        properties=_properties(uid),
        children=[{"object": "block", "type": "heading_3",
                   "heading_3": {"rich_text": _text("Booking details")}},
                  *(_bullet(b) for b in bullets)])
    return page


def _refused(call: Any) -> APIResponseError:
    with pytest.raises(APIResponseError) as refused:
        call()
    return refused.value


def test_the_seeded_database_lists_its_data_source_and_its_schema(
        provider_sandbox: ProviderSandbox) -> None:
    notion = _client(provider_sandbox)

    database = notion.databases.retrieve(provider_sandbox.notion_database_id())
    [listed] = database["data_sources"]
    source = notion.data_sources.retrieve(listed["id"])

    assert database["object"] == "database" and listed["name"] == "Client notes"
    assert source["parent"] == {"type": "database_id", "database_id": database["id"]}
    assert {name: p["type"] for name, p in source["properties"].items()} == {
        "Name": "title", "Email": "email", "When": "date", "Status": "select",
        "Booking": "rich_text"}


def test_a_database_id_is_not_a_data_source_id(provider_sandbox: ProviderSandbox) -> None:
    notion = _client(provider_sandbox)
    database_id = provider_sandbox.notion_database_id()

    refused = _refused(lambda: notion.data_sources.retrieve(database_id))

    assert (refused.status, refused.code) == (404, APIErrorCode.ObjectNotFound)


def test_a_page_keeps_its_properties_and_its_bullets(provider_sandbox: ProviderSandbox) -> None:
    notion = _client(provider_sandbox)
    source_id = _source_id(notion, provider_sandbox)

    made = _new_page(notion, source_id, bullets=("E-mail: grace@example.com", "Zone: Berlin"))
    page = notion.pages.retrieve(made["id"])
    blocks = collect_paginated_api(notion.blocks.children.list, block_id=made["id"])

    props = page["properties"]
    assert page["parent"]["data_source_id"] == source_id
    assert props["Name"]["title"][0]["plain_text"] == "Intro call with Grace Hopper"
    assert props["When"]["date"] == {"start": "2026-05-04T11:00:00.000+02:00",
                                     "end": "2026-05-04T11:30:00.000+02:00", "time_zone": None}
    assert props["Status"]["select"]["name"] == "Confirmed"
    assert [b["type"] for b in blocks] == ["heading_3", "bulleted_list_item",
                                           "bulleted_list_item"]
    assert provider_sandbox.notion_texts(made["id"])[1:] == [
        ("bulleted_list_item", "E-mail: grace@example.com"),
        ("bulleted_list_item", "Zone: Berlin")]


def test_a_query_finds_the_page_of_a_booking_uid(provider_sandbox: ProviderSandbox) -> None:
    notion = _client(provider_sandbox)
    source_id = _source_id(notion, provider_sandbox)
    wanted = _new_page(notion, source_id, uid="bk_2")
    _new_page(notion, source_id, uid="bk_1")

    found = notion.data_sources.query(
        source_id, filter={"property": "Booking", "rich_text": {"equals": "bk_2"}})
    nothing = notion.data_sources.query(
        source_id, filter={"property": "Booking", "rich_text": {"equals": "bk_9"}})

    assert [p["id"] for p in found["results"]] == [wanted["id"]]
    assert nothing["results"] == [] and nothing["has_more"] is False


def test_a_page_in_the_trash_leaves_queries_and_refuses_edits(
        provider_sandbox: ProviderSandbox) -> None:
    notion = _client(provider_sandbox)
    source_id = _source_id(notion, provider_sandbox)
    page = _new_page(notion, source_id)

    trashed = notion.pages.update(page["id"], in_trash=True)
    found = notion.data_sources.query(source_id)
    refused = _refused(lambda: notion.pages.update(page["id"], properties=_properties()))

    assert trashed["in_trash"] is True and found["results"] == []
    assert (refused.status, refused.code) == (400, APIErrorCode.ValidationError)


def test_a_status_update_adds_a_select_option(provider_sandbox: ProviderSandbox) -> None:
    notion = _client(provider_sandbox)
    source_id = _source_id(notion, provider_sandbox)
    page = _new_page(notion, source_id)

    updated = notion.pages.update(page["id"],
                                  properties={"Status": {"select": {"name": "No-show"}}})
    options = notion.data_sources.retrieve(source_id)["properties"]["Status"]["select"]["options"]

    assert updated["properties"]["Status"]["select"]["name"] == "No-show"
    assert "No-show" in [o["name"] for o in options]


def test_blocks_are_appended_after_one_edited_and_deleted(
        provider_sandbox: ProviderSandbox) -> None:
    notion = _client(provider_sandbox)
    page = _new_page(notion, _source_id(notion, provider_sandbox), bullets=("one", "three"))
    _, one, three = notion.blocks.children.list(page["id"])["results"]

    notion.blocks.children.append(page["id"], children=[_bullet("two")], after=one["id"])
    notion.blocks.update(three["id"], bulleted_list_item={"rich_text": _text("three!")})
    deleted = notion.blocks.delete(one["id"])

    assert deleted["in_trash"] is True
    assert [t for _, t in provider_sandbox.notion_texts(page["id"])] == [
        "Booking details", "two", "three!"]


def test_children_come_in_pages_of_at_most_a_hundred(provider_sandbox: ProviderSandbox) -> None:
    notion = _client(provider_sandbox)
    page = _new_page(notion, _source_id(notion, provider_sandbox), bullets=())
    notion.blocks.children.append(page["id"], children=[_bullet(f"{i}") for i in range(100)])
    notion.blocks.children.append(page["id"], children=[_bullet(f"{i}") for i in range(100, 120)])

    first = notion.blocks.children.list(page["id"])
    every = collect_paginated_api(notion.blocks.children.list, block_id=page["id"])

    assert len(first["results"]) == 100 and first["has_more"] is True
    assert len(every) == 121


def test_a_database_parent_is_refused_once_it_has_two_data_sources(
        provider_sandbox: ProviderSandbox) -> None:
    notion = _client(provider_sandbox)
    database_id = provider_sandbox.notion_database_id()
    as_database = {"type": "database_id", "database_id": database_id}
    before = notion.pages.create(parent=as_database, properties=_properties())

    second = provider_sandbox.notion_add_data_source("Archive")
    refused = _refused(lambda: notion.pages.create(parent=as_database, properties=_properties()))
    listed = notion.databases.retrieve(database_id)["data_sources"]

    assert before["object"] == "page"
    assert (refused.status, refused.code) == (400, APIErrorCode.ValidationError)
    assert [s["name"] for s in listed] == ["Client notes", "Archive"]
    assert listed[1]["id"] == second


@pytest.mark.parametrize(("properties", "says"), [
    ({"Phone": {"phone_number": "+44"}}, "Phone is not a property that exists."),
    ({"Email": {"rich_text": _text("x")}}, "Email is expected to be email."),
    ({"Name": {"title": _text("x" * 2001)}}, "should be ≤ `2000`"),
    ({"When": {"date": {"start": "2026-05-04T11:00:00+02:00", "time_zone": "Europe/Berlin"}}},
     "cannot have a UTC offset"),
    ({"Status": {"select": {"name": "Done, really"}}}, "without commas"),
])
def test_values_notion_refuses_are_validation_errors(
        provider_sandbox: ProviderSandbox, properties: dict[str, Any], says: str) -> None:
    notion = _client(provider_sandbox)
    source_id = _source_id(notion, provider_sandbox)

    refused = _refused(lambda: notion.pages.create(
        parent={"data_source_id": source_id}, properties=properties))

    assert (refused.status, refused.code) == (400, APIErrorCode.ValidationError)
    assert says in str(refused)
    assert provider_sandbox.notion_pages() == []


def test_an_unshared_database_is_not_found_with_its_pages(
        provider_sandbox: ProviderSandbox) -> None:
    notion = _client(provider_sandbox)
    source_id = _source_id(notion, provider_sandbox)
    page = _new_page(notion, source_id)

    provider_sandbox.notion_share(False)

    for call in (lambda: notion.databases.retrieve(provider_sandbox.notion_database_id()),
                 lambda: notion.data_sources.query(source_id),
                 lambda: notion.pages.retrieve(page["id"])):
        assert _refused(call).code == APIErrorCode.ObjectNotFound


def test_a_revoked_token_is_unauthorized_and_counted_as_refused(
        provider_sandbox: ProviderSandbox) -> None:
    token = provider_sandbox.notion_connect()["access_token"]
    notion = _client(provider_sandbox, token)
    notion.databases.retrieve(provider_sandbox.notion_database_id())

    provider_sandbox.revoke("notion")
    refused = _refused(lambda: notion.databases.retrieve(provider_sandbox.notion_database_id()))

    assert (refused.status, refused.code) == (401, APIErrorCode.Unauthorized)
    assert provider_sandbox.api_call_counts("notion") == {
        "databases.retrieve": 1, "databases.retrieve (refused)": 1}


@pytest.mark.parametrize(("status", "code"), [
    (429, APIErrorCode.RateLimited), (500, APIErrorCode.InternalServerError),
    (503, APIErrorCode.ServiceUnavailable), (409, APIErrorCode.ConflictError)])
def test_injected_faults_answer_in_notions_shape(provider_sandbox: ProviderSandbox, status: int,
                                                  code: APIErrorCode) -> None:
    notion = _client(provider_sandbox, retry=False)
    provider_sandbox.fail_next_api_calls("notion", status=status, retry_after=7)

    refused = _refused(lambda: notion.databases.retrieve(provider_sandbox.notion_database_id()))

    assert (refused.status, refused.code) == (status, code)
    assert refused.headers["retry-after"] == "7" and refused.request_id


def test_notion_client_retries_a_rate_limit_itself(provider_sandbox: ProviderSandbox) -> None:
    notion = _client(provider_sandbox)
    provider_sandbox.fail_next_api_calls("notion", status=429, times=2, retry_after=0)

    database = notion.databases.retrieve(provider_sandbox.notion_database_id())

    assert database["object"] == "database"
    assert provider_sandbox.api_calls("notion", "databases.retrieve") == 3


def test_every_call_must_name_the_api_version(provider_sandbox: ProviderSandbox) -> None:
    token = provider_sandbox.notion_connect()["access_token"]
    url = f"{provider_sandbox.base_url('notion')}/v1/databases/" \
          f"{provider_sandbox.notion_database_id()}"
    old = _client(provider_sandbox, token, notion_version="2022-06-28")

    missing = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    refused = _refused(lambda: old.databases.retrieve(provider_sandbox.notion_database_id()))

    assert (missing.status_code, missing.json()["code"]) == (400, "missing_version")
    assert missing.json()["object"] == "error" and "request_id" in missing.json()
    assert (refused.status, refused.code) == (400, APIErrorCode.ValidationError)


def test_a_pages_url_shows_it_as_the_host_would_read_it(
        provider_sandbox: ProviderSandbox) -> None:
    notion = _client(provider_sandbox)
    page = _new_page(notion, _source_id(notion, provider_sandbox),
                     bullets=("Manage: https://penny.test/m/bk_1",))
    notion.blocks.children.append(page["id"], children=[{
        "type": "bulleted_list_item", "bulleted_list_item": {"rich_text": [
            {"type": "text", "text": {"content": "Video",
                                      "link": {"url": "https://meet.test/x"}}}]}}])

    html = requests.get(page["url"], timeout=10).text

    assert '<html lang="en">' in html and "<h1>Intro call with Grace Hopper</h1>" in html
    assert "<dt>Status</dt><dd>Confirmed</dd>" in html
    assert "Monday 4 May 2026, 11:00 to 11:30 (UTC+02:00)" in html
    assert '<a href="mailto:grace@example.com">' in html
    assert "<ul><li>Manage: https://penny.test/m/bk_1</li>" in html
    assert '<li><a href="https://meet.test/x">Video</a></li></ul>' in html


def test_the_sandbox_page_lists_databases_and_adds_a_data_source(
        provider_sandbox: ProviderSandbox) -> None:
    base = provider_sandbox.base_url("notion")

    added = requests.post(f"{base}/_sandbox/data-sources", timeout=10, allow_redirects=False,
                          data={"database": provider_sandbox.notion_database_id(),
                                "name": "Archive"})
    page = requests.get(f"{base}/_sandbox", timeout=10).text

    assert added.status_code == 303
    assert "Client notes" in page and "Archive" in page and "Add a data source" in page
    assert [s["title"][0]["plain_text"] for s in provider_sandbox.notion_data_sources()] == [
        "Client notes", "Archive"]
