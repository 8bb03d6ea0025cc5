"""Penny's Lambdas wired to the embedded AWS, with every billable thing counted.

The embedded AWS is moto, in-process (as bench/event_requests.py runs it: no sockets, so
a sample month takes minutes), provisioned from the same definitions as production
(local/provision.py); moto's own time on the caller's thread is timed and kept out of
the handlers' CPU. The app is built by its own composition root with a clock the
simulation moves (sim_clock.py, which the sandbox follows). The harness plays the AWS
services around the Lambdas: the Function URL (function_url.py), API Gateway's WebSocket
routes (websocket_routes.py), the stream, SNS's push to the workers and EventBridge
Scheduler (event_sources.py). Only the clients the Lambda code uses are metered
(metering_switch.py turns it on and off); the harness reads the stream, the delivery
queues and the table (stored_items.py) through its own. Vendor calls and their
requests' bytes are counted by the sandbox (vendor_calls.py), and each brief Gemini
answers is kept with its usage metadata (briefs.py).
"""

from __future__ import annotations

import json
import os
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bench.costing.briefs import BriefTokens, recording
from bench.costing.counting_sender import CountingSender
from bench.costing.event_sources import EventSources, stream_filter
from bench.costing.function_url import FunctionUrl
from bench.costing.holds import HoldTimers, meter_default_session
from bench.costing.lambdas import Invocations
from bench.costing.meter import AwsMeter
from bench.costing.metering_switch import MeteringSwitch
from bench.costing.sim_clock import SimClock, sandbox_calendars_follow, stripe_follows
from bench.costing.stack_names import PREFIX, PUBLIC_URL, REGION, TABLE
from bench.costing.stored_items import StoredItems
from bench.costing.vendor_calls import PAYMENT_VENDORS, VendorCalls
from bench.costing.websocket_routes import WebSocketRoutes

# Where the harness's importers find them.
__all__ = ["PAYMENT_VENDORS", "PUBLIC_URL", "Harness"]


class Harness(MeteringSwitch, FunctionUrl, WebSocketRoutes, EventSources, StoredItems,
              VendorCalls):
    """The embedded stack, started by `start`; each mixin is one thing it plays or counts."""

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
        self._stack.enter_context(sandbox_calendars_follow(self.clock))
        self._stack.enter_context(stripe_follows(self.clock))
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
        self.meter = AwsMeter(self._lookup, self.key_names, self.indexes,
                                self._read_unfiltered)
        self.sender.note = self.meter.note
        self.invocations = Invocations(self.meter, app_log_level)
        self.invocations.provider_calls = self._provider_calls
        self.invocations.vendor_bytes = self._vendor_bytes
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

    def close(self) -> None:
        self._stack.close()

