"""Webhook deliveries already received: one small item per (source, event id).

The source is the provider and the webhook URL's path values (`stripe`,
`razorpay#{host id}`: functions/edge.py's `delivery_source`). Before it named the host,
Razorpay's was `razorpay` alone: an item under that key is never read again, so a
redelivery across that deploy runs once more, which payment handling, idempotent by the
booking's state, makes harmless (docs/payments.md).

Claimed with a conditional put (one write), finished with an update, released with a
conditional delete; a redelivery costs one failed put and one read. The item lives in the
one table under its own key, so neither a Query nor the stream's filter ever meets it.
DynamoDB's TTL deletes late, so an item past `expires_at` counts as absent here too.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from chalicelib.services.webhooks import Claim
from chalicelib.store.tables import PennyItem
from chalicelib.store.transactions import condition_failed

IN_PROGRESS, DONE = "in_progress", "done"


class DeliveryItem(PennyItem, discriminator="webhook_delivery"):
    """pk = DELIVERY#{source}#{event id}, sk = DELIVERY: one webhook event, run once."""

    status = UnicodeAttribute()               # in_progress, then done
    event_type = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
    lease_until = UTCDateTimeAttribute()      # in progress past this instant: its run died
    outcome = UnicodeAttribute(null=True)     # "processed", or the code it was refused with


def delivery_keys(provider: str, event_id: str) -> tuple[str, str]:
    return f"DELIVERY#{provider}#{event_id}", "DELIVERY"



class DeliveryRepository:
    def claim(self, provider: str, event_id: str, event_type: str, now: datetime,
              lease_until: datetime, expires_at: datetime) -> Claim:
        item = DeliveryItem(*delivery_keys(provider, event_id), status=IN_PROGRESS,
                            event_type=event_type, received_at=now, lease_until=lease_until,
                            expires_at=expires_at)
        free = (DeliveryItem.pk.does_not_exist()
                | ((DeliveryItem.status == IN_PROGRESS) & (DeliveryItem.lease_until < now))
                | (DeliveryItem.expires_at < now))
        try:
            item.save(condition=free)
        except PutError as exc:
            if not condition_failed(exc):
                raise
            return self._held(provider, event_id)
        return Claim.CLAIMED

    def _held(self, provider: str, event_id: str) -> Claim:
        try:
            held = DeliveryItem.get(*delivery_keys(provider, event_id), consistent_read=True)
        except DoesNotExist:  # released between our put and this read: come back later
            return Claim.IN_PROGRESS
        return Claim.DONE if held.status == DONE else Claim.IN_PROGRESS

    def finish(self, provider: str, event_id: str, outcome: str,
               expires_at: datetime) -> None:
        item = DeliveryItem(*delivery_keys(provider, event_id))
        # An update does not write the discriminator by itself (store/counters.py).
        item.update(actions=[DeliveryItem.kind.set(DeliveryItem),
                             DeliveryItem.status.set(DONE), DeliveryItem.outcome.set(outcome),
                             DeliveryItem.expires_at.set(expires_at)])

    def release(self, provider: str, event_id: str) -> None:
        item = DeliveryItem(*delivery_keys(provider, event_id))
        try:
            item.delete(condition=DeliveryItem.status == IN_PROGRESS)
        except DeleteError as exc:
            if not condition_failed(exc):
                raise
