"""Bookings and the per-day ledger in DynamoDB: the atomic write that forbids overlaps.

A booking is committed in one TransactWriteItems with: the booking item (must not
exist, or must still be at the version read), the idempotency record (must not exist),
every ledger day it changes (PynamoDB's VersionAttribute adds `version = :read`), and a
ConditionCheck on every other ledger day the availability check relied on (the daily
limit looks at a whole host-local day). If any of those changed since they were read,
DynamoDB cancels the whole transaction and nothing is written. A new booking also counts
against its attendee's daily allowance (an ADD on a counter item), and a hold let go
because its checkout never opened gives that count back, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from chalicelib.domain.bookings import Booking, LedgerDay, LedgerEntry
from chalicelib.domain.calendar_cache import DayEvents
from chalicelib.domain.errors import (
    AttendeeQuotaError,
    ConcurrentWriteError,
    IdempotentReplayError,
)
from chalicelib.domain.timerange import TimeRange
from chalicelib.services.ports import AttendeeQuota, BookingWrite, IdempotencyRecord, LedgerRead
from chalicelib.store import codecs
from chalicelib.store.calendar_cache import day_events
from chalicelib.store.counters import counter_keys
from chalicelib.store.items import (
    BookingItem,
    CalendarDayItem,
    CounterItem,
    IdempotencyItem,
    LedgerDayItem,
    LedgerEntryMap,
)
from chalicelib.store.tables import PennyItem
from chalicelib.store.transactions import cancelled_reasons, connection

IDEMPOTENCY_TTL = timedelta(hours=24)
# A ledger day is only read for slots on or after it; keep it a little while for support.
LEDGER_RETENTION = timedelta(days=35)


def _count_booking(tx: TransactWrite, quota: AttendeeQuota, now: datetime) -> None:
    # ADD under a condition: the count and the booking commit or fail together, so a
    # refused or lost booking is never counted. `kind` is set by hand (an update does
    # not write the discriminator).
    item = CounterItem(*counter_keys(quota.key))
    hits = CounterItem.hits
    tx.update(item, actions=[CounterItem.kind.set(CounterItem), hits.add(1),
                             CounterItem.last_at.set(now),
                             CounterItem.expires_at.set(quota.expires_at)],
              condition=hits.does_not_exist() | (hits < quota.limit))


def _uncount_booking(tx: TransactWrite, key: str) -> None:
    # One fewer, in the transaction that lets the hold go, so the two are written together
    # or not at all. `hits > 0` keeps it from going below 0 and from bringing back a
    # counter DynamoDB's TTL already deleted (commit retries the write without it then).
    hits = CounterItem.hits
    tx.update(CounterItem(*counter_keys(key)), actions=[hits.add(-1)], condition=hits > 0)


def _ts(dt: datetime) -> int:
    return int(dt.timestamp())


def _from_ts(ts: int | float) -> datetime:
    return datetime.fromtimestamp(int(ts), UTC)


def _ledger_pk(host_id: str) -> str:
    return f"LEDGER#{host_id}"


def _to_day(item: LedgerDayItem) -> LedgerDay:
    entries = tuple(
        LedgerEntry(e.uid, e.event_type_id, TimeRange(_from_ts(e.start), _from_ts(e.end)),
                    TimeRange(_from_ts(e.block_start), _from_ts(e.block_end)),
                    None if e.hold_until is None else _from_ts(e.hold_until))
        for e in item.entries)
    return LedgerDay(date.fromisoformat(item.sk.removeprefix("DAY#")), entries, item.version)


def _to_item(host_id: str, day: LedgerDay) -> LedgerDayItem:
    entries = [
        LedgerEntryMap(  # type: ignore[no-untyped-call]
            uid=e.booking_uid, event_type_id=e.event_type_id,
            start=_ts(e.meeting.start), end=_ts(e.meeting.end),
            block_start=_ts(e.blocked.start), block_end=_ts(e.blocked.end),
            hold_until=None if e.hold_until is None else _ts(e.hold_until))
        for e in day.entries]
    expires = datetime(day.day.year, day.day.month, day.day.day, tzinfo=UTC) + LEDGER_RETENTION
    item = LedgerDayItem(_ledger_pk(host_id), codecs.day_key(day.day), entries=entries,
                         expires_at=expires)
    if day.version is not None:  # else PynamoDB conditions the write on "never written"
        item.version = day.version
    return item


def _fill(days: Iterable[date], found: dict[date, LedgerDay]) -> list[LedgerDay]:
    return [found.get(d, LedgerDay(d)) for d in days]


BOOKING_PK, HOST_BOOKINGS = "BOOKING#", "HOSTBOOKINGS#"


def _booking_item(b: Booking) -> BookingItem:
    item = BookingItem(f"{BOOKING_PK}{b.uid}", "BOOKING", status=b.status.value,
                       data=codecs.booking_to_json(b),
                       gsi2pk=f"{HOST_BOOKINGS}{b.host_id}",
                       gsi2sk=f"{b.start.astimezone(UTC).isoformat()}#{b.uid}",
                       calendar_event_removed_at=b.calendar_event_removed_at)
    if b.version is not None:
        item.version = b.version
    return item


def to_booking(item: BookingItem) -> Booking:
    # The keys say whose booking it is; an item written before also holds `host_id`.
    host_id = item.gsi2pk.removeprefix(HOST_BOOKINGS) if item.gsi2pk else item.host_id
    if host_id is None:
        raise ValueError(f"the booking item {item.pk} names no host")
    booking = codecs.booking_from_json(item.pk.removeprefix(BOOKING_PK), host_id,
                                       item.status, item.version, item.data)
    removed = item.calendar_event_removed_at
    return booking if removed is None else replace(booking, calendar_event_removed_at=removed)


class BookingRepository:
    def ledger(self, host_id: str, first: date, last: date) -> LedgerRead:
        """Ledger days first..last (inclusive), and the host's cached calendar days beside
        them (store/calendar_cache.py), in one Query: the slots page's second read."""
        found: dict[date, LedgerDay] = {}
        calendars: dict[str, list[DayEvents]] = {}
        for item in PennyItem.query(_ledger_pk(host_id), PennyItem.sk.between(
                codecs.day_key(first), f"{codecs.day_key(last)}#~")):
            if isinstance(item, LedgerDayItem):
                day = _to_day(item)
                found[day.day] = day
            elif isinstance(item, CalendarDayItem):
                calendars.setdefault(item.calendar, []).append(day_events(item))
        days = _fill((first + timedelta(days=i) for i in range((last - first).days + 1)), found)
        return LedgerRead(days, calendars)

    def ledger_for_write(self, host_id: str, days: Sequence[date], idempotency_key: str | None
                         ) -> tuple[list[LedgerDay], IdempotencyRecord | None]:
        """The ledger days and the idempotency record in one strongly consistent BatchGet."""
        keys: list[tuple[str, str]] = [(_ledger_pk(host_id), codecs.day_key(d)) for d in days]
        if idempotency_key is not None:
            keys.append((f"IDEMP#{idempotency_key}", "IDEMP"))
        found: dict[date, LedgerDay] = {}
        record = None
        for item in PennyItem.batch_get(keys, consistent_read=True):
            if isinstance(item, LedgerDayItem):
                day = _to_day(item)
                found[day.day] = day
            elif isinstance(item, IdempotencyItem):
                record = IdempotencyRecord(item.fingerprint, item.booking_uid)
        return _fill(days, found), record

    def forget_idempotency(self, key: str) -> None:
        IdempotencyItem(f"IDEMP#{key}", "IDEMP").delete()

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        try:
            item = IdempotencyItem.get(f"IDEMP#{key}", "IDEMP", consistent_read=True)
        except DoesNotExist:
            return None
        return IdempotencyRecord(item.fingerprint, item.booking_uid)

    def commit(self, write: BookingWrite, now: datetime) -> None:
        booking = write.booking
        assert write.quota is None or write.uncounted is None  # one update of the counter
        try:
            with TransactWrite(connection=connection()) as tx:
                item = _booking_item(booking)
                tx.save(item, condition=BookingItem.pk.does_not_exist() if write.is_new else None)
                if write.idempotency is not None:
                    key, fingerprint = write.idempotency
                    tx.save(IdempotencyItem(f"IDEMP#{key}", "IDEMP", fingerprint=fingerprint,
                                            booking_uid=booking.uid,
                                            expires_at=now + IDEMPOTENCY_TTL),
                            condition=IdempotencyItem.pk.does_not_exist())
                for day in write.changed_days:
                    tx.save(_to_item(booking.host_id, day))
                for day in write.checked_days:
                    version = LedgerDayItem.version
                    tx.condition_check(
                        LedgerDayItem, _ledger_pk(booking.host_id), codecs.day_key(day.day),
                        condition=version.does_not_exist() if day.version is None
                        else version == day.version)
                if write.quota is not None:
                    _count_booking(tx, write.quota, now)
                if write.uncounted is not None:
                    _uncount_booking(tx, write.uncounted)
        except TransactWriteError as exc:
            reasons = cancelled_reasons(exc)
            # Sent order: condition checks, then puts (booking, idempotency record, days),
            # then updates (the quota's count, or its give-back: never both).
            if write.uncounted is not None and reasons[-1] == "ConditionalCheckFailed":
                # Nothing left to give back (0, or gone with its day): the rest alone.
                self.commit(replace(write, uncounted=None), now)
                return
            # (A write without an idempotency record has none: its index is a day's, or
            # past the end of a write of the booking alone.)
            idempotency_at = len(write.checked_days) + 1
            if write.idempotency is not None and \
                    reasons[idempotency_at] == "ConditionalCheckFailed":
                raise IdempotentReplayError() from exc
            if write.quota is not None and reasons[-1] == "ConditionalCheckFailed":
                raise AttendeeQuotaError() from exc
            raise ConcurrentWriteError() from exc

    def save_video(self, booking: Booking) -> bool:
        """Write the booking's video link or note, if the booking is still at the version
        it was read at (False: it changed meanwhile; read it again)."""
        return self.save(booking)

    def save(self, booking: Booking) -> bool:
        """Write the booking alone (its link, its payment), if it is still at the version
        it was read at (False: it changed meanwhile; read it again)."""
        try:
            _booking_item(booking).save()  # conditioned on the version read (VersionAttribute)
        except PutError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(self, uid: str) -> Booking | None:
        try:
            return to_booking(BookingItem.get(f"BOOKING#{uid}", "BOOKING", consistent_read=True))
        except DoesNotExist:
            return None

    def for_host(self, host_id: str, *, after: datetime | None = None,
                 before: datetime | None = None, newest_first: bool = False,
                 limit: int = 50) -> list[Booking]:
        """A host's bookings by start time from GSI2 (a page of at most `limit`)."""
        sk = BookingItem.gsi2sk
        condition: Condition | None = None
        if after is not None and before is not None:
            condition = sk.between(after.astimezone(UTC).isoformat(),
                                   before.astimezone(UTC).isoformat())
        elif after is not None:
            condition = sk >= after.astimezone(UTC).isoformat()
        elif before is not None:
            condition = sk < before.astimezone(UTC).isoformat()
        items = PennyItem.host_bookings.query(f"HOSTBOOKINGS#{host_id}", condition,
                                              scan_index_forward=not newest_first, limit=limit)
        return [to_booking(i) for i in items if isinstance(i, BookingItem)]

    def page_for_host(self, host_id: str, past: str | None, *, newest_first: bool,
                      limit: int) -> list[tuple[str, Booking]]:
        """Up to `limit` of a host's bookings in GSI2's order ("{start}#{uid}", start in
        UTC), each with its key there, from just past the key `past` (after it, or before
        it `newest_first`; None: from the first)."""
        sk = BookingItem.gsi2sk
        condition = None if past is None else (sk < past if newest_first else sk > past)
        items = PennyItem.host_bookings.query(f"HOSTBOOKINGS#{host_id}", condition,
                                              scan_index_forward=not newest_first, limit=limit)
        return [(str(i.gsi2sk), to_booking(i)) for i in items if isinstance(i, BookingItem)]
