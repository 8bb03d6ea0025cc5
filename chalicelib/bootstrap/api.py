"""The API Lambda's builder: its services on the container's core, wiring only what
the HTTP routes and the pages use (`build` makes a new core too: tests and benches)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.bootstrap import payments as payment_wiring
from chalicelib.bootstrap.accounts import _accounts, _tickets
from chalicelib.bootstrap.api_services import ApiServices, EdgeServices
from chalicelib.bootstrap.connections import build_connections
from chalicelib.bootstrap.host_adapters import HostAdapters, _calendar_cache
from chalicelib.bootstrap.shared_core import Once, build_core


def build_api(core: Core, passwords: PasswordHasher | None = None,
              adapters: ProviderAdapters | None = None,
              payment_adapters: PaymentAdapters | None = None) -> ApiServices:
    """`adapters`, `payment_adapters`: the hosts' provider adapters (tests pass fakes)."""
    from chalicelib.bootstrap.container import LoginSocketsOnLogout
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
                                settings.bookings_per_attendee_per_day, hosts)
    public = PublicService(hosts, bookings, clock, calendars)
    changes = BookingChanges(hosts, bookings, clock, links, reservations)
    sessions = BrowserSessions(accounts, CsrfTokens(settings.link_secret))
    # Looked up in the payments module on first use, where build_payments looks too: a
    # stand-in put there (a test's) reaches the API and the workers alike.
    payment_accounts = Once(lambda: payment_wiring.build_payment_accounts(
        core, payment_wiring.API_PAYMENT_CALLS))
    payments = Once(lambda: payment_wiring.build_payments(
        core, reservations, links, payment_adapters or payment_accounts()))
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


def build(settings: Settings | None = None, clock: Clock | None = None,
          passwords: PasswordHasher | None = None,
          adapters: ProviderAdapters | None = None,
          payment_adapters: PaymentAdapters | None = None) -> ApiServices:
    """The API's services on a new core (tests and benches; Lambda uses `services()`)."""
    return build_api(build_core(settings, clock), passwords, adapters, payment_adapters)


if TYPE_CHECKING:  # keeps these imports off the cold-start path
    from chalicelib.bootstrap.shared_core import Core
    from chalicelib.services.calendar_ports import ProviderAdapters
    from chalicelib.services.payment_ports import PaymentAdapters
    from chalicelib.services.ports import Clock, PasswordHasher
    from chalicelib.settings import Settings
