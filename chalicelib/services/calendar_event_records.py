"""How the calendar job's record of a booking's event (ProviderRef, job `calendar`)
names it: the calendar it is in and its id (`calendar key\nevent id`), the key it was
made under when that is not the booking's uid (an event made again in place of one the
host deleted), and, once the host moved it to another of their calendars and Penny
followed it there (services/calendar_event_moves.py), the calendar it was made for.

The calendar it is in is where a reschedule patches it and a cancel deletes it; the one
it was made for is what the job compares with the host's destination calendar, so a move
of the host's own is not taken for the host choosing another destination (which makes
the event again there)."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.domain.providers.refs import ProviderRef

CALENDAR = "calendar"


def recorded(ref: ProviderRef) -> tuple[str, str, str]:
    """The key of the calendar the event is in, its id and the key it was made under."""
    place, _, rest = ref.external_id.partition("\n")
    event_id, _, rest = rest.partition("\n")
    key, _, _ = rest.partition("\n")
    return place, event_id, key or ref.booking_uid


def made_for(ref: ProviderRef) -> str:
    """The key of the calendar the event was made in (the destination then): where it
    is, unless the host moved it since."""
    chosen = ref.external_id.split("\n")[3:4]
    return chosen[0] if chosen and chosen[0] else recorded(ref)[0]


def record(place: str, event_id: str, key: str, uid: str, chosen: str | None = None) -> str:
    """The record's `external_id` for an event in calendar `place` (`chosen`: the calendar
    it was made for, when the host moved it elsewhere)."""
    keyed = "" if key == uid else key
    if chosen is not None and chosen != place:
        return f"{place}\n{event_id}\n{keyed}\n{chosen}"
    return f"{place}\n{event_id}" + (f"\n{keyed}" if keyed else "")


def moved(ref: ProviderRef, to: str) -> ProviderRef:
    """The record of the same event, now in calendar `to` (moved there by the host)."""
    _, event_id, key = recorded(ref)
    return replace(ref, external_id=record(to, event_id, key, ref.booking_uid,
                                           made_for(ref)))
