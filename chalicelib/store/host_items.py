"""A host's items and the domain shapes they hold: the profile, the schedule and an event
type, each under the host's partition (`HOST#{id}`) and on the slug index (GSI1) under
the host's slug."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from chalicelib.domain.availability import Schedule
from chalicelib.domain.event_type_order import EventTypeOrder
from chalicelib.domain.event_types import EventType
from chalicelib.domain.hosts import Link, Profile
from chalicelib.store import codecs
from chalicelib.store.items import EventTypeItem, HostItem, ScheduleItem


def host_pk(host_id: str) -> str:
    return f"HOST#{host_id}"


def profile_from(item: HostItem) -> Profile:
    return Profile(host_id=item.host_id, slug=item.slug, display_name=item.display_name,
                   timezone=item.timezone, description=item.description,
                   links=tuple(Link(link["label"], link["url"]) for link in item.links),
                   contact_email=item.contact_email, version=int(item.profile_version or 0))


def schedule_from(item: ScheduleItem | None, timezone: str) -> Schedule:
    if item is None:
        return Schedule(timezone=timezone, weekly={}, overrides={})
    return Schedule(
        timezone=timezone,
        weekly={int(day): codecs.ranges_from_json(r) for day, r in item.weekly.items()},
        overrides={date.fromisoformat(d): codecs.ranges_from_json(r)
                   for d, r in item.overrides.items()},
        saved=item.saved is True,
        version=int(item.version or 0),
    )


def schedule_item(host_id: str, slug: str, schedule: Schedule) -> ScheduleItem:
    return ScheduleItem(
        host_pk(host_id), "SCHEDULE", host_id=host_id, gsi1pk=f"SLUG#{slug}", gsi1sk="SCHEDULE",
        weekly={str(day): codecs.ranges_to_json(r) for day, r in schedule.weekly.items()},
        overrides={d.isoformat(): codecs.ranges_to_json(r) for d, r in schedule.overrides.items()},
        saved=schedule.saved or None,
        version=schedule.version or None,
    )


def host_item(profile: Profile, email: str, created_at: datetime,
               kept: HostItem | None = None) -> HostItem:
    """The profile item; `kept`: the item as read, whose other parts (written elsewhere:
    calendars, premium, notes, the settings' version, the event types' order) are
    written back as they were."""
    return HostItem(
        host_pk(profile.host_id), "PROFILE", host_id=profile.host_id, email=email,
        slug=profile.slug, display_name=profile.display_name, description=profile.description,
        links=[{"label": link.label, "url": link.url} for link in profile.links],
        timezone=profile.timezone, created_at=created_at, contact_email=profile.contact_email,
        gsi1pk=f"SLUG#{profile.slug}", gsi1sk="PROFILE",
        calendars=kept and kept.calendars, premium=kept and kept.premium,
        notes=kept and kept.notes, settings_version=kept and kept.settings_version,
        profile_version=profile.version or None,
        event_order=kept and kept.event_order,
        event_order_version=kept and kept.event_order_version,
    )


def event_order_from(item: HostItem) -> EventTypeOrder:
    return EventTypeOrder(tuple(item.event_order or ()), int(item.event_order_version or 0))


def event_item(et: EventType, host_slug: str) -> EventTypeItem:
    return EventTypeItem(host_pk(et.host_id), f"EVENT#{et.id}", event_type_id=et.id,
                         host_id=et.host_id, data=codecs.event_type_to_json(et),
                         gsi1pk=f"SLUG#{host_slug}", gsi1sk=f"EVENT#{et.slug}",
                         version=et.version or None)


def event_type_from(item: EventTypeItem) -> EventType:
    return replace(codecs.event_type_from_json(item.event_type_id, item.host_id, item.data),
                   version=int(item.version or 0))
