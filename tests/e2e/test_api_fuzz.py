"""Schemathesis against /openapi.json on the running local stack.

Bounded (a fixed number of examples per operation, a fixed seed): it must find no 5xx,
no status, content type or body that breaks the document, and no request that
violates the schema yet is accepted.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.conftest import LocalStack
from tests.e2e.hosts import new_host

pytestmark = pytest.mark.e2e
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,negative_data_rejection")
MAX_EXAMPLES = 15


def fuzz_host(stack: LocalStack) -> tuple[str, str]:
    """A host of the fuzzer's own, so its writes never touch the demo host."""
    return new_host(stack, "fuzz", {"slug": "intro", "title": "Intro", "duration_minutes": 30,
                                    "questions": [{"id": "topic", "label": "Topic",
                                                   "type": "text"}]},
                    {"slug": "spare", "title": "Spare", "duration_minutes": 45},
                    timezone="Europe/Berlin", hours=("08:00", "20:00"))


@dataclass(frozen=True)
class RealIds:
    """Ids that exist, so the generated requests get past each route's 404."""

    event_type_id: str  # "spare": the fuzzer may edit or delete it, and "intro" stays
    host_booking: str   # for /me/bookings/{uid}: the host may cancel it
    link_booking: str   # for /bookings/{uid}: the attendee may cancel it
    moved_booking: str  # for /bookings/{uid}/reschedule: never cancelled, so still movable
    tokens: tuple[str, ...]  # the secret-link tokens of the last two
    free_starts: tuple[str, ...] = ()  # slots left free: a move may land on one
    move_token: str = ""     # the moved booking's reschedule token


def real_ids(stack: LocalStack, slug: str, authorization: str) -> RealIds:
    auth = {"Authorization": authorization}
    r = requests.get(f"{stack.api_url}/me/event-types", headers=auth, timeout=30)
    assert r.status_code == 200, r.text
    spare = next(et["id"] for et in r.json()["event_types"] if et["slug"] == "spare")
    start = datetime.now(UTC).date() + timedelta(days=2)
    r = requests.get(f"{stack.api_url}/hosts/{slug}/intro/slots", timeout=30, params={
        "start": start.isoformat(), "end": (start + timedelta(days=7)).isoformat(),
        "timeZone": "UTC"})
    assert r.status_code == 200, r.text
    starts = [slot["start"] for day in r.json()["slots"].values() for slot in day]
    booked = []
    for when in starts[:3]:
        r = requests.post(f"{stack.api_url}/hosts/{slug}/intro/bookings", timeout=30, json={
            "start": when, "attendee": {"name": "Fuzz Booker", "email": "fuzz@example.com",
                                        "timezone": "Europe/Berlin"}})
        assert r.status_code == 201, r.text
        booked.append(r.json())
    tokens = tuple(value for booking in booked[1:] for name, value in
                   sorted(booking["links"].items()) if name.endswith("_token"))
    return RealIds(spare, *(booking["uid"] for booking in booked), tokens,
                   tuple(starts[3:8]), booked[2]["links"]["reschedule_token"])


# The sandbox's Microsoft account whose e-mail is unverified: nobody signs up with it, so
# linking it to the fuzz host collides with no other test's sign-in.
GRACE = "c4d5e6f7-0a1b-4c2d-8e3f-9a0b1c2d3e4f"


def connect_everything(stack: LocalStack, authorization: str) -> None:
    """The fuzz host's own connections (Zoom, Google) and a linked Microsoft sign-in,
    made through the sandbox's consent pages, so the routes that use, test, disconnect
    or unlink them get past "not connected"."""
    from sandbox.testing import consent

    browser = requests.Session()  # keeps the binding cookie, as the host's browser would
    browser.headers["Authorization"] = authorization

    def round_trip(path: str, body: dict[str, object] | None, account: str | None) -> None:
        r = browser.post(f"{stack.api_url}{path}", json=body, timeout=30)
        assert r.status_code == 200, r.text
        back = browser.get(consent(r.json()["authorize_url"], account=account),
                           allow_redirects=False, timeout=30)
        assert back.status_code == 303 and "error" not in back.headers["Location"], \
            back.headers.get("Location")

    round_trip("/me/connections/zoom", {"features": ["video"]}, None)
    round_trip("/me/connections/google", {"features": ["calendar"]}, None)
    round_trip("/me/identities/microsoft", None, GRACE)


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    """A stack of the fuzz run's own (over two thousand requests grow its table, which the
    embedded AWS copies before every transaction): the session's stack, shared by the
    browser tests, is left as it was."""
    running = LocalStack.start()
    yield running
    running.assert_stops_cleanly()


def fuzz_config(slug: str, ids: RealIds) -> str:
    """schemathesis.toml: the host and event fixed as before; real ids most of the time and
    the real secret-link tokens half the time, the rest generated (so a malformed uid or
    token is still tried, now against a booking that exists). A booking's address is a
    real one most of the time: generated ones fit the pattern but rarely one mail can be
    written to (email-validator's check), and no booking was made past it."""
    def values(*items: str) -> str:
        return "[" + ", ".join(json.dumps(item) for item in items) + "]"

    def drawn(name: str, probability: float) -> str:
        return f'{{dictionary = "{name}", probability = {probability}}}'

    return f"""
[parameters]
"path.host" = {json.dumps(slug)}
"path.event" = "intro"
"path.event_type_id" = {drawn("event_types", 0.9)}
"path.provider" = {drawn("providers", 0.9)}

[dictionaries.providers]
values = {values("zoom", "google", "microsoft", "notion")}

[dictionaries.event_types]
values = {values(ids.event_type_id)}

[dictionaries.host_bookings]
values = {values(ids.host_booking)}

[dictionaries.link_bookings]
values = {values(ids.link_booking)}

[dictionaries.moved_bookings]
values = {values(ids.moved_booking)}

[dictionaries.tokens]
values = {values(*ids.tokens)}

[dictionaries.free_starts]
values = {values(*ids.free_starts)}

[dictionaries.move_tokens]
values = {values(ids.move_token)}

[dictionaries.free_days]
values = {values(*sorted({start[:10] for start in ids.free_starts}))}

[dictionaries.addresses]
values = {values("bo@example.com", "José.Ñúñez@exämple.de")}

[[operations]]
include-path-regex = "^/hosts/[^/]+/[^/]+/bookings$"
[operations.parameters]
"body.attendee.email" = {drawn("addresses", 0.7)}
"body.start" = {drawn("free_starts", 0.7)}

[[operations]]
include-path-regex = "^/me/bookings/"
[operations.parameters]
"path.uid" = {drawn("host_bookings", 0.9)}

[[operations]]
include-path-regex = "^/bookings/[^/]+/reschedule$"
[operations.parameters]
"path.uid" = {drawn("moved_bookings", 0.9)}
"body.token" = {drawn("move_tokens", 0.7)}
"body.start" = {drawn("free_starts", 0.7)}

[[operations]]
include-path-regex = "^/bookings/[^/]+/slots$"
[operations.parameters]
"path.uid" = {drawn("moved_bookings", 0.9)}
"query.token" = {drawn("move_tokens", 0.7)}
"query.start" = {drawn("free_days", 0.7)}
"query.end" = {drawn("free_days", 0.7)}

[[operations]]
include-path-regex = "^/bookings/"
[operations.parameters]
"path.uid" = {drawn("link_bookings", 0.9)}
"query.token" = {drawn("tokens", 0.5)}
"body.token" = {drawn("tokens", 0.5)}
"""


def test_fuzzing_the_openapi_document_finds_no_server_error_or_schema_break(
        stack: LocalStack, tmp_path: Path) -> None:
    slug, authorization = fuzz_host(stack)
    config = tmp_path / "schemathesis.toml"
    # Real path values let the generated requests reach the slot and booking logic.
    config.write_text(fuzz_config(slug, real_ids(stack, slug, authorization)))
    connect_everything(stack, authorization)
    har = tmp_path / "fuzz.har"
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
         f"{stack.api_url}/openapi.json", "--checks", CHECKS,
         "--max-examples", str(MAX_EXAMPLES), "--seed", "20261124",
         "--generation-database", "none", "--header", f"Authorization: {authorization}",
         # Bounds a hang, not a speed: on a loaded 2-core machine one write can take
         # seconds, and schemathesis's default (10 s) would call that a network error.
         "--request-timeout", "120",
         "--report", "har", "--report-har-path", str(har), "--no-color"],
        capture_output=True, text=True, timeout=1800)
    summary = result.stdout[-6000:]
    assert result.returncode == 0, summary
    assert "passed" in summary or "No issues found" in summary, summary
    # And it went where it should: every route with an id was answered past its 404.
    assert stuck_at_not_found(stack, har) == []


def stuck_at_not_found(stack: LocalStack, har: Path) -> list[str]:
    """The operations with a path id whose fuzzed requests were all refused before the
    route found anything (not found, or a malformed request)."""
    paths = requests.get(f"{stack.api_url}/openapi.json", timeout=30).json()["paths"]
    verbs = {"get", "put", "post", "delete", "patch"}
    patterns = {(method.upper(), path): re.compile(re.sub(r"\{[^}]+\}", "[^/]+", path))
                for path, methods in paths.items() if "{" in path
                for method in methods if method in verbs}
    statuses: dict[tuple[str, str], set[int]] = {operation: set() for operation in patterns}
    for entry in json.loads(har.read_text())["log"]["entries"]:
        method, path = entry["request"]["method"], urlsplit(entry["request"]["url"]).path
        for (wanted, template), pattern in patterns.items():
            if wanted == method and pattern.fullmatch(path):
                statuses[(wanted, template)].add(entry["response"]["status"])
    return sorted(f"{method} {path} {sorted(seen)}"
                  for (method, path), seen in statuses.items() if seen <= {400, 404, 415})
