"""The Gemini half of the sandbox's control surface for tests (ProviderSandbox mixes it
in): what the next answers do instead of a brief (time out, get cut off, fail, say
something else), and what Penny asked (each request's model, API version, system
instruction, contents and generation config) and how often.

Queued behaviours apply to the next requests that reach generateContent, in the order
they were queued; a request refused for its key, model or arguments takes none.
"""

from __future__ import annotations

from sandbox.gemini import FakeGemini, GeminiRequest, Next


class GeminiControl:
    gemini: FakeGemini

    def gemini_settings(self) -> dict[str, str]:
        """The PENNY_PROVIDERS `gemini` entry (chalicelib/provider_settings.py's GeminiKey)."""
        return {"api_key": self.gemini.api_key, "base_url": self.gemini.base_url}

    # -- what the next answers do ------------------------------------------------------

    def gemini_time_out_next(self, times: int = 1) -> None:
        """The next `times` requests get no answer before the client's timeout: each is
        held until its `X-Server-Timeout` (plus a second) has passed, then answered 504
        DEADLINE_EXCEEDED, by which time the client has given up."""
        self._gemini_queue(Next("time_out"), times)

    def gemini_truncate_next(self, times: int = 1) -> None:
        """The next `times` answers stop half way (`finishReason: MAX_TOKENS`): the JSON
        text is cut, as when output and thinking outgrow `maxOutputTokens`."""
        self._gemini_queue(Next("truncate"), times)

    def gemini_fail_next(self, status: int = 429, times: int = 1,
                         retry_after: int | None = None) -> None:
        """The next `times` requests answer `status` (429, 500, 503, 400, 403, 404...) in
        Google's error shape; a 429 may carry RetryInfo's `retryDelay`."""
        self._gemini_queue(Next("fail", status=status, retry_after=retry_after), times)

    def gemini_answer_next(self, text: str, times: int = 1, finish_reason: str = "STOP") -> None:
        """The next `times` answers carry `text` (and `finish_reason`) instead of the brief
        the fake would build: a model that disobeys, rambles or returns nothing useful."""
        self._gemini_queue(Next("text", text=text, finish_reason=finish_reason), times)

    def gemini_block_next(self, reason: str = "SAFETY", times: int = 1) -> None:
        """The next `times` prompts are blocked before any answer is written: no
        candidates, only `promptFeedback.blockReason` (SAFETY, PROHIBITED_CONTENT, ...)."""
        self._gemini_queue(Next("block", finish_reason=reason), times)

    def gemini_release_held(self) -> None:
        """Held (timed-out) requests end now."""
        self.gemini.release_held()

    def gemini_reset(self) -> None:
        """Forget queued behaviours, the request log and the counters."""
        with self.gemini.lock:
            self.gemini.queued.clear()
            self.gemini.requests.clear()
            self.gemini.counts.clear()

    # -- what Penny asked --------------------------------------------------------------

    def gemini_requests(self) -> list[GeminiRequest]:
        """Every generateContent request that passed the key, model and argument checks,
        oldest first, with its outcome ("answered", "truncated", "timed_out",
        "failed 429", "said STOP"...)."""
        with self.gemini.lock:
            return list(self.gemini.requests)

    def gemini_calls(self) -> int:
        """Every request that reached generateContent, refused ones included."""
        with self.gemini.lock:
            return sum(self.gemini.counts.values())

    def gemini_counts(self) -> dict[str, int]:
        """Requests by outcome: the log's outcomes, plus "refused" (key), "rejected"
        (arguments) and "not_found" (model or API version)."""
        with self.gemini.lock:
            return dict(self.gemini.counts)

    def _gemini_queue(self, step: Next, times: int) -> None:
        with self.gemini.lock:
            self.gemini.queued.extend([step] * times)
