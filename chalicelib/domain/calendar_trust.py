"""How far Penny's copy of one calendar is trusted (`SyncState`), and what a full listing
of a calendar reads (`sync_window`). The rules of trust are here, pure:

- a calendar with a live push channel (Google's events.watch, a Graph subscription) and
  no notification since its last sync is fresh until the channel ends: every change at
  the provider posts to Penny, which syncs then;
- without push (none made, or lapsed), a sync is trusted for `CACHE_TTL`;
- a copy holding events placed by the host's zone (Outlook's all-day dates, which Graph
  gives as midnight to midnight UTC: placed where the host lives) is not fresh once the
  host's profile zone is another (`placed_in`): the sync a slots page then makes places
  them again. The check reads the zone the page has anyway, so a zone change writes
  nothing here and no path that changes the zone can leave the copy trusted;
- a window reaching past what the last full listing covered, or a calendar never synced,
  is not fresh: the sync a slots page then makes is a full listing reaching the window's
  end (up to `SYNC_LIMIT` ahead: an event type may take bookings two years ahead, or
  with no limit; past the limit a page shows the copy as it is, and a booking still asks
  the providers);
- a booking (which must never rely on a guess) asks the providers afresh; if one is down
  it may rely on that calendar's copy only while its last sync is younger than
  `BOOKING_TRUSTS_CACHE_FOR` and the copy covers the booked time, and otherwise the
  booking is refused (retryable).

Channels are renewed once they end within `RENEW_WATCH_BEFORE`, prompted by whatever
already talks to the provider for the host (a sync after a notification, a refresh on
read, the calendar job); nothing runs on a schedule, so an idle deployment bills nothing.
A Graph subscription is made only by a call that may wait past Graph's validation of
Penny's address: a short sync asks the calendar worker for it instead, and records when
it asked (`watch_asked_at`), so the syncs after it do not ask again for
`ASK_WATCH_AGAIN_AFTER` (services/calendar_records.py). A channel that lapsed anyway
leaves the copy on its short expiry, and the next read refreshes it and makes (or asks
for) a new channel.

calendar_cache.py says where the copy and the states are kept, and names these with the
rest of the hosts' calendars.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta

from chalicelib.domain.calendar_channels import ChannelCursor
from chalicelib.domain.calendar_refs import CalendarRef
from chalicelib.domain.timerange import TimeRange

CACHE_TTL = timedelta(minutes=5)
BOOKING_TRUSTS_CACHE_FOR = timedelta(minutes=10)
RENEW_WATCH_BEFORE = timedelta(hours=24)
# A watch asked of the calendar worker is not asked again for this long: past its run and
# Lambda's retries of it, so one that failed is asked again, not one still under way.
ASK_WATCH_AGAIN_AFTER = timedelta(minutes=15)
WATCH_FOR = timedelta(days=7)          # asked for; Google caps channels, Graph at ~2.9 days
HORIZON = timedelta(days=100)          # how far ahead a full listing reaches
LOOK_BACK = timedelta(days=1)          # and how far back (a meeting under way)
RESYNC_WHEN_LEFT = timedelta(days=70)  # a full listing again once less than this is ahead
SYNC_LIMIT = timedelta(days=731)       # the farthest a full listing reaches for a window
LIMIT_GRACE = timedelta(days=1)        # and how long a listing up to it stays far enough


@dataclass(frozen=True)
class SyncState:
    """How far Penny's copy of one calendar can be trusted."""

    ref: CalendarRef
    synced_at: datetime | None = None       # the last sync that succeeded
    covered_until: datetime | None = None   # what the last full listing reached
    cursor: str | None = None               # Google's syncToken after that sync, for a
                                            # calendar with no channel (else on the channel)
    changed_at: datetime | None = None      # the last push notification
    watch_id: str | None = None
    watch_expires_at: datetime | None = None
    watch_resource: str = ""                # Google's resourceId, to stop the channel
    failure: str | None = None              # why the last sync failed (None: it worked)
    watch_asked_at: datetime | None = None  # a new channel asked of the calendar worker
    placed_in: str | None = None            # the host's zone events in the copy were
                                            # placed by (None: nothing depends on it)

    def watching(self, now: datetime) -> bool:
        return self.watch_expires_at is not None and self.watch_expires_at > now

    def fresh_for(self, window: TimeRange, now: datetime, zone: str) -> bool:
        """May a slots page use the copy over `window` without asking the provider?
        `zone`: the host's own (their profile's)."""
        if self.synced_at is None or self.covered_until is None:
            return False
        if not self.placed_for(zone):
            return False
        if not self.reaches(window.end, now):
            return False
        if self.changed_at is not None and self.changed_at > self.synced_at:
            return False
        if self.watching(now):
            return True
        return now - self.synced_at < CACHE_TTL

    def placed_for(self, zone: str) -> bool:
        """Is the copy right for a host in `zone`: nothing in it placed by another?"""
        return self.placed_in is None or self.placed_in == zone

    def reaches(self, end: datetime, now: datetime) -> bool:
        """Does the copy reach `end`, as far as a page may ask (`SYNC_LIMIT` ahead, which
        moves with the clock: a copy made up to it is good for a day)?"""
        if self.covered_until is None:
            return False
        limit = now + SYNC_LIMIT
        return self.covered_until >= (end if end <= limit else limit - LIMIT_GRACE)

    def covers(self, window: TimeRange) -> bool:
        """Did the last full listing reach the end of `window`?"""
        return self.covered_until is not None and window.end <= self.covered_until

    def trusted_for_booking(self, now: datetime, window: TimeRange,
                            channel: ChannelCursor | None = None) -> bool:
        """May a booking over `window` rely on the copy when the provider cannot be
        asked? `channel`: the calendar's channel cursor, whose last move may be a sync
        newer than the one the setup records."""
        synced_at = self.synced_at
        if channel is not None and channel.synced_at is not None and \
                (synced_at is None or channel.synced_at > synced_at):
            synced_at = channel.synced_at
        return (synced_at is not None and now - synced_at < BOOKING_TRUSTS_CACHE_FOR
                and self.covers(window)
                and not (self.changed_at is not None and self.changed_at > synced_at))

    def needs_full_sync(self, now: datetime, until: datetime | None = None) -> bool:
        """A full listing is due: never made, running out, or `until` (a page's window,
        up to `SYNC_LIMIT` ahead) reaches past it."""
        if until is not None and self.covered_until is not None and \
                not self.reaches(until, now):
            return True
        return (self.cursor is None or self.covered_until is None
                or self.covered_until - now < RESYNC_WHEN_LEFT)

    def needs_watch(self, now: datetime) -> bool:
        return self.watch_expires_at is None or self.watch_expires_at - now < RENEW_WATCH_BEFORE

    def watch_asked(self, now: datetime) -> bool:
        """Is a new channel asked of the calendar worker, recently enough not to ask
        again?"""
        return self.watch_asked_at is not None and \
            now - self.watch_asked_at < ASK_WATCH_AGAIN_AFTER

    def on_channel_of(self, other: SyncState) -> SyncState:
        """This state watched by the other's push channel."""
        return replace(self, watch_id=other.watch_id, watch_expires_at=other.watch_expires_at,
                       watch_resource=other.watch_resource)

    def synced(self, now: datetime, cursor: str | None, covered_until: datetime | None,
               placed_in: str | None = None) -> SyncState:
        """The state after a listing: a full one (`covered_until`) replaces the copy, so
        its `placed_in` is the copy's; an incremental one (Google's, which places nothing
        by the host's zone) leaves the copy's unless it placed some itself."""
        return replace(self, synced_at=now, cursor=cursor, failure=None,
                       covered_until=covered_until or self.covered_until,
                       placed_in=placed_in if covered_until is not None
                       else placed_in or self.placed_in)


def sync_window(now: datetime, until: datetime | None = None) -> TimeRange:
    """What a full listing reads: from yesterday's midnight (UTC) to the horizon, or to
    `until` when that is farther (at most `SYNC_LIMIT` ahead)."""
    start = datetime.combine((now - LOOK_BACK).date(), time(), UTC)
    end = now + HORIZON if until is None else max(now + HORIZON, min(until, now + SYNC_LIMIT))
    return TimeRange(start, end)
