"""A push channel as Penny keeps it (`Channel`): whose calendar it watches, and the
cursor where that calendar's incremental sync resumes (`ChannelCursor`), kept on the
channel's item rather than on the host's profile; and a channel Penny asked for before
the provider answered (`WatchAttempt`), so one made unanswered can be told apart.

calendar_trust.py reads the cursor's last sync when a booking may rely on the copy;
calendar_cache.py names these with the rest of the hosts' calendars.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.calendar_refs import CalendarRef


@dataclass(frozen=True)
class ChannelCursor:
    """Where a watched calendar's incremental sync resumes (Google's syncToken), kept on
    its push channel's item, which a notification reads anyway: moving it there costs no
    index write, where the profile item is also the slug index's. `version` counts its
    moves; a sync moves it only from the version it read, so of two syncs that overlap,
    one cannot advance it over the other. Version 0: a channel made before cursors moved
    onto channels, whose cursor is still the one in the host's setup."""

    token: str | None = None
    version: int = 0
    # When the sync that last moved it started: the copy held every change until then.
    # A booking whose provider is down reads it (the host's setup is not rewritten when
    # a push notification's sync moves the cursor, so its `synced_at` is older).
    synced_at: datetime | None = None

    def moved(self, token: str | None, synced_at: datetime | None = None) -> ChannelCursor:
        return ChannelCursor(token, self.version + 1, synced_at)


@dataclass(frozen=True)
class Channel:
    """A push channel as Penny keeps it: whose calendar it watches, and its cursor."""

    host_id: str
    ref: CalendarRef
    cursor: ChannelCursor


@dataclass(frozen=True)
class WatchAttempt:
    """A push channel Penny asked a provider for, recorded before it asked, where the
    provider names the channel (Graph's subscriptions): a channel the provider made
    while Penny's call went unanswered is found by the token it carries, which only
    Penny and the provider know."""

    host_id: str
    ref: CalendarRef
    at: datetime          # when Penny asked
