"""One host's calls to Razorpay through the razorpay SDK (razorpay_payments.py's wire):
the host's keys, a timeout on every request, the SDK's retries, and each error answer as
the PaymentProvider port names it. Only razorpay_payments.py imports this.

The SDK's own traps, handled here: it sets no HTTP timeout (a session adapter adds one);
it raises BadRequestError for a 401, a 400 and a 429 alike (a response hook keeps the
status, which decides the domain error).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import razorpay  # type: ignore[import-untyped]
import requests
from razorpay.errors import (  # type: ignore[import-untyped]
    BadRequestError,
    GatewayError,
    ServerError,
)
from requests.adapters import HTTPAdapter

from chalicelib.domain.errors import (
    ConnectionBrokenError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from chalicelib.integrations.razorpay_wire import PROVIDER
from chalicelib.provider_settings import RazorpayPlatform

RAZORPAY_API = "https://api.razorpay.com"
ATTEMPTS = 2            # the SDK retries connection errors and timeouts only
RETRY_DELAY = 0.2       # seconds before the retry (jittered by the SDK)
_SDK_ERRORS = (BadRequestError, GatewayError, ServerError)


@dataclass(frozen=True)
class RazorpayKeys:
    """One host's Razorpay credentials (Dashboard → API keys, and its webhook's secret)."""

    key_id: str
    key_secret: str = field(repr=False)
    webhook_secret: str = field(repr=False)


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request a timeout, since the SDK passes none."""

    def __init__(self, timeout: float) -> None:
        super().__init__(max_retries=0)
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        return super().send(request, stream, self.timeout if timeout is None else timeout,
                            verify, cert, proxies)


class RazorpaySession:
    """The SDK's client on the host's keys, and the status of this thread's last answer."""

    def __init__(self, entry: RazorpayPlatform, keys: RazorpayKeys, timeout: float,
                 attempts: int) -> None:
        self.timeout = timeout
        self._answer = threading.local()  # the status of this thread's last answer
        session = requests.Session()
        adapter = _TimeoutAdapter(timeout)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.hooks["response"].append(self._seen)
        self.client = razorpay.Client(session=session, auth=(keys.key_id, keys.key_secret),
                                      base_url=entry.base_url or RAZORPAY_API,
                                      max_retries=attempts, initial_delay=RETRY_DELAY,
                                      max_delay=RETRY_DELAY * 2)
        self.client.enable_retry(True)
        self.client.set_app_details({"title": "Penny"})

    def _seen(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._answer.status = response.status_code
        self._answer.retry_after = response.headers.get("Retry-After")

    def call(self, what: str, call: Callable[[], Any]) -> dict[str, Any]:
        self._answer.status, self._answer.retry_after = None, None
        try:
            found = call()
        except requests.Timeout as exc:
            raise ProviderUnavailableError(PROVIDER, f"Razorpay did not answer ({what}) "
                                           f"within {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            status = getattr(self._answer, "status", None)
            if status is None:
                raise ProviderUnavailableError(PROVIDER, f"Razorpay could not be reached "
                                               f"({what}: {type(exc).__name__})") from exc
            # It answered, but not in JSON (a proxy's error page, say): the status decides.
            _raise_for(what, status if status >= 400 else 502,
                       getattr(self._answer, "retry_after", None), "not JSON", exc)
        except _SDK_ERRORS as exc:
            _raise_for(what, getattr(self._answer, "status", None),
                       getattr(self._answer, "retry_after", None), str(exc), exc)
        if not isinstance(found, dict):
            raise ProviderUnavailableError(PROVIDER, f"Razorpay answered ({what}) with "
                                           "something other than a JSON object")
        return found


def _raise_for(what: str, status: int | None, retry_after: str | None, message: str,
               exc: Exception) -> NoReturn:
    said = f"Razorpay refused to {what} ({status}): {message}"
    # 409: a refund under the same idempotency key is still being made (worth a retry).
    if status is None or status in (409, 429) or status >= 500:
        raise ProviderUnavailableError(PROVIDER, f"{said} (Retry-After: {retry_after} s)"
                                       if retry_after else said) from exc
    if status == 401:
        raise ConnectionBrokenError(PROVIDER, "Razorpay no longer accepts the host's key id "
                                    "and key secret: enter new keys") from exc
    raise ProviderRejectedError(PROVIDER, said) from exc
