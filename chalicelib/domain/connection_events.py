"""A host's connection to a provider, as dashboards hear of it: broken, and repaired;
and one of its calendars taken out of the host's calendars (gone at the provider).

Read off the change of the connection's item, as booking events are (events.py): a write
that leaves the connection working, or broken, says nothing, so a token refresh (which
writes the item often) never becomes an event.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.connections import Connection
from chalicelib.domain.events import Event, EventKind, event_id


def connection_events(old: Connection | None, new: Connection | None, change_id: str,
                      at: datetime) -> list[Event]:
    """The events one change of a connection item stands for (none, or one).

    Broken: marked broken now, or a new grant that is broken (the same grant broken again
    is told once). Repaired: broken before, and not now, the item still there: a
    reconnect, new keys, or a late accepted refresh saved over a refused one's mark (a
    Stripe account made again by a reconnect is `pending` until its set-up is finished).
    A new connection, or one deleted, is neither.
    """
    if new is None:
        return []
    if new.is_broken:
        if old is not None and old.is_broken and old.grant_id == new.grant_id:
            return []
        return [connection_broken_event(change_id, at, new.host_id, new.provider,
                                        new.broken_reason, new.scopes)]
    if old is not None and old.is_broken:
        return [connection_repaired_event(change_id, at, new,
                                          reconnected=old.grant_id != new.grant_id)]
    return []


def connection_broken_event(change_id: str, at: datetime, host_id: str, provider: str,
                            reason: str | None, scopes: tuple[str, ...]) -> Event:
    """A host's connection stopped working (read off its item's change to broken): the
    dashboards flag it and offer Reconnect. No booking, no worker takes it. `scopes`, as
    granted, say what the connection was for (a Google connection made for the Docs
    alone is not the calendar's) to a dashboard that has not read the connections yet."""
    kind = EventKind.CONNECTION_BROKEN
    return Event(kind, event_id(change_id, kind), at, host_id, {},
                 connection={"provider": provider, "status": "broken", "reason": reason,
                             "scopes": list(scopes)})


def connection_repaired_event(change_id: str, at: datetime, new: Connection,
                              reconnected: bool) -> Event:
    """A host's broken connection works again: the dashboards show it as it now is
    (`connected`, or `pending`). `reconnected`: by a new grant (the host reconnected,
    which caught their bookings up then), not by the same grant's late refresh, after
    which the calendar worker catches up what the break left behind
    (services/calendar_catch_up.py)."""
    kind = EventKind.CONNECTION_REPAIRED
    return Event(kind, event_id(change_id, kind), at, new.host_id, {},
                 connection={"provider": new.provider, "status": new.status.value,
                             "scopes": list(new.scopes), "reconnected": reconnected})


def calendar_removed_event(change_id: str, at: datetime, host_id: str, calendar: str,
                           reason: str, was_destination: bool) -> Event:
    """Penny took one of the host's calendars out (read off its news item's insert): the
    provider says the host can no longer read it. The connection still works (`status`
    says so); the Connections page lists the calendar among the removed, with why."""
    kind = EventKind.CALENDAR_REMOVED
    provider = calendar.partition(":")[0]
    return Event(kind, event_id(change_id, kind), at, host_id, {},
                 connection={"provider": provider, "status": "connected",
                             "calendar": calendar, "reason": reason,
                             "was_destination": was_destination})


def calendar_watch_asked_event(host_id: str, calendar: str, asked_at: datetime) -> Event:
    """A push channel asked of the calendar worker for one of the host's calendars (a
    CalendarRef key), by the sync that recorded the ask at `asked_at`: its id is that
    ask's, so a second publish of the same ask is the same job."""
    kind = EventKind.CALENDAR_WATCH_REQUESTED
    return Event(kind, event_id(f"watch:{host_id}:{calendar}:{asked_at.isoformat()}", kind),
                 asked_at, host_id, {},
                 connection={"provider": calendar.partition(":")[0], "calendar": calendar})
