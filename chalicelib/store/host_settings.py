"""A host's settings written: the schedule and the event types (with each event type's
slug claim). Each write counts the settings' version on the profile item up, on the
condition that the host's slug is still the one read, and is made again under the
current slug when it moved meanwhile. An event type also counts its own version up, in
the same put: an editor's save is conditioned on the one it read. The conditions, and
what a write does when one fails, are in store/settings_versions.py."""

from __future__ import annotations

from dataclasses import replace

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.availability import Schedule
from chalicelib.domain.errors import (
    BookingContentionError,
    EventSlugTakenError,
    EventTypeChangedError,
    NotFoundError,
    ScheduleChangedError,
)
from chalicelib.domain.event_type_order import EventTypeOrder
from chalicelib.domain.event_types import EventType
from chalicelib.store.host_config_reads import PROFILE_ATTEMPTS
from chalicelib.store.host_items import event_item, host_pk, schedule_from, schedule_item
from chalicelib.store.items import EventSlugClaimItem, EventTypeItem
from chalicelib.store.settings_versions import (
    EventTypeMoved,
    SettingsVersions,
    SlugMoved,
    order_made,
    order_unmade,
    schedule_version_is,
    settings_written,
    stale,
    stored_schedule,
    version_is,
)
from chalicelib.store.transactions import cancelled_reasons, connection


class HostSettingsWrites(SettingsVersions):
    """Held by HostRepository (store/hosts.py)."""

    def save_schedule(self, host_slug: str, schedule: Schedule, host_id: str,
                      expected: int | None = None) -> int:
        """The schedule, under the host's slug: `host_slug` as the caller read it, or the
        current one if the host changed it meanwhile (the write is conditioned on it).
        `expected`: the schedule's version the caller's editor read, the put's condition;
        when the stored one is another, ScheduleChangedError with the schedule as it now
        stands, and nothing is written. Without it, the last writer wins: over the
        version the caller read (`schedule.version`), or, when a save came since (or that
        read lagged), the one read again consistently. Returns the version written."""
        read_again = False
        for _ in range(PROFILE_ATTEMPTS):
            version = expected if expected is not None else schedule.version
            if expected is None and read_again:
                stored = stored_schedule(host_id)
                version = int(stored.version or 0) if stored is not None else 0
            try:
                with TransactWrite(connection=connection()) as tx:
                    written = replace(schedule, version=version + 1)
                    tx.save(schedule_item(host_id, host_slug, written),
                            condition=schedule_version_is(version))
                    profile, update = settings_written(host_id, host_slug)
                    tx.update(profile, **update)
                return version + 1
            except TransactWriteError as exc:
                # Sent order: the put (saved meanwhile), then the profile's update (the
                # slug moved: written again under the new one).
                reasons = cancelled_reasons(exc)
                if "ConditionalCheckFailed" not in reasons[:2]:
                    raise
                if reasons[0] == "ConditionalCheckFailed" and expected is not None:
                    raise ScheduleChangedError(
                        "your hours were changed elsewhere (in another tab or by another "
                        "app) since you loaded them: make your change to them as they are "
                        "now, and save again",
                        current=schedule_from(stored_schedule(host_id), schedule.timezone)
                    ) from exc
                read_again = read_again or reasons[0] == "ConditionalCheckFailed"
                if reasons[1] == "ConditionalCheckFailed":
                    host_slug = self._current_slug(host_id)
        raise BookingContentionError("your profile is being updated elsewhere; try again")

    def save_event_type(self, et: EventType, host_slug: str, old: EventType | None,
                        expected: int | None = None) -> int:
        """Create or replace; the per-host slug claim moves with the slug, atomically; under
        the host's slug as read, or the current one if it changed meanwhile. Returns the
        version written (the one it replaces, plus one).

        `old` as the caller read it (an eventually consistent Query): the write holds only
        while the event type still has `old.slug`, that slug's claim is its own and its
        version is `expected` (the one the caller's editor read) or, without one,
        `old.version`. If not, it is read again, consistently: a version other than
        `expected` is EventTypeChangedError with the event type as it now stands, and
        nothing is written; without `expected` the write is made over what was read
        (the last writer wins), and EventTypeChangedError only if it keeps moving."""
        consistent = False
        for _ in range(PROFILE_ATTEMPTS):
            if old is not None and expected is not None and stale(old, expected, consistent):
                raise EventTypeChangedError(
                    "this event type was changed elsewhere (in another tab or by another "
                    "app) since you loaded it: make your change to it as it is now, and "
                    "save again", current=old)
            try:
                return self._write_event_type(et, host_slug, old, expected)
            except SlugMoved:
                host_slug = self._current_slug(et.host_id)
            except EventTypeMoved:
                host_slug, old, _ = self._as_stored(et)
                consistent = True
        if old is not None:
            raise EventTypeChangedError(
                "this event type is being changed elsewhere; reload it and try again")
        raise BookingContentionError("your profile is being updated elsewhere; try again")

    def _write_event_type(self, et: EventType, host_slug: str, old: EventType | None,
                          expected: int | None) -> int:
        pk = host_pk(et.host_id)
        renamed = old is not None and old.slug != et.slug
        read = 0 if old is None else old.version if expected is None else expected
        try:
            with TransactWrite(connection=connection()) as tx:
                if old is not None and renamed:
                    # Its own claim only; one already gone (left so by an older bug) is
                    # no reason to refuse.
                    tx.delete(EventSlugClaimItem(pk, f"EVENTSLUG#{old.slug}"),
                              condition=(EventSlugClaimItem.pk.does_not_exist()
                                         | (EventSlugClaimItem.event_type_id == et.id)))
                # The slug's claim, written on every save: refused if another event type
                # holds it, and put back if it was missing.
                tx.save(EventSlugClaimItem(pk, f"EVENTSLUG#{et.slug}", event_type_id=et.id),
                        condition=(EventSlugClaimItem.pk.does_not_exist()
                                   | (EventSlugClaimItem.event_type_id == et.id)))
                condition = (EventTypeItem.pk.does_not_exist() if old is None
                             else (EventTypeItem.gsi1sk == f"EVENT#{old.slug}")
                             & version_is(read))
                tx.save(event_item(replace(et, version=read + 1), host_slug),
                        condition=condition)
                profile, update = settings_written(et.host_id, host_slug,
                                                   order_made(et) if old is None else None)
                tx.update(profile, **update)
            return read + 1
        except TransactWriteError as exc:
            reasons = cancelled_reasons(exc)
            # Sent order: the old claim's delete (if renamed), the puts (the slug's claim,
            # the event type), then the profile's update.
            failed = [r == "ConditionalCheckFailed" for r in reasons]
            if old is not None and (failed[-2] or (renamed and failed[0])):
                raise EventTypeMoved from exc
            if failed[-3]:
                raise EventSlugTakenError(f"you already have an event type '{et.slug}'",
                                          "slug") from exc
            if failed[-1]:
                raise SlugMoved from exc
            raise

    def delete_event_type(self, et: EventType, host_slug: str,
                          expected: int | None = None,
                          order: EventTypeOrder | None = None) -> None:
        """Delete it and free its slug. Like a save, it counts the settings' version up, so
        a slug change that read the event type is made again and cannot write it back.
        `et` and `host_slug` as the caller read them: if either changed meanwhile (a
        rename, a slug change), it is read again; if it is gone, NotFoundError. With
        `expected` (the version the caller's editor read), the delete holds only while
        the event type still has it: one saved elsewhere since is EventTypeChangedError,
        with the event type as it now stands, and nothing is deleted. `order`: the event
        types' order as read with them, which it leaves (None: read it here)."""
        if order is None:
            host_slug, et, order = self._as_stored(et)
        consistent = False
        for _ in range(PROFILE_ATTEMPTS):
            if expected is not None and stale(et, expected, consistent):
                raise EventTypeChangedError(
                    "this event type was changed elsewhere (in another tab or by another "
                    "app) since you loaded it, so it was not deleted: look at it as it is "
                    "now, and delete it again if you still mean to", current=et)
            try:
                self._delete_event_type(et, host_slug, expected, order)
                return
            except SlugMoved:
                host_slug, et, order = self._as_stored(et)
                consistent = True
        raise BookingContentionError("your profile is being updated elsewhere; try again")

    def _delete_event_type(self, et: EventType, host_slug: str, expected: int | None,
                           order: EventTypeOrder) -> None:
        pk = host_pk(et.host_id)
        try:
            with TransactWrite(connection=connection()) as tx:
                exists = EventTypeItem.pk.exists()
                tx.delete(EventTypeItem(pk, f"EVENT#{et.id}"),
                          condition=exists if expected is None
                          else exists & version_is(expected))
                # Only its own claim: after a rename the slug read may be another's.
                tx.delete(EventSlugClaimItem(pk, f"EVENTSLUG#{et.slug}"),
                          condition=EventSlugClaimItem.event_type_id == et.id)
                profile, update = settings_written(et.host_id, host_slug,
                                                   *order_unmade(et, order))
                tx.update(profile, **update)
        except TransactWriteError as exc:
            reasons = cancelled_reasons(exc)
            # Sent order: the event type's delete, its claim's, then the profile's update.
            if reasons[0] == "ConditionalCheckFailed" and expected is None:
                raise NotFoundError("event type not found") from exc
            # Gone or saved since (with a version), renamed or re-slugged, or the order
            # changed since it was read: read it again.
            if "ConditionalCheckFailed" in reasons:
                raise SlugMoved from exc
            raise
