"""Each call Penny makes to Stripe (stripe_payments.py's and stripe_connect.py's wire):
the idempotency key it carries, and Stripe's error as the port names it.

Errors: 429, 5xx, timeouts and refused connections are ProviderUnavailableError; a key
or account Stripe refuses (401, 403: the host disconnected Penny) ConnectionBrokenError;
any other 4xx ProviderRejectedError (a refund of a disputed charge, `charge_disputed`,
RefundDisputedError: the dispute decides, not a retry).

A 500 is Stripe's answer to its key for a day: "Retries with the same key return the saved
response, including 500 errors" (docs.stripe.com/api/idempotent_requests). An ask that
finds its key's 500 replayed (`Idempotent-Replayed: true`) asks again under the key's
next spelling (`keyed`), once the caller has made sure the first did not do its work after
all; a fresh 500 is ProviderUnavailableError, for a retry that then moves on.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import TypeVar

import stripe

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderError,
    ProviderRejectedError,
    ProviderUnavailableError,
    RefundDisputedError,
)

PROVIDER = "stripe"
DISPUTE_ID = re.compile(r"\b(?:dp|du)_[A-Za-z0-9]+\b")   # a dispute's id, in Stripe's words

T = TypeVar("T")


def stripe_call(doing: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except stripe.StripeError as exc:
        raise translated(exc, doing) from exc


AFTER_500 = 5   # spellings of one key an ask moves through, past the 500s Stripe replays


def keyed(kind: str, key: str, after_500: int) -> str:
    """The idempotency key of an ask after `after_500` keys Stripe keeps answering 500."""
    return penny_key(kind, f"{key}-after-500-{after_500}" if after_500 else key)


def replayed_500(exc: stripe.StripeError) -> bool:
    """Stripe replayed a 500 an earlier try got under this key: asking again under it
    cannot succeed for a day."""
    headers = {name.lower(): value for name, value in (exc.headers or {}).items()}
    return exc.http_status == 500 and headers.get("idempotent-replayed") == "true"


def penny_key(kind: str, key: str) -> str:
    # Stripe takes keys of up to 255 characters.
    return f"penny-{kind}-{key}" if len(key) <= 200 else \
        f"penny-{kind}-{hashlib.sha256(key.encode()).hexdigest()}"


def translated(exc: stripe.StripeError, doing: str) -> ProviderError:
    status = exc.http_status
    what = f"Stripe answered {status} while {doing}: {exc.user_message}" if status \
        else f"Stripe could not be reached while {doing} ({type(exc).__name__})"
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError) \
            or status is None or status == 429 or status >= 500:
        after = (exc.headers or {}).get("retry-after") or (exc.headers or {}).get("Retry-After")
        return ProviderUnavailableError(PROVIDER, f"{what} (Retry-After: {after} s)" if after
                                        else what)
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError) \
            or status in (401, 403):
        return ConnectionBrokenError(PROVIDER, f"{what}: reconnect Stripe")
    if exc.code == "charge_disputed":
        # The client's bank disputes the charge (maybe before its webhook reached Penny):
        # its message names the charge, and the dispute only if Stripe ever does.
        named = DISPUTE_ID.search(exc.user_message or "")
        return RefundDisputedError(PROVIDER, what, named.group(0) if named else None)
    return ProviderRejectedError(PROVIDER, what)
