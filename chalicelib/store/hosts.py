"""Hosts, accounts, schedules and event types in DynamoDB."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain.availability import Schedule
from chalicelib.domain.errors import (
    BookingContentionError,
    EmailTakenError,
    EventSlugTakenError,
    IdentityLinkedError,
    NotFoundError,
    SlugTakenError,
)
from chalicelib.domain.event_types import EventType
from chalicelib.domain.hosts import Account, HostConfig, Link, Profile
from chalicelib.domain.notes import NotesDestination
from chalicelib.domain.providers import Identity
from chalicelib.store import codecs
from chalicelib.store.calendar_cache import setup_from_json
from chalicelib.store.identities import identity_items
from chalicelib.store.items import (
    AccountItem,
    EventSlugClaimItem,
    EventTypeItem,
    HostItem,
    IdentityItem,
    ScheduleItem,
    SlugClaimItem,
)
from chalicelib.store.tables import PennyItem
from chalicelib.store.transactions import cancelled_reasons, connection

PROFILE_ATTEMPTS = 5


def _as_read(attribute: Any, value: object) -> Any:
    """A condition: the attribute is still as it was read (absent, or that value)."""
    return attribute.does_not_exist() if value is None else attribute == value


def _host_pk(host_id: str) -> str:
    return f"HOST#{host_id}"


def _profile_from(item: HostItem) -> Profile:
    return Profile(host_id=item.host_id, slug=item.slug, display_name=item.display_name,
                   timezone=item.timezone, description=item.description,
                   links=tuple(Link(link["label"], link["url"]) for link in item.links),
                   contact_email=item.contact_email)


def _schedule_from(item: ScheduleItem | None, timezone: str) -> Schedule:
    if item is None:
        return Schedule(timezone=timezone, weekly={}, overrides={})
    return Schedule(
        timezone=timezone,
        weekly={int(day): codecs.ranges_from_json(r) for day, r in item.weekly.items()},
        overrides={date.fromisoformat(d): codecs.ranges_from_json(r)
                   for d, r in item.overrides.items()},
        saved=item.saved is True,
    )


def _schedule_item(host_id: str, slug: str, schedule: Schedule) -> ScheduleItem:
    return ScheduleItem(
        _host_pk(host_id), "SCHEDULE", host_id=host_id, gsi1pk=f"SLUG#{slug}", gsi1sk="SCHEDULE",
        weekly={str(day): codecs.ranges_to_json(r) for day, r in schedule.weekly.items()},
        overrides={d.isoformat(): codecs.ranges_to_json(r) for d, r in schedule.overrides.items()},
        saved=schedule.saved or None,
    )


def _host_item(profile: Profile, email: str, created_at: datetime,
               kept: HostItem | None = None) -> HostItem:
    """The profile item; `kept`: the item as read, whose other parts (written elsewhere:
    calendars, premium, notes, the settings' version) are written back as they were."""
    return HostItem(
        _host_pk(profile.host_id), "PROFILE", host_id=profile.host_id, email=email,
        slug=profile.slug, display_name=profile.display_name, description=profile.description,
        links=[{"label": link.label, "url": link.url} for link in profile.links],
        timezone=profile.timezone, created_at=created_at, contact_email=profile.contact_email,
        gsi1pk=f"SLUG#{profile.slug}", gsi1sk="PROFILE",
        calendars=kept and kept.calendars, premium=kept and kept.premium,
        notes=kept and kept.notes, settings_version=kept and kept.settings_version,
    )


def _settings_written(host_id: str, slug: str) -> tuple[HostItem, dict[str, Any]]:
    """A schedule or event-type write's part on the profile item, for its transaction:
    the settings' version counted up, on the condition that the slug (their index key)
    is still `slug`, so a slug change meanwhile cannot leave them under the old one."""
    return HostItem(_host_pk(host_id), "PROFILE"), {
        "actions": [HostItem.settings_version.add(1)], "condition": HostItem.slug == slug}


def _event_item(et: EventType, host_slug: str) -> EventTypeItem:
    return EventTypeItem(_host_pk(et.host_id), f"EVENT#{et.id}", event_type_id=et.id,
                         host_id=et.host_id, data=codecs.event_type_to_json(et),
                         gsi1pk=f"SLUG#{host_slug}", gsi1sk=f"EVENT#{et.slug}")


class _SlugMoved(Exception):
    """The host's slug (or, for a delete, the event type's) changed since it was read:
    the write is made again under the new."""


class HostRepository:
    def create(self, profile: Profile, email: str, password_hash: str, now: datetime,
               identity: Identity | None = None) -> None:
        """Account, slug claim, profile and an empty schedule (and the sign-in identity
        it was made with): all or nothing."""
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(AccountItem(f"EMAIL#{email}", "ACCOUNT", host_id=profile.host_id,
                                    password_hash=password_hash),
                        condition=AccountItem.pk.does_not_exist())
                tx.save(SlugClaimItem(f"SLUG#{profile.slug}", "SLUG", host_id=profile.host_id),
                        condition=SlugClaimItem.pk.does_not_exist())
                tx.save(_host_item(profile, email, now))
                tx.save(_schedule_item(profile.host_id, profile.slug,
                                       Schedule(profile.timezone, {}, {})))
                if identity is not None:
                    claim, listed = identity_items(profile.host_id, identity, now)
                    tx.save(claim, condition=IdentityItem.pk.does_not_exist())
                    tx.save(listed)
        except TransactWriteError as exc:
            reasons = cancelled_reasons(exc)
            if reasons[0] == "ConditionalCheckFailed":
                raise EmailTakenError("an account with this email exists", "email") from exc
            if reasons[1] == "ConditionalCheckFailed":
                raise SlugTakenError("this slug is taken", "slug") from exc
            if len(reasons) > 4 and reasons[4] == "ConditionalCheckFailed":
                raise IdentityLinkedError("this identity signs in to another Penny "
                                          "account") from exc
            raise

    def timezone(self, host_id: str) -> str | None:
        """The host's profile zone (one GetItem of the profile)."""
        try:
            item = HostItem.get(f"HOST#{host_id}", "PROFILE")
        except DoesNotExist:
            return None
        return item.timezone

    def account(self, email: str) -> Account | None:
        try:
            item = AccountItem.get(f"EMAIL#{email}", "ACCOUNT")
        except DoesNotExist:
            return None
        return Account(item.host_id, email, item.password_hash)

    def update_password_hash(self, account: Account, password_hash: str) -> None:
        AccountItem(f"EMAIL#{account.email}", "ACCOUNT", host_id=account.host_id,
                    password_hash=password_hash).save()

    def _items(self, host_id: str, consistent: bool = False) -> list[PennyItem]:
        return list(PennyItem.query(_host_pk(host_id), consistent_read=consistent))

    def _current_slug(self, host_id: str) -> str:
        try:
            return str(HostItem.get(_host_pk(host_id), "PROFILE", consistent_read=True).slug)
        except DoesNotExist:
            raise NotFoundError(f"host {host_id} has no profile") from None

    def config(self, host_id: str) -> HostConfig:
        """The host's own profile, schedule and event types: one Query."""
        return self._assemble(self._items(host_id), f"host {host_id}")

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
        events = [codecs.event_type_from_json(i.event_type_id, i.host_id, i.data)
                  for i in items if isinstance(i, EventTypeItem) and i.host_id == host.host_id]
        profile = _profile_from(host)
        return HostConfig(profile, _schedule_from(schedule, profile.timezone),
                          tuple(sorted(events, key=lambda e: e.slug)), host.email,
                          setup_from_json(host.calendars), premium=host.premium is True,
                          notes=NotesDestination.from_json(host.notes))

    def save_profile(self, old: HostConfig, new: Profile) -> None:
        """Profile update; a slug change moves the claim and re-keys GSI1 in one transaction.
        The calendars' setup, the premium flag, the notes' destination and the settings'
        version ride on the same item but are changed elsewhere (the calendar sync, the
        operator, the notes settings, a schedule or event-type save): they are written
        back as read, on the condition that none changed meanwhile, nor the slug (then the
        update is made again on a fresh read: the host's current slug, schedule and event
        types, so a save or a slug change made meanwhile is neither lost nor stranded).
        `old`: the host's config as the caller read it (the port's; every attempt reads
        afresh)."""
        for _ in range(PROFILE_ATTEMPTS):
            host = HostItem.get(_host_pk(new.host_id), "PROFILE", consistent_read=True)
            moves = new.slug != host.slug
            unchanged = (_as_read(HostItem.calendars, host.calendars)
                         & _as_read(HostItem.premium, host.premium)
                         & _as_read(HostItem.notes, host.notes)
                         & _as_read(HostItem.settings_version, host.settings_version)
                         & (HostItem.slug == host.slug))
            try:
                with TransactWrite(connection=connection()) as tx:
                    tx.save(_host_item(new, host.email, host.created_at, host),
                            condition=unchanged)
                    if moves:
                        current = self._assemble(self._items(new.host_id, consistent=True),
                                                 f"host {new.host_id}")
                        tx.save(SlugClaimItem(f"SLUG#{new.slug}", "SLUG", host_id=new.host_id),
                                condition=SlugClaimItem.pk.does_not_exist())
                        tx.delete(SlugClaimItem(f"SLUG#{host.slug}", "SLUG"))
                        tx.save(_schedule_item(new.host_id, new.slug, current.schedule))
                        for et in current.event_types:
                            tx.save(_event_item(et, new.slug))
                return
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

    def save_notes(self, host_id: str, destination: NotesDestination | None) -> None:
        """Where the host's notes go from now on (None: nowhere); the rest of the
        profile item is untouched."""
        attribute = HostItem.notes
        action = attribute.remove() if destination is None else \
            attribute.set(destination.to_json())
        try:
            HostItem(_host_pk(host_id), "PROFILE").update(actions=[action],
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
            HostItem(_host_pk(host_id), "PROFILE").update(
                actions=[HostItem.premium.set(premium)], condition=HostItem.pk.exists())
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                raise NotFoundError(f"host {host_id} has no profile") from exc
            raise
        return host_id

    def save_schedule(self, host_slug: str, schedule: Schedule, host_id: str) -> None:
        """The schedule, under the host's slug: `host_slug` as the caller read it, or the
        current one if the host changed it meanwhile (the write is conditioned on it)."""
        for _ in range(PROFILE_ATTEMPTS):
            try:
                with TransactWrite(connection=connection()) as tx:
                    tx.save(_schedule_item(host_id, host_slug, schedule))
                    profile, update = _settings_written(host_id, host_slug)
                    tx.update(profile, **update)
                return
            except TransactWriteError as exc:
                # Sent order: the put, then the profile's update.
                if cancelled_reasons(exc)[1] != "ConditionalCheckFailed":
                    raise
                host_slug = self._current_slug(host_id)
        raise BookingContentionError("your profile is being updated elsewhere; try again")

    def save_event_type(self, et: EventType, host_slug: str, old: EventType | None) -> None:
        """Create or replace; the per-host slug claim moves with the slug, atomically; under
        the host's slug as read, or the current one if it changed meanwhile."""
        for _ in range(PROFILE_ATTEMPTS):
            try:
                self._write_event_type(et, host_slug, old)
                return
            except _SlugMoved:
                host_slug = self._current_slug(et.host_id)
        raise BookingContentionError("your profile is being updated elsewhere; try again")

    def _write_event_type(self, et: EventType, host_slug: str, old: EventType | None) -> None:
        try:
            with TransactWrite(connection=connection()) as tx:
                if old is None or old.slug != et.slug:
                    tx.save(EventSlugClaimItem(_host_pk(et.host_id), f"EVENTSLUG#{et.slug}",
                                               event_type_id=et.id),
                            condition=EventSlugClaimItem.pk.does_not_exist())
                if old is not None and old.slug != et.slug:
                    tx.delete(EventSlugClaimItem(_host_pk(et.host_id), f"EVENTSLUG#{old.slug}"))
                condition = (EventTypeItem.pk.does_not_exist() if old is None
                             else EventTypeItem.pk.exists())
                tx.save(_event_item(et, host_slug), condition=condition)
                profile, update = _settings_written(et.host_id, host_slug)
                tx.update(profile, **update)
        except TransactWriteError as exc:
            reasons = cancelled_reasons(exc)
            # Sent order: the old claim's delete (if renamed), the puts (the new claim,
            # the event type), then the profile's update.
            claims = old is None or old.slug != et.slug
            claim_at = 1 if old is not None and claims else 0
            if claims and reasons[claim_at] == "ConditionalCheckFailed":
                raise EventSlugTakenError(f"you already have an event type '{et.slug}'",
                                          "slug") from exc
            if reasons[-2] == "ConditionalCheckFailed":
                raise NotFoundError("event type not found") from exc
            if reasons[-1] == "ConditionalCheckFailed":
                raise _SlugMoved from exc
            raise

    def delete_event_type(self, et: EventType, host_slug: str) -> None:
        """Delete it and free its slug. Like a save, it counts the settings' version up, so
        a slug change that read the event type is made again and cannot write it back.
        `et` and `host_slug` as the caller read them: if either changed meanwhile (a
        rename, a slug change), it is read again; if it is gone, NotFoundError."""
        for _ in range(PROFILE_ATTEMPTS):
            try:
                self._delete_event_type(et, host_slug)
                return
            except _SlugMoved:
                current = self._assemble(self._items(et.host_id, consistent=True),
                                         f"host {et.host_id}")
                host_slug = current.profile.slug
                found = next((e for e in current.event_types if e.id == et.id), None)
                if found is None:
                    raise NotFoundError("event type not found") from None
                et = found
        raise BookingContentionError("your profile is being updated elsewhere; try again")

    def _delete_event_type(self, et: EventType, host_slug: str) -> None:
        pk = _host_pk(et.host_id)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.delete(EventTypeItem(pk, f"EVENT#{et.id}"),
                          condition=EventTypeItem.pk.exists())
                # Only its own claim: after a rename the slug read may be another's.
                tx.delete(EventSlugClaimItem(pk, f"EVENTSLUG#{et.slug}"),
                          condition=EventSlugClaimItem.event_type_id == et.id)
                profile, update = _settings_written(et.host_id, host_slug)
                tx.update(profile, **update)
        except TransactWriteError as exc:
            reasons = cancelled_reasons(exc)
            # Sent order: the event type's delete, its claim's, then the profile's update.
            if reasons[0] == "ConditionalCheckFailed":
                raise NotFoundError("event type not found") from exc
            if "ConditionalCheckFailed" in reasons[1:]:
                raise _SlugMoved from exc
            raise
