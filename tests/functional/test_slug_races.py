"""A slug change racing another write of the same host's settings (two tabs, a retry):
the schedule and event types are indexed under the slug, so each write is conditioned on
the slug it read, and a slug change on the settings it re-keys (store/host_settings.py,
store/host_profiles.py)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.domain.hosts import HostConfig, Profile
from chalicelib.store.hosts import HostRepository
from tests.functional import factories as f
from tests.functional.conftest import Api


def _right_after_the_next_config_read(monkeypatch: pytest.MonkeyPatch,
                                      other_tab: Callable[[HostConfig], None]) -> None:
    """The host's other tab changes something between this request's read and write."""
    real_config = HostRepository.config
    done = {"changed": False}

    def config(self: HostRepository, hid: str) -> Any:
        read = real_config(self, hid)
        if not done["changed"]:
            done["changed"] = True
            other_tab(read)
        return read

    monkeypatch.setattr(HostRepository, "config", config)


def _slug_change_right_after_the_next_config_read(monkeypatch: pytest.MonkeyPatch,
                                                  host_id: str, new_slug: str) -> None:
    """The host's other tab renames the profile between this request's read and write."""
    def rename(read: HostConfig) -> None:
        old = read.profile
        bootstrap.services().profiles.update_profile(
            host_id, Profile(host_id=host_id, slug=new_slug, display_name=old.display_name,
                             timezone=old.timezone))

    _right_after_the_next_config_read(monkeypatch, rename)


def _event_id(api: Api, token: str, slug: str) -> str:
    ets = api.get("/me/event-types", token=token).json["event_types"]
    return str(next(et["id"] for et in ets if et["slug"] == slug))


def test_event_type_created_while_the_slug_changes_shows_on_the_new_slug_not_another_hosts(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = api.post("/auth/signup", f.signup("alice")).json
    _slug_change_right_after_the_next_config_read(monkeypatch, alice["host_id"], "alice-2")

    created = api.post("/me/event-types", f.event_type("secret-coaching"),
                       token=alice["access_token"])
    assert created.status == 201, created.json
    monkeypatch.undo()

    # Another host takes the slug Alice gave up.
    assert api.post("/auth/signup", f.signup("alice", email="bob@example.com")).status == 201

    bobs_page = api.get("/hosts/alice").json
    alices_page = api.get("/hosts/alice-2").json
    assert bobs_page["display_name"] == "Alice"  # Bob chose that name too; the events:
    assert [e["slug"] for e in bobs_page["event_types"]] == []           # none of Alice's
    assert [e["slug"] for e in alices_page["event_types"]] == ["secret-coaching"]


def test_schedule_saved_while_the_slug_changes_is_served_at_the_new_slug(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = api.post("/auth/signup", f.signup("alice")).json
    token = alice["access_token"]
    assert api.post("/me/event-types", f.event_type("intro"), token=token).status == 201
    _slug_change_right_after_the_next_config_read(monkeypatch, alice["host_id"], "alice-2")

    saved = api.put("/me/schedule", f.weekdays(("09:00", "17:00")), token=token)
    assert saved.status == 200, saved.json
    monkeypatch.undo()

    assert api.get("/me/schedule", token=token).json["weekly"]["monday"]  # she sees hours
    slots = api.get("/hosts/alice-2/intro/slots?start=2026-11-30&end=2026-12-04"
                    "&timeZone=America/New_York")
    assert slots.status == 200, slots.json
    assert any(slots.json["slots"].values()), slots.json  # ...and visitors can book them


def test_two_slug_changes_at_once_leave_the_host_holding_one_slug(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = api.post("/auth/signup", f.signup("alice")).json
    token = alice["access_token"]
    _slug_change_right_after_the_next_config_read(monkeypatch, alice["host_id"], "alice-x")

    moved = api.put("/me/profile", f.profile("alice-y"), token=token)  # the other tab
    assert moved.status == 200, moved.json
    monkeypatch.undo()

    assert api.get("/me/profile", token=token).json["slug"] == "alice-y"
    # "alice-x" is no longer Alice's page, so another host may take it...
    taken = api.post("/auth/signup", f.signup("alice-x", email="bob@example.com"))
    assert taken.status == 201, taken.json  # its claim was released


def test_event_type_deleted_while_the_slug_changes_stays_deleted(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    token = api.post("/auth/signup", f.signup("alice")).json["access_token"]
    assert api.post("/me/event-types", f.event_type("intro"), token=token).status == 201
    et_id = _event_id(api, token, "intro")
    real_items = HostRepository._items
    done = {"deleted": False}

    def items(self: HostRepository, hid: str, consistent: bool = False) -> Any:
        read = real_items(self, hid, consistent)
        if consistent and not done["deleted"]:  # the slug change's read of the settings
            done["deleted"] = True
            bootstrap.services().profiles.delete_event_type(hid, et_id)  # the other tab
        return read

    monkeypatch.setattr(HostRepository, "_items", items)

    moved = api.put("/me/profile", f.profile("alice-2"), token=token)
    assert moved.status == 200, moved.json
    monkeypatch.undo()

    assert done["deleted"]
    assert api.get("/me/event-types", token=token).json["event_types"] == []
    assert api.get("/hosts/alice-2/intro").status == 404
    assert api.get("/hosts/alice-2").json["event_types"] == []


def test_event_type_deleted_in_two_tabs_at_once_is_not_found_the_second_time(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = api.post("/auth/signup", f.signup("alice")).json
    host_id, token = alice["host_id"], alice["access_token"]
    assert api.post("/me/event-types", f.event_type("intro"), token=token).status == 201
    et_id = _event_id(api, token, "intro")
    _right_after_the_next_config_read(
        monkeypatch, lambda read: bootstrap.services().profiles.delete_event_type(host_id, et_id))

    second = api.delete(f"/me/event-types/{et_id}", token=token)

    assert second.status == 404, second.json
    assert second.json["error"]["code"] == "not_found"


def test_event_type_renamed_while_it_is_deleted_frees_its_new_slug(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = api.post("/auth/signup", f.signup("alice")).json
    host_id, token = alice["host_id"], alice["access_token"]
    assert api.post("/me/event-types", f.event_type("intro"), token=token).status == 201
    et_id = _event_id(api, token, "intro")

    def rename(read: HostConfig) -> None:
        old = read.event_types[0]
        bootstrap.services().profiles.update_event_type(host_id, et_id,
                                                        replace(old, slug="welcome"))

    _right_after_the_next_config_read(monkeypatch, rename)

    deleted = api.delete(f"/me/event-types/{et_id}", token=token)
    assert deleted.status == 204, deleted.json
    monkeypatch.undo()

    assert api.get("/me/event-types", token=token).json["event_types"] == []
    again = api.post("/me/event-types", f.event_type("welcome"), token=token)
    assert again.status == 201, again.json  # its slug's claim went with it


def _rename_in_the_other_tab(monkeypatch: pytest.MonkeyPatch, host_id: str, et_id: str,
                             slug: str) -> None:
    def rename(read: HostConfig) -> None:
        old = next(et for et in read.event_types if et.id == et_id)
        bootstrap.services().profiles.update_event_type(host_id, et_id, replace(old, slug=slug))

    _right_after_the_next_config_read(monkeypatch, rename)


def test_two_renames_at_once_leave_only_the_slug_the_event_type_holds_claimed(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = api.post("/auth/signup", f.signup("alice")).json
    host_id, token = alice["host_id"], alice["access_token"]
    assert api.post("/me/event-types", f.event_type("intro"), token=token).status == 201
    et_id = _event_id(api, token, "intro")
    _rename_in_the_other_tab(monkeypatch, host_id, et_id, "first")

    renamed = api.put(f"/me/event-types/{et_id}", f.event_type("second"), token=token)
    monkeypatch.undo()

    assert renamed.status == 200, renamed.json
    assert api.get(f"/me/event-types/{et_id}", token=token).json["slug"] == "second"
    # Neither slug it held on the way is left claimed by it.
    for freed in ("first", "intro"):
        created = api.post("/me/event-types", f.event_type(freed), token=token)
        assert created.status == 201, (freed, created.json)
    taken = api.post("/me/event-types", f.event_type("second"), token=token)
    assert (taken.status, taken.json["error"]["code"]) == (409, "event_slug_taken")


def test_a_rename_on_a_read_that_lags_an_earlier_rename_keeps_the_slug_to_one_event_type(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = api.post("/auth/signup", f.signup("alice")).json
    host_id, token = alice["host_id"], alice["access_token"]
    assert api.post("/me/event-types", f.event_type("intro"), token=token).status == 201
    et_id = _event_id(api, token, "intro")
    before = bootstrap.services().profiles.config(host_id)
    assert api.put(f"/me/event-types/{et_id}", f.event_type("renamed"),
                   token=token).status == 200
    # The next Query (eventually consistent) still answers from before that rename.
    real_config = HostRepository.config
    lagged = {"once": False}

    def lagging(self: HostRepository, hid: str) -> Any:
        if not lagged["once"]:
            lagged["once"] = True
            return before
        return real_config(self, hid)

    monkeypatch.setattr(HostRepository, "config", lagging)

    back = api.put(f"/me/event-types/{et_id}", f.event_type("intro"), token=token)
    monkeypatch.undo()

    assert back.status == 200, back.json
    assert api.post("/me/event-types", f.event_type("renamed"), token=token).status == 201
    second = api.post("/me/event-types", f.event_type("intro", title="Other"), token=token)
    assert (second.status, second.json["error"]["code"]) == (409, "event_slug_taken")
    slugs = [et["slug"] for et in api.get("/me/event-types", token=token).json["event_types"]]
    assert sorted(slugs) == ["intro", "renamed"]


def test_an_event_type_renamed_elsewhere_on_every_attempt_is_refused_as_changed(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = api.post("/auth/signup", f.signup("alice")).json
    host_id, token = alice["host_id"], alice["access_token"]
    assert api.post("/me/event-types", f.event_type("intro"), token=token).status == 201
    et_id = _event_id(api, token, "intro")
    _rename_in_the_other_tab(monkeypatch, host_id, et_id, "tab-0")
    real_items = HostRepository._items
    renames = {"n": 0}

    def items(self: HostRepository, hid: str, consistent: bool = False) -> Any:
        read = real_items(self, hid, consistent)
        if consistent:  # the write's re-read: the other tab renames it right after
            renames["n"] += 1
            now = self._assemble(real_items(self, hid, True), hid)
            et = now.event_types[0]
            HostRepository.save_event_type(self, replace(et, slug=f"tab-{renames['n']}"),
                                           now.profile.slug, et)
        return read

    monkeypatch.setattr(HostRepository, "_items", items)

    refused = api.put(f"/me/event-types/{et_id}", f.event_type("mine"), token=token)
    monkeypatch.undo()

    assert refused.status == 409, refused.json
    assert refused.json["error"]["code"] == "event_type_changed"
    last = api.get(f"/me/event-types/{et_id}", token=token).json["slug"]
    assert last == f"tab-{renames['n']}"
    for free in ("intro", "mine", "tab-0"):
        assert api.post("/me/event-types", f.event_type(free), token=token).status == 201
