"""A calendar the provider says the host can no longer read: deleted, or no longer
shared with them (Google's `notFound`; Graph's 404, or its 403 while the host's own
calendar still answers: services see CalendarGoneError, or a `gone` CalendarBusy).

Such a calendar holds nothing Penny can check, and asking again cannot help: keeping it
"unknown" refused every booking once its copy aged (the copy can never be made fresh
again), and counting a 403 against the whole connection broke it for good. So it is
taken out of the host's conflict calendars (and out of "Add new bookings to", which then
names none, as when the host chooses none: nothing switches calendar on its own), its
push channel forgotten, and kept among the setup's `removed` with the reason, which the
Connections page's calendar list shows (GET /me/calendars); the host's open dashboards
hear of it live (`connection.calendar_removed`, from a small news item's insert). A
calendar that only fails for now (5xx, 429, a timeout) is never gone: it stays unknown.
"""

from __future__ import annotations

import logging
from datetime import datetime

from chalicelib.domain.calendar_cache import CalendarRef
from chalicelib.services.calendar_ports import CalendarStore

log = logging.getLogger("penny.calendars")


def forget_gone(store: CalendarStore, host_id: str, ref: CalendarRef, reason: str,
                at: datetime) -> None:
    """Take the calendar out of the host's setup, recording why (once: a second finding
    changes nothing), and forget its push channel."""
    before = store.setup(host_id).state(ref)
    after = store.change(host_id, lambda setup: setup.without_gone(ref, reason, at))
    told = next((r for r in after.removed if r.ref == ref and r.removed_at == at), None)
    if told is not None:  # taken out now, not by another request a moment before
        store.tell_removed(host_id, told)
    if before is not None and before.watch_id is not None:
        store.forget_watch(ref.provider, before.watch_id)
    log.warning("calendar gone: taken out of the host's calendars",
                extra={"provider": ref.provider})
