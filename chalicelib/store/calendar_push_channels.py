"""The push channels' items: a channel found by its id (`WATCH#{provider}#{id}`), with
the hash of the token each notification must carry, and the calendar's sync cursor,
moved on the condition that it is still what the sync read: a notification reads the
item anyway, and it is on no index, so advancing the cursor costs one write unit.

CalendarCacheRepository (calendar_cache.py) extends PushChannels with the host's setup
and the cached days.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError

from chalicelib.domain.calendar_cache import CalendarRef, Channel, ChannelCursor
from chalicelib.store.items import WatchItem
from chalicelib.store.transactions import condition_failed


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PushChannels:
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
