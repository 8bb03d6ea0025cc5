"""The composition root: the one place that picks adapters and wires services.

Built once per Lambda container, on first use, so a cold start pays only for what the
first request needs. Tests call `build()` with their own clock or settings and
`install()` the result.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.settings import Settings


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    settings: Settings
    accounts: AccountService
    profiles: ProfileService
    public: PublicService
    booking: BookingService
    changes: BookingChanges
    clock: Clock
    sessions: BrowserSessions
    tickets: RealtimeTickets


def build(settings: Settings | None = None, clock: Clock | None = None,
          passwords: PasswordHasher | None = None) -> Services:
    from chalicelib.integrations.argon2_passwords import Argon2Passwords
    from chalicelib.integrations.jwt_tokens import JwtAccessTokens
    from chalicelib.services.accounts import AccountService
    from chalicelib.services.booking import BookingService
    from chalicelib.services.booking_changes import BookingChanges
    from chalicelib.services.links import BookingLinks
    from chalicelib.services.ports import NoExternalBusy
    from chalicelib.services.profiles import ProfileService
    from chalicelib.services.public import PublicService
    from chalicelib.services.rate_limits import LoginBackoff, SignupLimit
    from chalicelib.services.reservations import Reservations
    from chalicelib.services.sessions import BrowserSessions, CsrfTokens
    from chalicelib.services.tickets import RealtimeTickets
    from chalicelib.store import tables
    from chalicelib.store.bookings import BookingRepository
    from chalicelib.store.counters import CounterRepository
    from chalicelib.store.hosts import HostRepository
    from chalicelib.store.tickets import UsedTicketRepository
    from chalicelib.store.tokens import RefreshTokenRepository

    settings = settings or environment_settings()
    clock = clock or SystemClock()
    tables.configure(settings.table_name, settings.region, settings.dynamodb_endpoint)
    hosts, bookings = HostRepository(), BookingRepository()
    links = BookingLinks(settings.link_secret, settings.public_base_url)
    access = JwtAccessTokens(settings.jwt_keys, settings.jwt_active_kid, settings.jwt_issuer,
                             settings.jwt_audience,
                             timedelta(seconds=settings.access_token_ttl_seconds))
    tickets = replace(access, audience=settings.realtime_audience,
                      ttl=timedelta(seconds=settings.realtime_ticket_ttl_seconds))
    counters = CounterRepository()
    accounts = AccountService(
        hosts, RefreshTokenRepository(), passwords or Argon2Passwords(), access, clock,
        timedelta(seconds=settings.refresh_token_ttl_seconds),
        logins=LoginBackoff(counters, clock, settings.login_free_failures,
                            timedelta(seconds=settings.login_max_delay_seconds),
                            timedelta(seconds=settings.login_forget_after_seconds)),
        signups=SignupLimit(counters, clock, settings.signups_per_window,
                            timedelta(seconds=settings.signup_window_seconds)),
        sockets=LoginSocketsOnLogout())
    calendars = NoExternalBusy()  # no calendar provider yet: nothing outside Penny is busy
    reservations = Reservations(bookings, calendars, clock, settings.booking_write_attempts,
                                settings.bookings_per_attendee_per_day)
    return Services(
        settings=settings,
        accounts=accounts,
        profiles=ProfileService(hosts),
        public=PublicService(hosts, bookings, clock, calendars),
        booking=BookingService(hosts, reservations, links),
        changes=BookingChanges(hosts, bookings, clock, links, reservations),
        clock=clock,
        sessions=BrowserSessions(accounts, CsrfTokens(settings.link_secret)),
        tickets=RealtimeTickets(tickets, clock, UsedTicketRepository()),
    )


@dataclass(frozen=True)
class EventServices:
    """What the WebSocket, stream and queue Lambdas need (built only where used); the
    topic and queues they talk through are the fan-out resources (infra/messaging.py)."""

    realtime: Realtime
    fanout: Fanout
    workers: Mapping[str, JobRunner]


class Workers(Mapping[str, "JobRunner"]):
    """The workers of the list (store/queues.py) by name, each built on first use, so a
    worker Lambda imports only its own job (and, later, only its own provider's SDK)."""

    def __init__(self, services: Services) -> None:
        from chalicelib.store.queues import QUEUES

        self._services = services
        self._specs = {spec.name: spec for spec in QUEUES}
        self._built: dict[str, JobRunner] = {}

    def __getitem__(self, name: str) -> JobRunner:
        if name not in self._built:
            self._built[name] = build_worker(self._services, self._specs[name])
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)


def build_worker(services: Services, spec: QueueSpec) -> JobRunner:
    """The runner for one worker of the list, with its job made by the named factory."""
    from importlib import import_module

    from chalicelib.services.jobs import JobContext, JobFactory, JobRunner, lease_for
    from chalicelib.store.bookings import BookingRepository
    from chalicelib.store.jobs import JobRecordRepository
    from chalicelib.store.queues import WORKER_TIMEOUT

    module, _, name = spec.job.partition(":")
    factory: JobFactory = getattr(import_module(module), name)
    job = factory(JobContext(BookingRepository(), services.clock))
    declared = (spec.name, spec.event_types, spec.announces)
    made = (job.name, tuple(t.value for t in job.takes),
            job.announces.value if job.announces else None)
    if declared != made:
        raise LookupError(f"the worker list says {declared}, its job {spec.job} says {made}")
    return JobRunner(job, JobRecordRepository(), services.clock, lease_for(WORKER_TIMEOUT))


def build_event_services(services: Services, websocket_api: Any, sns_client: Any = None,
                         sender: Any = None) -> EventServices:
    from chalicelib.integrations import websocket
    from chalicelib.integrations.sns import DisabledEventBus, SnsEventBus
    from chalicelib.services.fanout import Fanout
    from chalicelib.services.realtime import Realtime
    from chalicelib.store.queues import WORKER_TYPES
    from chalicelib.store.sockets import SocketRepository
    from chalicelib.store.stream import events_of

    settings = services.settings
    if sender is None:
        websocket.configure(websocket_api, settings.region, settings.websocket_api_id,
                            settings.websocket_stage, settings.websocket_endpoint)
        sender = websocket.ChaliceSender(websocket_api)
    realtime = Realtime(SocketRepository(), sender, services.accounts, services.clock,
                        services.tickets)
    bus: Any = DisabledEventBus()
    if settings.events_topic_arn:
        if sns_client is None:
            import boto3

            sns_client = boto3.client("sns", region_name=settings.region)
        bus = SnsEventBus(sns_client, settings.events_topic_arn)
    fanout = Fanout(bus, realtime, events_of, WORKER_TYPES)
    return EventServices(realtime, fanout, Workers(services))


_services: Services | None = None
_event_services: EventServices | None = None
_settings: Settings | None = None


def environment_settings() -> Settings:
    """The container's settings, read once (in Lambda at init, see app.py): a missing or
    development secret raises InsecureSecretsError there, before any request is served."""
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings


def event_services(websocket_api: Any) -> EventServices:
    """`websocket_api` None: a Lambda with no Chalice WebSocket handler (the API's logout)."""
    global _event_services
    if _event_services is None:
        if websocket_api is None:
            from chalice.app import WebsocketAPI

            websocket_api = WebsocketAPI()
        _event_services = build_event_services(services(), websocket_api)
    return _event_services


class LoginSocketsOnLogout:
    """Closes an ended login's dashboard sockets through the WebSocket management API.

    The API Lambda builds the event services only when a login ends, never at start.
    """

    def close_login(self, host_id: str, session_id: str) -> int:
        return event_services(None).realtime.close_login(host_id, session_id)


def install_event_services(instance: EventServices | None) -> None:
    global _event_services
    _event_services = instance


def services() -> Services:
    global _services
    if _services is None:
        _services = build()
    return _services


def install(instance: Services | None) -> None:
    """Replace the container's services (tests); None rebuilds from the environment."""
    global _services, _event_services, _settings
    _services = instance
    _event_services = None
    if instance is None:
        _settings = None


if TYPE_CHECKING:  # keeps these imports off the cold-start path
    from chalicelib.services.accounts import AccountService
    from chalicelib.services.booking import BookingService
    from chalicelib.services.booking_changes import BookingChanges
    from chalicelib.services.fanout import Fanout
    from chalicelib.services.jobs import JobRunner
    from chalicelib.services.ports import Clock, PasswordHasher
    from chalicelib.services.profiles import ProfileService
    from chalicelib.services.public import PublicService
    from chalicelib.services.realtime import Realtime
    from chalicelib.services.sessions import BrowserSessions
    from chalicelib.services.tickets import RealtimeTickets
    from chalicelib.store.queues import QueueSpec
