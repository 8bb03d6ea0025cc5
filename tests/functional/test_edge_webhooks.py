"""The edge's answers: verified first, each event run once, retried only when a retry
can help; Graph's handshake, Google's empty acknowledgement, OAuth's redirect.

Deliveries are remembered in the table (moto); the clock stands at 2026-11-23T12:00:00Z.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import app as app_module
from chalicelib.domain.errors import (
    BookingContentionError,
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
    ValidationError,
)
from chalicelib.domain.hosts import RESERVED_SLUGS
from chalicelib.functions.edge import EDGE_ROOTS, Edge, edge_paths, edge_route
from chalicelib.functions.edge_responses import redirect
from chalicelib.functions.http import OPERATIONS
from chalicelib.services.webhooks import LEASE, RETENTION
from chalicelib.store.deliveries import DeliveryItem
from tests.functional.edge_app import (
    ACCOUNT_SECRETS,
    Script,
    call,
    edge_app,
    fresh_script,
    post,
    signed,
    stripe_signature,
)
from tests.functional.test_function_url import url_event

BODY = b'{"id": "evt_1", "type": "checkout.session.completed"}'
DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@pytest.fixture
def script(aws: None) -> Script:
    return fresh_script()


def deliver(raw: bytes = BODY, event_id: str = "evt_1", **headers: str) -> dict[str, Any]:
    return post("/webhooks/acme", raw, {**signed(raw, event_id), **headers})


def error_code(response: dict[str, Any]) -> str:
    return str(json.loads(response["body"])["error"]["code"])


# ---- signatures ----------------------------------------------------------------------

def test_a_missing_signature_is_400_never_200_and_nothing_runs(script: Script) -> None:
    response = post("/webhooks/acme", BODY, {"acme-event-id": "evt_1"})

    assert (response["statusCode"], error_code(response)) == (400, "invalid_signature")
    assert script.events == [] and list(DeliveryItem.scan()) == []


def test_a_signature_made_with_another_secret_is_refused(script: Script) -> None:
    headers = signed(BODY)
    headers["stripe-signature"] = headers["stripe-signature"].replace("v1=", "v1=0")

    response = post("/webhooks/acme", BODY, headers)

    assert (response["statusCode"], error_code(response)) == (400, "invalid_signature")


def test_a_replayed_old_signature_is_refused(script: Script) -> None:
    headers = signed(BODY)
    script.clock.advance(seconds=301)

    assert error_code(post("/webhooks/acme", BODY, headers)) == "invalid_signature"
    assert script.events == []


def test_each_account_verifies_with_its_own_secret(script: Script) -> None:
    raw = b'{"id": "evt_9"}'
    good = post("/webhooks/acme/acct-a", raw, signed(raw, "evt_9"))
    other = post("/webhooks/acme/acct-b", raw, signed(raw, "evt_9"))
    unknown = post("/webhooks/acme/acct-z", raw, signed(raw, "evt_9"))

    assert good["statusCode"] == 400  # signed with the platform's secret, not acct-a's
    assert other["statusCode"] == 400 and unknown["statusCode"] == 404
    assert script.events == []


def test_a_body_over_the_routes_limit_is_413_before_verification(script: Script) -> None:
    raw = b"x" * 65
    response = post("/webhooks/acme/acct-a", raw, signed(raw))

    assert (response["statusCode"], error_code(response)) == (413, "payload_too_large")
    assert script.verified == []


# ---- once per event id ---------------------------------------------------------------

def test_a_redelivered_event_answers_200_and_runs_nothing(script: Script) -> None:
    first = deliver()
    script.clock.advance(days=2)
    again = deliver()

    assert (first["statusCode"], again["statusCode"]) == (200, 200)
    assert first["headers"]["Penny-Delivery"] == "processed"
    assert again["headers"]["Penny-Delivery"] == "duplicate"
    assert [e.id for e in script.events] == ["evt_1"]


def test_a_genuine_event_of_a_kind_penny_ignores_is_acknowledged_and_not_recorded(
        script: Script) -> None:
    response = deliver(**{"acme-event-type": "customer.created"})

    assert (response["statusCode"], response["headers"]["Penny-Delivery"]) == (200, "ignored")
    assert script.events == [] and list(DeliveryItem.scan()) == []


def test_another_event_id_runs(script: Script) -> None:
    deliver(event_id="evt_1")
    deliver(event_id="evt_2")

    assert [e.id for e in script.events] == ["evt_1", "evt_2"]


def test_one_event_sent_to_two_accounts_urls_runs_at_each_url_once(script: Script) -> None:
    # A provider sends one event, under one id, to every URL the account has (Razorpay:
    # each Penny host who connected that account has their own URL).
    raw = b'{"id": "evt_9"}'
    now = int(script.clock.now().timestamp())

    def to(account: str) -> dict[str, Any]:
        return post(f"/webhooks/acme/{account}", raw, {
            "stripe-signature": stripe_signature(raw, now, ACCOUNT_SECRETS[account]),
            "acme-event-id": "evt_9"})

    answers = [to("acct-b"), to("acct-a"), to("acct-a")]

    assert [a["headers"]["Penny-Delivery"] for a in answers] == [
        "processed", "processed", "duplicate"]
    assert [e.id for e in script.events] == ["evt_9", "evt_9"]
    assert sorted(item.pk for item in DeliveryItem.scan()) == [
        "DELIVERY#acme#acct-a#evt_9", "DELIVERY#acme#acct-b#evt_9"]


@pytest.mark.parametrize("error", [ProviderUnavailableError("acme", "the provider is down"),
                                   BookingContentionError("busy calendar")])
def test_a_retryable_failure_is_503_and_the_providers_retry_runs_it(
        script: Script, error: Exception) -> None:
    script.failures.append(error)

    failed = deliver()
    retried = deliver()

    assert failed["statusCode"] == 503
    assert failed["headers"]["Retry-After"] == str(int(LEASE.total_seconds()))
    assert retried["statusCode"] == 200 and len(script.events) == 2


@pytest.mark.parametrize("error", [ConnectionBrokenError("acme", "reconnect acme"),
                                   ProviderRejectedError("acme", "no such customer"),
                                   ValidationError("the amount is not a number")])
def test_a_final_refusal_is_acknowledged_once_and_never_retried(
        script: Script, error: Exception, caplog: pytest.LogCaptureFixture) -> None:
    script.failures.append(error)

    refused = deliver()
    again = deliver()

    assert (refused["statusCode"], refused["headers"]["Penny-Delivery"]) == (200, "refused")
    assert again["headers"]["Penny-Delivery"] == "duplicate"
    assert len(script.events) == 1
    assert "evt_1 refused for good" in caplog.text


def test_a_bug_is_500_and_the_retry_runs_it_again(script: Script) -> None:
    script.failures.append(KeyError("oops"))

    failed = deliver()
    retried = deliver()

    assert (failed["statusCode"], error_code(failed)) == (500, "internal_error")
    assert retried["statusCode"] == 200 and len(script.events) == 2


def test_an_event_another_run_holds_is_503_until_its_lease_ends(script: Script) -> None:
    now = script.clock.now()
    script.deliveries.claim("acme", "evt_1", "t", now, now + LEASE, now + RETENTION)

    held = deliver()
    script.clock.advance(seconds=LEASE.total_seconds() + 1)
    taken_over = deliver()

    assert (held["statusCode"], error_code(held)) == (503, "delivery_in_progress")
    assert held["headers"]["Retry-After"]
    assert taken_over["statusCode"] == 200 and len(script.events) == 1


def test_an_event_is_forgotten_after_its_retention_even_before_ttl_deletes_it(
        script: Script) -> None:
    deliver()
    script.clock.advance(seconds=RETENTION.total_seconds() + 1)
    again = post("/webhooks/acme", BODY, signed(BODY))

    assert again["headers"]["Penny-Delivery"] == "processed" and len(script.events) == 2


# ---- Microsoft Graph and Google ------------------------------------------------------

def test_graphs_handshake_echoes_the_token_as_plain_text_unchanged(script: Script) -> None:
    query = "validationToken=Validation%3A+Testing+%3Cclient%3E+%26+%22app%22+%C3%A9"
    response = post("/webhooks/graph", b"", {"content-type": "text/plain"}, query)

    assert response["statusCode"] == 200
    assert response["body"] == 'Validation: Testing <client> & "app" é'
    assert response["headers"]["Content-Type"].startswith("text/plain")
    assert response["headers"]["X-Content-Type-Options"] == "nosniff"
    assert script.verified == [] and script.events == []


def test_a_graph_notification_is_verified_and_acknowledged_with_202(script: Script) -> None:
    raw = json.dumps({"value": [{"clientState": "graph-client-state",
                                 "changeType": "updated"}]}).encode()
    forged = json.dumps({"value": [{"clientState": "guess"}]}).encode()

    accepted = post("/webhooks/graph", raw)
    again = post("/webhooks/graph", raw)
    refused = post("/webhooks/graph", forged)

    assert (accepted["statusCode"], again["statusCode"], refused["statusCode"]) == (
        202, 202, 400)
    assert accepted["body"] == "" and len(script.events) == 1


def google(state: str, number: str, token: str = "token-1") -> dict[str, Any]:
    event = url_event("POST", "/webhooks/google", headers={
        "x-goog-channel-id": "channel-1", "x-goog-channel-token": token,
        "x-goog-resource-id": "res-1", "x-goog-resource-state": state,
        "x-goog-message-number": number, "x-goog-resource-uri": "https://example/events"})
    del event["headers"]["content-type"]  # Google sends no body and no content type
    return call(event)


def test_a_google_notification_has_no_body_and_gets_an_empty_200(script: Script) -> None:
    sync, change = google("sync", "1"), google("exists", "2")

    assert (sync["statusCode"], sync["body"], change["statusCode"]) == (200, "", 200)
    assert [(e.id, e.type) for e in script.events] == [
        ("channel-1#1", "sync"), ("channel-1#2", "exists")]
    assert google("exists", "2")["statusCode"] == 200 and len(script.events) == 2
    assert google("exists", "3", token="wrong")["statusCode"] == 400


# ---- OAuth callbacks -----------------------------------------------------------------

def test_an_oauth_callback_redirects_and_is_never_cached(script: Script) -> None:
    response = call(url_event("GET", "/auth/acme/callback", "code=c-1&state=s-1"))

    assert response["statusCode"] == 303
    assert response["headers"]["Location"] == "/app/connections?connected=acme&state=s-1"
    assert response["headers"]["Cache-Control"] == "no-store"
    assert response["headers"]["Referrer-Policy"] == "no-referrer"
    assert script.callbacks[0].query == {"code": "c-1", "state": "s-1"}


def test_a_head_request_never_runs_a_callback_which_might_spend_its_one_time_code(
        script: Script) -> None:
    response = call(url_event("HEAD", "/auth/acme/callback", "code=c-1&state=s-1"))

    assert (response["statusCode"], response["body"]) == (404, "")
    assert script.callbacks == []


@pytest.mark.parametrize("error, status", [
    (ProviderUnavailableError("acme", "down"), 503),
    (ConnectionBrokenError("acme", "reconnect"), 409),
    (ProviderRejectedError("acme", "invalid_grant"), 422)])
def test_a_callbacks_provider_error_is_the_json_apis_and_never_cached(
        script: Script, error: Exception, status: int) -> None:
    script.failures.append(error)
    response = call(url_event("GET", "/auth/acme/callback", "code=c-1&state=s-1"))

    assert response["statusCode"] == status
    assert response["headers"]["Cache-Control"] == "no-store"


@pytest.mark.parametrize("location", ["//evil.example/x", "/\\evil.example", "/a\r\nSet-Cookie: x",
                                      "javascript:alert(1)", "/caf\u00e9", "/a\n"])
def test_a_redirect_goes_nowhere_but_a_path_or_an_http_url(location: str) -> None:
    with pytest.raises(ValueError):
        redirect(location)


def test_a_redirect_is_303_or_302_and_not_stored() -> None:
    assert redirect("https://accounts.example/consent?x=1", 302).status_code == 302
    assert redirect("/app").headers == {"Location": "/app", "Cache-Control": "no-store"}
    with pytest.raises(ValueError):
        redirect("/app", 301)


# ---- the routes themselves -----------------------------------------------------------

def test_edge_routes_are_kept_out_of_the_openapi_document() -> None:
    paths = edge_paths(edge_app)

    assert paths == {"/webhooks/acme", "/webhooks/acme/{account}", "/webhooks/graph",
                     "/webhooks/google", "/auth/acme/callback"}
    assert not paths & {op.path for op in OPERATIONS}
    assert edge_paths(app_module.app) == {"/oauth/{provider}/callback",
                                          "/webhooks/calendar/google",
                                          "/webhooks/calendar/microsoft",
                                          "/webhooks/stripe", "/webhooks/razorpay/{host_id}"}


@pytest.mark.parametrize("edge, verifier", [
    (Edge("/{host}/hook", "shadowing", "webhook", provider="x"), object),
    (Edge("/hooks/x", "unreserved", "webhook", provider="x"), object),
    (Edge("/webhooks/x", "unverified", "webhook", provider="x"), None),
    (Edge("/webhooks/x", "nameless", "webhook"), object),
    (Edge("/auth/x/callback", "verified_callback", "callback"), object)])
def test_a_route_the_edge_cannot_keep_its_promises_for_is_refused_at_import(
        edge: Edge, verifier: Any) -> None:
    with pytest.raises(ValueError):
        edge_route(edge_app, edge, lambda: None, verifier)  # type: ignore[arg-type, return-value]


def test_the_edges_roots_are_reserved_slugs_so_no_host_page_is_shadowed() -> None:
    assert EDGE_ROOTS <= RESERVED_SLUGS


def test_every_production_edge_route_is_listed_in_the_docs() -> None:
    section = DOCS.read_text().split("## Webhooks and callbacks", 1)[1].split("\n## ", 1)[0]

    for path in edge_paths(app_module.app):
        assert f"`{path}`" in section, path
