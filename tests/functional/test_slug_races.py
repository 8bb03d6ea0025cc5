"""A slug change racing another write of the same host's settings (two tabs, a retry):
the schedule and event types are indexed under the slug, so each write is conditioned on
the slug it read, and a slug change on the settings it re-keys (store/hosts.py)."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.domain.hosts import Profile
from chalicelib.store.hosts import HostRepository
from tests.functional import factories as f
from tests.functional.conftest import Api


def _slug_change_right_after_the_next_config_read(monkeypatch: pytest.MonkeyPatch,
                                                  host_id: str, new_slug: str) -> None:
    """The host's other tab renames the profile between this request's read and write."""
    real_config = HostRepository.config
    done = {"moved": False}

    def config(self: HostRepository, hid: str) -> Any:
        read = real_config(self, hid)
        if not done["moved"]:
            done["moved"] = True
            old = read.profile
            bootstrap.services().profiles.update_profile(
                hid, Profile(host_id=hid, slug=new_slug, display_name=old.display_name,
                             timezone=old.timezone))
        return read

    monkeypatch.setattr(HostRepository, "config", config)


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
