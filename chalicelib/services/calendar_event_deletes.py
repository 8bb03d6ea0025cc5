"""The booking's events taken out of the host's calendar, for the calendar job
(services/calendar_sync.py): the one the booking records, and those a create may have
made without Penny hearing back (it reached the provider, its answer was lost, and no
retry recorded it), each delete noted (`Written`).

What the calendar job made is kept per booking (ProviderRef: the calendar's key and the
event's id), with the key the event was made under. The events it did not record are
found two ways. Where Penny chooses the ids (Google's, derived from the key), each is
deleted by its id, never asked for: one never made is a 404, fine. Where the provider
chooses them (Graph), every event Penny makes is tagged with the booking's uid, and one
filtered listing of the calendar finds them all (a move that made the event again
deletes only those made `SETTLED` before its own: a younger one may be another run's);
a calendar the host deleted lists none, so its record goes all the same.
An event made before Penny tagged its events is deleted only by its recorded id.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from chalicelib.domain.calendar_cache import CalendarRef
from chalicelib.domain.errors import NotConnectedError
from chalicelib.domain.providers.calendars import CalendarProvider, TaggedEvent
from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.calendar_cache import CalendarCache
from chalicelib.services.calendar_copy_sync import SYNC_TIMEOUT
from chalicelib.services.calendar_event_owners import disown
from chalicelib.services.calendar_event_records import CALENDAR as CALENDAR
from chalicelib.services.calendar_event_records import made_for, recorded
from chalicelib.services.calendar_ports import EventOwners, ProviderAdapters
from chalicelib.services.jobs import ProviderRefs

# Older than any calendar run (the worker's timeout, store/queues.py's WORKER_TIMEOUT, is
# 60 s): a tagged event made this long before the one a move just made again is no
# other run's, still to be recorded, but one a run left behind (its answer lost).
SETTLED = timedelta(minutes=10)


def replacement_key(uid: str, gone_id: str) -> str:
    """The key of the event made again for booking `uid` after the host deleted event
    `gone_id`: the same for every retry of it, another for each deletion."""
    return f"{uid}-{hashlib.sha256(gone_id.encode()).hexdigest()[:16]}"


@dataclass(frozen=True)
class Written:
    """An event Penny wrote in a host's calendar during one run: made (`when`: its time,
    which can go straight into the calendar's copy), or moved or removed (`when` None:
    the copy is synced, so no freed time stays busy in it)."""

    calendar: CalendarRef
    event_id: str
    when: TimeRange | None


class CalendarEventDeletes:
    """Held by CalendarSync (services/calendar_sync.py), which has these fields."""

    adapters: ProviderAdapters
    refs: ProviderRefs
    cache: CalendarCache | None

    @property
    def _owners(self) -> EventOwners | None:
        """Who owns each event Penny made (services/calendar_event_owners.py)."""
        return None if self.cache is None else self.cache.owners

    def _drop_event(self, host_id: str, uid: str, written: list[Written]) -> None:
        ref = self.refs.get(CALENDAR, uid)
        if ref is not None:
            self._delete_event(host_id, ref, written)

    def _delete_event(self, host_id: str, ref: ProviderRef, written: list[Written]) -> None:
        """The recorded event and every other of its booking in that calendar, before the
        record goes: a failure leaves the record for the retry, which deletes again."""
        place, event_id, _ = recorded(ref)
        where = CalendarRef.parse(place)
        try:
            calendar = self.adapters.calendar(host_id, where.provider, SYNC_TIMEOUT)
        except NotConnectedError:
            self.refs.delete(ref)  # disconnected: nothing Penny can still remove
            return
        # Forgotten first: the provider's notification of this delete finds no owner.
        disown(self._owners, where, event_id)
        calendar.delete_event(where.calendar_id, event_id)
        # A reschedule may have made the event again in place of this one (the host had
        # deleted it) and died before recording it: Google's is keyed from the deleted
        # one's id, in the calendar it made it in (the one the event was made for, where
        # the host may have moved it from); Graph's carries the booking's tag.
        again = CalendarRef.parse(made_for(ref))
        self._delete_unrecorded_in(calendar, again, ref.booking_uid,
                                   replacement_key(ref.booking_uid, event_id), written)
        self.refs.delete(ref)
        written.append(Written(where, event_id, None))

    def _delete_unrecorded(self, host_id: str, uid: str, where: CalendarRef,
                           written: list[Written]) -> None:
        """With no record of the booking's event: the one its create may have left in the
        destination calendar."""
        try:
            calendar = self.adapters.calendar(host_id, where.provider, SYNC_TIMEOUT)
        except NotConnectedError:
            return
        self._delete_unrecorded_in(calendar, where, uid, uid, written)

    def _delete_unrecorded_in(self, calendar: CalendarProvider, where: CalendarRef, uid: str,
                              key: str | None, written: list[Written],
                              keep: str | None = None) -> None:
        """Every event of booking `uid` in the calendar but `keep` (the one the booking
        records): those its tag finds (Graph), or else the one Penny's id for `key` names
        (Google; with no key, none). Only ever the booking's own: an event of another
        booking, or the host's, carries no such tag or id.

        With `keep` (a move that made the event again), only those made well before it
        (`SETTLED`): a younger one may be another run's, made again at the same time and
        not yet recorded (Graph's transactionId is no lock), which that run keeps and
        records. A cancel deletes them all: no run may keep one."""
        tagged = calendar.booking_events(where.calendar_id, uid)
        if tagged is None:
            derived = calendar.event_id_for(where.calendar_id, key) if key else None
            found = [derived] if derived is not None else []
        else:
            found = [e.id for e in tagged if keep is None or _settled(e, tagged, keep)]
        for event_id in found:
            if event_id != keep:
                calendar.delete_event(where.calendar_id, event_id)  # gone already: fine
                written.append(Written(where, event_id, None))


def _settled(event: TaggedEvent, tagged: list[TaggedEvent], keep: str) -> bool:
    """Was `event` made `SETTLED` before the event `keep`, by the provider's clock? Not
    when either time is unknown (keep's unlisted): it stays, for the cancel."""
    kept = next((e.made_at for e in tagged if e.id == keep), None)
    return event.made_at is not None and kept is not None and \
        event.made_at <= kept - SETTLED
