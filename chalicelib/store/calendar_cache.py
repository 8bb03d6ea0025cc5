"""The hosts' calendars in DynamoDB: their setup and sync states, the cached busy days,
and the push channels' owners (domain/calendar_cache.py says what they mean).

- The setup rides on the host's PROFILE item (`calendars`, JSON), read by the config
  Query every slots request starts with; it is rewritten only on the condition that it
  is still what was read, so two syncs of different calendars never lose each other's
  state.
- Each calendar's blocking events are kept per UTC day beside the ledger day
  (`LEDGER#{host}` / `DAY#{date}#CAL#{hash}`), so the slots request's ledger Query reads
  them too; a day with no events left is deleted, and every day expires after it ends.
- A push channel is found by its id (`WATCH#{provider}#{id}`), with the hash of the
  token each notification must carry, and the calendar's sync cursor: PushChannels
  (calendar_push_channels.py), which CalendarCacheRepository extends; and a channel
  asked of a provider that names it (a Graph subscription), found by its token's hash
  (`WATCHTRY#{provider}#{hash}`, calendar_watch_attempts.py).

The setup's JSON is calendar_setup_codec.py's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.domain.calendar_cache import (
    CalendarCopy,
    CalendarRef,
    CalendarSetup,
    DayEvents,
    RemovedCalendar,
)
from chalicelib.domain.timerange import TimeRange
from chalicelib.store import codecs
from chalicelib.store.calendar_push_channels import PushChannels
from chalicelib.store.calendar_setup_codec import setup_from_json, setup_to_json
from chalicelib.store.calendar_watch_attempts import WatchAttempts
from chalicelib.store.items import CalendarDayItem, CalendarRemovedItem, HostItem

__all__ = ["UPDATE_ATTEMPTS", "CalendarCacheRepository", "day_events", "setup_from_json"]

KEEP_DAY_AFTER = timedelta(days=2)
KEEP_NEWS_FOR = timedelta(days=1)   # a removed calendar's news item (read by the stream)
UPDATE_ATTEMPTS = 5


def day_sk(day: date, ref: CalendarRef) -> str:
    digest = hashlib.sha256(ref.key.encode()).hexdigest()[:16]
    return f"{codecs.day_key(day)}#CAL#{digest}"


def day_events(item: CalendarDayItem) -> DayEvents:
    return {event_id: TimeRange(datetime.fromtimestamp(int(span[0]), UTC),
                                datetime.fromtimestamp(int(span[1]), UTC))
            for event_id, span in item.events.items()}


def day_of(item: CalendarDayItem) -> date:
    return date.fromisoformat(item.sk.removeprefix("DAY#")[:10])


class CalendarCacheRepository(PushChannels, WatchAttempts):
    # ---- the setup --------------------------------------------------------------------

    def setup(self, host_id: str) -> CalendarSetup:
        try:
            item = HostItem.get(f"HOST#{host_id}", "PROFILE", consistent_read=True)
        except DoesNotExist:
            return CalendarSetup()
        return setup_from_json(item.calendars)

    def change(self, host_id: str, edit: Callable[[CalendarSetup], CalendarSetup],
               seen: CalendarSetup | None = None) -> CalendarSetup:
        """Apply `edit` to the host's setup as stored, again if another writer got in
        between; the setup as written. `seen`: the setup as the caller just read it
        (strongly), tried first without reading it again; if it is no longer what is
        stored, the write's condition refuses it and the edit is made on a fresh read."""
        known = None if seen is None else setup_to_json(seen)
        for _ in range(UPDATE_ATTEMPTS):
            if known is not None:
                item, old, known = HostItem(f"HOST#{host_id}", "PROFILE"), known, None
            else:
                try:
                    item = HostItem.get(f"HOST#{host_id}", "PROFILE", consistent_read=True)
                except DoesNotExist:
                    return CalendarSetup()
                old = item.calendars
            new = edit(setup_from_json(old))
            raw = setup_to_json(new)
            if raw == old:
                return new
            condition = (HostItem.calendars.does_not_exist() if old is None
                         else HostItem.calendars == old)
            try:
                item.update(actions=[HostItem.calendars.set(raw)], condition=condition)
            except UpdateError as exc:
                if getattr(exc, "cause_response_code", "") != "ConditionalCheckFailedException":
                    raise
                continue
            return new
        raise RuntimeError(f"the calendar setup of host {host_id} kept changing")

    def tell_removed(self, host_id: str, removed: RemovedCalendar) -> None:
        """The news of a calendar Penny took out, for the host's open dashboards: one
        small item, whose insert the table's stream turns into an event."""
        at = removed.removed_at.astimezone(UTC)
        CalendarRemovedItem(f"HOST#{host_id}", f"CALREMOVED#{removed.ref.key}#{at.isoformat()}",
                            host_id=host_id, calendar=removed.ref.key, reason=removed.reason,
                            was_destination="yes" if removed.was_destination else "no",
                            expires_at=at + KEEP_NEWS_FOR).save()

    # ---- the cached days ----------------------------------------------------------------

    def copy(self, host_id: str, ref: CalendarRef, window: TimeRange) -> CalendarCopy:
        first, last = window.start.astimezone(UTC).date(), window.end.astimezone(UTC).date()
        items = CalendarDayItem.query(
            f"LEDGER#{host_id}",
            CalendarDayItem.sk.between(codecs.day_key(first), f"{codecs.day_key(last)}#~"),
            filter_condition=CalendarDayItem.calendar == ref.key)
        return CalendarCopy.of({day_of(i): day_events(i) for i in items})

    def write(self, host_id: str, ref: CalendarRef, days: dict[date, DayEvents]) -> None:
        with CalendarDayItem.batch_write() as batch:
            for day, events in days.items():
                item = CalendarDayItem(f"LEDGER#{host_id}", day_sk(day, ref), calendar=ref.key)
                if not events:
                    batch.delete(item)
                    continue
                item.events = {i: [int(w.start.timestamp()), int(w.end.timestamp())]
                               for i, w in sorted(events.items())}
                item.expires_at = datetime.combine(day, datetime.min.time(), UTC) \
                    + KEEP_DAY_AFTER
                batch.save(item)
