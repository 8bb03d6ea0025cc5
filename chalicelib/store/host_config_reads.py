"""A host's config read whole: the profile item, the schedule and the event types, by the
host's id (one Query of the host's partition) or by slug (one Query of the slug index).

Eventually consistent unless asked: the booking page's reads, the hot path, stay so. The
host's own editors are handed theirs consistently (twice the read units), because they
carry the versions the next save sends back: a read lagging the host's own save would
hand back a version that save replaced, and the next save be refused as changed
elsewhere."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.event_type_order import in_order
from chalicelib.domain.hosts import HostConfig, Profile
from chalicelib.domain.notes import NotesDestination
from chalicelib.store.calendar_cache import setup_from_json
from chalicelib.store.host_items import (
    event_order_from,
    event_type_from,
    host_pk,
    profile_from,
    schedule_from,
)
from chalicelib.store.items import EventTypeItem, HostItem, ScheduleItem
from chalicelib.store.tables import PennyItem

PROFILE_ATTEMPTS = 5


class HostConfigReads:
    """Held by HostRepository (store/hosts.py)."""

    def timezone(self, host_id: str) -> str | None:
        """The host's profile zone (one GetItem of the profile)."""
        try:
            item = HostItem.get(f"HOST#{host_id}", "PROFILE")
        except DoesNotExist:
            return None
        return item.timezone

    def profile(self, host_id: str) -> Profile:
        """The profile alone, read consistently (one GetItem of its item): what the
        host's Profile and timezone saves send back its version from."""
        try:
            return profile_from(HostItem.get(host_pk(host_id), "PROFILE", consistent_read=True))
        except DoesNotExist:
            raise NotFoundError(f"host {host_id} not found") from None

    def _items(self, host_id: str, consistent: bool = False) -> list[PennyItem]:
        return list(PennyItem.query(host_pk(host_id), consistent_read=consistent))

    def _current_slug(self, host_id: str) -> str:
        try:
            return str(HostItem.get(host_pk(host_id), "PROFILE", consistent_read=True).slug)
        except DoesNotExist:
            raise NotFoundError(f"host {host_id} has no profile") from None

    def config(self, host_id: str, consistent: bool = False) -> HostConfig:
        """The host's own profile, schedule and event types: one Query (consistent: one
        that sees every write made before it, at twice the read units)."""
        return self._assemble(self._items(host_id, consistent), f"host {host_id}")

    def public_config(self, slug: str) -> HostConfig:
        """The same, found by slug on GSI1: one Query (eventually consistent)."""
        return self._assemble(list(PennyItem.by_slug.query(f"SLUG#{slug}")), f"host '{slug}'")

    def _assemble(self, items: list[PennyItem], what: str) -> HostConfig:
        host = next((i for i in items if isinstance(i, HostItem)), None)
        if host is None:
            raise NotFoundError(f"{what} not found")
        # On the slug index, only the host's own (never another's left under a slug the
        # host has since given up).
        schedule = next((i for i in items if isinstance(i, ScheduleItem)
                         and i.host_id == host.host_id), None)
        events = [event_type_from(i) for i in items
                  if isinstance(i, EventTypeItem) and i.host_id == host.host_id]
        profile, order = profile_from(host), event_order_from(host)
        return HostConfig(profile, schedule_from(schedule, profile.timezone),
                          in_order(events, order.ids), host.email,
                          setup_from_json(host.calendars), premium=host.premium is True,
                          notes=NotesDestination.from_json(host.notes), event_order=order)
