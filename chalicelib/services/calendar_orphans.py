"""Graph subscriptions made while Penny's POST went unanswered (orphans): adopted when
their calendar has none, else deleted at Graph.

Graph names a subscription itself, and may make it after Penny's POST timed out (it
validates Penny's address before answering) or its Lambda died: Penny never learns the
id. So each POST is recorded first, found by its clientState's hash
(store/calendar_watch_attempts.py). A notification naming no subscription Penny keeps,
whose clientState is an attempt's, is the attempt's subscription: only Graph and Penny
know that token, so it proves whose calendar it watches, and its id and the expiry it
states are Graph's (the expiry no later than Graph's longest, 4,230 minutes, from now).
Nothing else in the notification is trusted, and a clientState that matches no attempt
changes nothing.

- **Adopted** when its calendar is still counted, has no live subscription recorded, and
  the attempt answers the worker's latest ask (the answer was lost): recorded as the
  POST's answer would have been, and the notification then synced like any other. The
  calendar is pushed to at once, a POST is spared, and a POST that keeps timing out
  still ends with a subscription.
- **Deleted** at Graph otherwise (the calendar got another meanwhile, is no longer
  counted, or a later ask is standing), inline with the host's token, as the sync of a
  notification already calls Graph: `DELETE /subscriptions/{id}` (404 is fine).

Either way the attempt is then forgotten (one delete), so a redelivery does nothing
more; a DELETE that fails keeps it, for the orphan's next notification.

Graph may deliver an orphan's notifications concurrently. One that finds the
subscription kept (adopted by another delivery since it read no channel) is the kept
subscription's: synced, never deleted. So before a DELETE its channel item and its
calendar's state are read again, strongly (an adoption saves the item before the setup
names it), and one that names it is kept; an attempt already forgotten with the channel
kept is too.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.domain.calendar_cache import CalendarSetup, SyncState, WatchAttempt
from chalicelib.domain.errors import ConnectionBrokenError, NotConnectedError, ProviderError
from chalicelib.domain.providers.calendars import Watch
from chalicelib.services.calendar_ports import CalendarStore, ProviderAdapters
from chalicelib.services.calendar_records import WATCH_CALLS_BACK
from chalicelib.services.ports import Clock

log = logging.getLogger("penny.calendars")

STOP_TIMEOUT = 2.0   # seconds: the DELETE is made while Graph waits (3 s) for an answer
# Graph ends an Outlook event subscription after 4,230 minutes at most (Penny asks for
# that, less a minute: integrations/graph_subscriptions.py). A stated end past it is
# taken as this far from now: the setup trusts push until then.
LONGEST_SUBSCRIPTION = timedelta(minutes=4230)


def adoptable(state: SyncState | None, attempt: WatchAttempt, now: datetime) -> bool:
    """May the attempt's subscription become the calendar's? Only while it is counted,
    has no live subscription, and no ask is standing that came after the attempt (one
    made by an earlier connection of the calendar, or answered by a later POST)."""
    return (state is not None and not state.watching(now)
            and (state.watch_asked_at is None or attempt.at >= state.watch_asked_at))


class OrphanWatches:
    """Held by CalendarCache (services/calendar_cache.py), which has these fields."""

    adapters: ProviderAdapters
    store: CalendarStore
    clock: Clock

    def adopted(self, provider: str, watch_id: str, token: str,
                expires: datetime | None) -> bool:
        """A notification names `watch_id`, a channel Penny did not keep when it was read,
        with `token`: if `token` is an attempt's, adopt its subscription or delete it at
        Graph. True when Penny keeps it now: adopted here, or by a concurrent delivery of
        its notifications (whose channel the caller then syncs); False when deleted, and,
        nothing done, for any other. `expires`: the subscription's end, as the
        notification states it: none, or one past, is not adopted; one past Graph's
        longest is taken as that."""
        if provider not in WATCH_CALLS_BACK:
            return False
        now = self.clock.now()
        attempt = self.store.find_attempt(provider, token, now)
        if attempt is None:
            # A forgery, one settled already, or one Penny keeps: maybe adopted by a
            # concurrent delivery since the caller read no channel (the caller reads it
            # again with the token, so a forgery naming a kept channel stays refused).
            return self.store.channel_cursor(provider, watch_id) is not None
        if self.store.channel_cursor(provider, watch_id) is not None:
            return True   # adopted meanwhile by a concurrent delivery
        if expires is not None:
            # Graph's word, but never past what Penny could have asked for (a year 9999
            # would be trusted as push for good, and overflow the item's TTL).
            expires = min(expires, now + LONGEST_SUBSCRIPTION)
        state = self.store.setup(attempt.host_id).state(attempt.ref)
        if expires is not None and expires > now and adoptable(state, attempt, now) \
                and self._adopt(attempt, provider, watch_id, token, expires, now):
            self.store.forget_attempt(provider, token)
            return True
        if self._kept(provider, watch_id, attempt):
            return True   # adopted by a concurrent delivery: never deleted at Graph
        if self._delete(attempt, watch_id, expires or now):
            self.store.forget_attempt(provider, token)
        return False

    def _kept(self, provider: str, watch_id: str, attempt: WatchAttempt) -> bool:
        """Does Penny keep the subscription now? Read again, strongly, just before it
        would be deleted: a concurrent delivery of its notifications may have adopted it
        since this one read its channel (that one's item is saved before the setup names
        it, so the item is read first)."""
        if self.store.channel_cursor(provider, watch_id) is not None:
            return True
        state = self.store.setup(attempt.host_id).state(attempt.ref)
        return state is not None and state.watch_id == watch_id

    def _adopt(self, attempt: WatchAttempt, provider: str, watch_id: str, token: str,
               expires: datetime, now: datetime) -> bool:
        """Record the subscription as the calendar's (its item first, as a POST's answer
        is recorded); False, its item forgotten, when the setup changed meanwhile so
        that it may not be."""
        ref, kept = attempt.ref, False
        self.store.save_watch(provider, watch_id, attempt.host_id, ref, token, expires)

        def edit(setup: CalendarSetup) -> CalendarSetup:
            nonlocal kept
            current = setup.state(ref)
            kept = current is not None and current.watch_id == watch_id  # adopted meanwhile
            if kept or current is None or not adoptable(current, attempt, now):
                return setup
            kept = True
            return setup.with_state(replace(current, watch_id=watch_id, watch_expires_at=expires,
                                            watch_resource="", watch_asked_at=None))

        self.store.change(attempt.host_id, edit)
        if not kept:
            self.store.forget_watch(provider, watch_id)
        log.info("orphan subscription adopted" if kept else "orphan subscription not adopted",
                 extra={"provider": provider})
        return kept

    def _delete(self, attempt: WatchAttempt, watch_id: str, expires: datetime) -> bool:
        """Delete the subscription at Graph; False when Graph could not be asked (the
        attempt is kept for the orphan's next notification)."""
        ref = attempt.ref
        try:
            calendar = self.adapters.calendar(attempt.host_id, ref.provider, STOP_TIMEOUT)
            calendar.stop(Watch(watch_id, ref.calendar_id, expires))
        except (NotConnectedError, ConnectionBrokenError):
            return True   # no token to delete it with: it ends on its own, or with access
        except ProviderError as exc:
            log.warning("deleting an orphan subscription failed",
                        extra={"provider": ref.provider, "error_code": exc.code})
            return False
        log.info("orphan subscription deleted", extra={"provider": ref.provider})
        return True
