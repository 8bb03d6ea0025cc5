"""The workers (one Lambda each): a worker's runner, its job made by the factory the
worker list names, so a worker loads its own job's vendor SDK and no API service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.bootstrap.connections import build_connections
from chalicelib.bootstrap.host_adapters import HostAdapters, _calendar_cache
from chalicelib.bootstrap.payments import build_payments
from chalicelib.bootstrap.shared_core import Once


class NoLogins:
    """A worker finishes no OAuth round trip, so it knows of no open login."""

    def session_active(self, session_id: str) -> bool:
        return False


class NoCalendars:
    """A worker's settling of a paid booking asks no calendar: the payments worker only
    ends holds and refunds cancellations, and a late payment, the one settle that asks the
    host's calendars (services/reservations.py), comes to the API's webhooks."""

    def busy(self, host_id: str, setup: Any, window: Any, own_event: Any = None) -> list[Any]:
        return []


def build_worker(core: Core, spec: QueueSpec) -> JobRunner:
    """The runner for one worker of the list, with its job made by the named factory
    (the only import of that job's module, and so of its vendor's SDK)."""
    from importlib import import_module

    from chalicelib.services.jobs import JobContext, JobFactory, JobRunner, lease_for
    from chalicelib.services.links import BookingLinks
    from chalicelib.store.bookings import BookingRepository
    from chalicelib.store.counters import CounterRepository
    from chalicelib.store.hosts import HostRepository
    from chalicelib.store.jobs import JobRecordRepository
    from chalicelib.store.provider_refs import ProviderRefRepository
    from chalicelib.store.queues import WORKER_TIMEOUT

    module, _, name = spec.job.partition(":")
    factory: JobFactory = getattr(import_module(module), name)
    links = BookingLinks(core.settings.link_secret, core.settings.public_base_url)
    adapters = HostAdapters(core, Once(lambda: build_connections(core, NoLogins())))
    job = factory(JobContext(BookingRepository(), core.clock, HostRepository(), adapters,
                             ProviderRefRepository(), lambda uid: links.urls(uid)["view"],
                             _calendar_cache(core, adapters),
                             payments=Once(lambda: build_payments(
                                 core, _settling(core), links)),
                             notes=adapters, briefs=Once(lambda: build_briefs(core)),
                             usage=CounterRepository(),
                             briefs_per_month=core.settings.briefs_per_month))
    declared = (spec.name, spec.event_types, spec.announces)
    made = (job.name, tuple(t.value for t in job.takes),
            job.announces.value if job.announces else None)
    if declared != made:
        raise LookupError(f"the worker list says {declared}, its job {spec.job} says {made}")
    return JobRunner(job, JobRecordRepository(), core.clock, lease_for(WORKER_TIMEOUT),
                     premium_only=spec.premium_only, notes_only=spec.notes_only)


def build_briefs(core: Core) -> Briefs:
    """The pre-meeting brief's model (Gemini), made on the summary worker's first brief:
    google-genai loads then. Not set up on this Penny: every brief is refused, for good
    (the job records why), as no retry can set it up."""
    from chalicelib.domain.errors import ProviderRejectedError

    entry = core.providers.gemini
    if entry is None:
        raise ProviderRejectedError("gemini", "briefs are not set up on this Penny "
                                    "(no gemini entry in PENNY_PROVIDERS)")
    from chalicelib.integrations.gemini_briefs import GeminiBriefs

    return GeminiBriefs(entry)


def _settling(core: Core) -> Reservations:
    """The write path a worker settles paid bookings through (made by the payments job
    only: the other workers never load it)."""
    from chalicelib.services.reservations import Reservations
    from chalicelib.store.bookings import BookingRepository

    return Reservations(BookingRepository(), NoCalendars(), core.clock,
                        core.settings.booking_write_attempts)


if TYPE_CHECKING:  # keeps these imports off the cold-start path
    from chalicelib.bootstrap.shared_core import Core
    from chalicelib.domain.providers.briefs import Briefs
    from chalicelib.services.jobs import JobRunner
    from chalicelib.services.reservations import Reservations
    from chalicelib.store.queues import QueueSpec
