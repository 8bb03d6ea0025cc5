"""The calendar port (Google Calendar, Outlook): the host's calendars, their busy time
and changes, push watches, and the booking's event written to one of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.external_busy import CalendarBusy, ExternalEvent
from chalicelib.domain.timerange import TimeRange


@dataclass(frozen=True)
class TaggedEvent:
    """An event found by its booking's tag (`CalendarProvider.booking_events`)."""

    id: str                        # the provider's id
    made_at: datetime | None       # when the provider made it (its clock), if it says


@dataclass(frozen=True)
class CalendarInfo:
    """One calendar of the host's account at the provider."""

    id: str                        # the provider's id ("primary" is Google's alias)
    name: str
    primary: bool
    writable: bool                 # the host may add events to it


@dataclass(frozen=True)
class EventChange:
    """One event (or one occurrence of a series) as the provider lists it now."""

    id: str                        # the provider's id of the event or occurrence
    event: ExternalEvent | None    # None: gone (deleted, or cancelled), or not a span
    removed: bool = False          # the provider says it was deleted (Google: cancelled)


@dataclass(frozen=True)
class CalendarChanges:
    """What changed on one calendar since `cursor` (an incremental sync), or all of its
    events in the window (`full`: anything cached and not listed is gone)."""

    calendar_id: str
    changes: tuple[EventChange, ...]
    full: bool
    cursor: str | None = None      # hand back next time (Google's syncToken); None: none
    # The host's zone some of these events were placed by (Outlook's all-day dates, given
    # without a zone: placed midnight to midnight where the host lives); None: none was.
    placed_in: str | None = None


@dataclass(frozen=True)
class Watch:
    """A push channel: the provider posts to Penny when the calendar changes, until
    `expires_at` (Google's events.watch channel, a Graph subscription)."""

    id: str                        # the channel id / subscription id
    calendar_id: str
    expires_at: datetime
    resource_id: str = ""          # Google's resourceId (channels.stop needs it)


@dataclass(frozen=True)
class CalendarEvent:
    key: str                       # stable per booking: a retried create finds the first
    title: str
    when: TimeRange
    attendee_name: str
    attendee_email: str
    description: str = ""
    location: str | None = None    # a join URL, phone number or address
    online_meeting: bool = False   # Google: a Meet link; Outlook: a Teams meeting
    booking_uid: str = ""          # the booking it is for, tagged on it ("": the key)
    # The host's zone (IANA), which the event is shown in (Google's editor, Google's and
    # Outlook's invitations); the times are instants whatever it is.
    time_zone: str = "UTC"

    @property
    def booking(self) -> str:
        return self.booking_uid or self.key


@dataclass(frozen=True)
class WrittenEvent:
    id: str                        # the event's id at the provider
    join_url: str | None = None    # the Meet / Teams link, once the provider made it


class CalendarProvider(Protocol):
    """The host's calendars at one provider, acting with the host's token."""

    def calendars(self) -> list[CalendarInfo]: ...

    def busy(self, calendar_ids: Sequence[str], window: TimeRange) -> list[CalendarBusy]:
        """Each calendar's busy time in `window`, read now (Google's freeBusy, Graph's
        calendarView). A calendar the vendor could not read is `unknown`, never free."""
        ...

    def changes(self, calendar_id: str, window: TimeRange,
                cursor: str | None) -> CalendarChanges:
        """The changes since `cursor`; with no cursor, or one the vendor no longer
        honours (Google's 410 Gone), every event in `window` (`full=True`)."""
        ...

    def watch(self, calendar_id: str, address: str, watch_id: str, token: str,
              expires_at: datetime) -> Watch:
        """Ask the provider to post changes to `address`, each carrying `token` (Google's
        X-Goog-Channel-Token, Graph's clientState); it may end the watch sooner."""
        ...

    def stop(self, watch: Watch) -> None:
        """Stop a watch; one already gone is not an error."""
        ...

    def create_event(self, calendar_id: str, event: CalendarEvent) -> WrittenEvent:
        """The new event (the same event again for the same key)."""
        ...

    def event_id_for(self, calendar_id: str, key: str) -> str | None:
        """The id `create_event` gives (or gave) the event for `key`, known without asking
        the provider when Penny chooses it (Google); None when the provider assigns it."""
        ...

    def booking_events(self, calendar_id: str, booking_uid: str) -> list[TaggedEvent] | None:
        """Every event in the calendar tagged with the booking, and when each was made
        (each create tags it: Graph, one filtered listing); none in a calendar the
        provider no longer knows (the host deleted it); None when the provider's events
        carry no tag (Google: Penny chooses their ids instead, `event_id_for`)."""
        ...

    def moved_to(self, calendar_id: str, event_id: str) -> str | None:
        """The other calendar of the host's, one Penny may write, that the event listed
        deleted in `calendar_id` is in now: the host moved it there (Google keeps its id:
        the calendar list, then one read per such calendar). None when it is in none of
        them, or the provider cannot tell (Graph gives a moved event a new id)."""
        ...

    def update_event(self, calendar_id: str, event_id: str,
                     event: CalendarEvent) -> WrittenEvent:
        """EventGoneError when the event is no longer there (the host deleted it)."""
        ...

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        """Deleting an event that is already gone is not an error."""
        ...
