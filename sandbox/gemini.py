"""Fake Gemini API, mounted at `/gemini`: `POST /{version}/models/{model}:generateContent`
as the Gemini Developer API answers it, so google-genai runs unchanged against it with
`HttpOptions(base_url=".../gemini")`.

Its wire, as Google's: the key in `x-goog-api-key` (or `?key=`); errors as `{"error":
{"code", "message", "status"}}` (a missing key 403 PERMISSION_DENIED, a wrong one 400
INVALID_ARGUMENT with reason API_KEY_INVALID, an unknown model 404 NOT_FOUND, quota 429
RESOURCE_EXHAUSTED, 500 INTERNAL, 503 UNAVAILABLE, and 504 DEADLINE_EXCEEDED once its own
deadline, the client's `X-Server-Timeout`, has passed); an answer with `candidates[0]`
(`content.parts[].text`, `finishReason`), `usageMetadata` and `modelVersion`, or for a
blocked prompt no candidates, only `promptFeedback.blockReason`. Output and thinking
share `maxOutputTokens`, as they do at Google: when they do not fit, the text is cut
(`MAX_TOKENS`), or missing when thinking used it all. What it answers is
sandbox/gemini_model.py's; what a test makes it do instead (time out, truncate, fail,
say something else, block the prompt) is queued through ProviderSandbox's `gemini_*`
methods (sandbox/gemini_control.py).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox import gemini_model as model_
from sandbox import gemini_wire as wire
from sandbox.wire import json_response

# Public and fixed: it opens nothing but this fake (Google's keys are 39 characters too).
SANDBOX_API_KEY = "AIzaSy-penny-sandbox-gemini-public-key0"
VERSIONS = frozenset({"v1", "v1beta", "v1alpha"})
# Models the fake serves: current ones. A retired name (gemini-2.5-flash) answers 404.
MODELS = frozenset({"gemini-3.5-flash-lite", "gemini-3.6-flash", "gemini-3.7-flash",
                    "gemini-3.8-flash", "gemini-3.1-flash-lite", "gemini-2.5-flash-lite",
                    "gemini-flash-latest", "gemini-flash-lite-latest", "gemini-3.1-pro-preview"})
HOLD_LIMIT = 30.0  # seconds a held request waits when the client sent no X-Server-Timeout


@dataclass(frozen=True)
class Next:
    """What the fake does with one coming request instead of answering it."""

    kind: str                      # "time_out", "truncate", "fail", "text" or "block"
    status: int = 0                # "fail": the HTTP status
    text: str = ""                 # "text": the answer's text
    finish_reason: str = "STOP"    # "text": its finishReason; "block": the blockReason
    retry_after: int | None = None  # "fail" 429: RetryInfo's retryDelay, in seconds


@dataclass(frozen=True)
class GeminiRequest:
    """One generateContent request as the fake received it, and what it did with it."""

    model: str
    api_version: str
    system_instruction: str | None  # its parts' text, joined; None: none was sent
    contents: list[dict[str, Any]] = field(repr=False)
    generation_config: dict[str, Any] = field(repr=False)
    outcome: str = ""

    @property
    def user_text(self) -> str:
        return "\n".join(wire.content_text(content) for content in self.contents
                         if content.get("role", "user") == "user")


class FakeGemini:
    name = "gemini"
    title = "Gemini"

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.api_key = SANDBOX_API_KEY
        self.lock = threading.Lock()
        self.queued: list[Next] = []
        self.requests: list[GeminiRequest] = []
        self.counts: Counter[str] = Counter()
        self._answers = 0
        self._held: list[threading.Event] = []
        self._stopped = False

    def rules(self) -> list[Rule]:
        return [Rule("/<version>/models/<model>:generateContent", endpoint=self.generate,
                     methods=["POST"])]

    def generate(self, request: Request, version: str, model: str) -> Response:
        key = request.headers.get("x-goog-api-key") or request.args.get("key")
        if version not in VERSIONS:
            return self._refuse("not_found", 404, f"API version {version} is not served.")
        if not key:
            return self._refuse("refused", 403, "Method doesn't allow unregistered callers "
                                "(callers without established identity). Please use API Key "
                                "or other form of API consumer identity to call this API.")
        if key != self.api_key:
            return self._refuse("refused", 400, "API key not valid. Please pass a valid API "
                                "key.", [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                          "reason": "API_KEY_INVALID", "domain": "googleapis.com",
                                          "metadata": {"service": "generativelanguage"
                                                                  ".googleapis.com"}}])
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self._refuse("rejected", 400, "Invalid JSON payload received.")
        config = body.get("generationConfig") or {}
        problem = wire.invalid(body, config)
        if problem:
            return self._refuse("rejected", 400, problem)
        if model not in MODELS:
            return self._refuse("not_found", 404, f"models/{model} is not found for API "
                                f"version {version}, or is not supported for generateContent.")
        with self.lock:
            step = self.queued.pop(0) if self.queued else None
            self._answers += 1
            number = self._answers
        system = body.get("systemInstruction")
        seen = GeminiRequest(model, version, wire.content_text(system) if system else None,
                             list(body.get("contents") or []), dict(config))
        return self._do(step, seen, number, request.headers.get("X-Server-Timeout"))

    # -- answering ---------------------------------------------------------------------

    def _do(self, step: Next | None, seen: GeminiRequest, number: int,
            deadline: str | None) -> Response:
        if step is not None and step.kind == "time_out":
            self._log(seen, "timed_out")
            self._hold(float(deadline) + 1 if deadline else HOLD_LIMIT)
            return wire.error(504, wire.MESSAGES[504])
        if step is not None and step.kind == "fail":
            self._log(seen, f"failed {step.status}")
            details = ([{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                         "retryDelay": f"{step.retry_after}s"}] if step.retry_after else None)
            return wire.error(step.status, wire.MESSAGES.get(step.status, "Request failed."),
                              details)
        prompt = model_.tokens("\n".join(filter(None, [seen.system_instruction,
                                                       *map(wire.content_text, seen.contents)])))
        if step is not None and step.kind == "block":
            self._log(seen, f"blocked {step.finish_reason}")
            return json_response(wire.blocked(seen.model, step.finish_reason, prompt, number))
        config = seen.generation_config
        text = (step.text if step is not None and step.kind == "text"
                else model_.answer_text(seen.user_text, config))
        finish = step.finish_reason if step is not None and step.kind == "text" else "STOP"
        thoughts = model_.thinking_tokens(prompt, config)
        limit = model_.setting(config, "max_output_tokens")
        if step is not None and step.kind == "truncate":
            text, finish = text[:len(text) // 2], "MAX_TOKENS"
        elif limit is not None and thoughts + model_.tokens(text) > int(limit):
            thoughts = min(thoughts, int(limit))
            text, finish = text[:(int(limit) - thoughts) * 4], "MAX_TOKENS"
        self._log(seen, "truncated" if finish == "MAX_TOKENS" else
                  "answered" if step is None else f"said {finish}")
        return json_response(wire.answer(seen.model, text, finish, prompt, thoughts, number))

    def _hold(self, seconds: float) -> None:
        """Wait past the client's timeout (or until released), as a stuck backend does."""
        held = threading.Event()
        with self.lock:
            if self._stopped:
                return
            self._held.append(held)
        held.wait(seconds)

    def release_held(self) -> None:
        with self.lock:
            held, self._held = self._held, []
        for event in held:
            event.set()

    def stop(self) -> None:
        with self.lock:
            self._stopped = True
        self.release_held()

    # -- the log -----------------------------------------------------------------------

    def _log(self, seen: GeminiRequest, outcome: str) -> None:
        with self.lock:
            self.requests.append(dataclasses.replace(seen, outcome=outcome))
            self.counts[outcome] += 1

    def _refuse(self, outcome: str, status: int, message: str,
                details: list[dict[str, Any]] | None = None) -> Response:
        with self.lock:
            self.counts[outcome] += 1
        return wire.error(status, message, details)
