"""Bad requests: every one is a 4xx in the {"error": {code, message, field}} shape, never a 500."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.functional import factories as f
from tests.functional.conftest import Api, Response
from tests.functional.hosts import make_host

SLOTS = "/hosts/alice/intro/slots"
ANY_FIELD = "<any field>"


def assert_error(r: Response, status: int, code: str | None = None,
                 field: str | None = ANY_FIELD) -> None:
    """The status, and the error body with exactly code, message and field (and, for a
    refused slot, the rule's reason)."""
    assert r.status == status, r.body
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    body = r.json
    assert set(body) == {"error"}
    extra = {"reason"} if body["error"].get("code") == "slot_unavailable" else set()
    assert set(body["error"]) == {"code", "message", "field"} | extra
    assert isinstance(body["error"]["code"], str)
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    if field != ANY_FIELD:
        assert body["error"]["field"] == field


@pytest.fixture
def host(api: Api) -> str:
    return make_host(api, "alice")


# ---- request bodies ---------------------------------------------------------------------

@pytest.mark.parametrize("raw", ['{"email": "alice@example.com", ', "{'email': 1}", "nope",
                                 b"\xff\xfe{}"])
def test_body_that_is_not_json_is_malformed(api: Api, raw: str | bytes) -> None:
    r = api.post("/auth/login", raw=raw)

    assert_error(r, 400, "malformed_json", None)


@pytest.mark.parametrize("raw", ["[" * 50_000, '{"email": ' * 6_000])
def test_deeply_nested_json_is_refused_not_crashed(api: Api, raw: str) -> None:
    r = api.post("/auth/login", raw=raw)

    assert_error(r, 400)


@pytest.mark.parametrize("raw", ["", "null"])
def test_missing_or_null_body_is_refused(api: Api, raw: str) -> None:
    r = api.post("/auth/login", raw=raw)

    assert_error(r, 400, "malformed_json")


@pytest.mark.parametrize("raw", ["[]", '[{"email": "a@example.com"}]', "42", '"login"', "true"])
def test_json_body_that_is_not_an_object_is_refused(api: Api, raw: str) -> None:
    r = api.post("/auth/login", raw=raw)

    assert_error(r, 400)


def test_wrongly_typed_field_is_named(api: Api, host: str) -> None:
    r = api.post("/me/event-types", f.event_type("consult", duration_minutes="abc"), token=host)

    assert_error(r, 400, "validation_error", "duration_minutes")


def test_nested_wrongly_typed_field_is_named_by_its_path(api: Api, host: str) -> None:
    r = api.post("/me/event-types", f.event_type(
        "consult", price={"amount_minor": "lots", "currency": "EUR"}), token=host)

    assert_error(r, 400, "validation_error", "price.amount_minor")


def test_a_limit_is_said_as_a_request_writes_it(api: Api, host: str) -> None:
    late = api.get("/hosts/alice/consult/slots?start=2101-01-01&end=2101-01-02&timeZone=UTC")
    long = api.post("/me/event-types", f.event_type("long", buffer_before_minutes=721),
                    token=host)

    assert late.status == 400
    assert late.json["error"]["message"] == "start must be a date from 2000-01-01 to 2100-12-31"
    assert long.status == 400
    assert long.json["error"]["message"].endswith("should be less than or equal to 720")


def test_missing_field_is_named(api: Api) -> None:
    r = api.post("/auth/login", {"email": "alice@example.com"})

    assert_error(r, 400, "validation_error", "password")


def test_unknown_field_is_refused(api: Api) -> None:
    r = api.post("/auth/signup", f.signup("alice", is_admin=True))

    assert_error(r, 400, "validation_error", "is_admin")


def test_body_over_64_kib_is_too_large(api: Api, host: str) -> None:
    body = f.event_type("consult", description="x" * (64 * 1024))

    r = api.post("/me/event-types", body, token=host)

    assert_error(r, 413, "payload_too_large")


def test_body_limit_is_64_kib_exactly(api: Api) -> None:
    def login_body(size: int) -> str:
        head = '{"email": "alice@example.com", "password": "'
        return head + "p" * (size - len(head) - 2) + '"}'

    at_limit = api.post("/auth/login", raw=login_body(65_536))
    over = api.post("/auth/login", raw=login_body(65_537))

    assert_error(at_limit, 400, "validation_error", "password")  # over 256 characters
    assert_error(over, 413, "payload_too_large")


def test_body_just_under_the_limit_reaches_validation(api: Api, host: str) -> None:
    body = f.event_type("consult", description="x" * 60_000)

    r = api.post("/me/event-types", body, token=host)

    assert_error(r, 400, "validation_error", "description")  # over 2000 characters


def test_post_with_a_non_json_content_type_is_unsupported(api: Api) -> None:
    r = api.post("/auth/login", raw='{"email": "a@example.com", "password": "x"}',
                 headers={"Content-Type": "text/plain"})

    assert_error(r, 415, "unsupported_media_type", None)


def test_put_with_a_non_json_content_type_is_unsupported(api: Api, host: str) -> None:
    r = api.put("/me/profile", raw="slug=alice", token=host,
                headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert_error(r, 415, "unsupported_media_type")


def test_json_content_type_with_a_charset_is_accepted(api: Api, host: str) -> None:
    r = api.post("/auth/login", {"email": "alice@example.com",
                                 "password": "correct horse battery"},
                 headers={"Content-Type": "application/json; charset=utf-8"})

    assert r.status == 200, r.json


def test_wrong_method_is_not_allowed(api: Api) -> None:
    r = api.delete("/auth/login")

    assert_error(r, 405, "method_not_allowed", None)


def test_wrong_method_on_a_path_with_parameters_is_not_allowed(api: Api, host: str) -> None:
    r = api.call("PATCH", "/me/event-types/abc", {"title": "x"}, token=host)

    assert_error(r, 405, "method_not_allowed")


# ---- slots query ------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "code", "field"), [
    ("start=2026-11-25&end=2026-11-24", "validation_error", "end"),
    ("start=2026-11-24&end=2027-01-25", "validation_error", "end"),
    ("start=9999-01-01&end=9999-01-02", "validation_error", "start"),
    ("start=2026-11-24&end=9999-12-31", "validation_error", "end"),
    ("start=2026-13-45&end=2026-13-46", "validation_error", "start"),
    ("start=tomorrow&end=2026-11-24", "validation_error", "start"),
    ("start=2026-11-24&end=2026-11-24&timeZone=Mars/Olympus", "invalid_timezone", "timeZone"),
    ("start=2026-11-24&end=2026-11-24&timeZone=../../etc/passwd", "validation_error",
     "timeZone"),
    ("start=2026-11-24", "validation_error", "end"),
    ("start=2026-11-24&end=2026-11-24&tz=UTC", "validation_error", "tz"),
])
def test_bad_slots_query_is_a_400(api: Api, host: str, query: str, code: str,
                                  field: str) -> None:
    r = api.get(f"{SLOTS}?{query}")

    assert_error(r, 400, code, field)


def test_slots_window_of_62_days_is_served(api: Api, host: str) -> None:
    r = api.get(f"{SLOTS}?start=2026-11-24&end=2027-01-24&timeZone=UTC")

    assert r.status == 200, r.json
    assert "2027-01-22" in r.json["slots"]


def test_slots_of_an_unknown_host_or_event_are_not_found(api: Api, host: str) -> None:
    assert_error(api.get("/hosts/nobody/intro/slots?start=2026-11-24&end=2026-11-24"), 404,
                 "not_found")
    assert_error(api.get("/hosts/alice/nothing/slots?start=2026-11-24&end=2026-11-24"), 404,
                 "not_found")


# ---- booking ----------------------------------------------------------------------------

@pytest.mark.parametrize("start", ["9999-01-01T10:00:00Z", "1970-01-01T00:00:00Z",
                                   "2026-11-24T14:00:00", "2026-11-24", "soon",
                                   "2026-02-30T10:00:00Z"])
def test_booking_start_outside_the_calendar_is_a_400(api: Api, host: str, start: str) -> None:
    r = api.post("/hosts/alice/intro/bookings", f.booking(start))

    assert_error(r, 400, "validation_error", "start")


def test_booking_answer_to_an_unknown_question_is_refused(api: Api, host: str) -> None:
    r = api.post("/hosts/alice/intro/bookings",
                 f.booking("2026-11-24T14:00:00Z", answers={"color": "blue"}))

    assert_error(r, 400, "invalid_answer", "answers.color")


def test_booking_without_a_required_answer_is_refused(api: Api, host: str) -> None:
    api.post("/me/event-types", f.event_type("consult", questions=[
        f.question("size", "select", required=True, options=["S", "M"])]), token=host)

    missing = api.post("/hosts/alice/consult/bookings", f.booking("2026-11-24T14:00:00Z"))
    not_an_option = api.post("/hosts/alice/consult/bookings",
                             f.booking("2026-11-24T14:00:00Z", answers={"size": "XL"}))

    assert_error(missing, 400, "invalid_answer", "answers.size")
    assert_error(not_an_option, 400, "invalid_answer", "answers.size")


def test_booking_with_an_unknown_attendee_timezone_is_refused(api: Api, host: str) -> None:
    body = f.booking("2026-11-24T14:00:00Z")
    body["attendee"]["timezone"] = "Mars/Olympus"

    r = api.post("/hosts/alice/intro/bookings", body)

    assert_error(r, 400, "invalid_timezone", "attendee.timezone")


def test_booking_with_an_unprintable_idempotency_key_is_refused(api: Api, host: str) -> None:
    r = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"),
                 headers={"Idempotency-Key": "has spaces"})

    assert_error(r, 400, "validation_error", "Idempotency-Key")


# ---- the shape, across every kind of error ----------------------------------------------

def _unauthorized(api: Api, token: str) -> Response:
    return api.get("/me/profile", token="x.y.z")


def _not_found(api: Api, token: str) -> Response:
    return api.get("/me/event-types/nope", token=token)


def _conflict(api: Api, token: str) -> Response:
    return api.post("/me/event-types", f.event_type("intro"), token=token)


def _unprocessable(api: Api, token: str) -> Response:
    return api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T03:00:00Z"))


def _too_large(api: Api, token: str) -> Response:
    return api.post("/auth/login", raw="{" + " " * 70_000 + "}")


def _unsupported(api: Api, token: str) -> Response:
    return api.post("/auth/login", raw="x", headers={"Content-Type": "text/plain"})


def _not_allowed(api: Api, token: str) -> Response:
    return api.call("PUT", "/auth/login", {})


def _bad_query(api: Api, token: str) -> Response:
    return api.get("/me/bookings?status=someday", token=token)


def _bad_link(api: Api, token: str) -> Response:
    return api.get("/bookings/nope?token=nope")


@pytest.mark.parametrize(("call", "status"), [
    (_unauthorized, 401), (_not_found, 404), (_conflict, 409), (_unprocessable, 422),
    (_too_large, 413), (_unsupported, 415), (_not_allowed, 405), (_bad_query, 400),
    (_bad_link, 404),
])
def test_every_error_body_has_exactly_code_message_field_and_a_slots_reason(
        api: Api, host: str, call: Callable[[Api, str], Response], status: int) -> None:
    assert_error(call(api, host), status)
