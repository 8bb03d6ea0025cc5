"""Two editors of one event type, of the profile or of the schedule (two tabs, a tab and
a script): a save that sends the version it read is made only if nothing was saved since, else
409 with the object as it now stands; a save without one is the last writer's, as
before. Each event type keeps its own version, and the profile its own, so saving one
never refuses an editor of another (store/host_settings.py, store/host_profiles.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.dynamodb_requests import recorded
from tests.functional.hosts import make_host
from tests.functional.lagging_reads import reads_left_behind


def _event_type(api: Api, token: str, slug: str) -> dict[str, Any]:
    listed = api.get("/me/event-types", token=token).json["event_types"]
    return dict(next(et for et in listed if et["slug"] == slug))


def _body(read: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """What an editor sends back: what it read (its version too), with its changes."""
    body = {k: v for k, v in read.items() if k != "id"}
    if "location" in body and body["location"]["details"] is None:
        body["location"] = {"kind": body["location"]["kind"]}
    return {**body, **changes}


# ---- event types -------------------------------------------------------------------------

def test_a_new_event_type_is_read_with_version_1_in_the_list_and_alone(api: Api) -> None:
    token = make_host(api, "alice")

    listed = _event_type(api, token, "intro")

    assert listed["version"] == 1
    assert api.get(f"/me/event-types/{listed['id']}", token=token).json == listed


def test_a_save_with_the_version_read_is_made_and_answers_the_next_version(api: Api) -> None:
    token = make_host(api, "alice")
    read = _event_type(api, token, "intro")

    with recorded() as requests:
        r = api.put(f"/me/event-types/{read['id']}", _body(read, duration_minutes=45),
                    token=token)
        writes = requests.take().get("TransactWriteItems")

    assert r.status == 200, r.json
    assert (r.json["duration_minutes"], r.json["version"]) == (45, 2)
    assert api.get(f"/me/event-types/{read['id']}", token=token).json == r.json
    assert writes == 1  # the version is checked and counted in the save itself


def test_a_save_with_an_older_version_is_refused_with_the_current_one_and_writes_nothing(
        api: Api) -> None:
    token = make_host(api, "alice")
    first_tab = _event_type(api, token, "intro")
    second_tab = dict(first_tab)
    saved = api.put(f"/me/event-types/{first_tab['id']}",
                    _body(first_tab, title="Intro call", duration_minutes=45), token=token)
    assert saved.status == 200, saved.json

    with recorded() as requests:
        refused = api.put(f"/me/event-types/{second_tab['id']}",
                          _body(second_tab, duration_minutes=60, hidden=True), token=token)
        writes = requests.take().get("TransactWriteItems")

    assert refused.status == 409, refused.json
    assert refused.code == "event_type_changed"
    assert "changed elsewhere" in refused.json["error"]["message"]
    assert refused.json["current"] == saved.json
    assert writes is None
    assert api.get(f"/me/event-types/{first_tab['id']}", token=token).json == saved.json


def test_a_version_the_stored_one_never_had_is_refused(api: Api) -> None:
    token = make_host(api, "alice")
    read = _event_type(api, token, "intro")

    r = api.put(f"/me/event-types/{read['id']}", _body(read, version=7), token=token)

    assert (r.status, r.code) == (409, "event_type_changed")
    assert r.json["current"] == read


def test_a_save_without_a_version_is_the_last_writers_as_before(api: Api) -> None:
    token = make_host(api, "alice")
    read = _event_type(api, token, "intro")
    assert api.put(f"/me/event-types/{read['id']}", _body(read, title="Elsewhere"),
                   token=token).status == 200

    r = api.put(f"/me/event-types/{read['id']}",
                f.event_type("intro", title="Script's", duration_minutes=20), token=token)

    assert r.status == 200, r.json
    assert (r.json["title"], r.json["duration_minutes"], r.json["version"]) == (
        "Script's", 20, 3)


def test_saving_one_event_type_does_not_refuse_an_editor_of_another(api: Api) -> None:
    token = make_host(api, "alice")
    assert api.post("/me/event-types", f.event_type("consult"), token=token).status == 201
    editing_intro = _event_type(api, token, "intro")
    editing_consult = _event_type(api, token, "consult")

    assert api.put(f"/me/event-types/{editing_consult['id']}",
                   _body(editing_consult, title="Consultation"), token=token).status == 200
    r = api.put(f"/me/event-types/{editing_intro['id']}",
                _body(editing_intro, title="Introduction"), token=token)

    assert r.status == 200, r.json
    assert (r.json["title"], r.json["version"]) == ("Introduction", 2)


def test_a_profile_or_schedule_save_does_not_refuse_an_event_type_editor(api: Api) -> None:
    token = make_host(api, "alice")
    read = _event_type(api, token, "intro")

    assert api.put("/me/profile", f.profile("alice-2", display_name="Alice"),
                   token=token).status == 200
    assert api.put("/me/schedule", f.weekdays(("10:00", "16:00")), token=token).status == 200
    r = api.put(f"/me/event-types/{read['id']}", _body(read, title="Hello"), token=token)

    assert r.status == 200, r.json
    assert r.json["version"] == read["version"] + 1
    assert api.get("/hosts/alice-2/intro").json["title"] == "Hello"


def test_a_rename_with_its_version_moves_the_slug(api: Api) -> None:
    token = make_host(api, "alice")
    read = _event_type(api, token, "intro")

    r = api.put(f"/me/event-types/{read['id']}", _body(read, slug="hello"), token=token)

    assert r.status == 200, r.json
    assert (r.json["slug"], r.json["version"]) == ("hello", 2)
    assert api.get("/hosts/alice/hello").status == 200
    assert api.post("/me/event-types", f.event_type("intro"), token=token).status == 201


def test_a_stale_rename_is_refused_and_leaves_both_slugs_as_they_were(api: Api) -> None:
    token = make_host(api, "alice")
    first_tab = _event_type(api, token, "intro")
    second_tab = dict(first_tab)
    renamed = api.put(f"/me/event-types/{first_tab['id']}", _body(first_tab, slug="hello"),
                      token=token)
    assert renamed.status == 200, renamed.json

    refused = api.put(f"/me/event-types/{second_tab['id']}", _body(second_tab, slug="bonjour"),
                      token=token)

    assert (refused.status, refused.code) == (409, "event_type_changed")
    assert refused.json["current"]["slug"] == "hello"
    assert api.get("/hosts/alice/hello").status == 200
    # Neither "bonjour" nor "intro" is held: both can be taken.
    for free in ("bonjour", "intro"):
        assert api.post("/me/event-types", f.event_type(free), token=token).status == 201


def test_a_new_event_type_takes_no_version(api: Api) -> None:
    token = make_host(api, "alice")

    r = api.post("/me/event-types", f.event_type("consult", version=1), token=token)

    assert (r.status, r.json["error"]["field"]) == (400, "version"), r.json


def test_a_delete_with_the_version_read_deletes_it_and_frees_its_slug(api: Api) -> None:
    token = make_host(api, "alice")
    read = _event_type(api, token, "intro")

    r = api.delete(f"/me/event-types/{read['id']}?version={read['version']}", token=token)

    assert r.status == 204, r.json
    assert api.get(f"/me/event-types/{read['id']}", token=token).status == 404
    assert api.post("/me/event-types", f.event_type("intro"), token=token).status == 201


def test_a_delete_with_an_older_version_is_refused_with_the_current_one_and_deletes_nothing(
        api: Api) -> None:
    token = make_host(api, "alice")
    first_tab = _event_type(api, token, "intro")
    saved = api.put(f"/me/event-types/{first_tab['id']}",
                    _body(first_tab, title="Intro call", slug="hello"), token=token)
    assert saved.status == 200, saved.json

    with recorded() as requests:
        refused = api.delete(f"/me/event-types/{first_tab['id']}?version={first_tab['version']}",
                             token=token)
        writes = requests.take().get("TransactWriteItems")

    assert (refused.status, refused.code) == (409, "event_type_changed"), refused.json
    assert "not deleted" in refused.json["error"]["message"]
    assert refused.json["current"] == saved.json
    assert writes is None  # refused on the read it already makes
    assert api.get(f"/me/event-types/{first_tab['id']}", token=token).json == saved.json
    assert api.get("/hosts/alice/hello").status == 200


def test_a_delete_refused_by_its_write_condition_answers_409_not_404(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # The list read lags a save made elsewhere: the stale version passes the read's check,
    # and the delete's own condition refuses it.
    token = make_host(api, "alice")
    host_id = api.get("/me/profile", token=token).json["id"]
    read = _event_type(api, token, "intro")
    lag = reads_left_behind(monkeypatch, host_id)
    saved = api.put(f"/me/event-types/{read['id']}", _body(read, title="Intro call"),
                    token=token)
    assert saved.status == 200, saved.json
    lag()

    refused = api.delete(f"/me/event-types/{read['id']}?version={read['version']}",
                         token=token)

    assert (refused.status, refused.code) == (409, "event_type_changed"), refused.json
    assert refused.json["current"]["version"] == saved.json["version"]
    assert api.get(f"/me/event-types/{read['id']}", token=token).json == saved.json


def test_a_delete_without_a_version_is_the_last_writers_as_before(api: Api) -> None:
    token = make_host(api, "alice")
    read = _event_type(api, token, "intro")
    assert api.put(f"/me/event-types/{read['id']}", _body(read, title="Intro call"),
                   token=token).status == 200

    r = api.delete(f"/me/event-types/{read['id']}", token=token)

    assert r.status == 204, r.json
    assert api.get(f"/me/event-types/{read['id']}", token=token).status == 404


@pytest.mark.parametrize("version", ["-1", "x", "1.5", "", str(2**53)])
def test_a_delete_with_a_version_that_is_not_one_is_refused_as_input(
        api: Api, version: str) -> None:
    token = make_host(api, "alice")
    read = _event_type(api, token, "intro")

    r = api.delete(f"/me/event-types/{read['id']}?version={version}", token=token)

    assert (r.status, r.code) == (400, "validation_error"), r.json
    assert api.get(f"/me/event-types/{read['id']}", token=token).status == 200


# A read lagging the host's own save just before must not hand back the version that save
# replaced: the next save would be refused as changed elsewhere, though nothing else saved.
# The dashboard saves, reads the list again and Hides or Edits from it at once.

def test_hide_right_after_a_save_is_made_though_eventually_consistent_reads_lag(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    token = make_host(api, "alice")
    host_id = api.get("/me/profile", token=token).json["id"]
    read = _event_type(api, token, "intro")
    lag = reads_left_behind(monkeypatch, host_id)
    saved = api.put(f"/me/event-types/{read['id']}", _body(read, title="Intro call"),
                    token=token)
    assert saved.json["version"] == 2, saved.json
    lag()

    # Hide from profile: the event type read again, then saved with one field changed
    current = api.get(f"/me/event-types/{read['id']}", token=token).json
    r = api.put(f"/me/event-types/{read['id']}", _body(current, hidden=True), token=token)

    assert r.status == 200, r.json
    assert current == saved.json
    assert (r.json["title"], r.json["hidden"], r.json["version"]) == ("Intro call", True, 3)


def test_an_edit_opened_from_the_list_read_after_a_save_is_made_though_reads_lag(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    token = make_host(api, "alice")
    host_id = api.get("/me/profile", token=token).json["id"]
    read = _event_type(api, token, "intro")
    lag = reads_left_behind(monkeypatch, host_id)
    assert api.put(f"/me/event-types/{read['id']}", _body(read, title="Intro call"),
                   token=token).status == 200
    lag()

    listed = _event_type(api, token, "intro")
    r = api.put(f"/me/event-types/{read['id']}", _body(listed, duration_minutes=45),
                token=token)

    assert r.status == 200, r.json
    assert listed["version"] == 2
    assert (r.json["title"], r.json["duration_minutes"]) == ("Intro call", 45)


# ---- profile -----------------------------------------------------------------------------

def _profile_body(read: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**{k: v for k, v in read.items() if k != "id"}, **changes}


def test_a_profile_save_with_the_version_read_is_made_and_answers_the_next(api: Api) -> None:
    token = make_host(api, "alice")
    read = api.get("/me/profile", token=token).json
    assert read["version"] == 0  # never saved since the sign-up

    r = api.put("/me/profile", _profile_body(read, display_name="Alice L."), token=token)

    assert r.status == 200, r.json
    assert (r.json["display_name"], r.json["version"]) == ("Alice L.", 1)
    assert api.get("/me/profile", token=token).json == r.json


def test_a_profile_save_with_an_older_version_is_refused_with_the_current_one(
        api: Api) -> None:
    token = make_host(api, "alice")
    first_tab = api.get("/me/profile", token=token).json
    second_tab = dict(first_tab)
    saved = api.put("/me/profile", _profile_body(first_tab, timezone="Europe/London"),
                    token=token)
    assert saved.status == 200, saved.json

    with recorded() as requests:
        refused = api.put("/me/profile", _profile_body(second_tab, display_name="Ally"),
                          token=token)
        writes = requests.take().get("TransactWriteItems")

    assert refused.status == 409, refused.json
    assert refused.code == "profile_changed"
    assert "changed elsewhere" in refused.json["error"]["message"]
    assert refused.json["current"] == saved.json
    assert writes is None
    assert api.get("/me/profile", token=token).json == saved.json


def test_a_profile_save_without_a_version_is_the_last_writers(api: Api) -> None:
    token = make_host(api, "alice")
    read = api.get("/me/profile", token=token).json
    assert api.put("/me/profile", _profile_body(read, display_name="Tab"),
                   token=token).status == 200

    r = api.put("/me/profile", f.profile("alice", display_name="Script"), token=token)

    assert r.status == 200, r.json
    assert (r.json["display_name"], r.json["version"]) == ("Script", 2)


def test_event_type_and_schedule_saves_do_not_refuse_a_profile_editor(api: Api) -> None:
    token = make_host(api, "alice")
    read = api.get("/me/profile", token=token).json

    assert api.post("/me/event-types", f.event_type("consult"), token=token).status == 201
    assert api.put("/me/schedule", f.weekdays(("10:00", "16:00")), token=token).status == 200
    r = api.put("/me/profile", _profile_body(read, slug="alice-2"), token=token)

    assert r.status == 200, r.json
    assert r.json["version"] == 1
    # The slug change re-keyed the event types as they were: their versions are kept.
    assert _event_type(api, token, "consult")["version"] == 1
    assert api.get("/hosts/alice-2/consult").status == 200


def test_a_timezone_save_right_after_a_profile_save_is_made_though_reads_lag(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    token = make_host(api, "alice")
    read = api.get("/me/profile", token=token).json
    lag = reads_left_behind(monkeypatch, read["id"])
    saved = api.put("/me/profile", _profile_body(read, display_name="Alice L."), token=token)
    assert saved.json["version"] == 1, saved.json
    lag()

    # Availability's timezone save: the profile read again, then saved with its zone
    current = api.get("/me/profile", token=token).json
    r = api.put("/me/profile", _profile_body(current, timezone="Asia/Tokyo"), token=token)

    assert r.status == 200, r.json
    assert current == saved.json
    assert (r.json["display_name"], r.json["timezone"], r.json["version"]) == (
        "Alice L.", "Asia/Tokyo", 2)


# ---- the schedule ------------------------------------------------------------------------

def test_a_schedule_save_with_an_older_version_is_refused_with_the_hours_as_they_are(
        api: Api) -> None:
    token = make_host(api, "alice")
    read = api.get("/me/schedule", token=token).json
    with recorded() as requests:
        saved = api.put("/me/schedule",
                        {**f.weekdays(("10:00", "16:00")), "version": read["version"]}, token=token)
        sent = requests.take()
    assert saved.status == 200, saved.json
    # The version is checked in the write itself: no read is added for it
    assert (sent.get("TransactWriteItems"), sent.get("GetItem")) == (1, None)
    assert saved.json["version"] == read["version"] + 1

    older = {**f.weekdays(("08:00", "12:00")), "version": read["version"]}
    refused = api.put("/me/schedule", older, token=token)

    assert (refused.status, refused.code) == (409, "schedule_changed")
    assert refused.json["current"] == saved.json
    assert api.get("/me/schedule", token=token).json == saved.json


def test_a_schedule_save_without_a_version_is_the_last_writers_as_before(api: Api) -> None:
    token = make_host(api, "alice")
    first = api.put("/me/schedule", f.weekdays(("10:00", "16:00")), token=token)

    second = api.put("/me/schedule", f.weekdays(("08:00", "12:00")), token=token)

    assert second.status == 200, second.json
    assert second.json["version"] == first.json["version"] + 1
    assert second.json["weekly"]["monday"] == [{"start": "08:00", "end": "12:00"}]


def test_a_schedule_save_without_a_version_adds_no_read_for_it(api: Api) -> None:
    token = make_host(api, "alice")
    api.put("/me/schedule", f.weekdays(("10:00", "16:00")), token=token)

    with recorded() as requests:
        r = api.put("/me/schedule", f.weekdays(("08:00", "12:00")), token=token)

    assert r.status == 200, r.json
    # the host's partition and the write, as before versions
    assert requests.take() == {"Query": 1, "TransactWriteItems": 1}


def test_hours_saved_again_right_after_a_save_are_made_though_reads_lag(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    token = make_host(api, "alice")
    host_id = api.get("/me/profile", token=token).json["id"]
    lag = reads_left_behind(monkeypatch, host_id)
    saved = api.put("/me/schedule", f.weekdays(("10:00", "16:00")), token=token).json
    lag()

    # The editor reads the hours again (its version for the next save), as a reload does
    read = api.get("/me/schedule", token=token).json
    again = api.put("/me/schedule", {**f.weekdays(("09:00", "17:00")),
                                     "version": read["version"]}, token=token)
    # ... and a script that sends no version writes over the save its read lags
    last = api.put("/me/schedule", f.weekdays(("08:00", "12:00")), token=token)

    assert read["version"] == saved["version"]
    assert again.status == 200, again.json
    assert (last.status, last.json["version"]) == (200, saved["version"] + 2), last.json


def test_a_slug_change_keeps_the_schedules_version(api: Api) -> None:
    token = make_host(api, "alice")
    saved = api.put("/me/schedule", f.weekdays(("10:00", "16:00")), token=token).json
    profile = api.get("/me/profile", token=token).json
    moved = {k: v for k, v in profile.items() if k != "id"}
    assert api.put("/me/profile", {**moved, "slug": "alice-moved"}, token=token).status == 200

    again = api.put("/me/schedule", {**f.weekdays(("09:00", "17:00")),
                                     "version": saved["version"]}, token=token)

    assert again.status == 200, again.json
