"""A calendar sync's states: what it read (`Reading`), what it leaves (`Synced`), and
how the state it reached merges with the one stored meanwhile (`kept_state`,
`still_true`). Pure: states in, a state out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from chalicelib.domain.calendar_cache import CalendarCopy, ChannelCursor, SyncState


@dataclass(frozen=True)
class Synced:
    state: SyncState
    copy: CalendarCopy


@dataclass(frozen=True)
class Reading:
    """A sync's reading, its days written and the channel's cursor moved past it."""

    state: SyncState                # the stored state it read from
    mine: SyncState                 # the state it reached
    copy: CalendarCopy
    full: bool                      # a full listing
    moved: ChannelCursor | None     # the channel's cursor as it moved it (None: not moved)


def kept_state(current: SyncState, mine: SyncState, noticed: datetime | None = None) -> SyncState:
    """The stored state after a sync: the sync's results, with a notification that
    arrived meanwhile kept (it is newer than the sync's start, so still not fresh), and
    the one the sync answers (`noticed`: older than its start, so fresh); and its channel
    ended meanwhile (`channel_ended`) stays ended. A watch asked of the calendar worker
    meanwhile stays asked, until the sync made a channel of its own."""
    marks = [t for t in (current.changed_at, noticed) if t is not None]
    asked = mine.watch_asked_at if mine.watch_id != current.watch_id and \
        mine.watch_id is not None else current.watch_asked_at
    kept = replace(mine, changed_at=max(marks) if marks else None, watch_asked_at=asked)
    if current.watch_id == mine.watch_id and current.watch_expires_at is not None and \
            (mine.watch_expires_at is None or current.watch_expires_at < mine.watch_expires_at):
        # The sync's older view must not bring it back: the copy would pass for pushed
        # to (fresh) until the old expiry, and no new channel would be made.
        kept = replace(kept, watch_expires_at=current.watch_expires_at)
    return kept


def still_true(stored: SyncState, mine: SyncState) -> bool:
    """Is the stored state as true after this sync as before: fresh (synced, no failure,
    no notification since), on the same channel, its events placed by the same zone?"""
    return (stored.synced_at is not None and stored.failure is None
            and (stored.changed_at is None or stored.changed_at <= stored.synced_at)
            and mine.watch_id == stored.watch_id and mine.placed_in == stored.placed_in)
