"""The versions a host's settings write is conditioned on, and what it does when one
moved. Every schedule or event-type write counts the settings' version on the profile
item up, under the host's slug as read (`settings_written`): a slug change meanwhile
fails it (`SlugMoved`), and it is made again under the new slug. An event type also has
its own version, counted up by its save: an editor's save is conditioned on the one it
read (`version_is`), and when the event type moved (`EventTypeMoved`) it is read again,
consistently (`SettingsVersions._as_stored`), to tell whether the editor's is out of
date (`stale`). The schedule has its own version too, checked against the one stored
(`stored_schedule`) and written on that condition (`schedule_version_is`)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.event_type_order import EventTypeOrder
from chalicelib.domain.event_types import EventType
from chalicelib.store.host_config_reads import HostConfigReads
from chalicelib.store.host_items import host_pk
from chalicelib.store.items import EventTypeItem, HostItem, ScheduleItem


def settings_written(host_id: str, slug: str, order: list[Any] | None = None,
                     condition: Any = None) -> tuple[HostItem, dict[str, Any]]:
    """A schedule or event-type write's part on the profile item, for its transaction:
    the settings' version counted up, on the condition that the slug (their index key)
    is still `slug`, so a slug change meanwhile cannot leave them under the old one.
    `order`: the event types' order's actions, for a new or deleted one (`condition`:
    theirs, as `order_made` and `order_unmade` give them)."""
    slug_is = HostItem.slug == slug
    return HostItem(host_pk(host_id), "PROFILE"), {
        "actions": [HostItem.settings_version.add(1), *(order or [])],
        "condition": slug_is if condition is None else slug_is & condition}


def order_made(et: EventType) -> list[Any]:
    """A new event type goes last in its host's order (one never ordered starts one)."""
    return [HostItem.event_order.set((HostItem.event_order | []).append([et.id])),
            HostItem.event_order_version.add(1)]


def order_unmade(et: EventType, order: EventTypeOrder) -> tuple[list[Any], Any]:
    """A deleted event type leaves its host's order, as read (`order`): so the stored
    list never grows with ids of event types gone. On the condition that the order is
    still the one read; none when it never held this one (made before orders were
    kept): the version alone is counted up, so an order read before is out of date."""
    counted = HostItem.event_order_version.add(1)
    if et.id not in order.ids:
        return [counted], None
    kept = [event_type_id for event_type_id in order.ids if event_type_id != et.id]
    return [HostItem.event_order.set(kept), counted], order_version_is(order.version)


def order_version_is(version: int) -> Any:
    """A condition: the event types' order's stored version is `version` (0: none)."""
    return (HostItem.event_order_version.does_not_exist() if version == 0
            else HostItem.event_order_version == version)


def version_is(version: int) -> Any:
    """A condition: the event type's stored version is `version` (0: none stored)."""
    return (EventTypeItem.version.does_not_exist() if version == 0
            else EventTypeItem.version == version)


def schedule_version_is(version: int) -> Any:
    """A condition: the schedule's stored version is `version` (0: none stored, as on a
    schedule never saved, or saved before versions were kept)."""
    return (ScheduleItem.version.does_not_exist() if version == 0
            else ScheduleItem.version == version)


def stored_schedule(host_id: str) -> ScheduleItem | None:
    """The schedule as stored now, read consistently (None: never saved)."""
    try:
        return ScheduleItem.get(host_pk(host_id), "SCHEDULE", consistent_read=True)
    except ScheduleItem.DoesNotExist:
        return None


def stale(old: EventType, expected: int, consistent: bool) -> bool:
    """Whether `old` proves the caller's `expected` version out of date: versions only
    grow, so a later one on any read does; on a consistent read, any other one does."""
    return old.version > expected or (consistent and old.version != expected)


class SlugMoved(Exception):
    """The host's slug (or, for a delete, the event type's) changed since it was read:
    the write is made again under the new."""


class EventTypeMoved(Exception):
    """The event type's slug (or its claim) is not what the caller read: it is read
    again, consistently, and the write made over that."""


class SettingsVersions(HostConfigReads):
    """Held by HostRepository (store/hosts.py), through HostSettingsWrites
    (store/host_settings.py)."""

    def _as_stored(self, et: EventType) -> tuple[str, EventType, EventTypeOrder]:
        """The host's slug, the event type and the event types' order as stored now,
        read consistently; NotFoundError if it is gone."""
        current = self._assemble(self._items(et.host_id, consistent=True), f"host {et.host_id}")
        stored = next((e for e in current.event_types if e.id == et.id), None)
        if stored is None:
            raise NotFoundError("event type not found") from None
        return current.profile.slug, stored, current.event_order
