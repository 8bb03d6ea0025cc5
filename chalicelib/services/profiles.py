"""A host's own settings: profile, weekly hours and overrides, event types.

Every method takes the authenticated host id and only ever loads that host's items,
so one host can never read or change another's (a foreign id is simply not found).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from chalicelib.domain.availability import Schedule
from chalicelib.domain.currencies import payment_vendor, vendor_refusal
from chalicelib.domain.errors import (
    BookingContentionError,
    EventTypeOrderChangedError,
    NotFoundError,
    PaymentNotConnectedError,
    PriceNotPayableError,
    ValidationError,
)
from chalicelib.domain.event_type_order import EventTypeOrder, checked_order
from chalicelib.domain.event_types import EventType
from chalicelib.domain.hosts import (
    HostConfig,
    Profile,
    validate_event_slug,
    validate_slug,
    validate_timezone,
)
from chalicelib.services.ports import Hosts

MAX_EVENT_TYPES = 50  # a slug change rewrites them all in one transaction (limit 100 items)
ORDER_ATTEMPTS = 3  # a reorder without a version, made again while others write


def no_payments(host_id: str) -> list[str]:
    return []


def _event_type(config: HostConfig, event_type_id: str) -> EventType:
    for et in config.event_types:
        if et.id == event_type_id:
            return et
    raise NotFoundError("event type not found")


@dataclass(frozen=True)
class ProfileService:
    hosts: Hosts
    # The payment providers ready to take the host's money (services/payment_accounts.py):
    # a paid event type cannot be saved without one.
    payments_ready: Callable[[str], list[str]] = no_payments

    def _check_price(self, host_id: str, et: EventType, old: EventType | None = None) -> None:
        """A new or changed price needs a payment provider that would take it (its
        minimum charge). A price kept as it was does not: a host whose provider was
        disconnected can still hide, retitle or deactivate the event type (its bookings
        are refused until a provider is back)."""
        if old is not None and old.is_paid and old.price == et.price:
            return
        if et.price is None or not et.is_paid:
            return
        ready = self.payments_ready(host_id)
        if not ready:
            raise PaymentNotConnectedError(
                "connect Stripe or Razorpay (Connections) before you give an event type a "
                "price", "price")
        vendor = payment_vendor(et.price.currency, ready)
        refusal = vendor and vendor_refusal(vendor, et.price.amount_minor, et.price.currency)
        if refusal:
            raise PriceNotPayableError(refusal, "price.amount_minor")

    @staticmethod
    def _check_options(et: EventType, old: EventType | None = None) -> None:
        """A choice question may not list an option twice, unless it is kept as it was:
        event types saved before the rule can still be hidden, retitled or turned on (the
        dashboard's toggles send the event type back whole)."""
        kept = {(q.id, q.options) for q in old.questions} if old is not None else set()
        for index, question in enumerate(et.questions):
            repeated = question.repeated_option()
            if repeated is not None and (question.id, question.options) not in kept:
                raise ValidationError(f"the option {repeated!r} is listed twice: give each "
                                      "option of a choice question its own words",
                                      f"questions.{index}")

    def config(self, host_id: str) -> HostConfig:
        return self.hosts.config(host_id)

    # What the host's editors open (the dashboard, an API client) carries the versions
    # their saves send back: read consistently (twice the read units), so a read never
    # lags the host's own save just before and hands back a version that save replaced
    # (its next save refused as changed elsewhere). These reads are few; the booking
    # page's, and the workers', stay eventually consistent.
    def profile(self, host_id: str) -> Profile:
        return self.hosts.profile(host_id)

    def schedule(self, host_id: str) -> Schedule:
        return self.hosts.config(host_id, consistent=True).schedule

    def event_types(self, host_id: str) -> HostConfig:
        """The host's config, for its event types in their order and the order's version."""
        return self.hosts.config(host_id, consistent=True)

    def event_type(self, host_id: str, event_type_id: str) -> EventType:
        return _event_type(self.hosts.config(host_id, consistent=True), event_type_id)

    def update_profile(self, host_id: str, new: Profile,
                       expected: int | None = None) -> Profile:
        """`expected`: the profile's version the caller read; if it was saved elsewhere
        since, ProfileChangedError (with the profile as it is now). None: the last
        writer wins, as for a script that sends none."""
        validate_slug(new.slug)
        validate_timezone(new.timezone)
        old = self.hosts.config(host_id)
        profile = replace(new, host_id=host_id)
        return replace(profile, version=self.hosts.save_profile(old, profile, expected))

    def update_schedule(self, host_id: str, schedule: Schedule,
                        expected: int | None = None) -> Schedule:
        """`expected`: as for update_profile (ScheduleChangedError, with the schedule as it
        is now)."""
        config = self.hosts.config(host_id)
        # The schedule is always read in the host's profile timezone. The version read
        # here is the one a save without `expected` writes over (the store reads it again
        # only if a save came since).
        stored = replace(schedule, timezone=config.profile.timezone, saved=True,
                         version=config.schedule.version)
        version = self.hosts.save_schedule(config.profile.slug, stored, host_id, expected)
        return replace(stored, version=version)

    def create_event_type(self, host_id: str, draft: EventType) -> EventType:
        config = self.hosts.config(host_id)
        if len(config.event_types) >= MAX_EVENT_TYPES:
            raise ValidationError(f"a host can have at most {MAX_EVENT_TYPES} event types")
        et = replace(draft, id=secrets.token_hex(6), host_id=host_id,
                     slug=validate_event_slug(draft.slug))
        et.check_booking_window()
        self._check_options(et)
        self._check_price(host_id, et)
        return replace(et, version=self.hosts.save_event_type(et, config.profile.slug, None))

    def update_event_type(self, host_id: str, event_type_id: str, draft: EventType,
                          expected: int | None = None) -> EventType:
        """`expected`: as for update_profile (EventTypeChangedError). Event types keep
        a version each, so saving one never refuses an editor of another."""
        config = self.hosts.config(host_id)
        old = next((e for e in config.event_types if e.id == event_type_id), None)
        if old is None:
            raise NotFoundError("event type not found")
        et = replace(draft, id=old.id, host_id=host_id, slug=validate_event_slug(draft.slug))
        et.check_booking_window()
        self._check_options(et, old)
        self._check_price(host_id, et, old)
        written = self.hosts.save_event_type(et, config.profile.slug, old, expected)
        return replace(et, version=written)

    def delete_event_type(self, host_id: str, event_type_id: str,
                          expected: int | None = None) -> None:
        """`expected`: the version the caller read; a delete of an event type saved
        elsewhere since is refused (EventTypeChangedError), as a save would be."""
        config = self.hosts.config(host_id)
        self.hosts.delete_event_type(_event_type(config, event_type_id), config.profile.slug,
                                     expected, config.event_order)

    def order_event_types(self, host_id: str, ids: Sequence[str],
                          expected: int | None = None) -> EventTypeOrder:
        """List the host's event types in the order of `ids`: each of theirs, once.
        `expected`: the order's version the caller read; if it changed since (reordered
        elsewhere, an event type made or deleted), EventTypeOrderChangedError with the
        order as it now is, and nothing is written. None: the last writer wins."""
        for _ in range(ORDER_ATTEMPTS):
            config = self.hosts.config(host_id, consistent=True)
            shown = config.shown_order
            if expected is not None and shown.version != expected:
                raise EventTypeOrderChangedError(
                    "your event types were reordered, added to or deleted elsewhere (in "
                    "another tab or by another app) since you loaded them: order them as "
                    "they are now, and save again", "version", current=shown)
            order = EventTypeOrder(checked_order(config.event_types, ids), shown.version)
            if self.hosts.save_event_order(host_id, order):
                return replace(order, version=order.version + 1)
        raise BookingContentionError("your event types are being changed elsewhere; try again")
