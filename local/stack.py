"""`make run`: the whole of Penny on one machine, no AWS account needed.

    python -m local.stack [--host 127.0.0.1] [--api-port 8000] [--aws-port 4566]
                          [--ws-port 8001]

Starts an embedded AWS, provisions the table, topic, queues and the hold timers'
schedule group from the shared definitions, serves the Chalice app over HTTP and its
WebSocket handlers through a gateway that behaves like API Gateway's, starts a poller per
queue and stream handler the app registers (what Lambda's event source mappings do in
AWS) and one running the due hold timers (what EventBridge Scheduler does), seeds a demo
host through the API (its payment platforms the provider sandbox's fake Stripe and
Razorpay, their webhooks pointed at this stack) and prints where to click. E-mail Penny
sends (password resets) stays in the embedded SES, listed at {aws}/_outbox. A port of 0
picks a free one. Ctrl-C or SIGTERM stops everything and exits 0.
"""

from __future__ import annotations

import errno
import faulthandler
import logging
import os
import signal
import sys
from contextlib import ExitStack

from chalice.config import Config

from chalicelib.provider_settings import ProviderSettingsError
from chalicelib.store.stream import passes_filter
from local.api import ApiServer
from local.aws import EmbeddedAWS
from local.banner import banner, set_up_providers
from local.demo_host import seed_demo
from local.event_sources import pollers_for_app
from local.provision import (
    provision,
    provision_email,
    provision_hold_timers,
    provision_messaging,
    stream_arn,
)
from local.seed import SeedError
from local.stack_environment import (
    REGION,
    TABLE,
    configure_environment,
    load_app,
    sandbox_providers,
)
from local.stack_options import parse_args, taken_ports
from local.stop_signals import Stopped, stop_on, wait_for_signal
from local.ws_gateway import WebSocketGateway

# Where the tests, bench/ and infra/premium.py find them.
__all__ = ["REGION", "TABLE", "main"]

READY_MARKER = "PENNY_STACK_READY"

def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, __doc__)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("local").setLevel(logging.INFO)
    # Penny's own lines as a deployed function writes them: JSON with the request,
    # booking and event keys (chalicelib/integrations/logs.py), on stderr beside the
    # stack's plain lines; POWERTOOLS_LOG_LEVEL sets the level (INFO).
    from chalicelib.integrations import logs

    logs.configure(sys.stderr)
    stop_on(signal.SIGINT, signal.SIGTERM)
    # `kill -USR1 <pid>` prints every thread's stack: what a stack that will not stop waits on.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    unusable = taken_ports(args)
    if unusable:
        return _fail(unusable)
    try:
        with ExitStack() as running:
            aws = EmbeddedAWS(args.host, args.aws_port).start()
            running.callback(aws.stop)
            provision(aws.url, TABLE, REGION)
            messaging = provision_messaging(aws.url, REGION)
            holds = provision_hold_timers(aws.url, REGION, messaging.topic_arn)
            sender = provision_email(aws.url, REGION)
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
            provider_entries = sandbox_providers(sandbox_entries)
            env = configure_environment(
                aws_url=aws.url,
                api_url=api.url,
                ws_endpoint=gateway.url,
                messaging=messaging,
                table_stream=table_stream,
                providers=provider_entries,
                holds=holds,
                email_sender=sender,
            )
            # Read as the API reads them: a half-configured provider stops here, saying which.
            providers = set_up_providers()
            config = Config.create(chalice_stage="dev", app_name="penny", environment_variables=env)
            app = load_app()
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
            demo = seed_demo(api.url, providers_sandbox, sandbox_entries, provider_entries)
            print(banner(api.url, gateway.ws_url, demo, providers, providers_sandbox.url,
                         aws.url), flush=True)
            print(
                f"{READY_MARKER} api={api.url} aws={aws.url} ws={gateway.ws_url}", flush=True
            )
            wait_for_signal()
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



if __name__ == "__main__":
    code = main()
    # Everything is stopped by now. Skip the interpreter's teardown: after a long session
    # the embedded AWS holds hundreds of thousands of objects (items, stream records),
    # and freeing them one by one at exit took longer than Ctrl-C should.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
