"""`make run`: the whole of Penny on one machine, no AWS account needed.

    python -m local.stack [--host 127.0.0.1] [--api-port 8000] [--aws-port 4566]
                          [--ws-port 8001]

Starts an embedded AWS, provisions the table, topic, queues and the hold timers'
schedule group from the shared definitions, serves the Chalice app over HTTP and its
WebSocket handlers through a gateway that behaves like API Gateway's, starts a poller per
queue and stream handler the app registers (what Lambda's event source mappings do in
AWS) and one running the due hold timers (what EventBridge Scheduler does), seeds a demo
host through the API (its payment platforms the provider sandbox's fake Stripe and
Razorpay, their webhooks pointed at this stack) and prints where to click. A port of 0
picks a free one. Ctrl-C or SIGTERM stops everything and exits 0.
"""

from __future__ import annotations

import argparse
import errno
import faulthandler
import importlib
import json
import logging
import os
import signal
import socket
import sys
import threading
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from chalice import Chalice
from chalice.config import Config

from chalicelib.provider_settings import ProviderSettingsError
from chalicelib.store.stream import passes_filter
from local.api import ApiServer
from local.aws import EmbeddedAWS
from local.event_sources import pollers_for_app
from local.provision import (
    HoldTimers,
    Messaging,
    provision,
    provision_hold_timers,
    provision_messaging,
    stream_arn,
)
from local.seed import EMAIL, PASSWORD, SLUG, Demo, PaymentSandbox, SeedError, seed
from local.ws_gateway import WebSocketGateway

if TYPE_CHECKING:
    from sandbox.server import ProviderSandbox

REPO_ROOT = Path(__file__).resolve().parent.parent
TABLE = "penny-local"
REGION = "us-east-1"
READY_MARKER = "PENNY_STACK_READY"


class Stopped(BaseException):
    """Raised in the main thread by SIGINT/SIGTERM, to unwind through the clean-up.

    A BaseException, like KeyboardInterrupt, so no `except Exception` on the way
    (in requests, boto3 or the seed) can swallow it.
    """


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("local").setLevel(logging.INFO)
    # Penny's own lines as a deployed function writes them: JSON with the request,
    # booking and event keys (chalicelib/integrations/logs.py), on stderr beside the
    # stack's plain lines; POWERTOOLS_LOG_LEVEL sets the level (INFO).
    from chalicelib.integrations import logs

    logs.configure(sys.stderr)
    _stop_on(signal.SIGINT, signal.SIGTERM)
    # `kill -USR1 <pid>` prints every thread's stack: what a stack that will not stop waits on.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    unusable = _taken_ports(args)
    if unusable:
        return _fail(unusable)
    try:
        with ExitStack() as running:
            aws = EmbeddedAWS(args.host, args.aws_port).start()
            running.callback(aws.stop)
            provision(aws.url, TABLE, REGION)
            messaging = provision_messaging(aws.url, REGION)
            holds = provision_hold_timers(aws.url, REGION, messaging.topic_arn)
            table_stream = stream_arn(aws.url, TABLE, REGION)
            api = ApiServer(args.host, args.api_port)
            running.callback(api.shutdown)
            gateway = WebSocketGateway(args.host, args.ws_port, region=REGION)
            running.callback(gateway.stop)
            # The provider sandbox (sandbox/): fake Google, Microsoft, Zoom and Notion
            # that send their consent pages back to this stack's callbacks, and fake
            # Stripe (its webhooks sent to this stack, as its dashboard would) and Razorpay.
            from sandbox import start_sandbox

            providers_sandbox = start_sandbox(
                args.host, args.sandbox_port,
                redirect_uris=(f"{api.url}/oauth/{{provider}}/callback",))
            running.callback(providers_sandbox.stop)
            providers_sandbox.stripe_webhook_endpoint(f"{api.url}/webhooks/stripe")
            sandbox_entries = providers_sandbox.penny_providers()
            provider_entries = _sandbox_providers(sandbox_entries)
            env = _configure_environment(
                aws_url=aws.url,
                api_url=api.url,
                ws_endpoint=gateway.url,
                messaging=messaging,
                table_stream=table_stream,
                providers=provider_entries,
                holds=holds,
            )
            # Read as the API reads them: a half-configured provider stops here, saying which.
            providers = _providers()
            config = Config.create(chalice_stage="dev", app_name="penny", environment_variables=env)
            app = _load_app()
            api.serve(app, config)
            gateway.start(app)
            pollers = pollers_for_app(
                app, aws_url=aws.url, region=REGION, messaging=messaging,
                stream_arn=table_stream, schedule_group=holds.group,
                stream_filter=passes_filter,  # infra/'s event source filter, one definition
            )
            for poller in pollers:
                poller.start()
                running.callback(poller.stop)
            demo = _seed_demo(api.url, providers_sandbox, sandbox_entries, provider_entries)
            print(_banner(api.url, gateway.ws_url, demo, providers, providers_sandbox.url),
                  flush=True)
            print(
                f"{READY_MARKER} api={api.url} aws={aws.url} ws={gateway.ws_url}", flush=True
            )
            _wait_for_signal()
    except Stopped:
        print("\nPenny local stack stopped.", flush=True)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        ports = (
            f"--api-port {args.api_port} / --aws-port {args.aws_port} / --ws-port {args.ws_port}"
            f" / --sandbox-port {args.sandbox_port}"
        )
        return _fail(f"a port is already in use ({ports}); choose others, or 0 for free ones")
    except SeedError as exc:
        return _fail(f"seeding the demo host failed: {exc}")
    except ProviderSettingsError as exc:
        return _fail(str(exc))
    return 0


def _fail(message: str) -> int:
    print(f"local.stack: {message}", file=sys.stderr, flush=True)
    return 1


# Each port's option and the environment variable `make run` reads it from.
PORTS = (("api_port", "PENNY_API_PORT"), ("aws_port", "PENNY_AWS_PORT"),
         ("ws_port", "PENNY_WS_PORT"), ("sandbox_port", "PENNY_SANDBOX_PORT"))


def _taken_ports(args: argparse.Namespace) -> str:
    """Why the asked-for ports cannot be listened on, each named with its settings ("" if
    they all can), and what to do.

    Checked before anything starts: the embedded AWS and the sandbox are werkzeug
    servers, which print their own advice and exit when their port is taken, naming
    neither the option nor the variable (4566 is LocalStack's port too).
    """
    problems, hint = [], ""
    for option, variable in PORTS:
        port = getattr(args, option)
        if port == 0:
            continue
        where = f"port {port} (--{option.replace('_', '-')}, {variable})"
        try:
            family = socket.getaddrinfo(args.host, port, type=socket.SOCK_STREAM)[0][0]
            socket.create_server((args.host, port), family=family).close()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                problems.append(f"{where} is already in use")
                hint = hint or f"e.g. {variable}={port + 1} make run"
            else:
                problems.append(f"{where} on {args.host}: {exc.strerror or exc}")
    if not problems:
        return ""
    return "; ".join(problems) + (f"; choose others (or 0 for free ones), {hint}"
                                  if hint else "")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.stack", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--api-port", type=int, default=int(os.environ.get("PENNY_API_PORT", "8000"))
    )
    parser.add_argument(
        "--aws-port", type=int, default=int(os.environ.get("PENNY_AWS_PORT", "4566"))
    )
    parser.add_argument(
        "--ws-port", type=int, default=int(os.environ.get("PENNY_WS_PORT", "8001"))
    )
    parser.add_argument(
        "--sandbox-port", type=int, default=int(os.environ.get("PENNY_SANDBOX_PORT", "8002"))
    )
    return parser.parse_args(argv)


def _wait_for_signal() -> None:
    """Sleep until SIGINT/SIGTERM raises Stopped (from the handler, in this thread).

    In short naps, never one endless wait: the kernel may deliver the signal to any of
    the stack's threads, and Python then runs the handler only when the main thread next
    executes bytecode; a main thread parked in an untimed lock wait would never do so
    (seen under load: Ctrl-C ignored for good).
    """
    nap = threading.Event()
    while True:
        nap.wait(0.25)


def _stop_on(*signals: signal.Signals) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        # Ignore repeats so a second Ctrl-C cannot interrupt the clean-up itself.
        for sig in signals:
            signal.signal(sig, signal.SIG_IGN)
        raise Stopped

    for sig in signals:
        signal.signal(sig, handler)


def _configure_environment(
    aws_url: str,
    api_url: str,
    ws_endpoint: str,
    messaging: Messaging,
    table_stream: str | None,
    providers: str,
    holds: HoldTimers,
) -> dict[str, str]:
    """What the Lambda environment holds in AWS; must be set before the app is imported."""
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        # Every AWS client without an explicit endpoint (DynamoDB, SNS, SQS, streams, SSM)
        # talks to the embedded AWS.
        "AWS_ENDPOINT_URL": aws_url,
        "AWS_ENDPOINT_URL_DYNAMODB": aws_url,
        "PENNY_TABLE": TABLE,
        "PENNY_STAGE": "local",
        # The public development key and link secret: only here and in the tests.
        "PENNY_DEVELOPMENT_SECRETS": "1",
        "PENNY_PUBLIC_URL": api_url,
        "PENNY_EVENTS_TOPIC_ARN": messaging.topic_arn,
        # The WebSocket management API (POST /@connections/{id}): the local gateway.
        "PENNY_WEBSOCKET_ENDPOINT": ws_endpoint,
        # Where browsers connect (the dashboard renders it): the same gateway, as ws://.
        "PENNY_WEBSOCKET_URL": "ws" + ws_endpoint.removeprefix("http"),
        # Every local client is 127.0.0.1: the per-network signup and failed-login limits
        # would be one limit for everyone (the e2e tests and the fuzzer sign up dozens of
        # hosts, and try wrong passwords).
        "PENNY_SIGNUPS_PER_WINDOW": "1000",
        "PENNY_LOGIN_FAILURES_PER_NETWORK": "1000",
        "PENNY_PROVIDERS": providers,
        # A paid booking's hold timer: a one-time schedule in the embedded AWS, which the
        # stack's schedule poller runs when due (local/schedule_poller.py).
        "PENNY_HOLD_SCHEDULER_ROLE_ARN": holds.role_arn,
        "PENNY_HOLD_SCHEDULE_GROUP": holds.group,
    }
    if table_stream is not None:
        env["PENNY_TABLE_STREAM_ARN"] = table_stream
    os.environ.update(env)
    # A developer's real AWS session must not leak in through boto3's credential chain.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    return env


def _load_app() -> Chalice:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    app = importlib.import_module("app").app
    if not isinstance(app, Chalice):
        raise TypeError(f"app.app is a {type(app).__name__}, not a Chalice app")
    return app


def _providers() -> str:
    """The providers set up for this run (PENNY_PROVIDERS from the shell), for the banner."""
    from chalicelib import bootstrap

    available = sorted(bootstrap.environment_settings().providers.available)
    if not available:
        return 'none set up: each platform says "not available" (PENNY_PROVIDERS)'
    return f"{', '.join(available)} (PENNY_PROVIDERS)"


def _sandbox_providers(sandbox_entries: dict[str, dict[str, str]]) -> str:
    """PENNY_PROVIDERS: the shell's own, when set (to try an entry of your own), or the
    sandbox's providers, each pointed at the sandbox by its base_url."""
    return os.environ.get("PENNY_PROVIDERS") or json.dumps(sandbox_entries)


def _seed_demo(api_url: str, sandbox: ProviderSandbox,
               sandbox_entries: dict[str, dict[str, str]], provider_entries: str) -> Demo:
    """The demo host, paid through the sandbox's Stripe and Razorpay (each unless your
    own PENNY_PROVIDERS replaced it); its Razorpay webhook then points at this stack, as
    the host sets it in Razorpay's dashboard from Penny's answer."""
    used = json.loads(provider_entries)
    merchant = sandbox.razorpay_merchant()
    razorpay = used.get("razorpay") == sandbox_entries.get("razorpay")
    demo = seed(api_url, payments=PaymentSandbox(
        stripe=used.get("stripe") == sandbox_entries.get("stripe"),
        razorpay_keys={"key_id": merchant.key_id, "key_secret": merchant.key_secret,
                       "webhook_secret": merchant.webhook_secret} if razorpay else None))
    if demo.razorpay_webhook_url is not None:
        sandbox.razorpay_webhook(merchant.key_id, demo.razorpay_webhook_url)
    if used.get("gemini") == sandbox_entries.get("gemini"):
        # The operator's switch (make premium), so the demo shows the brief: its
        # bookings go to the sandbox's Gemini once the host connects Notion.
        from chalicelib import bootstrap
        from chalicelib.store.hosts import HostRepository

        bootstrap.core()  # the table, as the API reads it
        HostRepository().set_premium(SLUG, True)
    return demo


def _paid_lines(api_url: str, demo: Demo, sandbox_url: str) -> str:
    """How to pay in the sandbox: no real money moves, and only the signed webhook the
    sandbox then sends confirms the booking."""
    if not demo.paid_event_types:
        return ("\n  Paid bookings    none seeded: your PENNY_PROVIDERS has no sandbox Stripe or "
                "Razorpay\n")
    from chalicelib import bootstrap

    hold = bootstrap.environment_settings().payment_hold_seconds // 60
    return f"""
Paid bookings (the sandbox's checkout pages: no real money moves):

  {api_url}/{SLUG}/consult      USD 150.00 with Stripe: on its checkout page
      card 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined
  {api_url}/{SLUG}/consult-in   INR 1,500.00 with Razorpay: its Pay button pays
  A booking holds its time for {hold} minutes; once paid, the sandbox's signed webhook
  confirms it. What was paid and sent: {sandbox_url}/stripe/_sandbox
  and {sandbox_url}/razorpay/_sandbox
"""


def _banner(api_url: str, ws_url: str, demo: Demo, providers: str, sandbox_url: str) -> str:
    start = demo.first_slot or "<a slot start from the slots URL>"
    return f"""
Penny is running locally.

  Booking page     {api_url}/{SLUG}/intro      (open it in a browser)
  Dashboard        {api_url}/app             (log in as the demo host, below)
  API              {api_url}   (as the Lambda Function URL serves it)
  WebSocket        {ws_url}/?token=<access token>
  OpenAPI          {api_url}/openapi.json
  Demo profile     {demo.profile_url}
  Slots (7 days)   {demo.slots_url}
  Demo login       {EMAIL} / {PASSWORD}   (POST {api_url}/auth/login)
  Providers        {providers}
  Provider sandbox {sandbox_url}   (fake Google, Microsoft, Zoom, Notion, Stripe,
                   Razorpay, Gemini: what Penny did there)
  Client notes     connect Notion on the dashboard's Connections page (the sandbox
                   shares its "Client notes" database); the demo host is premium, so
                   each booking also gets a Gemini brief (the sandbox's, offline)
{_paid_lines(api_url, demo, sandbox_url)}
Book the first free intro call:

  curl -sS -X POST '{demo.booking_url}' \\
    -H 'Content-Type: application/json' -H 'Idempotency-Key: try-me-1' \\
    -d '{{"start": "{start}",
         "attendee": {{"name": "Ada Client", "email": "ada@example.com",
                      "timezone": "Europe/London"}},
         "answers": {{"topic": "Getting started"}}}}'

Press Ctrl-C to stop.
"""


if __name__ == "__main__":
    code = main()
    # Everything is stopped by now. Skip the interpreter's teardown: after a long session
    # the embedded AWS holds hundreds of thousands of objects (items, stream records),
    # and freeing them one by one at exit took longer than Ctrl-C should.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
