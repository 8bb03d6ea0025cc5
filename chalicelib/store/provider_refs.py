"""What jobs made at providers for a booking (domain/providers/refs.py ProviderRef)."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from chalicelib.domain.providers.refs import ProviderRef
from chalicelib.store.items import ProviderRefItem
from chalicelib.store.transactions import condition_failed


def ref_keys(job: str, booking_uid: str) -> tuple[str, str]:
    return f"PROVIDERREF#{booking_uid}", job


class ProviderRefRepository:
    def get(self, job: str, booking_uid: str) -> ProviderRef | None:
        try:
            item = ProviderRefItem.get(*ref_keys(job, booking_uid), consistent_read=True)
        except DoesNotExist:
            return None
        return ProviderRef(job, booking_uid, item.external_id, int(item.sequence),
                           item.expires_at)

    def put(self, ref: ProviderRef) -> None:
        ProviderRefItem(*ref_keys(ref.job, ref.booking_uid), external_id=ref.external_id,
                        sequence=ref.sequence, expires_at=ref.keep_until).save()

    def reserve(self, ref: ProviderRef, now: datetime) -> bool:
        try:
            ProviderRefItem(*ref_keys(ref.job, ref.booking_uid), external_id=ref.external_id,
                            sequence=ref.sequence, expires_at=ref.keep_until).save(
                condition=ProviderRefItem.pk.does_not_exist()
                | (ProviderRefItem.expires_at < now))
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def delete(self, ref: ProviderRef) -> None:
        # Only while it still names what `ref` names: another run may have recorded
        # something new there meanwhile (an event made again), which is that run's.
        try:
            ProviderRefItem(*ref_keys(ref.job, ref.booking_uid)).delete(
                condition=ProviderRefItem.external_id == ref.external_id)
        except DeleteError as exc:
            if not condition_failed(exc):  # gone already, or another's now: fine
                raise
