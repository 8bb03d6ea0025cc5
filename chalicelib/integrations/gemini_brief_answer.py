"""Gemini's answer read as a Brief, in the Briefs port's terms (gemini_briefs.py asks).

The answer must parse to the schema (gemini_brief_prompt.BriefAnswer), and an e-mail
address or link that the booking does not hold is removed, so an obeyed injection still
cannot put one in front of the host. A refusal (SAFETY and the like) raises
BriefRefusedError: the same booking would be refused again. An answer cut short
(`MAX_TOKENS`) raises BriefCutShortError: the same booking, with the same bound, would
outgrow it again, and each try is billed. No answer, or one that does not parse, is
ProviderUnavailableError: the worker's retries run.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from chalicelib.domain.errors import (
    BriefCutShortError,
    BriefRefusedError,
    ProviderUnavailableError,
)
from chalicelib.domain.providers.briefs import BookingFacts, Brief
from chalicelib.integrations.gemini_brief_prompt import MAX_ITEMS, MODEL, PROVIDER, BriefAnswer

if TYPE_CHECKING:
    from google.genai import types

MAX_CHARS = 400                            # per sentence or item kept
REFUSALS = frozenset({"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
                      "LANGUAGE"})
# E-mail addresses and links: anything with a scheme or `www.`, in any case; and a bare
# host on a common top-level domain (`evil-login.com`, `evil-login.com/login`), written in
# lower case as hosts are, so that `Node.js/React`, `ASP.NET` or `Amazon.com` in a brief
# stay. A link's trailing punctuation stays with the sentence.
_LINK_END = r"[^\s\"'<>]*[^\s\"'<>.,;:!?)]"
_COMMON_TLDS = ("com|net|org|info|biz|io|co|ai|app|dev|me|ly|link|site|online|xyz|shop|"
                "us|uk|de|fr|eu|in|ru|cn")
_BARE_HOST = rf"(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:{_COMMON_TLDS})(?::\d+)?"
_ADDRESSES = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    rf"|(?i:(?:[a-z][a-z0-9+.-]*://|www\.){_LINK_END})"
    rf"|{_BARE_HOST}/{_LINK_END}"
    rf"|{_BARE_HOST}(?![\w.-]*\w)")


def read_brief(answer: types.GenerateContentResponse, facts: BookingFacts) -> Brief:
    """The brief in Gemini's answer, its tokens as the answer's usage reports them."""
    if not answer.candidates:
        blocked = answer.prompt_feedback.block_reason if answer.prompt_feedback else None
        if blocked:
            raise BriefRefusedError(PROVIDER, f"Gemini refused the booking ({blocked.value})")
        raise ProviderUnavailableError(PROVIDER, "Gemini answered no brief")
    finish = answer.candidates[0].finish_reason
    reason = finish.value if finish is not None else "STOP"
    if reason in REFUSALS:
        raise BriefRefusedError(PROVIDER, f"Gemini refused to write the brief ({reason})")
    if reason == "MAX_TOKENS":
        raise BriefCutShortError(PROVIDER, f"Gemini's brief was cut short ({reason})")
    if reason != "STOP":
        raise ProviderUnavailableError(PROVIDER, f"Gemini's brief did not finish ({reason})")
    parsed = answer.parsed
    if not isinstance(parsed, BriefAnswer):
        raise ProviderUnavailableError(PROVIDER, "Gemini's brief did not parse to the schema")
    known = " ".join([facts.attendee_email, facts.attendee_name,
                      *(text for pair in facts.answers for text in pair)]).lower()
    who, wants = _clean(parsed.who, known), _clean(parsed.wants, known)
    if not who or not wants:
        raise ProviderUnavailableError(PROVIDER, "Gemini's brief was empty")
    usage = answer.usage_metadata
    return Brief(
        who=who, wants=wants,
        prepare=_items(parsed.prepare, known), questions=_items(parsed.questions, known),
        model=answer.model_version or MODEL,
        input_tokens=(usage.prompt_token_count or 0) if usage else 0,
        output_tokens=((usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)
                       if usage else 0))


def _items(items: list[str], known: str) -> tuple[str, ...]:
    return tuple(kept for item in items[:MAX_ITEMS] if (kept := _clean(item, known)))


def _clean(text: str, known: str) -> str:
    """One line, at most MAX_CHARS, with no address or link the booking did not hold."""
    text = " ".join(text.split())
    text = _ADDRESSES.sub(lambda found: found[0] if found[0].lower() in known else "[removed]",
                          text)
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS - 1].rstrip() + "…"
