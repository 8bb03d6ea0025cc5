"""A webhook's verifier gets the body byte for byte, through every front door.

Signatures are computed over the exact bytes a provider sent: one byte changed (a
`\\r\\n` made `\\n`, a charset re-encoded, a trailing newline dropped) and a genuine
delivery is refused, or worse, a check on the wrong bytes is weakened. Each body here is
signed with Stripe's HMAC-SHA256 scheme and must verify after the trip.
"""

from __future__ import annotations

import json

import pytest
import requests
from chalice.config import Config
from chalice.test import Client

from local.api import ApiServer, function_url_event
from tests.functional.edge_app import Script, call, edge_app, fresh_script, post, signed

BODIES = {
    "json with crlf": b'{\r\n  "id": "evt_1",\r\n  "object": "event"\r\n}',
    "trailing newline": b'{"id": "evt_1"}\n',
    "utf-8 beyond ascii": '{"name": "Zoë Ångström — 東京 🎉"}'.encode(),
    "invalid utf-8": b'{"name": "\xff\xfe\xc3\x28"}\r\n',
    "latin-1, not utf-8": "café".encode("latin-1"),
    "nul and lone cr": b"a\x00b\rc\n\n",
    "empty": b"",
}
TEXT_BODIES = {k: v for k, v in BODIES.items() if k not in ("invalid utf-8", "latin-1, not utf-8")}


@pytest.fixture
def script(aws: None) -> Script:
    return fresh_script()


@pytest.mark.parametrize("raw", BODIES.values(), ids=BODIES.keys())
def test_a_base64_body_reaches_the_verifier_byte_for_byte(script: Script, raw: bytes) -> None:
    response = post("/webhooks/acme", raw, signed(raw))

    assert response["statusCode"] == 200, response["body"]
    assert script.verified == [raw]
    assert script.events[0].payload["body"] == raw


@pytest.mark.parametrize("raw", TEXT_BODIES.values(), ids=TEXT_BODIES.keys())
def test_a_text_body_reaches_the_verifier_as_its_utf8_bytes(script: Script, raw: bytes) -> None:
    response = post("/webhooks/acme", raw, signed(raw), encode=False)

    assert response["statusCode"] == 200, response["body"]
    assert script.verified == [raw]


@pytest.mark.parametrize("sent, signed_as", [
    (b'{"a": 1}\n', b'{"a": 1}\r\n'),         # line endings normalised on the way
    (b'{"a": 1}', b'{"a": 1}\n'),             # a trailing newline dropped
    ("café".encode(), "café".encode("latin-1")),  # a charset re-encoded
])
def test_one_changed_byte_fails_the_signature_and_runs_nothing(
        script: Script, sent: bytes, signed_as: bytes) -> None:
    response = post("/webhooks/acme", sent, signed(signed_as))

    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["code"] == "invalid_signature"
    assert script.events == []


def test_a_non_json_content_type_is_not_refused_before_the_verifier(script: Script) -> None:
    raw = b"\x89PNG\r\n\x1a\n"
    response = post("/webhooks/acme", raw, {**signed(raw), "content-type": "image/png"})

    assert response["statusCode"] == 200 and script.verified == [raw]


@pytest.mark.parametrize("raw", BODIES.values(), ids=BODIES.keys())
def test_the_local_servers_event_carries_the_same_bytes(script: Script, raw: bytes) -> None:
    # local/api.py builds the Function URL event the local stack serves; non-UTF-8 goes
    # as base64, as Lambda sends a binary body.
    event = function_url_event("POST", "/webhooks/acme?x=1", {"Content-Type":
                               "application/json", **signed(raw)}, raw)

    assert event["isBase64Encoded"] == (raw != b"" and not _is_utf8(raw))
    assert call(event)["statusCode"] == 200
    assert script.verified == [raw]


def test_a_body_posted_over_http_to_the_local_server_verifies(script: Script) -> None:
    server = ApiServer().serve(edge_app, Config.create(app_name="penny-edge-test"))
    try:
        raws = [BODIES["json with crlf"], BODIES["invalid utf-8"], BODIES["trailing newline"]]
        answers = [requests.post(f"{server.url}/webhooks/acme", data=raw, timeout=10,
                                 headers={"Content-Type": "application/json",
                                          **signed(raw, event_id=f"evt_{n}")})
                   for n, raw in enumerate(raws)]
    finally:
        server.shutdown()

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert script.verified == raws


def test_the_rest_stage_hands_the_verifier_the_same_bytes(script: Script) -> None:
    raw = BODIES["json with crlf"] + BODIES["utf-8 beyond ascii"] + b"\n"
    with Client(edge_app) as client:
        response = client.http.post("/webhooks/acme", body=raw,
                                    headers={"Content-Type": "application/json", **signed(raw)})

    assert response.status_code == 200
    assert script.verified == [raw]


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
