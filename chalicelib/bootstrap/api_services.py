"""What the API Lambda (the HTTP routes and the pages) is given: its services, the
webhook edge's, and those made on first use (connections, payments, sign-in, notes)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from chalicelib.bootstrap.host_adapters import CALENDAR_ADAPTERS, NOTES_ADAPTERS, VIDEO_ADAPTERS


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

    @cached_property
    def passwords(self) -> Passwords:
        from chalicelib.services.passwords import Passwords

        return Passwords(self.accounts)

    @cached_property
    def password_resets(self) -> PasswordResets:
        """Reset by e-mail; SES's client is made only when a message is sent."""
        from datetime import timedelta

        from chalicelib.integrations.ses_mail import SesMail
        from chalicelib.services.password_resets import PasswordResets
        from chalicelib.services.rate_limits import ResetLimit
        from chalicelib.store.counters import CounterRepository
        from chalicelib.store.identities import IdentityRepository
        from chalicelib.store.reset_tokens import ResetTokenRepository

        s = self.settings
        return PasswordResets(
            self.passwords, ResetTokenRepository(), IdentityRepository(),
            ResetLimit(CounterRepository(), self.clock, s.resets_per_email,
                       s.resets_per_network, timedelta(seconds=s.reset_window_seconds)),
            SesMail(s.email_sender, s.region) if s.email_sender else None,
            f"{s.public_base_url}/app")

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
        from chalicelib.domain.providers.oauth import Feature

        granted = self.connections
        calendar = provider in CALENDAR_ADAPTERS and \
            not granted.lacks_feature(host_id, provider, Feature.CALENDAR)
        if calendar:
            self.calendars.connected(host_id, provider)
        if calendar or provider in VIDEO_ADAPTERS:
            # What could not reach the calendar (or Zoom) while it was broken, or before it
            # was connected, is written now.
            from chalicelib.services.calendar_catch_up import catch_up
            from chalicelib.store.bookings import BookingRepository
            from chalicelib.store.provider_refs import ProviderRefRepository

            catch_up(BookingRepository(), ProviderRefRepository(), host_id, self.clock.now())
        if provider in NOTES_ADAPTERS:
            self.notes.connected(host_id, provider)


if TYPE_CHECKING:  # keeps these imports off the cold-start path
    from chalicelib.bootstrap.shared_core import Core, Once
    from chalicelib.functions.browser_session import SessionServices
    from chalicelib.functions.connections import CallbackServices
    from chalicelib.services.accounts import AccountService
    from chalicelib.services.booking import BookingService
    from chalicelib.services.booking_changes import BookingChanges
    from chalicelib.services.calendar_cache import CalendarCache
    from chalicelib.services.connections import ConnectionService
    from chalicelib.services.notes_settings import NotesSettings
    from chalicelib.services.password_resets import PasswordResets
    from chalicelib.services.passwords import Passwords
    from chalicelib.services.payment_accounts import PaymentAccounts
    from chalicelib.services.payments import PaymentService
    from chalicelib.services.ports import Clock
    from chalicelib.services.profiles import ProfileService
    from chalicelib.services.public import PublicService
    from chalicelib.services.sign_in import IdentitySignIn
    from chalicelib.services.tickets import RealtimeTickets
    from chalicelib.services.webhooks import Deliveries
    from chalicelib.settings import Settings
    from chalicelib.web.booking_pages import PageServices
