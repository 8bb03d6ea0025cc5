"""Pre-meeting briefs written by Gemini (the Briefs port), through google-genai.

Only the summary worker imports this module: google.genai costs most of a second to
import, so the API Lambda must never reach it (bootstrap builds it lazily).

Pinned, so an SDK upgrade or an environment variable cannot change what is asked:
- the Gemini Developer API (`enterprise=False`: GOOGLE_GENAI_USE_VERTEXAI cannot move it)
  at API version `v1`, the stable one, which carries structured output, thinking and
  system instructions (and google-genai 3.x's own default, which GOOGLE_GENAI_API_VERSION
  could otherwise change);
- the model `gemini-3.5-flash-lite`: a stable (GA) Flash model, neither a preview nor a
  `-latest` alias, that Google names as gemini-2.5-flash's replacement (2.5 Flash was
  retired on 2026-12-01), at 2.5 Flash's price ($0.30 / $2.50 per million input / output
  tokens); a four-part brief is extraction and light summary, what Flash-Lite is built
  for, at a fraction of the bigger Flash models' price;
- output bounded: `max_output_tokens` caps the answer and the thinking together, and
  thinking is held at LOW. Gemini 3.x models take a thinking *level*: Google's guide keeps
  `thinking_budget` for them only for backward compatibility, and both together are a 400.

What is asked (the system instruction, the schema, the booking as data) is
gemini_brief_prompt.py; how the answer is read and checked is gemini_brief_answer.py.

Retries inside one write: only what Google bills nothing for, an error status (429, 5xx)
or a connection never made, up to `Retries.attempts` times. A timeout is not retried here:
Google may have finished, and billed, the answer the client gave up on, and the host's
monthly brief cap counts each write as one billed call; the worker's next try, which the
cap counts again, is the retry. (The SDK's own HttpRetryOptions would retry timeouts too,
so it is held at one attempt and tenacity retries.)

Errors, in the port's terms: 429, 5xx, timeouts and an
answer empty or unparsable raise ProviderUnavailableError: the worker's retries run. 400
raises ProviderRejectedError. So do 401/403 and an invalid key: the key is the
operator's (PENNY_PROVIDERS), not a host's connection, so there is
nothing for a host to reconnect (ConnectionBrokenError would tell them to), and
retrying cannot help; the job records why. A refusal (SAFETY and the like) is rejected
too (BriefRefusedError: the booking says so): the same booking would be refused again.
So is an answer cut short (`MAX_TOKENS`, BriefCutShortError): the same booking, with the
same bound, would outgrow it again, and each try is billed.
An error status, or a connection never made, bills nothing and says so
(domain/errors.py NothingBilled): the summary job gives the attempt back to the host's
monthly cap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx2
import tenacity
from google import genai
from google.genai import errors, types

from chalicelib.domain.errors import (
    ProviderRejectedError,
    ProviderUnavailableError,
    UnbilledRejectedError,
    UnbilledUnavailableError,
)
from chalicelib.domain.providers.briefs import BookingFacts, Brief
from chalicelib.integrations import gemini_brief_answer
from chalicelib.integrations.gemini_brief_prompt import (
    MODEL,
    PROVIDER,
    SYSTEM_INSTRUCTION,
    BriefAnswer,
    prompt,
)
from chalicelib.provider_settings import GeminiKey

__all__ = ["API_VERSION", "MAX_OUTPUT_TOKENS", "MODEL", "SYSTEM_INSTRUCTION", "GeminiBriefs",
           "Retries"]

API_VERSION = "v1"
TIMEOUT_MS = 12_000                        # per attempt (httpx: per connect/read/write)
MAX_OUTPUT_TOKENS = 2_048                  # answer and thinking together
THINKING = types.ThinkingConfig(thinking_level=types.ThinkingLevel.LOW)
RETRY_STATUSES = (429, 500, 502, 503, 504)  # and connections never made
# No answer at all: a timeout, a connection never made (after its retries), or a body
# that is not JSON. google-genai sends through httpx2, or httpx when
# GOOGLE_GENAI_HTTP_CLIENT says so. A connection never made was never billed; a timeout
# may have been (Google may have finished the answer after the client gave up).
_UNANSWERED: tuple[type[Exception], ...] = (httpx2.TransportError,
                                            errors.UnknownApiResponseError)
_UNREACHED: tuple[type[Exception], ...] = (httpx2.ConnectError, httpx2.ConnectTimeout)
try:
    import httpx

    _UNANSWERED += (httpx.TransportError,)
    _UNREACHED += (httpx.ConnectError, httpx.ConnectTimeout)
except ImportError:  # pragma: no cover - httpx is google-genai's optional backend
    pass


@dataclass(frozen=True)
class Retries:
    """Retries of what bills nothing: 3 attempts, waits of 1 s then up to 4 s (jittered)."""

    attempts: int = 3
    initial_delay: float = 1.0
    max_delay: float = 4.0
    jitter: float = 0.5


CONFIG = types.GenerateContentConfig(
    system_instruction=SYSTEM_INSTRUCTION, response_mime_type="application/json",
    response_schema=BriefAnswer, max_output_tokens=MAX_OUTPUT_TOKENS, thinking_config=THINKING)


class GeminiBriefs:
    """Briefs from Gemini with Penny's API key; built once per worker container."""

    def __init__(self, entry: GeminiKey, timeout_ms: int = TIMEOUT_MS,
                 retries: Retries | None = None) -> None:
        self.timeout_ms, self.retries = timeout_ms, retries or Retries()
        once = types.HttpRetryOptions(attempts=1)
        options = types.HttpOptions(base_url=entry.base_url or None, api_version=API_VERSION,
                                    timeout=timeout_ms, retry_options=once)
        self._client = genai.Client(enterprise=False, api_key=entry.api_key,
                                    http_options=options)
        self._retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.retries.attempts),
            wait=tenacity.wait_exponential_jitter(initial=self.retries.initial_delay,
                                                  max=self.retries.max_delay,
                                                  jitter=self.retries.jitter),
            retry=tenacity.retry_if_exception(_billed_nothing), reraise=True)

    @property
    def bound_seconds(self) -> float:
        """The longest write() takes: each attempt its whole timeout, the longest waits between."""
        attempts = self.retries.attempts
        return attempts * self.timeout_ms / 1000 + (attempts - 1) * self.retries.max_delay

    def write(self, facts: BookingFacts) -> Brief:
        try:
            answer = self._retrying(self._client.models.generate_content, model=MODEL,
                                    contents=prompt(facts), config=CONFIG)
        except errors.APIError as exc:
            raise _error(exc) from exc
        except _UNANSWERED as exc:
            said = f"Gemini did not answer ({type(exc).__name__})"
            if isinstance(exc, _UNREACHED):
                raise UnbilledUnavailableError(PROVIDER, said) from exc
            raise ProviderUnavailableError(PROVIDER, said) from exc
        return gemini_brief_answer.read_brief(answer, facts)


def _billed_nothing(exc: BaseException) -> bool:
    """An error status worth another try, or a connection never made: Google billed nothing."""
    if isinstance(exc, errors.APIError):
        return exc.code in RETRY_STATUSES
    return isinstance(exc, _UNREACHED)


def _error(exc: errors.APIError) -> ProviderRejectedError | ProviderUnavailableError:
    """An error status: Google wrote nothing and bills nothing (NothingBilled)."""
    said = f"Gemini answered {exc.code} {exc.status}: {exc.message}"
    if exc.code in RETRY_STATUSES or exc.code == 408 or exc.code >= 500:
        return UnbilledUnavailableError(PROVIDER, said)
    if exc.code in (401, 403) or "API_KEY_INVALID" in json.dumps(exc.details, default=str):
        return UnbilledRejectedError(PROVIDER, f"{said} (Penny's Gemini API key: the operator "
                                     "must fix PENNY_PROVIDERS' gemini.api_key)", "api_key")
    return UnbilledRejectedError(PROVIDER, said)
