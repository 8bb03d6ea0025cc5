"""Gemini's bill for the pre-meeting briefs: a vendor's bill, not AWS's.

Tokens per brief are what each answer's usage metadata says, as google-genai parsed it in
the summary worker (here from the sandbox's fake Gemini, which counts a token per four
characters and thinks an eighth of the prompt at thinking level LOW: Google's rule of
thumb, not its tokenizer). Google bills the prompt at the input price and the answer and
the thinking together at the output price (bench/prices.json, `vendors.gemini`). `make
cost` prints the month's briefs on a line of their own, outside the AWS total.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.costing.prices import PRICES_FILE

GEMINI_CALL = "gemini.generateContent"


@dataclass(frozen=True)
class BriefTokens:
    """One generateContent answer's usage metadata."""

    input: int      # promptTokenCount: the system instruction and the booking
    answer: int     # candidatesTokenCount: the brief's JSON
    thinking: int   # thoughtsTokenCount

    @property
    def output(self) -> int:
        """What Google bills at the output price: the answer and the thinking."""
        return self.answer + self.thinking


@dataclass(frozen=True)
class TokenPrice:
    model: str
    input: float    # dollars per token
    output: float
    source: str

    def of(self, tokens: BriefTokens) -> float:
        return tokens.input * self.input + tokens.output * self.output


def gemini_price(path: Path = PRICES_FILE) -> TokenPrice:
    entry = json.loads(path.read_text())["vendors"]["gemini"]
    return TokenPrice(entry["model"], entry["input_per_million_tokens"] / 1e6,
                      entry["output_per_million_tokens"] / 1e6, entry["source"])


def mean(briefs: list[BriefTokens]) -> BriefTokens:
    """The sample's typical brief (rounded to whole tokens)."""
    n = max(1, len(briefs))
    return BriefTokens(round(sum(b.input for b in briefs) / n),
                       round(sum(b.answer for b in briefs) / n),
                       round(sum(b.thinking for b in briefs) / n))


@dataclass(frozen=True)
class BriefsBill:
    """The month's briefs at Gemini's price."""

    briefs: float           # generateContent calls in the month
    tokens: BriefTokens     # per brief, as measured
    price: TokenPrice

    @property
    def per_brief(self) -> float:
        return self.price.of(self.tokens)

    @property
    def month(self) -> float:
        return self.briefs * self.per_brief

    def per(self, briefs: int) -> float:
        return briefs * self.per_brief


def briefs_bill(records: list[tuple[Any, float]], measured: list[BriefTokens],
                price: TokenPrice) -> BriefsBill | None:
    """`records`: the month's invocations, each with how many it stands for
    (assemble.weighted); None when the sample made no brief."""
    calls = sum(n * r.provider_calls.count(GEMINI_CALL) for r, n in records)
    if not measured or not calls:
        return None
    return BriefsBill(calls, mean(measured), price)


@contextmanager
def recording(into: list[BriefTokens], keep: Callable[[], bool] = lambda: True
              ) -> Iterator[None]:
    """Every answer the Gemini adapter parses meanwhile goes into `into` (when `keep()`),
    with its usage, before Penny checks it: a cut-short answer is billed too."""
    from chalicelib.integrations import gemini_brief_answer

    parse = gemini_brief_answer.read_brief

    def kept(answer: Any, facts: Any) -> Any:
        usage = answer.usage_metadata
        if keep() and usage is not None:
            into.append(BriefTokens(usage.prompt_token_count or 0,
                                    usage.candidates_token_count or 0,
                                    usage.thoughts_token_count or 0))
        return parse(answer, facts)

    gemini_brief_answer.read_brief = kept
    try:
        yield
    finally:
        gemini_brief_answer.read_brief = parse
