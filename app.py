"""Penny's Lambda entry points: the app, its HTTP routes' blueprints, and every function.

The routes live in chalicelib/routes/, a blueprint for each group; each route parses
(done by `route`), calls one service function, and maps the result. Here: the Function
URL front door, the middleware, the WebSocket, stream and worker functions (Lambda calls
them as `app.<name>`, so they are defined in this module), and /openapi.json.
Heavy modules (pydantic schemas, PynamoDB, pyjwt, argon2) load on the first request
that needs them, never at import: cold start is a budget.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

from chalice import Chalice, Response

from chalicelib import bootstrap
from chalicelib.functions.errors import reshape_chalice_error
from chalicelib.functions.request_logs import with_log_keys
from chalicelib.integrations import logs
from chalicelib.routes.routing import PAGE_PATHS as PAGE_PATHS  # tests read it here
from chalicelib.routes.routing import api, services
from chalicelib.store.queues import QUEUES

# A blueprint's operations join /openapi.json as its module is imported, and its routes
# join app.routes as it is registered (below): both in this order, the document's, so
# these imports are not left to isort.
# isort: off
from chalicelib.routes import accounts, host, connections, webhooks, sign_in, public, attendee
from chalicelib.routes import pages
# isort: on


class Penny(Chalice):
    """Chalice, also answering the Lambda Function URL (Penny's free front door)."""

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        if not (isinstance(event, dict) and event.get("version") == "2.0"):
            return super().__call__(event, context)
        from chalicelib.functions import function_url

        method, path = event["requestContext"]["http"]["method"], event["rawPath"]
        matched = function_url.match_route(self.routes, path)
        # HEAD is GET without the body, wherever GET is answered (RFC 9110 section 9.3.2),
        # except on a webhook or OAuth callback: its GET acts (it may spend a one-time code).
        verb = "GET" if method == "HEAD" and not _is_edge(self, matched) else method
        if matched is None or verb not in self.routes[matched[0]]:
            response = function_url.not_found(method, path)
        else:
            rest_event = function_url.to_rest_event(event, *matched, method=verb)
            response = function_url.compressed(
                function_url.to_function_url_response(super().__call__(rest_event, context)),
                (event.get("headers") or {}).get("accept-encoding"))
        return function_url.without_body(response) if method == "HEAD" else response


def _is_edge(app: Chalice, matched: tuple[str, dict[str, str]] | None) -> bool:
    if matched is None:
        return False
    from chalicelib.functions.edge import edge_paths

    return matched[0] in edge_paths(app)


app = Penny(app_name="penny")

if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    # JSON logs for every function kind (chalicelib/integrations/logs.py; Powertools
    # loads with the first line logged, not here).
    logs.configure()
    # In Lambda the settings and secrets (Parameter Store) load at init: a missing or
    # development secret stops the function there with its reason in the log, never run.
    bootstrap.environment_settings()


@app.middleware("http")
def json_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    return reshape_chalice_error(get_response(event))


# Request id (and booking uid) on every line a request logs; a booking write logs one.
app.middleware("http")(with_log_keys)

# The routes, a blueprint a group (chalicelib/routes/); the pages' paths (PAGE_PATHS) and
# the edge's (webhooks.py) are kept out of /openapi.json.
for _blueprint in (accounts, host, connections, webhooks, sign_in, public, attendee):
    app.register_blueprint(_blueprint.bp)


# ---- the API's own description ----------------------------------------------------------

@api(app)("/openapi.json", "GET", "openapi", "This document (OpenAPI 3.1)", "meta",
          response=None, errors=())
def openapi() -> dict[str, Any]:
    from chalicelib.functions.openapi import document

    return document(services().settings.public_base_url)


app.register_blueprint(pages.bp)


# ---- realtime and fan-out: WebSocket, table stream, worker queues ----------------------

app.experimental_feature_flags.update(["WEBSOCKETS"])
# The deployed template points this at the table's stream (infra/template.py).
TABLE_STREAM_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/penny/stream/local"


def realtime_services() -> bootstrap.RealtimeServices:
    return bootstrap.realtime_services(app.websocket_api)


def realtime_entry() -> ModuleType:
    from chalicelib.functions import realtime as module

    return module


@app.on_ws_connect(name="ws_connect")
def ws_connect(event: Any) -> Response:
    return realtime_entry().connect(realtime_services().realtime, event.to_dict())  # type: ignore[no-any-return]


# No $disconnect route: a closed socket's record waits for its TTL, the next push to it or
# the host's bound, which asks API Gateway whether it is open (services/realtime.py); that
# costs less than a function, a lookup and two writes per close.
@app.on_ws_message(name="ws_message")
def ws_message(event: Any) -> None:
    realtime_entry().message(realtime_services().realtime, event.connection_id, event.body)


@app.on_dynamodb_record(stream_arn=TABLE_STREAM_ARN, batch_size=100, name="booking_events")
def booking_events(event: Any) -> None:
    realtime_entry().publish(realtime_services().fanout, event.to_dict()["Records"])


# Subscribed to the booking-events topic by infra/ (SNS pushes one event per invocation;
# Lambda retries, then dead-letters); `make redrive` feeds them their dead-letter queue.
# One function per worker of the list (chalicelib/store/queues.py). Chalice names a
# function's handler after the Python function, so each is named as the list says and
# bound to this module under that name: `app.notes_worker` is what Lambda calls.
def _worker_function(name: str, function_name: str) -> Callable[[dict[str, Any], Any], Any]:
    def worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return realtime_entry().run_worker(bootstrap.worker(name), event)  # type: ignore[no-any-return]

    worker.__name__ = worker.__qualname__ = function_name
    return worker


for _spec in QUEUES:
    globals()[_spec.function_name] = app.lambda_function(name=_spec.function_name)(
        _worker_function(_spec.name, _spec.function_name))
