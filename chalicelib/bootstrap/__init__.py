"""The composition root: the one place that picks adapters and wires services.

A cached core (settings, clock, the table, the provider registry) and one builder per
kind of function, each wiring only what its functions use:

- `build_api`: the HTTP API and the pages (one Lambda): accounts, profiles, booking,
  the pages' and the browser session's few services, the webhook edge's;
- `build_realtime`: the WebSocket routes and the table stream: sockets, tickets, the
  fan-out;
- `build_worker`: one worker of the list (store/queues.py): its job and the job records.

So the API Lambda never builds a job, and a worker never builds the API's services: a
worker's vendor SDK is imported by its job's module, which only `build_worker` names.
Adapters that act for a host (a calendar, later a video or notes account) are made per
host by a registry (`HostAdapters`), never held as singletons.

Each is built once per Lambda container, on first use, so a cold start pays only for
what the first request needs. Tests build their own (`build(settings, clock=...)`) and
`install()` it.

One module a concept: `shared_core` (the core, the clock, `Once`), `host_adapters`,
`connections`, `accounts`, `api_services` and `api`, `payments`, `realtime`, `workers`,
and `container` (this container's instances, the only copy of each, and `install()`).
This package names what the rest of Penny uses; a test that replaces a module's name
replaces it in the module that reads it.
"""

from chalicelib.bootstrap.api import build, build_api
from chalicelib.bootstrap.api_services import ApiServices, EdgeServices
from chalicelib.bootstrap.connections import build_connections
from chalicelib.bootstrap.container import (
    LoginSocketsOnLogout,
    core,
    environment_settings,
    install,
    install_realtime,
    realtime_services,
    services,
    worker,
)
from chalicelib.bootstrap.host_adapters import (
    CALENDAR_ADAPTERS,
    NOTES_ADAPTERS,
    VIDEO_ADAPTERS,
    HostAdapters,
)
from chalicelib.bootstrap.payments import (
    API_PAYMENT_CALLS,
    WORKER_PAYMENT_CALLS,
    PaymentCalls,
    build_payment_accounts,
    build_payments,
)
from chalicelib.bootstrap.realtime import RealtimeServices, build_realtime
from chalicelib.bootstrap.shared_core import Core, Once, SystemClock, build_core
from chalicelib.bootstrap.workers import NoCalendars, NoLogins, build_briefs, build_worker

__all__ = [
    "API_PAYMENT_CALLS",
    "CALENDAR_ADAPTERS",
    "NOTES_ADAPTERS",
    "VIDEO_ADAPTERS",
    "WORKER_PAYMENT_CALLS",
    "ApiServices",
    "Core",
    "EdgeServices",
    "HostAdapters",
    "LoginSocketsOnLogout",
    "NoCalendars",
    "NoLogins",
    "Once",
    "PaymentCalls",
    "RealtimeServices",
    "SystemClock",
    "build",
    "build_api",
    "build_briefs",
    "build_connections",
    "build_core",
    "build_payment_accounts",
    "build_payments",
    "build_realtime",
    "build_worker",
    "core",
    "environment_settings",
    "install",
    "install_realtime",
    "realtime_services",
    "services",
    "worker",
]
