"""API Gateway's WebSocket event shapes (local/ws_events.py), without a server.

The gateway's end-to-end behaviour is pinned down in tests/e2e/test_ws_gateway.py; here
the pure shapes it sends are checked on literal inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from local.ws_events import (
    Api,
    connect_event,
    disconnect_event,
    message_event,
    proxy_response,
)

API = Api(stage="local", api_id="pennylocal", domain_name="127.0.0.1:8001", port=8001)


@dataclass
class Caller:
    id: str = "Lr8dhd7ZoAMCJ8A="
    connected_at: int = 1_795_000_000_000
    source_ip: str = "10.0.0.7"
    user_agent: str = "tests/1"


def test_connect_event_keeps_the_last_of_a_repeated_query_key_and_all_in_the_multi_view() -> None:
    event = connect_event(API, Caller(), [("Host", "x")], {"tag": ["a", "b"], "token": ["t"]})

    assert event["queryStringParameters"] == {"tag": "b", "token": "t"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "token": ["t"]}


def test_connect_event_without_a_query_string_has_no_query_keys() -> None:
    event = connect_event(API, Caller(), [("Host", "x")], {})

    assert "queryStringParameters" not in event
    assert "multiValueQueryStringParameters" not in event


def test_connect_event_keeps_repeated_headers_and_adds_the_forwarding_ones() -> None:
    headers = [("Sec-WebSocket-Protocol", "penny.v1"), ("Sec-WebSocket-Protocol", "tok")]

    event = connect_event(API, Caller(), headers, {})

    assert event["headers"]["Sec-WebSocket-Protocol"] == "tok"
    assert event["multiValueHeaders"]["Sec-WebSocket-Protocol"] == ["penny.v1", "tok"]
    assert event["headers"]["X-Forwarded-For"] == "10.0.0.7"
    assert event["headers"]["X-Forwarded-Port"] == "8001"
    assert event["multiValueHeaders"]["X-Forwarded-Proto"] == ["http"]
    context = event["requestContext"]
    assert (context["routeKey"], context["eventType"]) == ("$connect", "CONNECT")
    assert context["connectedAt"] == 1_795_000_000_000
    assert context["identity"] == {"sourceIp": "10.0.0.7", "userAgent": "tests/1"}
    assert (context["stage"], context["apiId"], context["domainName"]) == (
        "local", "pennylocal", "127.0.0.1:8001")


def test_message_event_carries_its_own_message_id_and_the_base64_flag() -> None:
    event = message_event(API, Caller(), "AAE=", is_base64=True)

    assert event["body"] == "AAE=" and event["isBase64Encoded"] is True
    context = event["requestContext"]
    assert (context["routeKey"], context["eventType"]) == ("$default", "MESSAGE")
    assert context["messageId"] and context["messageId"] != context["requestId"]


@pytest.mark.parametrize(("code", "reason"), [
    (1001, "Going away"),
    (1006, "Connection closed abnormally"),
    (4000, ""),
])
def test_disconnect_event_gives_api_gateways_reason_for_a_close_code(code: int,
                                                                     reason: str) -> None:
    event = disconnect_event(API, Caller(), code)

    context = event["requestContext"]
    assert (context["disconnectStatusCode"], context["disconnectReason"]) == (code, reason)
    assert event["headers"]["Host"] == "127.0.0.1:8001"
    assert event["multiValueHeaders"]["Host"] == ["127.0.0.1:8001"]


@pytest.mark.parametrize(("response", "expected"), [
    (None, (200, {}, "")),
    ("ok", (200, {}, "")),
    ({"statusCode": 401, "body": '{"message": "no"}'}, (401, {}, '{"message": "no"}')),
    ({"statusCode": "not a number"}, (502, {}, "")),
    ({"headers": {"Sec-WebSocket-Protocol": "penny.v1"}, "body": None},
     (200, {"Sec-WebSocket-Protocol": "penny.v1"}, "")),
])
def test_a_connect_handlers_proxy_response_is_read_as_api_gateway_reads_it(
        response: object, expected: tuple[int, dict[str, str], str]) -> None:
    assert proxy_response(response) == expected
