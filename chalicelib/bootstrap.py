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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.settings import Settings


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


# ---- the core: what every function kind shares --------------------------------------


@dataclass(frozen=True)
class Core:
    settings: Settings
    clock: Clock

    @property
    def providers(self) -> Providers:
        """The provider registry: each provider's settings entry, None when it is off."""
        return self.settings.providers


def build_core(settings: Settings | None = None, clock: Clock | None = None) -> Core:
    from chalicelib.store import tables

    settings = settings or environment_settings()
    tables.configure(settings.table_name, settings.region, settings.dynamodb_endpoint)
    return Core(settings, clock or SystemClock())


# Each provider's adapters, by import path (so reading this imports no vendor SDK):
# made per host, per use, with that host's tokens (HostAdapters).
CALENDAR_ADAPTERS = {
    "google": "chalicelib.integrations.google_calendar:GoogleCalendar",
    "microsoft": "chalicelib.integrations.graph_calendar:GraphCalendar",
}
VIDEO_ADAPTERS = {
    "zoom": "chalicelib.integrations.zoom_meetings:ZoomMeetings",
}
NOTES_ADAPTERS = {
    "notion": "chalicelib.integrations.notion_notes:NotionNotes",
    "google": "chalicelib.integrations.google_docs_notes:GoogleDocsNotes",
}


def _load(path: str) -> Any:
    from importlib import import_module

    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


def _home_zone(host_id: str) -> tzinfo:
    """The host's own zone (their profile's): one GetItem. UTC, logged, if it cannot be
    read (a throttled read): the calendar read it serves goes on, as Outlook's all-day
    events were read before, rather than failing the slots page or the booking."""
    import logging
    from zoneinfo import ZoneInfo

    from chalicelib.store.hosts import HostRepository

    try:
        return ZoneInfo(HostRepository().timezone(host_id) or "UTC")
    except Exception:
        logging.getLogger("penny.calendars").warning(
            "the host's zone could not be read; all-day events placed in UTC", exc_info=True)
        return UTC


class HostAdapters:
    """The `ProviderAdapters` port of services/calendar_ports.py: the host's adapter for
    a provider, made with the host's access token (refreshed when due, and once more
    when the provider refuses it). The connection service is built on first use, so a
    host with no calendars never loads the token cipher."""

    def __init__(self, core: Core, connections: Callable[[], ConnectionService]) -> None:
        self._core = core
        self._connections = connections

    def _token(self, host_id: str, provider: str) -> Callable[[bool], str]:
        connections = self._connections()
        last: list[str | None] = [None]
        unused = [True]

        def token(again: bool) -> str:
            if not again and unused[0] and last[0] is not None:
                unused[0] = False  # the one read below, not a second read of the store
                return last[0]
            fresh = connections.access_token(host_id, provider,
                                             refused=last[0] if again else None)
            last[0] = fresh
            return fresh

        token(False)  # not connected, or broken: raised here, before any vendor call
        return token

    def _make(self, table: Mapping[str, str], kind: str, host_id: str, provider: str,
              timeout: float, *place: str, feature: Feature | None = None,
              **options: Any) -> Any:
        """The adapter, made with the entry, the host's token, the timeout and `place`;
        `feature`: the connection must have been granted it (Google serves the calendar
        and Docs: a connection made for one alone has not the other)."""
        from chalicelib.domain.errors import NotConnectedError

        entry = getattr(self._core.providers, provider, None)
        if provider not in table or entry is None:
            raise NotConnectedError(f"{provider.title()} has no {kind} in Penny here")
        if feature is not None and \
                self._connections().lacks_feature(host_id, provider, feature):
            raise NotConnectedError(f"{provider.title()} is not connected for {kind}")
        return _load(table[provider])(entry, self._token(host_id, provider), timeout, *place,
                                      **options)

    def calendar(self, host_id: str, provider: str, timeout: float) -> CalendarProvider:
        # Outlook's all-day events are dates, placed in the host's own zone (Google's
        # listing names its calendar's zone).
        options: dict[str, Any] = \
            {"home": lambda: _home_zone(host_id)} if provider == "microsoft" else {}
        return self._make(CALENDAR_ADAPTERS, "calendar", host_id, provider, timeout,  # type: ignore[no-any-return]
                          **options)

    def video(self, host_id: str, provider: str, timeout: float) -> VideoProvider:
        return self._make(VIDEO_ADAPTERS, "meetings", host_id, provider, timeout)  # type: ignore[no-any-return]

    def notes(self, host_id: str, destination: NotesDestination,
              timeout: float) -> NotesProvider:
        from chalicelib.domain.providers import Feature

        return self._make(NOTES_ADAPTERS, "notes", host_id, destination.provider,  # type: ignore[no-any-return]
                          timeout, destination.database_id, destination.data_source_id,
                          feature=Feature.NOTES)

    def broken(self, host_id: str, provider: str, reason: str) -> None:
        self._connections().broken(host_id, provider, reason)


class NoLogins:
    """A worker finishes no OAuth round trip, so it knows of no open login."""

    def session_active(self, session_id: str) -> bool:
        return False


class NoCalendars:
    """A worker's settling of a paid booking asks no calendar (services/reservations.py
    `settle` only reads Penny's own ledger)."""

    def busy(self, host_id: str, setup: Any, window: Any) -> list[Any]:
        return []


class Once:
    """A value made on first use, then kept (the connection service of an API)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make: Callable[[], Any] | None = make
        self._value: Any = None

    def __call__(self) -> Any:
        if self._make is not None:
            self._value, self._make = self._make(), None
        return self._value


# ---- the API (HTTP routes and pages) ----------------------------------------------------


@dataclass(frozen=True)
class EdgeServices:
    """What the webhook edge needs (functions/edge.py EdgeContext)."""

    deliveries: Deliveries
    clock: Clock


@dataclass(frozen=True)
class ApiServices:
    core: Core
    accounts: AccountService
    profiles: ProfileService
    public: PublicService
    booking: BookingService
    changes: BookingChanges
    tickets: RealtimeTickets
    pages: PageServices
    browser: SessionServices
    edge: EdgeServices
    calendars: CalendarCache
    made_connections: Once
    made_payment_accounts: Once
    made_payments: Once

    @property
    def payment_accounts(self) -> PaymentAccounts:
        """Built on the first request about payments: the SDKs load only then."""
        return self.made_payment_accounts()  # type: ignore[no-any-return]

    @property
    def payments(self) -> PaymentService:
        return self.made_payments()  # type: ignore[no-any-return]

    @property
    def settings(self) -> Settings:
        return self.core.settings

    @property
    def clock(self) -> Clock:
        return self.core.clock

    @property
    def connections(self) -> ConnectionService:
        """Built on the first request about connections (or the first use of a host's
        calendar): the token cipher and the OAuth clients load then, never on the path
        of a host with no connections."""
        return self.made_connections()  # type: ignore[no-any-return]

    @cached_property
    def sign_in(self) -> IdentitySignIn:
        from chalicelib.services.sign_in import IdentitySignIn
        from chalicelib.store.hosts import HostRepository
        from chalicelib.store.identities import IdentityRepository

        return IdentitySignIn(self.accounts, HostRepository(), IdentityRepository(),
                              self.clock)

    @property
    def callback(self) -> CallbackServices:
        from chalicelib.functions.connections import CallbackServices

        return CallbackServices(self.connections, self.sign_in, self.browser.sessions,
                                self.settings.refresh_token_ttl_seconds, self._connected)

    @cached_property
    def notes(self) -> NotesSettings:
        """Where the host's notes go (Notion's SDK loads on its first use)."""
        from chalicelib.services.notes_settings import NotesSettings
        from chalicelib.store.bookings import BookingRepository
        from chalicelib.store.hosts import HostRepository

        return NotesSettings(HostRepository(), self.calendars.adapters,  # type: ignore[arg-type]
                             BookingRepository(), self.clock)

    def _connected(self, host_id: str, provider: str) -> None:
        """Set up what the new grant is for: Google serves the calendar and Docs, and a
        host may have granted either, or both."""
        from chalicelib.domain.providers import Feature

        granted = self.connections
        calendar = provider in CALENDAR_ADAPTERS and \
            not granted.lacks_feature(host_id, provider, Feature.CALENDAR)
        if calendar:
            self.calendars.connected(host_id, provider)
        if calendar or provider in VIDEO_ADAPTERS:
            # What could not reach the calendar (or Zoom) while it was broken, or before it
            # was connected, is written now.
            from chalicelib.services.calendar_sync import catch_up
            from chalicelib.store.bookings import BookingRepository

            catch_up(BookingRepository(), host_id, self.clock.now())
        if provider in NOTES_ADAPTERS:
            self.notes.connected(host_id, provider)


def _cipher(core: Core) -> Any:
    from chalicelib.integrations.token_cipher import AesGcmTokenCipher

    settings = core.settings
    return AesGcmTokenCipher.from_key_ring(settings.token_keys, settings.token_active_kid)


# ---- payments (Stripe, Razorpay): made on first use, so the SDKs load only then ---------

@dataclass(frozen=True)
class PaymentCalls:
    """How long one call to Stripe or Razorpay may take: `attempts` tries of `timeout`
    seconds each (the SDKs retry a timeout, a connection error or a 5xx with the same
    idempotency key)."""

    timeout: float
    attempts: int


# A call and its retries must end inside the function that makes it, so that what
# follows a failed call runs (a booking's hold let go, a 503 that says why) rather than
# Lambda cutting the request off. The API's 10 s also hold a booking's calendar re-check
# (3.5 s at most) and its DynamoDB writes, or a webhook's two calls (a late payment's
# refund: Stripe reads the payment, then refunds): two tries of 1.8 s each, with Stripe's
# 0.5 s pause between them, 4.1 s a call (tests/unit/test_payment_calls.py). A worker
# has 60 s.
API_PAYMENT_CALLS = PaymentCalls(timeout=1.8, attempts=2)
WORKER_PAYMENT_CALLS = PaymentCalls(timeout=5.0, attempts=3)


def build_payment_accounts(core: Core, calls: PaymentCalls = WORKER_PAYMENT_CALLS
                           ) -> PaymentAccounts:
    from chalicelib.services.payment_accounts import PAYMENT_PROVIDERS, PaymentAccounts
    from chalicelib.store.connections import ConnectionRepository

    entries = core.providers

    def stripe(account: str | None) -> Any:
        from chalicelib.integrations.stripe_payments import StripePayments

        return StripePayments(entries.stripe, account,  # type: ignore[arg-type]
                              calls.timeout, attempts=calls.attempts)

    def razorpay(keys: Any) -> Any:
        from chalicelib.integrations.razorpay_payments import RazorpayKeys, RazorpayPayments

        return RazorpayPayments(entries.razorpay,  # type: ignore[arg-type]
                                RazorpayKeys(keys.key_id, keys.key_secret, keys.webhook_secret),
                                calls.timeout, attempts=calls.attempts)

    return PaymentAccounts(
        connections=ConnectionRepository(_cipher(core)), clock=core.clock,
        available=frozenset(p for p in PAYMENT_PROVIDERS if getattr(entries, p) is not None),
        stripe=stripe, razorpay=razorpay,
        dashboard_url=f"{core.settings.public_base_url}/app/connections")


def _hold_timers(core: Core) -> Any:
    from chalicelib.services.payments import NoHoldTimers

    settings = core.settings
    if not (settings.hold_scheduler_role_arn and settings.events_topic_arn):
        return NoHoldTimers()
    import boto3

    from chalicelib.integrations.hold_timers import SchedulerHoldTimers

    return SchedulerHoldTimers(boto3.client("scheduler", region_name=settings.region),
                               settings.events_topic_arn, settings.hold_scheduler_role_arn,
                               settings.hold_schedule_group)


def build_payments(core: Core, reservations: Reservations, links: BookingLinks,
                   accounts: PaymentAdapters | None = None) -> PaymentService:
    """`accounts`: the hosts' payment providers (tests may pass fakes)."""
    from chalicelib.services.payments import PaymentService
    from chalicelib.store.bookings import BookingRepository

    return PaymentService(
        BookingRepository(), reservations, accounts or build_payment_accounts(core),
        core.clock, return_url=lambda uid: links.urls(uid)["view"],
        timers=_hold_timers(core), hold=timedelta(seconds=core.settings.payment_hold_seconds))


def build_connections(core: Core, logins: OpenLogins) -> ConnectionService:
    from chalicelib.integrations.oauth import OAUTH_PROVIDERS, oauth_provider
    from chalicelib.services.connections import ConnectionService, OAuthClients, StateSigner
    from chalicelib.store.connections import ConnectionRepository
    from chalicelib.store.oauth_states import OAuthStateRepository

    settings = core.settings
    cipher = _cipher(core)
    entries = core.providers
    available = frozenset(p for p in OAUTH_PROVIDERS if getattr(entries, p) is not None)
    return ConnectionService(
        connections=ConnectionRepository(cipher),
        states=OAuthStateRepository(cipher),
        clients=OAuthClients(available, lambda name: oauth_provider(
            name, getattr(entries, name), now=core.clock.now)),
        clock=core.clock,
        signer=StateSigner(settings.link_secret),
        callback_url=lambda provider: f"{settings.public_base_url}/oauth/{provider}/callback",
        logins=logins,
        providers=OAUTH_PROVIDERS)


def build_api(core: Core, passwords: PasswordHasher | None = None,
              adapters: ProviderAdapters | None = None,
              payment_adapters: PaymentAdapters | None = None) -> ApiServices:
    """`adapters`, `payment_adapters`: the hosts' provider adapters (tests pass fakes)."""
    from chalicelib.functions.browser_session import SessionServices
    from chalicelib.services.booking import BookingService
    from chalicelib.services.booking_changes import BookingChanges
    from chalicelib.services.fresh_busy import FreshBusy
    from chalicelib.services.links import BookingLinks
    from chalicelib.services.profiles import ProfileService
    from chalicelib.services.public import PublicService
    from chalicelib.services.reservations import Reservations
    from chalicelib.services.sessions import BrowserSessions, CsrfTokens
    from chalicelib.store.bookings import BookingRepository
    from chalicelib.store.deliveries import DeliveryRepository
    from chalicelib.store.hosts import HostRepository
    from chalicelib.web.booking_pages import PageServices

    settings, clock = core.settings, core.clock
    hosts, bookings = HostRepository(), BookingRepository()
    links = BookingLinks(settings.link_secret, settings.public_base_url)
    accounts = _accounts(core, passwords, sockets=LoginSocketsOnLogout())
    connections = Once(lambda: build_connections(core, accounts))
    adapters = adapters or HostAdapters(core, connections)
    calendars = _calendar_cache(core, adapters)
    cache_store = calendars.store
    reservations = Reservations(bookings, FreshBusy(adapters, cache_store, clock), clock,
                                settings.booking_write_attempts,
                                settings.bookings_per_attendee_per_day)
    public = PublicService(hosts, bookings, clock, calendars)
    changes = BookingChanges(hosts, bookings, clock, links, reservations)
    sessions = BrowserSessions(accounts, CsrfTokens(settings.link_secret))
    payment_accounts = Once(lambda: build_payment_accounts(core, API_PAYMENT_CALLS))
    payments = Once(lambda: build_payments(core, reservations, links,
                                           payment_adapters or payment_accounts()))
    return ApiServices(
        core=core,
        accounts=accounts,
        profiles=ProfileService(hosts, payments_ready=lambda host_id: (
            ["fake"] if payment_adapters is not None else payment_accounts().ready(host_id))),
        public=public,
        booking=BookingService(hosts, reservations, links, payments),
        changes=changes,
        tickets=_tickets(core),
        pages=PageServices(public, changes, clock, settings.providers),
        browser=SessionServices(sessions, accounts, settings.public_base_url,
                                settings.refresh_token_ttl_seconds),
        edge=EdgeServices(DeliveryRepository(), clock),
        calendars=calendars,
        made_connections=connections,
        made_payment_accounts=payment_accounts,
        made_payments=payments,
    )


def _calendar_cache(core: Core, adapters: ProviderAdapters) -> CalendarCache:
    from chalicelib.services.calendar_cache import CalendarCache
    from chalicelib.store.calendar_cache import CalendarCacheRepository

    base = core.settings.public_base_url
    return CalendarCache(adapters, CalendarCacheRepository(), core.clock,
                         notify_url=lambda provider: f"{base}/webhooks/calendar/{provider}")


def build(settings: Settings | None = None, clock: Clock | None = None,
          passwords: PasswordHasher | None = None,
          adapters: ProviderAdapters | None = None,
          payment_adapters: PaymentAdapters | None = None) -> ApiServices:
    """The API's services on a new core (tests and benches; Lambda uses `services()`)."""
    return build_api(build_core(settings, clock), passwords, adapters, payment_adapters)


def _accounts(core: Core, passwords: PasswordHasher | None = None,
              sockets: LoginSockets | None = None) -> AccountService:
    from chalicelib.integrations.argon2_passwords import Argon2Passwords
    from chalicelib.services.accounts import AccountService
    from chalicelib.services.rate_limits import LoginBackoff, NetworkLogins, SignupLimit
    from chalicelib.store.counters import CounterRepository
    from chalicelib.store.hosts import HostRepository
    from chalicelib.store.tokens import RefreshTokenRepository

    settings, clock = core.settings, core.clock
    counters = CounterRepository()
    return AccountService(
        HostRepository(), RefreshTokenRepository(), passwords or Argon2Passwords(),
        _access_tokens(core), clock, timedelta(seconds=settings.refresh_token_ttl_seconds),
        logins=LoginBackoff(counters, clock, settings.login_free_failures,
                            timedelta(seconds=settings.login_max_delay_seconds),
                            timedelta(seconds=settings.login_forget_after_seconds)),
        signups=SignupLimit(counters, clock, settings.signups_per_window,
                            timedelta(seconds=settings.signup_window_seconds)),
        networks=NetworkLogins(counters, clock, settings.login_failures_per_network,
                               timedelta(seconds=settings.login_network_window_seconds)),
        sockets=sockets)


def _access_tokens(core: Core) -> JwtAccessTokens:
    from chalicelib.integrations.jwt_tokens import JwtAccessTokens

    s = core.settings
    return JwtAccessTokens(s.jwt_keys, s.jwt_active_kid, s.jwt_issuer, s.jwt_audience,
                           timedelta(seconds=s.access_token_ttl_seconds))


def _tickets(core: Core) -> RealtimeTickets:
    from dataclasses import replace

    from chalicelib.services.tickets import RealtimeTickets

    s = core.settings
    signer = replace(_access_tokens(core), audience=s.realtime_audience,
                     ttl=timedelta(seconds=s.realtime_ticket_ttl_seconds))
    return RealtimeTickets(signer, core.clock)


# ---- the realtime functions (WebSocket routes, the table stream) -----------------------


@dataclass(frozen=True)
class RealtimeServices:
    """What the WebSocket and stream Lambdas need; the topic they publish to is the
    fan-out's (infra/messaging.py)."""

    realtime: Realtime
    fanout: Fanout


def build_realtime(core: Core, websocket_api: Any, sns_client: Any = None,
                   sender: Any = None) -> RealtimeServices:
    from chalicelib.integrations import websocket
    from chalicelib.integrations.sns import DisabledEventBus, SnsEventBus
    from chalicelib.services.fanout import Fanout
    from chalicelib.services.realtime import Realtime
    from chalicelib.store.queues import WORKER_TYPES
    from chalicelib.store.sockets import SocketRepository
    from chalicelib.store.stream import events_of

    settings = core.settings
    if sender is None:
        websocket.configure(websocket_api, settings.region, settings.websocket_api_id,
                            settings.websocket_stage, settings.websocket_endpoint)
        sender = websocket.ChaliceSender(websocket_api)
    # The sockets check a login is still open: the accounts, without their sockets.
    realtime = Realtime(SocketRepository(), sender, _accounts(core), core.clock,
                        _tickets(core))
    bus: Any = DisabledEventBus()
    if settings.events_topic_arn:
        if sns_client is None:
            import boto3

            sns_client = boto3.client("sns", region_name=settings.region)
        bus = SnsEventBus(sns_client, settings.events_topic_arn)
    return RealtimeServices(realtime, Fanout(bus, realtime, events_of, WORKER_TYPES))


# ---- the workers (one Lambda each) ------------------------------------------------------


def build_worker(core: Core, spec: QueueSpec) -> JobRunner:
    """The runner for one worker of the list, with its job made by the named factory
    (the only import of that job's module, and so of its vendor's SDK)."""
    from importlib import import_module

    from chalicelib.services.jobs import JobContext, JobFactory, JobRunner, lease_for
    from chalicelib.services.links import BookingLinks
    from chalicelib.store.bookings import BookingRepository
    from chalicelib.store.counters import CounterRepository
    from chalicelib.store.hosts import HostRepository
    from chalicelib.store.jobs import JobRecordRepository
    from chalicelib.store.provider_refs import ProviderRefRepository
    from chalicelib.store.queues import WORKER_TIMEOUT

    module, _, name = spec.job.partition(":")
    factory: JobFactory = getattr(import_module(module), name)
    links = BookingLinks(core.settings.link_secret, core.settings.public_base_url)
    adapters = HostAdapters(core, Once(lambda: build_connections(core, NoLogins())))
    job = factory(JobContext(BookingRepository(), core.clock, HostRepository(), adapters,
                             ProviderRefRepository(), lambda uid: links.urls(uid)["view"],
                             _calendar_cache(core, adapters),
                             payments=Once(lambda: build_payments(
                                 core, _settling(core), links)),
                             notes=adapters, briefs=Once(lambda: build_briefs(core)),
                             usage=CounterRepository(),
                             briefs_per_month=core.settings.briefs_per_month))
    declared = (spec.name, spec.event_types, spec.announces)
    made = (job.name, tuple(t.value for t in job.takes),
            job.announces.value if job.announces else None)
    if declared != made:
        raise LookupError(f"the worker list says {declared}, its job {spec.job} says {made}")
    return JobRunner(job, JobRecordRepository(), core.clock, lease_for(WORKER_TIMEOUT),
                     premium_only=spec.premium_only, notes_only=spec.notes_only)


def build_briefs(core: Core) -> Briefs:
    """The pre-meeting brief's model (Gemini), made on the summary worker's first brief:
    google-genai loads then. Not set up on this Penny: every brief is refused, for good
    (the job records why), as no retry can set it up."""
    from chalicelib.domain.errors import ProviderRejectedError

    entry = core.providers.gemini
    if entry is None:
        raise ProviderRejectedError("gemini", "briefs are not set up on this Penny "
                                    "(no gemini entry in PENNY_PROVIDERS)")
    from chalicelib.integrations.gemini_briefs import GeminiBriefs

    return GeminiBriefs(entry)


def _settling(core: Core) -> Reservations:
    """The write path a worker settles paid bookings through (made by the payments job
    only: the other workers never load it)."""
    from chalicelib.services.reservations import Reservations
    from chalicelib.store.bookings import BookingRepository

    return Reservations(BookingRepository(), NoCalendars(), core.clock,
                        core.settings.booking_write_attempts)


# ---- this container's instances -------------------------------------------------------

_settings: Settings | None = None
_core: Core | None = None
_api: ApiServices | None = None
_realtime: RealtimeServices | None = None
_workers: dict[str, JobRunner] = {}


def environment_settings() -> Settings:
    """The container's settings, read once (in Lambda at init, see app.py): a missing or
    development secret raises InsecureSecretsError there, before any request is served."""
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings


def core() -> Core:
    global _core
    if _core is None:
        _core = _api.core if _api is not None else build_core()
    return _core


def services() -> ApiServices:
    global _api
    if _api is None:
        _api = build_api(core())
    return _api


def realtime_services(websocket_api: Any) -> RealtimeServices:
    """`websocket_api` None: a Lambda with no Chalice WebSocket handler (the API's logout)."""
    global _realtime
    if _realtime is None:
        if websocket_api is None:
            from chalice.app import WebsocketAPI

            websocket_api = WebsocketAPI()
        _realtime = build_realtime(core(), websocket_api)
    return _realtime


def worker(name: str) -> JobRunner:
    """The named worker of the list, built on its first event."""
    if name not in _workers:
        from chalicelib.store.queues import QUEUES

        spec = next(s for s in QUEUES if s.name == name)
        _workers[name] = build_worker(core(), spec)
    return _workers[name]


class LoginSocketsOnLogout:
    """Closes an ended login's dashboard sockets through the WebSocket management API.

    The API Lambda builds the realtime services only when a login ends, never at start.
    """

    def close_login(self, host_id: str, session_id: str) -> int:
        return realtime_services(None).realtime.close_login(host_id, session_id)


def install(instance: ApiServices | None) -> None:
    """Replace the container's services (tests): the realtime functions and workers are
    rebuilt on the installed core; None rebuilds everything from the environment."""
    global _api, _core, _realtime, _settings
    _api = instance
    _core = None if instance is None else instance.core
    _realtime = None
    _workers.clear()
    if instance is None:
        _settings = None


def install_realtime(instance: RealtimeServices | None) -> None:
    global _realtime
    _realtime = instance


if TYPE_CHECKING:  # keeps these imports off the cold-start path
    from chalicelib.domain.notes import NotesDestination
    from chalicelib.domain.providers import (
        Briefs,
        CalendarProvider,
        Feature,
        NotesProvider,
        VideoProvider,
    )
    from chalicelib.functions.browser_session import SessionServices
    from chalicelib.functions.connections import CallbackServices
    from chalicelib.integrations.jwt_tokens import JwtAccessTokens
    from chalicelib.provider_settings import Providers
    from chalicelib.services.accounts import AccountService
    from chalicelib.services.booking import BookingService
    from chalicelib.services.booking_changes import BookingChanges
    from chalicelib.services.calendar_cache import CalendarCache
    from chalicelib.services.calendar_ports import ProviderAdapters
    from chalicelib.services.connections import ConnectionService, OpenLogins
    from chalicelib.services.fanout import Fanout
    from chalicelib.services.jobs import JobRunner
    from chalicelib.services.links import BookingLinks
    from chalicelib.services.notes_settings import NotesSettings
    from chalicelib.services.payment_accounts import PaymentAccounts
    from chalicelib.services.payments import PaymentAdapters, PaymentService
    from chalicelib.services.ports import Clock, LoginSockets, PasswordHasher
    from chalicelib.services.profiles import ProfileService
    from chalicelib.services.public import PublicService
    from chalicelib.services.realtime import Realtime
    from chalicelib.services.reservations import Reservations
    from chalicelib.services.sign_in import IdentitySignIn
    from chalicelib.services.tickets import RealtimeTickets
    from chalicelib.services.webhooks import Deliveries
    from chalicelib.store.queues import QueueSpec
    from chalicelib.web.booking_pages import PageServices
