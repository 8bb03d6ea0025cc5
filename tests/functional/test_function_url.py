"""The Lambda Function URL (payload 2.0) reaches the same routes as API Gateway REST."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

import app as app_module
from chalicelib.functions.function_url import match_route, to_function_url_response
from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.hosts import make_host


def url_event(method: str, path: str, query: str = "", body: Any = None,
              headers: dict[str, str] | None = None,
              cookies: list[str] | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
        "headers": {"host": "abc123.lambda-url.us-east-1.on.aws",
                    "content-type": "application/json", **(headers or {})},
        "requestContext": {
            "accountId": "anonymous", "apiId": "abc123",
            "domainName": "abc123.lambda-url.us-east-1.on.aws", "domainPrefix": "abc123",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "test"},
            "requestId": "req-1", "routeKey": "$default", "stage": "$default",
            "time": "23/Nov/2026:12:00:00 +0000", "timeEpoch": 1795435200000},
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = json.dumps(body)
    if cookies:
        event["cookies"] = cookies
    return event


def call(event: dict[str, Any]) -> tuple[int, Any]:
    response = app_module.app(event, None)
    assert set(response) <= {"statusCode", "headers", "body", "isBase64Encoded", "cookies"}
    return response["statusCode"], json.loads(response["body"]) if response["body"] else None


def test_slots_through_the_function_url_match_the_rest_api(api: Api) -> None:
    make_host(api)
    query = "start=2026-11-24&end=2026-11-25&timeZone=Asia%2FKolkata"

    status, body = call(url_event("GET", "/hosts/alice/intro/slots", query))

    assert status == 200
    assert body == api.get(f"/hosts/alice/intro/slots?{query}").json
    assert body["slots"]


def test_a_booking_posted_through_the_function_url_is_created_once(api: Api) -> None:
    make_host(api)
    event = url_event("POST", "/hosts/alice/intro/bookings",
                      body=f.booking("2026-11-24T14:00:00Z"),
                      headers={"idempotency-key": "k-1"})

    first, booking = call(event)
    again, replay = call(event)

    assert (first, again) == (201, 201)
    assert replay["uid"] == booking["uid"]


def test_a_bearer_token_authenticates_through_the_function_url(api: Api) -> None:
    token = make_host(api)
    status, body = call(url_event("GET", "/me/profile",
                                  headers={"authorization": f"Bearer {token}"}))
    assert status == 200 and body["slug"] == "alice"


def test_an_unknown_path_is_a_json_404(api: Api) -> None:
    status, body = call(url_event("GET", "/no/such/route/here/at/all"))
    assert status == 404 and body["error"]["code"] == "not_found"


def test_bad_input_is_a_4xx_with_a_code_not_a_500(api: Api) -> None:
    make_host(api)
    status, body = call(url_event("GET", "/hosts/alice/intro/slots", "start=yesterday"))
    assert status == 400 and body["error"]["code"]


def test_a_literal_segment_beats_a_parameter_whatever_the_order() -> None:
    routes = ["/{host}/{event}", "/hosts/{host}", "/app/{page}", "/{host}"]
    assert match_route(routes, "/hosts/alice") == ("/hosts/{host}", {"host": "alice"})
    assert match_route(routes, "/alice/intro") == ("/{host}/{event}",
                                                   {"host": "alice", "event": "intro"})
    assert match_route(routes, "/app/settings") == ("/app/{page}", {"page": "settings"})
    assert match_route(routes, "/a%20b") == ("/{host}", {"host": "a b"})
    assert match_route(routes, "/") is None


def test_cookies_travel_apart_from_the_other_headers() -> None:
    response = to_function_url_response({
        "statusCode": 200, "body": "", "headers": {"Content-Type": "text/html"},
        "multiValueHeaders": {"Set-Cookie": ["a=1; HttpOnly", "b=2"], "Vary": ["x", "y"]}})
    assert response["cookies"] == ["a=1; HttpOnly", "b=2"]
    assert response["headers"] == {"Content-Type": "text/html", "Vary": "x, y"}


def test_a_known_path_with_an_unknown_method_is_a_404_as_on_the_rest_stage(api: Api) -> None:
    status, body = call(url_event("DELETE", "/hosts/alice"))
    assert status == 404
    assert body["error"]["message"] == "No route matches DELETE /hosts/alice"


def test_an_unknown_api_path_stays_a_json_404_not_a_booking_page(api: Api) -> None:
    status, body = call(url_event("GET", "/me/nothing-here"))
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = call(url_event("GET", "/hosts"))
    assert status == 404 and body["error"]["message"] == "No route matches GET /hosts"


@pytest.mark.parametrize("path", ["/alice", "/alice/intro", "/app", "/app/bookings",
                                  "/nobody", "/hosts/alice/intro/slots", "/openapi.json"])
def test_head_answers_as_get_does_without_the_body(api: Api, path: str) -> None:
    make_host(api)
    query = "start=2026-11-24&end=2026-11-25&timeZone=UTC" if path.endswith("/slots") else ""

    got = app_module.app(url_event("GET", path, query), None)
    head = app_module.app(url_event("HEAD", path, query), None)

    assert (head["statusCode"], head["headers"]) == (got["statusCode"], got["headers"])
    assert got["body"] and head["body"] == ""


def test_head_on_a_route_without_get_is_a_404_without_a_body(api: Api) -> None:
    response = app_module.app(url_event("HEAD", "/auth/login"), None)
    assert (response["statusCode"], response["body"]) == (404, "")
    assert call(url_event("GET", "/auth/login"))[0] == 404


# ---- compression (gzip) -----------------------------------------------------------------

def raw_call(event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = app_module.app(event, None)
    return response


def body_of(response: dict[str, Any]) -> bytes:
    if not response["isBase64Encoded"]:
        return str(response["body"]).encode()
    raw = base64.b64decode(response["body"])
    return gzip.decompress(raw) if response["headers"].get("Content-Encoding") == "gzip" else raw


def test_a_page_and_slots_are_gzipped_for_a_client_that_accepts_gzip(api: Api) -> None:
    make_host(api)
    query = "start=2026-11-23&end=2026-11-27&timeZone=UTC"
    accepts = {"accept-encoding": "gzip, deflate, br, zstd"}

    page = raw_call(url_event("GET", "/alice/intro", headers=accepts))
    slots = raw_call(url_event("GET", "/hosts/alice/intro/slots", query, headers=accepts))
    plain = raw_call(url_event("GET", "/hosts/alice/intro/slots", query))

    for response in (page, slots):
        assert response["headers"]["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["headers"]["Vary"]
        assert len(base64.b64decode(response["body"])) * 2 < len(body_of(response))
    assert json.loads(body_of(slots)) == json.loads(plain["body"])
    assert "Content-Encoding" not in plain["headers"] and not plain["isBase64Encoded"]
    assert b"<html" in body_of(page)


def test_a_small_answer_or_a_refused_gzip_stays_as_it_is(api: Api) -> None:
    make_host(api)

    small = raw_call(url_event("GET", "/hosts/alice/intro",
                               headers={"accept-encoding": "gzip"}))
    refused = raw_call(url_event("GET", "/alice/intro",
                                 headers={"accept-encoding": "gzip;q=0, identity"}))

    assert "Content-Encoding" not in small["headers"]
    assert json.loads(small["body"])["slug"] == "intro"
    assert "Content-Encoding" not in refused["headers"] and not refused["isBase64Encoded"]


def test_a_gzipped_asset_carries_a_weak_etag_that_still_revalidates(api: Api) -> None:
    page = raw_call(url_event("GET", "/app/login"))
    script = next(part.split('"')[0] for part in str(page["body"]).split('src="')[1:]
                  if "/static/" in part)
    bare = script.rsplit("/", 1)[1].split(".")[0] + ".js"

    first = raw_call(url_event("GET", f"/static/{bare}", headers={"accept-encoding": "gzip"}))
    tag = first["headers"]["ETag"]
    again = raw_call(url_event("GET", f"/static/{bare}", headers={
        "accept-encoding": "gzip", "if-none-match": tag}))

    assert tag.startswith('W/"') and first["headers"]["Content-Encoding"] == "gzip"
    assert again["statusCode"] == 304
