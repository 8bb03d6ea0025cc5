"""A host's profile written: its own fields (a slug change moving the slug claim and
re-keying the settings on the slug index), the event types' order, the notes'
destination and the premium flag."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import (
    BookingContentionError,
    NotFoundError,
    ProfileChangedError,
    SlugTakenError,
)
from chalicelib.domain.event_type_order import EventTypeOrder
from chalicelib.domain.hosts import HostConfig, Profile
from chalicelib.domain.notes import NotesDestination
from chalicelib.store.host_config_reads import PROFILE_ATTEMPTS, HostConfigReads
from chalicelib.store.host_items import (
    event_item,
    host_item,
    host_pk,
    profile_from,
    schedule_item,
)
from chalicelib.store.items import HostItem, SlugClaimItem
from chalicelib.store.settings_versions import order_version_is
from chalicelib.store.transactions import cancelled_reasons, connection


def _as_read(attribute: Any, value: object) -> Any:
    """A condition: the attribute is still as it was read (absent, or that value)."""
    return attribute.does_not_exist() if value is None else attribute == value


class HostProfileWrites(HostConfigReads):
    """Held by HostRepository (store/hosts.py)."""

    def save_profile(self, old: HostConfig, new: Profile, expected: int | None = None) -> int:
        """Profile update; a slug change moves the claim and re-keys GSI1 in one transaction.
        The calendars' setup, the premium flag, the notes' destination, the settings'
        version and the event types' order ride on the same item but are changed
        elsewhere (the calendar sync, the operator, the notes settings, a schedule or
        event-type save, a reorder): they are written
        back as read, on the condition that none changed meanwhile, nor the slug, nor the
        profile's own version (then the update is made again on a fresh read: the host's
        current slug, schedule and event types, so a save or a slug change made meanwhile
        is neither lost nor stranded). `expected`: the profile's version as the caller's
        editor read it; a stored one other than that is ProfileChangedError with the
        profile as it now stands, and nothing is written (without it, the last writer
        wins). `old`: the host's config as the caller read it (the port's; every attempt
        reads afresh). Returns the version written."""
        for _ in range(PROFILE_ATTEMPTS):
            host = HostItem.get(host_pk(new.host_id), "PROFILE", consistent_read=True)
            version = int(host.profile_version or 0)
            if expected is not None and version != expected:
                raise ProfileChangedError(
                    "your profile was changed elsewhere (in another tab or by another app) "
                    "since you loaded it: make your change to it as it is now, and save "
                    "again", current=profile_from(host))
            moves = new.slug != host.slug
            unchanged = (_as_read(HostItem.calendars, host.calendars)
                         & _as_read(HostItem.premium, host.premium)
                         & _as_read(HostItem.notes, host.notes)
                         & _as_read(HostItem.settings_version, host.settings_version)
                         & _as_read(HostItem.profile_version, host.profile_version)
                         & _as_read(HostItem.event_order_version, host.event_order_version)
                         & (HostItem.slug == host.slug))
            try:
                with TransactWrite(connection=connection()) as tx:
                    tx.save(host_item(replace(new, version=version + 1), host.email,
                                      host.created_at, host),
                            condition=unchanged)
                    if moves:
                        current = self._assemble(self._items(new.host_id, consistent=True),
                                                 f"host {new.host_id}")
                        tx.save(SlugClaimItem(f"SLUG#{new.slug}", "SLUG", host_id=new.host_id),
                                condition=SlugClaimItem.pk.does_not_exist())
                        tx.delete(SlugClaimItem(f"SLUG#{host.slug}", "SLUG"))
                        tx.save(schedule_item(new.host_id, new.slug, current.schedule))
                        # Each as it is, its own version kept: the host's slug is not theirs.
                        for et in current.event_types:
                            tx.save(event_item(et, new.slug))
                return version + 1
            except TransactWriteError as exc:
                reasons = cancelled_reasons(exc)
                # Sent order (store/transactions.py): deletes, then puts. A move deletes the
                # old slug's claim first; then come the profile and the new slug's claim.
                profile_at = 1 if moves else 0
                if reasons[profile_at] == "ConditionalCheckFailed":
                    continue  # the item was written meanwhile: again, on a fresh read
                if moves and reasons[profile_at + 1] == "ConditionalCheckFailed":
                    raise SlugTakenError("this slug is taken", "slug") from exc
                raise
        raise BookingContentionError("your profile is being updated elsewhere; try again")

    def save_event_order(self, host_id: str, order: EventTypeOrder) -> bool:
        """The event types' order, `order.ids`, over the one read at `order.version`, on
        the condition that it is still that one: False, with nothing written, if it was
        saved (or an event type made or deleted) since."""
        actions: list[Any] = [HostItem.event_order.set(list(order.ids)),
                   HostItem.event_order_version.set(order.version + 1)]
        try:
            HostItem(host_pk(host_id), "PROFILE").update(
                actions=actions, condition=HostItem.pk.exists() & order_version_is(order.version))
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def save_notes(self, host_id: str, destination: NotesDestination | None) -> None:
        """Where the host's notes go from now on (None: nowhere); the rest of the
        profile item is untouched."""
        attribute = HostItem.notes
        action = attribute.remove() if destination is None else \
            attribute.set(destination.to_json())
        try:
            HostItem(host_pk(host_id), "PROFILE").update(actions=[action],
                                                          condition=HostItem.pk.exists())
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                raise NotFoundError(f"host {host_id} has no profile") from exc
            raise

    def set_premium(self, slug: str, premium: bool) -> str:
        """Switch the host's premium plan (the operator's command, never the host's);
        returns the host's id. Bookings made or moved from now on carry the new value."""
        try:
            host_id = SlugClaimItem.get(f"SLUG#{slug}", "SLUG", consistent_read=True).host_id
        except DoesNotExist:
            raise NotFoundError(f"no host has the slug '{slug}'") from None
        try:
            HostItem(host_pk(host_id), "PROFILE").update(
                actions=[HostItem.premium.set(premium)], condition=HostItem.pk.exists())
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                raise NotFoundError(f"host {host_id} has no profile") from exc
            raise
        return host_id
