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
went without (or kept stale) pages. Connecting again, or choosing a database, catches up
the host's bookings from the last day on (`catch_up`: at most CATCH_UP of them), in the
background: it records when on the destination and marks the first CATCH_UP_AT_ONCE;
each mark is `notes.requested` on the table's stream, and each page the notes worker
writes for one marks the next, so at most CATCH_UP_AT_ONCE are written at once (Notion
allows an integration about 3 requests a second).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Protocol

from chalicelib.domain.errors import (
    NotConnectedError,
    NotFoundError,
    ProviderError,
    ValidationError,
)
from chalicelib.domain.hosts import HostConfig
from chalicelib.domain.notes import NOTES_PROVIDERS, NotesDestination
from chalicelib.domain.providers.notes import NotesDatabase, NotesProvider
from chalicelib.services.notes_bookings import NotesBookings
from chalicelib.services.notes_catch_up import (
    CATCH_UP_AT_ONCE,
    ask_for_notes,
    waiting_for_catch_up,
)
from chalicelib.services.notes_pages import NotesAdapters
from chalicelib.services.ports import Clock

NAMES = {"notion": "Notion", "google": "Google Docs"}
# What a provider's place for notes is called, for people.
PLACES = {"notion": "That Notion database", "google": "That Google Drive folder"}
LIST_TIMEOUT = 5.0                 # seconds for Notion's search (the API Lambda has 10)


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
            self.catch_up(host_id, destination)
        return destination

    def catch_up(self, host_id: str, destination: NotesDestination | None = None) -> int:
        """Send notes to `destination` (default: where they go) and ask the notes worker
        again for the pages of the host's bookings from a day ago on (confirmed ones, and
        cancelled ones that had a page): CATCH_UP_AT_ONCE now, each written page asking
        for the next (services/notes_catch_up.py); how many it will write in all."""
        destination = destination or self.hosts.config(host_id).notes
        if destination is None:
            return 0
        now = self.clock.now()
        self.hosts.save_notes(host_id, replace(destination, catch_up_at=now))
        waiting = waiting_for_catch_up(self.bookings, host_id, now)
        for booking in waiting[:CATCH_UP_AT_ONCE]:
            ask_for_notes(self.bookings, booking, now)
        return len(waiting)

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
            self.catch_up(host_id, current)
            return current
        if len(listed) != 1:
            return current
        destination = _as_destination(provider, listed[0])
        self.catch_up(host_id, destination)
        return destination


def _same(a: str, b: str) -> bool:
    """The same place: Notion takes its ids with or without their dashes, in any case;
    Drive's ids are exact (case matters, and `-` is one of their characters)."""
    if a == b:
        return True
    notion = re.compile(r"[0-9a-f]{32}")
    a, b = a.replace("-", "").lower(), b.replace("-", "").lower()
    return notion.fullmatch(a) is not None and a == b
