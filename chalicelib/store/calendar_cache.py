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
  token each notification must carry, and the calendar's sync cursor, moved on the
  condition that it is still what the sync read: a notification reads the item anyway,
  and it is on no index, so advancing the cursor costs one write unit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError

from chalicelib.domain.calendar_cache import (
    CalendarCopy,
    CalendarRef,
    CalendarSetup,
    Channel,
    ChannelCursor,
    DayEvents,
    SyncState,
)
from chalicelib.domain.timerange import TimeRange
from chalicelib.store import codecs
from chalicelib.store.items import CalendarDayItem, HostItem, WatchItem
from chalicelib.store.transactions import condition_failed

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
    return {event_id: TimeRange(datetime.fromtimestamp(int(span[0]), UTC),
                                datetime.fromtimestamp(int(span[1]), UTC))
            for event_id, span in item.events.items()}


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
                   token: str, expires_at: datetime, cursor: str | None = None) -> None:
        """A new channel, holding the calendar's cursor from now on (version 1)."""
        WatchItem(f"WATCH#{provider}#{watch_id}", "WATCH", host_id=host_id,
                  calendar=ref.key, token_hash=token_hash(token), cursor=cursor,
                  cursor_version=1, expires_at=expires_at + timedelta(days=1)).save()

    def find_channel(self, provider: str, watch_id: str, token: str) -> Channel | None:
        """The channel, if `token` is its own (read strongly: its cursor is moved on the
        condition that it is still what was read)."""
        item = self._watch(provider, watch_id)
        if item is None or not hmac.compare_digest(item.token_hash, token_hash(token)):
            return None
        return Channel(item.host_id, CalendarRef.parse(item.calendar), _cursor(item))

    def find_watch(self, provider: str, watch_id: str, token: str
                   ) -> tuple[str, CalendarRef] | None:
        """Whose calendar the channel watches, if `token` is the channel's own."""
        found = self.find_channel(provider, watch_id, token)
        return None if found is None else (found.host_id, found.ref)

    def channel_cursor(self, provider: str, watch_id: str) -> ChannelCursor | None:
        """The cursor kept on a channel (None: no such channel)."""
        item = self._watch(provider, watch_id)
        return None if item is None else _cursor(item)

    def move_cursor(self, provider: str, watch_id: str, seen: ChannelCursor,
                    token: str | None, synced_at: datetime | None = None) -> bool:
        """Set the channel's cursor to `token`, reached by a sync that started at
        `synced_at`, if it is still `seen` (and the channel still exists); False when
        another sync moved it (or reset it) meanwhile."""
        item = WatchItem(f"WATCH#{provider}#{watch_id}", "WATCH")
        unmoved = (WatchItem.cursor_version == seen.version if seen.version
                   else WatchItem.cursor_version.does_not_exist())
        moved = seen.moved(token)
        actions: list[Any] = [WatchItem.cursor_version.set(moved.version)]
        actions.append(WatchItem.cursor.remove() if token is None
                       else WatchItem.cursor.set(token))
        actions.append(WatchItem.cursor_synced_at.remove() if synced_at is None
                       else WatchItem.cursor_synced_at.set(synced_at))
        try:
            item.update(actions=actions, condition=WatchItem.host_id.exists() & unmoved)
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def reset_cursor(self, provider: str, watch_id: str) -> bool:
        """Forget the channel's cursor (the next sync lists in full), and count it as
        moved, so a sync that read it before cannot move it; False: no such channel."""
        item = WatchItem(f"WATCH#{provider}#{watch_id}", "WATCH")
        try:
            item.update(actions=[WatchItem.cursor.remove(), WatchItem.cursor_version.add(1),
                                 WatchItem.cursor_synced_at.remove()],
                        condition=WatchItem.host_id.exists())
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def forget_watch(self, provider: str, watch_id: str,
                     moved: ChannelCursor | None = None) -> bool:
        """Delete the channel; with `moved`, only if its cursor is still that one (False
        if it moved or was reset since; True if it is gone already)."""
        item = WatchItem(f"WATCH#{provider}#{watch_id}", "WATCH")
        if moved is None:
            item.delete()
            return True
        try:
            item.delete(condition=(WatchItem.cursor_version == moved.version)
                        | WatchItem.host_id.does_not_exist())
        except DeleteError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def _watch(self, provider: str, watch_id: str) -> WatchItem | None:
        try:
            return WatchItem.get(f"WATCH#{provider}#{watch_id}", "WATCH",
                                 consistent_read=True)
        except DoesNotExist:
            return None


def _cursor(item: WatchItem) -> ChannelCursor:
    return ChannelCursor(item.cursor, int(item.cursor_version or 0), item.cursor_synced_at)
