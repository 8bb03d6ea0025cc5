"""NotionNotes (chalicelib/integrations/notion_notes.py) against the sandbox's Notion: a
page of bullets in the shared database's data source, one page per booking however often
it is saved, updates in the same page, a second data source, and each error as the port
names it."""

from __future__ import annotations

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
from chalicelib.integrations.notion_notes import NotionNotes
from chalicelib.provider_settings import OAuthApp
from sandbox import ProviderSandbox
from tests.sandbox.notes_sample import INTRO, span

WRITES = ("pages.create", "pages.update", "data_sources.update", "blocks.update",
          "blocks.delete", "blocks.children.append")




class HostTokens:
    """The host's Notion tokens: `(False)` the current access token, `(True)` a refresh
    at the sandbox (Notion rotates the refresh token), as the connection service gives."""

    def __init__(self, sandbox: ProviderSandbox) -> None:
        self.sandbox = sandbox
        answer = sandbox.notion_connect()
        self.access, self.refresh = answer["access_token"], answer["refresh_token"]
        self.refreshes = 0

    def __call__(self, force: bool) -> str:
        if force:
            client = self.sandbox.client("notion")
            answer = requests.post(f"{self.sandbox.base_url('notion')}/v1/oauth/token",
                                   auth=(client.client_id, client.client_secret), timeout=10,
                                   json={"grant_type": "refresh_token",
                                         "refresh_token": self.refresh})
            if answer.status_code != 200:
                raise ConnectionBrokenError("notion", "Notion refused the refresh")
            self.access, self.refresh = answer.json()["access_token"], \
                answer.json()["refresh_token"]
            self.refreshes += 1
        return self.access


def _notes(sandbox: ProviderSandbox, token: Any = None, timeout: float = 5.0,
           **options: Any) -> NotionNotes:
    client = sandbox.client("notion")
    entry = OAuthApp(client.client_id, client.client_secret, base_url=sandbox.base_url("notion"))
    return NotionNotes(entry, token or HostTokens(sandbox), timeout,
                       sandbox.notion_database_id(), **options)


def _writes(sandbox: ProviderSandbox) -> dict[str, int]:
    return {k: v for k, v in sandbox.api_call_counts("notion").items() if k in WRITES}


def test_saved_notes_are_a_page_of_bullets_in_the_shared_data_source(
        provider_sandbox: ProviderSandbox) -> None:
    saved = _notes(provider_sandbox).save_notes(INTRO)

    [page] = provider_sandbox.notion_pages()
    props = page["properties"]
    assert (saved.id, saved.url) == (page["id"], page["url"])
    assert page["parent"]["data_source_id"] == \
        provider_sandbox.notion_data_sources()[0]["id"]
    assert props["Name"]["title"][0]["plain_text"] == "Intro call with Grace Hopper"
    assert props["Email"]["email"] == "grace@example.com"
    assert props["When"]["date"]["start"] == "2026-05-04T11:00:00.000+02:00"  # Berlin
    assert props["Status"]["select"]["name"] == "Confirmed"
    assert props["Booking"]["rich_text"][0]["plain_text"] == "bk_7Hq2"
    assert provider_sandbox.notion_texts(saved.id) == [
        ("heading_3", "Booking details"), *(("bulleted_list_item", b) for b in INTRO.bullets)]
    manage = provider_sandbox.notion_blocks(saved.id)[-1]["bulleted_list_item"]["rich_text"]
    assert manage[-1]["href"] == "https://penny.test/manage/bk_7Hq2"


def test_an_address_longer_than_notions_email_property_takes_stays_in_the_bullets(
        provider_sandbox: ProviderSandbox) -> None:
    # Penny takes addresses up to 254 characters; Notion's email property, 200.
    long = f"{'g' * 64}@{'a' * 60}.{'b' * 60}.{'c' * 59}.example"
    notes = replace(INTRO, attendee_email=long,
                    bullets=tuple(f"E-mail: {long}" if b.startswith("E-mail") else b
                                  for b in INTRO.bullets))
    assert 200 < len(long) <= 254

    saved = _notes(provider_sandbox).save_notes(notes)

    [page] = provider_sandbox.notion_pages()
    assert page["properties"]["Email"]["email"] is None
    assert ("bulleted_list_item", f"E-mail: {long}") in provider_sandbox.notion_texts(saved.id)


def test_the_page_url_opens_the_notes_as_the_host_reads_them(
        provider_sandbox: ProviderSandbox) -> None:
    saved = _notes(provider_sandbox).save_notes(INTRO)

    html = requests.get(saved.url, timeout=10).text

    assert "<li>E-mail: grace@example.com</li>" in html
    assert '<a href="https://penny.test/manage/bk_7Hq2">' in html


def test_saving_twice_leaves_one_page_and_writes_nothing_the_second_time(
        provider_sandbox: ProviderSandbox) -> None:
    first = _notes(provider_sandbox).save_notes(INTRO)
    before = _writes(provider_sandbox)

    again = _notes(provider_sandbox).save_notes(INTRO)  # a redelivered event, a new Lambda

    assert again == first and len(provider_sandbox.notion_pages()) == 1
    assert _writes(provider_sandbox) == before == {"pages.create": 1}


def test_saving_again_after_a_change_rewrites_the_page_it_finds(
        provider_sandbox: ProviderSandbox) -> None:
    first = _notes(provider_sandbox).save_notes(INTRO)

    again = _notes(provider_sandbox).save_notes(replace(INTRO, status="Rescheduled"))

    [page] = provider_sandbox.notion_pages()
    assert again == first and page["properties"]["Status"]["select"]["name"] == "Rescheduled"


def test_an_update_changes_status_time_and_bullets_in_the_same_page(
        provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    saved = notes.save_notes(INTRO)
    moved = replace(INTRO, status="Rescheduled",
                    when=span("2026-05-05T14:00:00+00:00", "2026-05-05T14:45:00+00:00"),
                    bullets=("Name: Grace Hopper", "E-mail: grace@example.com",
                             "Rescheduled from 4 May"))
    provider_sandbox.reset_api_calls("notion")

    updated = _notes(provider_sandbox).update_notes(saved.id, moved)

    [page] = provider_sandbox.notion_pages()
    assert updated == saved
    assert page["properties"]["Status"]["select"]["name"] == "Rescheduled"
    assert page["properties"]["When"]["date"] == {"start": "2026-05-05T16:00:00.000+02:00",
                                                  "end": "2026-05-05T16:45:00.000+02:00",
                                                  "time_zone": None}
    assert [t for _, t in provider_sandbox.notion_texts(saved.id)] == [
        "Booking details", *moved.bullets]
    # The two unchanged bullets were left as they were: one edited, one deleted.
    assert _writes(provider_sandbox) == {"pages.update": 1, "blocks.update": 1,
                                         "blocks.delete": 1}


# New York's clocks go back on 2026-11-01 (02:00 EDT is 01:00 EST): 01:30 comes twice.
FALL_BACK_FIRST = span("2026-11-01T05:30:00+00:00", "2026-11-01T06:00:00+00:00")  # to 01:00
FALL_BACK_SECOND = span("2026-11-01T06:30:00+00:00", "2026-11-01T07:00:00+00:00")  # EST


def test_a_booking_at_the_second_0130_of_the_fall_back_is_dated_as_itself_and_written_once(
        provider_sandbox: ProviderSandbox) -> None:
    second = replace(INTRO, time_zone="America/New_York", when=FALL_BACK_SECOND)

    first = _notes(provider_sandbox).save_notes(second)
    again = _notes(provider_sandbox).save_notes(second)

    [page] = provider_sandbox.notion_pages()
    assert page["properties"]["When"]["date"] == {"start": "2026-11-01T01:30:00.000-05:00",
                                                  "end": "2026-11-01T02:00:00.000-05:00",
                                                  "time_zone": None}
    assert again == first and _writes(provider_sandbox) == {"pages.create": 1}


def test_a_move_between_the_two_0130s_of_the_fall_back_rewrites_the_date(
        provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    saved = notes.save_notes(replace(INTRO, time_zone="America/New_York",
                                     when=FALL_BACK_FIRST))
    [page] = provider_sandbox.notion_pages()
    assert page["properties"]["When"]["date"] == {"start": "2026-11-01T01:30:00.000-04:00",
                                                  "end": "2026-11-01T01:00:00.000-05:00",
                                                  "time_zone": None}
    provider_sandbox.reset_api_calls("notion")

    notes.update_notes(saved.id, replace(INTRO, time_zone="America/New_York",
                                         when=FALL_BACK_SECOND))

    [page] = provider_sandbox.notion_pages()
    assert page["properties"]["When"]["date"]["start"] == "2026-11-01T01:30:00.000-05:00"
    assert _writes(provider_sandbox) == {"pages.update": 1}


def test_an_update_keeps_what_the_host_and_the_brief_wrote_below(
        provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    saved = notes.save_notes(INTRO)
    host = requests.patch(
        f"{provider_sandbox.base_url('notion')}/v1/blocks/{saved.id}/children", timeout=10,
        headers={"Authorization": f"Bearer {provider_sandbox.notion_connect()['access_token']}",
                 "Notion-Version": "2025-09-03"},
        json={"children": [{"paragraph": {"rich_text": [{"text": {"content": "Likes tea"}}]}}]})
    host.raise_for_status()

    notes.update_notes(saved.id, replace(INTRO, bullets=(*INTRO.bullets, "Earlier: 2 calls")))

    assert [t for _, t in provider_sandbox.notion_texts(saved.id)] == [
        "Booking details", *INTRO.bullets, "Earlier: 2 calls", "Likes tea"]


def test_a_bullet_the_host_added_after_pennys_list_stays_through_an_update(
        provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    saved = notes.save_notes(INTRO)
    provider_sandbox.notion_host_adds_bullet(saved.id, "Prefers mornings")

    notes.update_notes(saved.id, replace(INTRO, bullets=(*INTRO.bullets, "Brief: a founder")))
    notes.update_notes(saved.id, replace(INTRO, status="Cancelled", bullets=INTRO.bullets[:2]))

    assert [t for _, t in provider_sandbox.notion_texts(saved.id)] == [
        "Booking details", *INTRO.bullets[:2], "Prefers mornings"]


def test_a_bullet_the_host_added_between_pennys_stays_there_and_none_of_pennys_is_doubled(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a page whose host added a line of their own under the second of Penny's bullets
    notes = _notes(provider_sandbox)
    saved = notes.save_notes(INTRO)
    second = provider_sandbox.notion_blocks(saved.id)[2]["id"]
    provider_sandbox.notion_host_adds_bullet(saved.id, "Met at PyCon", after=second)

    # WHEN the booking's notes change (the brief arrives), then shrink (a cancel)
    notes.update_notes(saved.id, replace(INTRO, bullets=(*INTRO.bullets, "Brief: a founder")))
    notes.update_notes(saved.id, replace(INTRO, status="Cancelled", bullets=INTRO.bullets[:3]))

    # THEN the host's line stays where they put it, and each of Penny's lines is there once
    assert [t for _, t in provider_sandbox.notion_texts(saved.id)] == [
        "Booking details", *INTRO.bullets[:2], "Met at PyCon", INTRO.bullets[2]]


def test_lines_penny_added_after_the_host_connected_notion_again_are_never_doubled(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN a page Penny wrote, then a new authorization (the host removed Penny's
    # connection in Notion and connected again): Notion's new bot_id authors what Penny
    # writes from then on, so the heading's author is no longer Penny's bot
    saved = _notes(provider_sandbox).save_notes(INTRO)
    again = _notes(provider_sandbox)
    longer = replace(INTRO, bullets=(*INTRO.bullets, "Brief: a founder"))
    again.update_notes(saved.id, longer)
    provider_sandbox.reset_api_calls("notion")

    # WHEN the same notes are written again (a replay), then with one more line
    again.update_notes(saved.id, longer)
    replayed = _writes(provider_sandbox)
    again.update_notes(saved.id, replace(longer, bullets=(*longer.bullets, "Earlier: 2")))

    # THEN each of Penny's lines is there once, and the replay wrote nothing
    assert replayed == {}
    assert [t for _, t in provider_sandbox.notion_texts(saved.id)] == [
        "Booking details", *longer.bullets, "Earlier: 2"]


def test_a_second_data_source_does_not_move_the_notes(provider_sandbox: ProviderSandbox) -> None:
    first_source = provider_sandbox.notion_data_sources()[0]["id"]
    provider_sandbox.notion_add_data_source("Archive")

    saved = _notes(provider_sandbox).save_notes(INTRO)
    again = _notes(provider_sandbox).save_notes(INTRO)

    assert again == saved
    assert [p["id"] for p in provider_sandbox.notion_pages(first_source)] == [saved.id]


def test_a_data_source_named_in_settings_takes_the_notes(
        provider_sandbox: ProviderSandbox) -> None:
    archive = provider_sandbox.notion_add_data_source("Archive")

    by_name = _notes(provider_sandbox, data_source="Archive").save_notes(INTRO)
    by_id = _notes(provider_sandbox, data_source=archive).save_notes(INTRO)

    assert by_id == by_name
    assert [p["id"] for p in provider_sandbox.notion_pages(archive)] == [by_name.id]


def test_a_data_source_without_pennys_properties_gets_them(
        provider_sandbox: ProviderSandbox) -> None:
    plain = provider_sandbox.notion_add_data_source("Clients", properties={"Client": "title"})

    saved = _notes(provider_sandbox, data_source="Clients").save_notes(INTRO)

    [page] = provider_sandbox.notion_pages(plain)
    assert page["id"] == saved.id
    assert page["properties"]["Client"]["title"][0]["plain_text"] == INTRO.title
    assert page["properties"]["Booking"]["rich_text"][0]["plain_text"] == INTRO.key


def test_a_booking_property_the_host_made_another_type_breaks_the_connection_saying_why(
        provider_sandbox: ProviderSandbox) -> None:
    # The host changed Booking to a select in Notion: no booking's page can be found
    # again by it, so none can be written; the host must be told, not one page refused.
    source = provider_sandbox.notion_add_data_source(
        "Clients", properties={"Client": "title", "Booking": "select"})

    with pytest.raises(ConnectionBrokenError, match="Booking is a select") as on_save:
        _notes(provider_sandbox, data_source=source).save_notes(INTRO)

    assert on_save.value.provider == "notion"
    assert provider_sandbox.notion_pages(source) == []


def test_a_data_source_that_is_not_there_breaks_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(ConnectionBrokenError, match="no data source Gone"):
        _notes(provider_sandbox, data_source="Gone").save_notes(INTRO)


def test_an_unshared_database_breaks_the_connection(provider_sandbox: ProviderSandbox) -> None:
    saved = _notes(provider_sandbox).save_notes(INTRO)
    provider_sandbox.notion_share(False)

    with pytest.raises(ConnectionBrokenError, match="not shared") as on_save:
        _notes(provider_sandbox).save_notes(INTRO)
    with pytest.raises(ConnectionBrokenError, match="not shared"):
        _notes(provider_sandbox).update_notes(saved.id, INTRO)
    assert on_save.value.provider == "notion"


def test_a_database_the_host_put_in_the_trash_breaks_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    # GIVEN notes saved in the database, which the host then deletes in Notion (its trash)
    source = provider_sandbox.notion_data_sources()[0]["id"]
    saved = _notes(provider_sandbox, data_source=source).save_notes(INTRO)
    provider_sandbox.notion_trash_database()

    # WHEN a new booking's notes are saved, or the saved ones updated
    with pytest.raises(ConnectionBrokenError, match="trash") as on_save:
        _notes(provider_sandbox, data_source=source).save_notes(replace(INTRO, key="other"))
    with pytest.raises(ConnectionBrokenError, match="trash"):
        _notes(provider_sandbox, data_source=source).update_notes(
            saved.id, replace(INTRO, status="Cancelled"))

    # THEN the connection is broken (the host is shown it), not one page refused
    assert on_save.value.provider == "notion"
    assert [p["id"] for p in provider_sandbox.notion_pages()] == [saved.id]


def test_updating_a_page_that_is_gone_is_rejected(provider_sandbox: ProviderSandbox) -> None:
    with pytest.raises(ProviderRejectedError, match="is gone"):
        _notes(provider_sandbox).update_notes("0b6f1c1e-2f57-4a4e-9c3e-5d0e8a1b2c3d", INTRO)


def test_a_page_gone_after_the_query_found_it_is_made_anew_once(
        provider_sandbox: ProviderSandbox) -> None:
    first = _notes(provider_sandbox).save_notes(INTRO)
    # The host deletes it for good; Notion's query lists it a while yet.
    provider_sandbox.notion_page_gone(first.id)

    again = _notes(provider_sandbox).save_notes(replace(INTRO, status="Rescheduled"))

    assert again.id != first.id
    [page] = provider_sandbox.notion_pages()
    assert page["id"] == again.id
    assert page["properties"]["Status"]["select"]["name"] == "Rescheduled"
    assert provider_sandbox.notion_texts(again.id)[1:] == [
        ("bulleted_list_item", b) for b in INTRO.bullets]
    assert provider_sandbox.api_calls("notion", "pages.create") == 2


def test_a_second_page_gone_in_one_save_is_refused_not_chased(
        provider_sandbox: ProviderSandbox) -> None:
    first = _notes(provider_sandbox).save_notes(INTRO)
    provider_sandbox.notion_page_gone(first.id)
    second = _notes(provider_sandbox).save_notes(INTRO)
    provider_sandbox.notion_page_gone(second.id)  # the query lists both, both 404
    provider_sandbox.reset_api_calls("notion")

    with pytest.raises(NotesPageGoneError, match=second.id):
        _notes(provider_sandbox).save_notes(INTRO)

    # One more try after the first 404, and no page made: bounded.
    assert provider_sandbox.api_calls("notion", "data_sources.query") == 2
    assert provider_sandbox.api_calls("notion", "pages.create") == 0


def test_updating_a_page_gone_for_good_says_so_and_saving_makes_it_anew(
        provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    first = notes.save_notes(INTRO)
    provider_sandbox.notion_page_gone(first.id)

    with pytest.raises(NotesPageGoneError):
        notes.update_notes(first.id, INTRO)
    # The notes job then saves anew, under its lease: the gone page, still listed, is
    # skipped without another 404.
    again = notes.save_notes(INTRO)

    assert again.id != first.id
    assert [p["id"] for p in provider_sandbox.notion_pages()] == [again.id]


def test_a_block_gone_while_its_page_stays_is_left_to_a_retry(
        provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    saved = notes.save_notes(INTRO)
    provider_sandbox.fail_next_api_calls("notion", 404, endpoint="blocks.update")

    with pytest.raises(ProviderUnavailableError, match="block"):
        notes.update_notes(saved.id, replace(INTRO, bullets=("Name: Ada",
                                                             *INTRO.bullets[1:])))

    assert [p["id"] for p in provider_sandbox.notion_pages()] == [saved.id]
    assert provider_sandbox.api_calls("notion", "pages.create") == 1


def test_updating_a_page_the_host_trashed_is_rejected(provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    saved = notes.save_notes(INTRO)
    provider_sandbox.notion_trash(saved.id)

    with pytest.raises(ProviderRejectedError, match="trash"):
        notes.update_notes(saved.id, INTRO)


def test_a_refused_token_is_refreshed_once_and_the_call_retried(
        provider_sandbox: ProviderSandbox) -> None:
    tokens = HostTokens(provider_sandbox)
    tokens.access = "ntn_not-a-token"  # revoked early at Notion, or never valid

    saved = _notes(provider_sandbox, tokens).save_notes(INTRO)

    assert tokens.refreshes == 1
    assert [p["id"] for p in provider_sandbox.notion_pages()] == [saved.id]


def test_a_token_refused_again_after_a_refresh_breaks_the_connection(
        provider_sandbox: ProviderSandbox) -> None:
    asked: list[bool] = []

    def refused(force: bool) -> str:
        asked.append(force)
        return "ntn_not-a-token"

    with pytest.raises(ConnectionBrokenError, match="reconnect Notion") as broken:
        _notes(provider_sandbox, refused).save_notes(INTRO)
    assert broken.value.provider == "notion" and asked == [False, True]


def test_a_revoked_connection_breaks_without_a_retry_storm(
        provider_sandbox: ProviderSandbox) -> None:
    tokens = HostTokens(provider_sandbox)
    provider_sandbox.revoke("notion")

    with pytest.raises(ConnectionBrokenError):
        _notes(provider_sandbox, tokens).save_notes(INTRO)
    assert provider_sandbox.api_call_counts("notion") == {"databases.retrieve (refused)": 1}


@pytest.mark.parametrize("status", [429, 500, 502, 503, 409])
def test_throttling_a_conflict_or_a_server_error_is_unavailable(
        provider_sandbox: ProviderSandbox, status: int) -> None:
    provider_sandbox.fail_next_api_calls("notion", status=status, times=3, retry_after=0)

    with pytest.raises(ProviderUnavailableError, match=f"{status}") as unavailable:
        _notes(provider_sandbox).save_notes(INTRO)
    assert unavailable.value.provider == "notion" and provider_sandbox.notion_pages() == []


def test_a_server_error_on_a_post_is_left_to_the_jobs_retry(
        provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    notes.save_notes(replace(INTRO, key="bk_other"))  # the data source is read once
    provider_sandbox.fail_next_api_calls("notion", status=500, retry_after=0)
    provider_sandbox.reset_api_calls("notion")

    with pytest.raises(ProviderUnavailableError, match="Retry-After: 0 s"):
        notes.save_notes(INTRO)  # notion-client repeats a GET or DELETE, never a POST
    again = notes.save_notes(INTRO)  # the job's retry

    assert provider_sandbox.api_calls("notion", "data_sources.query") == 2
    assert [p["id"] for p in provider_sandbox.notion_pages()][-1] == again.id
    assert len(provider_sandbox.notion_pages()) == 2


def test_a_rate_limit_notion_client_rides_out_is_no_error(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.fail_next_api_calls("notion", status=429, times=2, retry_after=0)

    saved = _notes(provider_sandbox).save_notes(INTRO)

    assert [p["id"] for p in provider_sandbox.notion_pages()] == [saved.id]


def test_a_slow_notion_is_unavailable(provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.set_api_delay("notion", 1.0)

    with pytest.raises(ProviderUnavailableError, match="did not answer"):
        _notes(provider_sandbox, timeout=0.2).save_notes(INTRO)


def test_a_withdrawn_capability_breaks_and_a_refused_request_is_rejected(
        provider_sandbox: ProviderSandbox) -> None:
    provider_sandbox.fail_next_api_calls("notion", status=403, retry_after=None)
    with pytest.raises(ConnectionBrokenError, match="403"):
        _notes(provider_sandbox).save_notes(INTRO)

    provider_sandbox.fail_next_api_calls("notion", status=400, retry_after=None)
    with pytest.raises(ProviderRejectedError, match="validation_error"):
        _notes(provider_sandbox).save_notes(INTRO)


def test_the_databases_shared_with_penny_are_listed_with_their_data_sources(
        provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    database = provider_sandbox.notion_database_id()
    provider_sandbox.notion_add_data_source("Leads")

    listed = notes.databases()

    assert [(d.database_id, d.title) for d in listed] == [(database, "Client notes"),
                                                          (database, "Leads")]
    assert {d.data_source_id for d in listed} == {
        s["id"] for s in provider_sandbox.notion_data_sources()}
    assert provider_sandbox.api_call_counts("notion") == {"search": 1}


def test_an_unshared_database_is_not_listed(provider_sandbox: ProviderSandbox) -> None:
    notes = _notes(provider_sandbox)
    provider_sandbox.notion_share(False)

    assert notes.databases() == []


def test_a_search_for_databases_the_old_way_is_refused_as_notion_does(
        provider_sandbox: ProviderSandbox) -> None:
    token = HostTokens(provider_sandbox)(False)

    answer = requests.post(f"{provider_sandbox.base_url('notion')}/v1/search", timeout=10,
                           headers={"Authorization": f"Bearer {token}",
                                    "Notion-Version": "2025-09-03"},
                           json={"filter": {"property": "object", "value": "database"}})

    assert answer.status_code == 400
    assert answer.json()["code"] == "validation_error"
