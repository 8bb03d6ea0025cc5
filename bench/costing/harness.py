"""Penny's Lambdas wired to the embedded AWS, with every billable thing counted.

The embedded AWS is moto, in-process (as bench/event_requests.py runs it: no sockets, so
a sample month takes minutes), provisioned from the same definitions as production
(local/provision.py); moto's own time on the caller's thread is timed and kept out of
the handlers' CPU. The app is built by its own composition root with a clock the
simulation moves. The harness plays the AWS services around the
Lambdas: the Function URL (payload 2.0 events), API Gateway's WebSocket routes, the
stream's event source mapping (local.stream_poller.StreamPoller, with infra/'s filter),
SNS's push to the workers (local.sns_push.SnsPushPoller) and EventBridge Scheduler running
the paid bookings' hold timers (holds.py). Only the clients the Lambda code uses are
metered; the harness reads the stream and delivery queues through its own. The provider
sandbox's calendars and its Stripe follow the month's clock, and so does Penny's Stripe
adapter (it reads the time itself: Stripe's rules for a session's expiry are in real time).
Vendor calls are counted by the sandbox (calendars, video, Notion, Stripe, Razorpay,
Gemini), and each brief Gemini answers is kept with its usage metadata (briefs.py).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from bench.costing import calibrate
from bench.costing.briefs import GEMINI_CALL, BriefTokens, recording
from bench.costing.holds import HoldTimers, meter_default_session
from bench.costing.lambdas import Invocations
from bench.costing.meter import AwsMeter
from bench.costing.prices import message_units
from bench.costing.units import chunks, storage_bytes
from chalicelib.domain.errors import SocketGoneError

REGION = "us-east-1"
TABLE = "penny-cost"
PREFIX = "penny-cost"
WS_UNIT = message_units()["apigw.ws_messages"]  # bytes billed as one WebSocket message
HOST_HEADER = "penny.example"
# Penny's public URL, where the sandbox sends push notifications and webhooks: a closed
# loopback port, so each is refused at once and recorded; the month hands them to Penny.
PUBLIC_URL = "http://127.0.0.1:9"
PAYMENT_VENDORS = ("stripe", "razorpay")
OAUTH_VENDORS = ("google", "microsoft", "zoom", "notion")  # the sandbox's ApiGate counts
# What a browser sends: every page, script, stylesheet and JSON answer may come gzipped.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
# Date, Content-Length, Connection, x-amzn-RequestId, X-Amzn-Trace-Id: added to every answer.
FUNCTION_URL_HEADER_BYTES = 160
WS_FRAME_BYTES = 4  # a server's WebSocket frame header for a message under 64 KB


@dataclass
class SimClock:
    current: datetime

    def now(self) -> datetime:
        return self.current


@dataclass
class CountingSender:
    """Stands in for postToConnection (no API Gateway runs locally): counts the messages
    (WS_UNIT chunks) per socket, and the request, on the meter."""

    note: Any = None                          # the meter's `note`
    invocation: int = 0                       # which stream invocation is running
    units: int = 0
    bytes: int = 0                            # what the messages carried out
    posts: list[tuple[int, str]] = field(default_factory=list)
    enabled: bool = False
    gone: set[str] = field(default_factory=set)  # sockets their clients closed

    def send(self, socket_id: str, message: str) -> None:
        if socket_id in self.gone:
            if self.enabled:
                self.note("execute-api.PostToConnection")  # answered 410
            raise SocketGoneError(socket_id)
        if self.enabled:
            self.units += chunks(len(message.encode()), WS_UNIT)
            self.bytes += len(message.encode()) + WS_FRAME_BYTES
            self.posts.append((self.invocation, socket_id))
            self.note("execute-api.PostToConnection")

    def bursts_to(self, socket_id: str) -> int:
        """How many stream invocations pushed something to this socket."""
        return len({n for n, c in self.posts if c == socket_id and n > 0})


def stream_filter() -> Callable[[dict[str, Any]], bool] | None:
    """Does infra/'s event source filter let a record's change (its `dynamodb` part: the
    new image, and the old one) through to `booking_events`? (None: no filter), read from
    the resources infra/ deploys."""
    from infra.messaging import messaging_resources

    def holds(image: dict[str, Any] | None, match: dict[str, Any]) -> bool:
        return bool(image) and all((image or {}).get(name, {}).get("S") in values["S"]
                                   for name, values in match.items())

    events = messaging_resources().get("BookingEvents", {}).get("Properties", {})
    for source in events.get("Events", {}).values():
        rules = [json.loads(rule["Pattern"])["dynamodb"] for rule in
                 source.get("Properties", {}).get("FilterCriteria", {}).get("Filters", [])]
        if rules:
            return lambda change: any(
                all(holds(change.get(image), match) for image, match in rule.items())
                for rule in rules)
    return None


class Harness:
    def __init__(self) -> None:
        for key, value in {"AWS_ACCESS_KEY_ID": "cost", "AWS_SECRET_ACCESS_KEY": "cost",
                           "AWS_DEFAULT_REGION": REGION}.items():
            os.environ.setdefault(key, value)
        self._stack = ExitStack()
        self.clock = SimClock(datetime(2026, 11, 30, tzinfo=UTC))
        self.sender = CountingSender()
        self.connection_minutes: dict[str, float] = {}  # per part of the month
        self.stream_invocations = 0
        self.passes = stream_filter()
        self.loop_ms: list[float] = []  # every calibration of the run (calibrate.py)
        self.sandbox: Any = None
        self.last_cookies: list[str] = []
        self.premium_weight = 1.0  # how many premium hosts the sample's one stands for
        self.notes_weight = 1.0    # how many hosts who keep notes the sample's one stands for
        self.briefs: list[BriefTokens] = []  # every answer Gemini gave, with its usage

    def start(self, app_log_level: str = "INFO") -> Harness:
        import boto3
        from moto import mock_aws

        import app as app_module
        from chalicelib import bootstrap
        from chalicelib.provider_settings import Providers
        from chalicelib.settings import Settings
        from chalicelib.store.queues import QUEUES
        from chalicelib.store.tables import PennyItem, table_definition
        from local.aws import lighten_moto
        from local.metering import observe_calls
        from local.provision import provision, provision_hold_timers, provision_messaging
        from local.sns_push import SnsPushPoller
        from sandbox.server import start_sandbox

        self._stack.enter_context(mock_aws())
        lighten_moto()  # moto kept each transaction's copy of the table, and copied streams
        self.sandbox = self._stack.enter_context(start_sandbox(
            redirect_uris=(f"{PUBLIC_URL}/oauth/{{provider}}/callback",)))
        self._stack.enter_context(_sandbox_calendars_follow(self.clock))
        self._stack.enter_context(_stripe_follows(self.clock))
        self._stack.enter_context(recording(self.briefs, lambda: self._metering))
        # Every webhook is sent once to Penny's (closed) public URL and recorded: the
        # month hands each to Penny (paid.py). No retries: Penny answers each the first time.
        self.sandbox.stripe_webhook_endpoint(f"{PUBLIC_URL}/webhooks/stripe")
        self.sandbox.stripe_webhook_retries([])
        self.sandbox.razorpay_webhook_retries(1, 0.0)
        providers = Providers.from_json(json.dumps(self.sandbox.penny_providers()),
                                        "the sandbox", deployed=False)
        provision(None, TABLE, REGION)  # type: ignore[arg-type]  # None: moto in-process
        messaging = provision_messaging(None, REGION, prefix=PREFIX)
        holds = provision_hold_timers(None, REGION, messaging.topic_arn, prefix=PREFIX)

        def client(service: str) -> Any:
            return boto3.session.Session().client(service, region_name=REGION)

        # The sample hosts sign up from one address here, from as many networks in life:
        # the per-network signup limit stays out of the way (its write is still metered).
        settings = replace(Settings(), table_name=TABLE, region=REGION,
                           dynamodb_endpoint=None, events_topic_arn=messaging.topic_arn,
                           public_base_url=PUBLIC_URL, providers=providers,
                           signups_per_window=1_000_000,
                           hold_scheduler_role_arn=holds.role_arn,
                           hold_schedule_group=holds.group)
        self.app = app_module.app
        self.app_module = app_module
        self.routes = set(self.app.routes)
        services = bootstrap.build(settings, clock=self.clock)
        bootstrap.install(services)
        sns = client("sns")
        bootstrap.install_realtime(bootstrap.build_realtime(
            services.core, self.app.websocket_api, sns_client=sns, sender=self.sender))
        self._bootstrap = bootstrap

        definition = table_definition()
        self.key_names = tuple(k["AttributeName"] for k in definition["KeySchema"])
        self.indexes = {i["IndexName"]: tuple(k["AttributeName"] for k in i["KeySchema"])
                        for i in definition.get("GlobalSecondaryIndexes", [])}
        self._reader = client("dynamodb")
        self.meter = AwsMeter(self._lookup, self.key_names, self.indexes)
        self.sender.note = self.meter.note
        self.invocations = Invocations(self.meter, app_log_level)
        self.invocations.provider_calls = self._provider_calls
        self._vendor_seen: dict[str, int] = {}
        table_client = PennyItem._get_connection().connection.client
        # The API's scheduler client is made on its first paid booking, from boto3's
        # default session: metered through the session's hooks.
        self._stack.enter_context(observe_calls(
            [table_client, sns, meter_default_session(self.meter)], self.meter.after,
            self.meter.before))
        for metered in (table_client, sns):  # moto answers inside before-send: time it
            metered.meta.events.register_first("before-send", self.meter.aws_begins)
            metered.meta.events.register_last("before-send", self.meter.aws_answered)

        self._streams = boto3.session.Session().client(  # moto's in-process streams URL
            "dynamodbstreams", region_name=REGION,
            endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com")
        self._follow_stream()
        sqs = client("sqs")
        self.holds = HoldTimers(client("scheduler"), client("sns"), holds.group, self.clock)
        self.workers = [SnsPushPoller(
            self._worker(spec.function_name), queue_url=q.url, queue_arn=q.arn, sqs=sqs,
            dlq_url=q.dlq_url, subscription_arn=q.subscription_arn,
            function_name=spec.function_name)
            for spec in QUEUES for q in [messaging.queues[spec.name]]]
        self.set_metering(True)
        return self

    def _follow_stream(self) -> None:
        from local.provision import stream_arn
        from local.stream_poller import StreamPoller

        self.stream = StreamPoller(
            self._on_stream, stream_arn=str(stream_arn(None, TABLE, REGION)),  # type: ignore[arg-type]
            streams=self._streams, batch_size=100, function_name="booking_events",
            forget_embedded_iterators=True)

    def close(self) -> None:
        self._stack.close()

    def realtime_services(self) -> Any:
        return self._bootstrap.realtime_services(self.app.websocket_api)

    # ---- metering on and off ---------------------------------------------------------

    def set_metering(self, on: bool) -> None:
        self.meter.enabled = self.invocations.enabled = self.sender.enabled = on
        self._metering = on

    @contextmanager
    def unmetered(self) -> Iterator[None]:
        was = self._metering
        self.set_metering(False)
        try:
            yield
        finally:
            self.set_metering(was)

    @contextmanager
    def weighted(self, part: str, weight: float) -> Iterator[None]:
        """The invocations inside stand for `weight` identical ones, in `part`."""
        saved = self.invocations.part, self.invocations.weight
        self.invocations.part, self.invocations.weight = part, weight
        try:
            yield
        finally:
            self.invocations.part, self.invocations.weight = saved

    def calibrate(self) -> None:
        """Time the calibration loop now: the CPU of what follows is scaled by it."""
        measured = calibrate.loop_ms()
        self.loop_ms.append(measured)
        self.invocations.cpu_factor = calibrate.factor(measured)

    def add_connection_minutes(self, part: str, minutes: float) -> None:
        if self._metering:
            self.connection_minutes[part] = self.connection_minutes.get(part, 0.0) + minutes

    def _provider_calls(self) -> tuple[str, ...]:
        """The vendor API calls made since the last time this was asked."""
        if self.sandbox is None:
            return ()
        now: dict[str, int] = {}
        for provider in OAUTH_VENDORS:
            for operation, n in self.sandbox.api_call_counts(provider).items():
                now[f"{provider}.{operation}"] = n
            now[f"{provider}.token"] = self.sandbox.token_requests(provider)
        for vendor in PAYMENT_VENDORS:
            for endpoint, n in getattr(self.sandbox, f"{vendor}_api_call_counts")().items():
                now[f"{vendor}.{endpoint}"] = n
        # Every request that reached generateContent (an answer, a 429, a refusal).
        now[GEMINI_CALL] = self.sandbox.gemini_calls()
        made = tuple(call for call, n in now.items()
                     for _ in range(n - self._vendor_seen.get(call, 0)))
        self._vendor_seen = now
        return made

    def _lookup(self, key: dict[str, Any]) -> dict[str, Any] | None:
        item = self._reader.get_item(TableName=TABLE, Key=key, ConsistentRead=True)
        return item.get("Item")  # type: ignore[no-any-return]

    # ---- HTTP through the Function URL -----------------------------------------------

    def http(self, method: str, path: str, *, token: str | None = None,
             body: Any = None, headers: dict[str, str] | None = None,
             accept_encoding: str | None = BROWSER_ENCODINGS
             ) -> tuple[int, dict[str, str], str]:
        import base64
        import gzip

        from chalicelib.functions.function_url import match_route
        from local.api import function_url_event
        from local.lambda_runtime import LambdaContext

        sent = {"host": HOST_HEADER, "accept": "*/*", "user-agent": "penny-cost-model",
                **({"accept-encoding": accept_encoding} if accept_encoding else {}),
                **(headers or {})}
        data = None
        if body is not None:
            sent["content-type"] = "application/json"
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        if token:
            sent["authorization"] = f"Bearer {token}"
        event = function_url_event(method, path, sent, data)
        matched = match_route(self.routes, path.split("?")[0])
        label = f"{method} {matched[0] if matched else path}"
        response = self.invocations.invoke("api_handler", label, self.app, event,
                                           LambdaContext("api_handler"))
        text = response.get("body") or ""
        raw = base64.b64decode(text) if response.get("isBase64Encoded") else text.encode()
        out_headers = dict(response.get("headers") or {})
        self.last_cookies = list(response.get("cookies") or []) + [
            v for k, v in out_headers.items() if k.lower() == "set-cookie"]
        plain = gzip.decompress(raw) if out_headers.get("Content-Encoding") == "gzip" else raw
        head = _header_bytes(int(response["statusCode"]), out_headers,
                             response.get("cookies") or [])
        self.invocations.amend(bytes_out=head + len(raw), bytes_identity=head + len(plain))
        return (int(response["statusCode"]), out_headers,
                plain.decode("utf-8", "replace"))

    def http_json(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        status, _, text = self.http(method, path, **kwargs)
        return status, json.loads(text) if text else None

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        status, body = self.http_json(method, path, **kwargs)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {body}")
        return body

    def connect(self, provider: str, token: str, features: list[str],
                account: str | None = None) -> None:
        """The host connects `provider` for `features` the way a browser does: Connect,
        the sandbox's consent page (as `account`, or its first), Penny's callback."""
        from urllib.parse import urlsplit

        from sandbox.testing import consent

        status, _, body = self.http("POST", f"/me/connections/{provider}", token=token,
                                    body={"features": features})
        if status != 200:
            raise RuntimeError(f"connecting {provider}: {status} {body[:200]}")
        binding = next(c.split(";")[0] for c in self.last_cookies if "Path=/oauth/" in c)
        back = urlsplit(consent(json.loads(body)["authorize_url"], account=account))
        status, _, body = self.http("GET", f"{back.path}?{back.query}",
                                    headers={"cookie": binding})
        if status >= 400:
            raise RuntimeError(f"connecting {provider}: {status} {body[:200]}")

    # ---- WebSocket routes ------------------------------------------------------------

    def _ws(self, route: str, kind: str, socket: str, **extra: Any) -> Any:
        from local.lambda_runtime import LambdaContext

        name = {"$connect": "ws_connect", "$default": "ws_message"}[route]
        event = {"requestContext": {"routeKey": route, "eventType": kind,
                                    "connectionId": socket, "domainName": "ws.example",
                                    "stage": "api", "apiId": "cost"}, **extra}
        return self.invocations.invoke(name, route, getattr(self.app_module, name), event,
                                       LambdaContext(name))

    def ws_connect(self, query: dict[str, str]) -> str:
        socket = uuid.uuid4().hex[:16]
        response = self._ws("$connect", "CONNECT", socket,
                            queryStringParameters=query, headers={})
        if int(response.get("statusCode", 200)) != 200:
            raise RuntimeError(f"$connect refused: {response}")
        return socket

    def ws_message(self, socket: str, body: str) -> None:
        self._ws("$default", "MESSAGE", socket, body=body)
        self.invocations.amend(ws_in_units=chunks(len(body.encode()), WS_UNIT))

    def ws_close(self, socket: str) -> None:
        """The client closes the socket: no function runs (Penny has no $disconnect), and
        a later post to it fails, as API Gateway's does, deleting its record."""
        self.sender.gone.add(socket)

    def ws_forget(self, host_id: str, socket: str) -> None:
        """Delete a socket's record (call it unmetered): for a socket that stands in for
        one the month counts elsewhere, so that it leaves nothing behind."""
        sockets = self.realtime_services().realtime.sockets
        sockets.remove(host_id, [s for s in sockets.for_host(host_id, self.clock.now())
                                 if s.socket_id == socket])

    # ---- the stream and the workers ---------------------------------------------------

    def _on_stream(self, event: dict[str, Any], context: Any) -> None:
        for record in event["Records"]:
            if self.passes is not None and not self.passes(record.get("dynamodb", {})):
                continue  # the event source's filter: no invocation at all
            self.stream_invocations += 1  # ids for the sender: metered or not
            self.sender.invocation = self.stream_invocations
            units0, posts0 = self.sender.units, self.sender.bytes
            self.invocations.invoke("booking_events", "stream", self.app_module.booking_events,
                                    {"Records": [record]}, context)
            sent = self.sender.bytes - posts0
            self.invocations.amend(ws_out_units=self.sender.units - units0, bytes_out=sent,
                                   bytes_identity=sent)
            self.sender.invocation = 0

    def _worker(self, name: str) -> Any:
        def handle(event: dict[str, Any], context: Any) -> Any:
            # Only premium hosts' bookings reach the brief worker, and only bookings with
            # notes the notes worker (their SNS filters): the sample's premium host stands
            # for premium_share of all hosts, its host who keeps notes for notes_share.
            weight = self.invocations.weight * {
                "summary_worker": self.premium_weight,
                "notes_worker": self.notes_weight}.get(name, 1.0)
            with self.weighted(self.invocations.part, weight):
                return self.invocations.invoke(name, "sns", getattr(self.app_module, name),
                                               event, context)
        return handle

    def fire_schedules(self) -> int:
        """EventBridge Scheduler runs the hold timers due by the month's clock: each
        publishes to the topic (pump() then takes it to the payments worker)."""
        inv = self.invocations
        return self.holds.fire(inv.part, inv.weight, inv.host, self._metering)

    def pump(self) -> int:
        """Deliver everything pending: stream changes, worker events, their changes."""
        moved_total = 0
        for _ in range(5):
            moved = 0
            while (n := self.stream.poll_once()):
                moved += n
            for worker in self.workers:
                while (n := worker.poll_once()):
                    moved += n
            moved_total += moved
            if not moved:
                break
        return moved_total

    # ---- storage ---------------------------------------------------------------------

    def _items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in self._reader.get_paginator("scan").paginate(TableName=TABLE):
            items.extend(page["Items"])
        return items

    def stored(self) -> tuple[int, int]:
        """Bytes the table holds now: (kept for good, expiring by TTL)."""
        from chalicelib.store.tables import TTL_ATTRIBUTE

        items = self._items()
        expiring = [i for i in items if TTL_ATTRIBUTE in i]
        kept = [i for i in items if TTL_ATTRIBUTE not in i]
        return storage_bytes(kept, self.indexes), storage_bytes(expiring, self.indexes)

    def empty_table(self) -> tuple[int, int]:
        """What the table holds (`stored`); then a new, empty table for the next host.

        Hosts share nothing. moto copies the whole table, stream included, for every
        transaction and scans every item for an index query, so a table kept across
        hosts would make the run slower and slower; a fresh one per host keeps it flat.
        """
        from local.provision import provision

        with self.unmetered():
            self.pump()
            stored = self.stored()
            self._reader.delete_table(TableName=TABLE)
            self.holds.forget()  # the timers of holds that went with the table
            provision(None, TABLE, REGION)  # type: ignore[arg-type]
            self._follow_stream()
        return stored


# The sandbox's calendar modules that read the time: push channels expire, events are
# stamped, by the month's clock (a month simulated in minutes would otherwise see every
# channel expire on day 7 and renew it on every request after).
SANDBOX_CALENDAR_MODULES = ("sandbox.google_calendar", "sandbox.calendar_store",
                            "sandbox.calendar_model", "sandbox.graph_subscriptions")


@contextmanager
def _sandbox_calendars_follow(clock: SimClock) -> Iterator[None]:
    import importlib

    class SimulatedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return clock.current if tz is None else clock.current.astimezone(tz)

    modules = [importlib.import_module(name) for name in SANDBOX_CALENDAR_MODULES]
    saved = [module.datetime for module in modules]
    for module in modules:
        module.datetime = SimulatedDatetime  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module, original in zip(modules, saved, strict=True):
            module.datetime = original  # type: ignore[attr-defined]


@contextmanager
def _stripe_follows(clock: SimClock) -> Iterator[None]:
    """The fake Stripe's clock (sessions made, expiring) and Penny's Stripe adapter's
    (a session's least lifetime, from now) read the month's time; webhook signatures stay
    in real time on both sides (both check them against the wall clock)."""
    import importlib

    class SimulatedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return clock.current if tz is None else clock.current.astimezone(tz)

    patches = [(importlib.import_module("sandbox.stripe_objects"), "now",
                lambda: int(clock.current.timestamp())),
               (importlib.import_module("chalicelib.integrations.stripe_payments"), "datetime",
                SimulatedDatetime)]
    saved = [getattr(module, name) for module, name, _ in patches]
    for module, name, value in patches:
        setattr(module, name, value)
    try:
        yield
    finally:
        for (module, name, _), original in zip(patches, saved, strict=True):
            setattr(module, name, original)


def _header_bytes(status: int, headers: dict[str, str], cookies: list[str]) -> int:
    """An HTTP/1.1 answer's status line and headers as sent, with those the Function URL
    adds (HTTP/2's header compression would make them smaller: this errs high)."""
    lines = [f"HTTP/1.1 {status} OK", *(f"{k}: {v}" for k, v in headers.items()),
             *(f"Set-Cookie: {c}" for c in cookies)]
    return sum(len(line.encode()) + 2 for line in lines) + 2 + FUNCTION_URL_HEADER_BYTES
