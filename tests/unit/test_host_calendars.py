"""The per-host calendar registry: an adapter made for each host, only for providers on."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.bootstrap import Core, HostCalendars
from chalicelib.provider_settings import MicrosoftApp, OAuthApp, Providers
from chalicelib.settings import Settings
from tests.fakes.providers import FakeCalendar, FakeCalendars
from tests.unit.fakes import FixedClock

CLOCK = FixedClock(datetime(2026, 3, 2, 12, tzinfo=UTC))


def core(providers: Providers) -> Core:
    return Core(Settings(providers=providers), CLOCK)


def test_each_host_gets_its_own_calendar_from_the_provider_it_connected() -> None:
    google, microsoft = FakeCalendars(), FakeCalendars()
    alice, bob = google.connect("alice"), microsoft.connect("bob")
    calendars = HostCalendars(
        core(Providers(google=OAuthApp("id", "secret"), microsoft=MicrosoftApp("id", "s"))),
        {"google": google.for_host, "microsoft": microsoft.for_host})

    assert calendars.for_host("alice") is alice
    assert calendars.for_host("bob") is bob
    assert calendars.for_host("carol") is None


def test_a_provider_not_set_up_on_this_penny_is_never_asked() -> None:
    asked: list[str] = []

    def google(host_id: str) -> FakeCalendar:
        asked.append(host_id)
        return FakeCalendar()

    calendars = HostCalendars(core(Providers()), {"google": google})

    assert calendars.for_host("alice") is None
    assert asked == []


def test_with_no_calendar_provider_wired_no_host_has_a_calendar() -> None:
    # Today's production wiring: the seam exists, no vendor is behind it yet.
    calendars = HostCalendars(core(Providers(google=OAuthApp("id", "secret"))))

    assert calendars.for_host("alice") is None
