"""Zoom meetings in the sandbox over requests: create, read, reschedule, cancel, and Zoom's
own error codes (124, 3001, 4711, 429)."""

from __future__ import annotations

from typing import Any

import requests

from sandbox import ProviderSandbox
from sandbox.testing import access_token

READ = "meeting:read:meeting"
APP = ("meeting:write:meeting", "meeting:update:meeting", "meeting:delete:meeting",
       "user:read:user")


class Zoom:
    def __init__(self, sandbox: ProviderSandbox, scopes: tuple[str, ...] = ()) -> None:
        self.base = f"{sandbox.base_url('zoom')}/v2"
        token = access_token(sandbox, "zoom", scopes)
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, json: Any = None) -> requests.Response:
        return requests.request(method, f"{self.base}/{path}", json=json, headers=self.headers,
                                timeout=10)


MEETING = {"topic": "Intro call", "type": 2, "start_time": "2026-05-04T11:00:00",
           "timezone": "Europe/Berlin", "duration": 30, "agenda": "Manage: https://penny.test/m",
           "settings": {"join_before_host": True}}


def test_create_answers_201_with_join_url_password_and_utc_start(
        provider_sandbox: ProviderSandbox) -> None:
    made = Zoom(provider_sandbox).call("POST", "users/me/meetings", MEETING)

    assert made.status_code == 201
    body = made.json()
    assert isinstance(body["id"], int) and body["join_url"].startswith("https://")
    assert str(body["id"]) in body["join_url"] and body["password"]
    assert body["start_time"] == "2026-05-04T09:00:00Z" and body["timezone"] == "Europe/Berlin"
    assert body["settings"]["join_before_host"] is True
    assert [m["id"] for m in provider_sandbox.meetings()] == [body["id"]]


def test_patch_reschedules_with_204_and_get_shows_it(provider_sandbox: ProviderSandbox) -> None:
    zoom = Zoom(provider_sandbox, (*APP, READ))
    made = zoom.call("POST", "users/me/meetings", MEETING).json()

    patched = zoom.call("PATCH", f"meetings/{made['id']}",
                        {"start_time": "2026-05-05T10:00:00Z", "duration": 45})
    read = zoom.call("GET", f"meetings/{made['id']}").json()

    assert patched.status_code == 204 and patched.content == b""
    assert read["start_time"] == "2026-05-05T10:00:00Z" and read["duration"] == 45
    assert read["join_url"] == made["join_url"]


def test_delete_answers_204_then_the_meeting_is_unknown(provider_sandbox: ProviderSandbox) -> None:
    zoom = Zoom(provider_sandbox)
    made = zoom.call("POST", "users/me/meetings", MEETING).json()

    deleted = zoom.call("DELETE", f"meetings/{made['id']}")
    again = zoom.call("DELETE", f"meetings/{made['id']}")

    assert deleted.status_code == 204
    assert again.status_code == 404 and again.json()["code"] == 3001
    assert provider_sandbox.meetings() == []


def test_an_invalid_token_answers_401_code_124(provider_sandbox: ProviderSandbox) -> None:
    answer = requests.post(f"{provider_sandbox.base_url('zoom')}/v2/users/me/meetings",
                           json=MEETING, headers={"Authorization": "Bearer nope"}, timeout=10)

    assert answer.status_code == 401 and answer.json()["code"] == 124


def test_a_missing_scope_answers_400_code_4711(provider_sandbox: ProviderSandbox) -> None:
    made = Zoom(provider_sandbox).call("POST", "users/me/meetings", MEETING).json()
    zoom = Zoom(provider_sandbox, ("meeting:write:meeting",))  # a token without read

    read = zoom.call("GET", f"meetings/{made['id']}")

    assert read.status_code == 400
    assert read.json() == {"code": 4711, "message": "Invalid access token, does not contain "
                                                    "scopes:[meeting:read:meeting]."}


def test_an_invalid_body_answers_validation_failed(provider_sandbox: ProviderSandbox) -> None:
    answer = Zoom(provider_sandbox).call("POST", "users/me/meetings",
                                         {**MEETING, "agenda": "x" * 2001})

    assert answer.status_code == 400 and answer.json()["code"] == 300


def test_a_queued_429_carries_retry_after(provider_sandbox: ProviderSandbox) -> None:
    zoom = Zoom(provider_sandbox)
    provider_sandbox.fail_next_api_calls("zoom", status=429, retry_after=2)

    limited = zoom.call("POST", "users/me/meetings", MEETING)
    then = zoom.call("POST", "users/me/meetings", MEETING)

    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert then.status_code == 201
    assert provider_sandbox.api_calls("zoom", "meetings.create") == 2


def test_the_sandbox_page_lists_meetings(provider_sandbox: ProviderSandbox) -> None:
    made = Zoom(provider_sandbox).call("POST", "users/me/meetings", MEETING).json()

    page = requests.get(f"{provider_sandbox.base_url('zoom')}/_sandbox", timeout=10).text

    assert made["join_url"].replace("&", "&amp;") in page and "Intro call" in page
