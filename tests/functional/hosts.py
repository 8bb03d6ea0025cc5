"""Setting up a host through the API itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib.provider_settings import Providers
from sandbox.server import ProviderSandbox
from tests.functional import factories as f
from tests.functional.conftest import Api, FixedClock, rebuild


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


def make_sandbox_host(api: Api, sandbox: ProviderSandbox, clock: FixedClock) -> str:
    """A host on a Penny with the provider sandbox's providers set up; its access token.
    Penny's clock is set to the wall clock's time: the sandbox's tokens and checkout
    sessions expire by the wall clock."""
    clock.current = datetime.now(UTC).replace(microsecond=0)
    entries = json.dumps(sandbox.penny_providers())
    rebuild(providers=Providers.from_json(entries, "the sandbox", deployed=False))
    return make_host(api)
