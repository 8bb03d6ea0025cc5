"""Where a host's client notes go: a Notion database they shared with Penny, or a Google
Drive folder of Google Docs that Penny made.

Connecting Notion, the host picks pages and databases to share (Notion's consent page).
Penny lists the data sources it can see (a search) and the host chooses one; when exactly
one was shared, connecting chooses it (`connected`), so the usual path is one click.
Connecting Google for notes (the Docs scopes, `documents` + `drive.file`, which let Penny
see only files it made), Penny makes a folder "Penny client notes" in the host's Drive
and sends notes there: a Google Doc per booking. A choice is only ever one the provider
listed for Penny: the host cannot point notes at an id it typed. Disconnecting the
provider notes go to forgets the choice; notes going to one provider are never moved to
another without the host choosing it.

The list is asked of Notion when the host opens Connections (one search); the notes job
never searches: it writes to the stored choice.

Parked notes: while Notion was broken or disconnected, or pointed elsewhere, bookings
went without (or kept stale) pages. Connecting again, or choosing a database, marks the
host's bookings from the last day on (`catch_up`: at most CATCH_UP of them); each mark
is `notes.requested` on the table's stream, and the notes worker writes those pages, in
the background, whatever they missed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol

from chalicelib.domain.bookings import BookingStatus
from chalicelib.domain.errors import (
    NotConnectedError,
    NotFoundError,
    ProviderError,
    ValidationError,
)
from chalicelib.domain.hosts import HostConfig
from chalicelib.domain.notes import NOTES_PROVIDERS, NotesDestination
from chalicelib.domain.providers import NotesDatabase, NotesProvider
from chalicelib.services.notes import NotesAdapters, NotesBookings, save_on_latest
from chalicelib.services.ports import Clock

NAMES = {"notion": "Notion", "google": "Google Docs"}
# What a provider's place for notes is called, for people.
PLACES = {"notion": "That Notion database", "google": "That Google Drive folder"}
LIST_TIMEOUT = 5.0                 # seconds for Notion's search (the API Lambda has 10)
CATCH_UP = 100                     # bookings whose notes a (re)connection writes again
CATCH_UP_FROM = timedelta(days=1)  # those starting from a day ago on


class NotesHosts(Protocol):
    def config(self, host_id: str) -> HostConfig: ...
    def save_notes(self, host_id: str, destination: NotesDestination | None) -> None: ...


@dataclass(frozen=True)
class NotesChoices:
    """What the Connections page shows: the current destination, and the places the
    connected notes providers list (none from a provider that could not be asked:
    `unreachable` says why)."""

    destination: NotesDestination | None
    places: list[NotesDestination]
    unreachable: str | None = None


def _listing(provider: str) -> NotesDestination:
    # A destination with no place yet: enough to make the adapter that lists them.
    return NotesDestination(provider, "", "", "")


def _as_destination(provider: str, place: NotesDatabase) -> NotesDestination:
    return NotesDestination(provider, place.database_id, place.data_source_id, place.title)


@dataclass(frozen=True)
class NotesSettings:
    hosts: NotesHosts
    adapters: NotesAdapters
    bookings: NotesBookings
    clock: Clock

    def _provider(self, host_id: str, provider: str) -> NotesProvider:
        if provider not in NOTES_PROVIDERS:
            raise ValidationError(f"notes cannot go to {provider}", "provider")
        return self.adapters.notes(host_id, _listing(provider), LIST_TIMEOUT)

    def choices(self, host_id: str) -> NotesChoices:
        """The host's notes destination and where else notes could go, from each notes
        provider the host connected; NotConnectedError when there is none."""
        destination = self.hosts.config(host_id).notes
        places: list[NotesDestination] = []
        failures: list[str] = []
        asked: list[str] = []
        for provider in NOTES_PROVIDERS:
            try:
                places += [_as_destination(provider, p)
                           for p in self._provider(host_id, provider).databases()]
                asked.append(provider)
            except NotConnectedError:
                continue
            except ProviderError as exc:  # broken, or down: the others are still listed
                failures.append(f"{NAMES[provider]}: {exc.message}")
        if not asked and not failures:
            raise NotConnectedError("connect Notion or Google Docs for notes first")
        if destination is not None and destination.provider in asked and not any(
                p.provider == destination.provider
                and _same(p.data_source_id, destination.data_source_id) for p in places):
            # Un-shared in Notion, or the folder deleted: no notes are written there.
            failures.append(f"{PLACES[destination.provider]} \"{destination.title}\" is gone "
                            "or no longer shared with Penny: choose another place")
        return NotesChoices(destination, places, "; ".join(failures) or None)

    def choose(self, host_id: str, provider: str, place_id: str) -> NotesDestination:
        """Send notes to one of the places the provider lists for the host."""
        listed = self._provider(host_id, provider).databases()
        found = next((d for d in listed if _same(d.data_source_id, place_id)), None)
        if found is None:
            raise NotFoundError(f"{PLACES[provider]} is not one Penny can write to: "
                                "choose one of those listed")
        destination = _as_destination(provider, found)
        if destination != self.hosts.config(host_id).notes:
            self.hosts.save_notes(host_id, destination)
            self.catch_up(host_id)
        return destination

    def catch_up(self, host_id: str) -> int:
        """Ask the notes worker for the pages of the host's bookings from a day ago on
        (confirmed ones, and cancelled ones that had a page); how many were asked."""
        now = self.clock.now()
        asked = 0
        for booking in self.bookings.for_host(host_id, after=now - CATCH_UP_FROM,
                                              limit=CATCH_UP):
            wanted = booking.status is BookingStatus.CONFIRMED or \
                (booking.status is BookingStatus.CANCELLED and booking.notes_url is not None)
            if wanted and save_on_latest(self.bookings, booking,
                                         lambda b: replace(b, notes_requested_at=now,
                                                           keeps_notes=True)):
                asked += 1
        return asked

    def stop(self, host_id: str, provider: str | None = None) -> None:
        """No more notes (the host's choice; or `provider` was disconnected, and it was
        where notes went)."""
        current = self.hosts.config(host_id).notes
        if current is not None and provider in (None, current.provider):
            self.hosts.save_notes(host_id, None)

    def connected(self, host_id: str, provider: str) -> NotesDestination | None:
        """Just connected for notes: make a place where Penny can (a Google Drive folder)
        and none is listed yet. Notes going to another provider keep going there (the
        new place is offered beside it). Otherwise keep this provider's destination if it
        is still listed (and write what waited while the connection was broken), or
        choose the one place listed. Best effort: the host chooses otherwise."""
        current = self.hosts.config(host_id).notes
        try:
            adapter = self._provider(host_id, provider)
            listed = adapter.databases()
            if not listed:
                made = adapter.make_place()
                listed = [made] if made is not None else []
        except (ProviderError, NotConnectedError):
            return current
        if current is not None and current.provider != provider:
            return current
        if current is not None and any(_same(d.data_source_id, current.data_source_id)
                                       for d in listed):
            self.catch_up(host_id)
            return current
        if len(listed) != 1:
            return current
        destination = _as_destination(provider, listed[0])
        self.hosts.save_notes(host_id, destination)
        self.catch_up(host_id)
        return destination


def _same(a: str, b: str) -> bool:
    """The same place: Notion takes its ids with or without their dashes, in any case;
    Drive's ids are exact (case matters, and `-` is one of their characters)."""
    if a == b:
        return True
    notion = re.compile(r"[0-9a-f]{32}")
    a, b = a.replace("-", "").lower(), b.replace("-", "").lower()
    return notion.fullmatch(a) is not None and a == b
