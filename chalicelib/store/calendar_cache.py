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
  token each notification must carry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.domain.calendar_cache import (
    CalendarCopy,
    CalendarRef,
    CalendarSetup,
    DayEvents,
    SyncState,
)
from chalicelib.domain.timerange import TimeRange
from chalicelib.store import codecs
from chalicelib.store.items import CalendarDayItem, HostItem, WatchItem

KEEP_DAY_AFTER = timedelta(days=2)
UPDATE_ATTEMPTS = 5


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def setup_to_json(setup: CalendarSetup) -> str:
    return json.dumps({
        "destination": None if setup.destination is None else setup.destination.key,
        "conflicts": [{
            "ref": s.ref.key, "synced_at": _iso(s.synced_at),
            "covered_until": _iso(s.covered_until), "cursor": s.cursor,
            "changed_at": _iso(s.changed_at), "watch_id": s.watch_id,
            "watch_expires_at": _iso(s.watch_expires_at), "watch_resource": s.watch_resource,
            "failure": s.failure} for s in setup.conflicts]}, sort_keys=True)


def setup_from_json(raw: str | None) -> CalendarSetup:
    if not raw:
        return CalendarSetup()
    data: dict[str, Any] = json.loads(raw)
    destination = data.get("destination")
    return CalendarSetup(
        conflicts=tuple(SyncState(
            ref=CalendarRef.parse(c["ref"]), synced_at=_when(c.get("synced_at")),
            covered_until=_when(c.get("covered_until")), cursor=c.get("cursor"),
            changed_at=_when(c.get("changed_at")), watch_id=c.get("watch_id"),
            watch_expires_at=_when(c.get("watch_expires_at")),
            watch_resource=c.get("watch_resource") or "", failure=c.get("failure"))
            for c in data.get("conflicts", [])),
        destination=None if destination is None else CalendarRef.parse(destination))


def day_sk(day: date, ref: CalendarRef) -> str:
    digest = hashlib.sha256(ref.key.encode()).hexdigest()[:16]
    return f"{codecs.day_key(day)}#CAL#{digest}"


def day_events(item: CalendarDayItem) -> DayEvents:
    return {event_id: TimeRange(datetime.fromtimestamp(int(s), UTC),
                                datetime.fromtimestamp(int(e), UTC))
            for event_id, (s, e) in item.events.items()}


def day_of(item: CalendarDayItem) -> date:
    return date.fromisoformat(item.sk.removeprefix("DAY#")[:10])


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarCacheRepository:
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

    # ---- push channels --------------------------------------------------------------------

    def save_watch(self, provider: str, watch_id: str, host_id: str, ref: CalendarRef,
                   token: str, expires_at: datetime) -> None:
        WatchItem(f"WATCH#{provider}#{watch_id}", "WATCH", host_id=host_id,
                  calendar=ref.key, token_hash=token_hash(token),
                  expires_at=expires_at + timedelta(days=1)).save()

    def find_watch(self, provider: str, watch_id: str, token: str
                   ) -> tuple[str, CalendarRef] | None:
        """Whose calendar the channel watches, if `token` is the channel's own."""
        try:
            item = WatchItem.get(f"WATCH#{provider}#{watch_id}", "WATCH")
        except DoesNotExist:
            return None
        if not hmac.compare_digest(item.token_hash, token_hash(token)):
            return None
        return item.host_id, CalendarRef.parse(item.calendar)

    def forget_watch(self, provider: str, watch_id: str) -> None:
        WatchItem(f"WATCH#{provider}#{watch_id}", "WATCH").delete()
