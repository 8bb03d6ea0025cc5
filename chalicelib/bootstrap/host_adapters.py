"""The hosts' provider adapters: a registry (`HostAdapters`) that makes a provider's
adapter per host and per use, with that host's token, never a singleton; and the
calendar cache that reads through it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING, Any

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
        # The grant of the token last handed out, by host and provider: the one a job's
        # `broken` means (a container runs one job at a time), never a grant the host
        # made since, by reconnecting while the job ran.
        self._used: dict[tuple[str, str], str] = {}

    def _token(self, host_id: str, provider: str) -> Callable[[bool], str]:
        connections = self._connections()
        last: list[str | None] = [None]
        unused = [True]

        def token(again: bool) -> str:
            if not again and unused[0] and last[0] is not None:
                unused[0] = False  # the one read below, not a second read of the store
                return last[0]
            connection, fresh = connections.access(host_id, provider,
                                                   refused=last[0] if again else None)
            self._used[(host_id, provider)] = connection.grant_id
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
        from chalicelib.domain.providers.oauth import Feature

        return self._make(NOTES_ADAPTERS, "notes", host_id, destination.provider,  # type: ignore[no-any-return]
                          timeout, destination.database_id, destination.data_source_id,
                          feature=Feature.NOTES)

    def broken(self, host_id: str, provider: str, reason: str) -> None:
        self._connections().broken(host_id, provider, reason,
                                   self._used.get((host_id, provider)))


def _calendar_cache(core: Core, adapters: ProviderAdapters) -> CalendarCache:
    from chalicelib.services.calendar_cache import CalendarCache
    from chalicelib.store.calendar_cache import CalendarCacheRepository
    from chalicelib.store.event_owners import EventOwnerRepository
    from chalicelib.store.provider_refs import ProviderRefRepository

    settings = core.settings
    base = settings.public_base_url
    # A push channel a short sync may not make is asked of the calendar worker through
    # the booking-events topic (services/calendar_records.py); no topic, no worker.
    asks = None
    if settings.events_topic_arn:
        from chalicelib.integrations.sns import LazyEventBus

        asks = LazyEventBus(settings.region, settings.events_topic_arn)
    return CalendarCache(adapters, CalendarCacheRepository(), core.clock,
                         notify_url=lambda provider: f"{base}/webhooks/calendar/{provider}",
                         owners=EventOwnerRepository(), refs=ProviderRefRepository(),
                         asks=asks)


if TYPE_CHECKING:  # keeps these imports off the cold-start path
    from chalicelib.bootstrap.shared_core import Core
    from chalicelib.domain.notes import NotesDestination
    from chalicelib.domain.providers import (
        CalendarProvider,
        Feature,
        NotesProvider,
        VideoProvider,
    )
    from chalicelib.services.calendar_cache import CalendarCache
    from chalicelib.services.calendar_ports import ProviderAdapters
    from chalicelib.services.connections import ConnectionService
