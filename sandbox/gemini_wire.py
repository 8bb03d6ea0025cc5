"""Gemini's wire, as the fake speaks it: Google's error shape, the generateContent answer
(candidates, usageMetadata) and the request checks Google answers 400 for."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from sandbox import gemini_model as model_
from sandbox.wire import json_response

STATUSES = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
            429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
            504: "DEADLINE_EXCEEDED"}
MESSAGES = {429: "Resource has been exhausted (e.g. check quota).",
            500: "An internal error has occurred. Please retry or report in "
                 "https://developers.generativeai.google/guide/troubleshooting",
            503: "The model is overloaded. Please try again later.",
            504: "Deadline expired before operation could complete."}


def invalid(body: dict[str, Any], config: dict[str, Any]) -> str | None:
    """Why Google would refuse this request as it stands (400), or None."""
    if not body.get("contents"):
        return "* GenerateContentRequest.contents: contents is not specified"
    if (model_.setting(config, "response_schema") is not None
            and model_.setting(config, "response_mime_type") != "application/json"):
        return ("* GenerateContentRequest.generation_config.response_schema: "
                "response_mime_type must be application/json when response_schema is set")
    thinking = model_.setting(config, "thinking_config") or {}
    if (model_.setting(thinking, "thinking_budget") is not None
            and model_.setting(thinking, "thinking_level") is not None):
        return "thinking_budget and thinking_level are not supported together."
    limit = model_.setting(config, "max_output_tokens")
    if limit is not None and int(limit) < 1:
        return "* GenerateContentRequest.generation_config.max_output_tokens: must be positive"
    return None


def content_text(content: Any) -> str:
    parts = content.get("parts") if isinstance(content, dict) else None
    return "".join(str(p.get("text", "")) for p in parts or [] if isinstance(p, dict))


def answer(model: str, text: str, finish: str, prompt: int, thoughts: int,
           number: int) -> dict[str, Any]:
    """The generateContent answer: one candidate (no parts when nothing was written) and
    usage; candidates and thoughts counts are left out when zero, as Google does."""
    written = model_.tokens(text)
    usage: dict[str, Any] = {"promptTokenCount": prompt,
                             "totalTokenCount": prompt + written + thoughts,
                             "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}]}
    if written:
        usage["candidatesTokenCount"] = written
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    content: dict[str, Any] = {"role": "model"}
    if text:
        content["parts"] = [{"text": text}]
    return {"candidates": [{"content": content, "finishReason": finish, "index": 0}],
            "usageMetadata": usage, "modelVersion": model, "responseId": f"sandbox-{number}"}


def blocked(model: str, reason: str, prompt: int, number: int) -> dict[str, Any]:
    """The answer to a prompt blocked before anything was written: no candidates, only
    `promptFeedback.blockReason` (ai.google.dev/api/generate-content#PromptFeedback)."""
    return {"promptFeedback": {"blockReason": reason},
            "usageMetadata": {"promptTokenCount": prompt, "totalTokenCount": prompt},
            "modelVersion": model, "responseId": f"sandbox-{number}"}


def error(status: int, message: str, details: list[dict[str, Any]] | None = None) -> Response:
    """Google's error shape: `{"error": {"code", "message", "status", "details"?}}`."""
    body: dict[str, Any] = {"code": status, "message": message,
                            "status": STATUSES.get(status, "UNKNOWN")}
    if details:
        body["details"] = details
    return json_response({"error": body}, status)

