"""Setting up a host through the API itself."""

from __future__ import annotations

from typing import Any

from tests.functional import factories as f
from tests.functional.conftest import Api


def make_host(api: Api, slug: str = "alice", hours: tuple[str, str] = ("09:00", "17:00"),
              timezone: str = "America/New_York", **event: Any) -> str:
    r = api.post("/auth/signup", f.signup(slug, timezone=timezone))
    assert r.status == 201, r.json
    token = str(r.json["access_token"])
    r = api.put("/me/schedule", f.weekdays(hours), token=token)
    assert r.status == 200, r.json
    r = api.post("/me/event-types", f.event_type(**event), token=token)
    assert r.status == 201, r.json
    return token
