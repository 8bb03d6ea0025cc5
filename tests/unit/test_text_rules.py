"""What text a person may type (chalicelib/domain/text.py): names and free text."""

from __future__ import annotations

import pytest

from chalicelib.domain.text import free_text_problem, name_problem

CONTROL = "must not contain control characters such as line breaks or NUL"
BIDI = "must not contain text-direction override characters"
INVISIBLE = "must contain at least one visible character"
FREE_CONTROL = "must not contain control characters other than tabs and line breaks"


@pytest.mark.parametrize("name", ["Ada Lovelace", "李小龙", "Zoë-Renée O'Brien", "X",
                                  "  padded  ", "a\u200bb"])
def test_a_name_with_something_visible_and_no_controls_is_fine(name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize(("name", "problem"), [
    ("Ada\nLovelace", CONTROL),
    ("Ada\x00", CONTROL),
    ("Ada\tLovelace", CONTROL),
    ("\u202eexe.pdf", BIDI),
    ("Ada\u2066", BIDI),
    ("\u200b\u200b", INVISIBLE),          # zero-width spaces only
    ("\u00a0 \u3000", INVISIBLE),         # spaces of every kind
    ("\ufeff", INVISIBLE),                # a byte-order mark
    ("", INVISIBLE),
])
def test_a_name_that_would_break_a_file_or_mislead_a_reader_is_refused(
        name: str, problem: str) -> None:
    assert name_problem(name) == problem


@pytest.mark.parametrize("text", ["line one\nline two", "col\tcol", "dos\r\nline", "",
                                  "\u200b", "plain words"])
def test_free_text_may_break_lines_and_indent(text: str) -> None:
    assert free_text_problem(text) is None


@pytest.mark.parametrize(("text", "problem"), [
    ("bell\x07", FREE_CONTROL),
    ("nul\x00", FREE_CONTROL),
    ("escape\x1b[31m", FREE_CONTROL),
    ("see \u202ereversed", BIDI),
    ("isolate\u2068", BIDI),
])
def test_free_text_with_other_controls_or_overrides_is_refused(text: str, problem: str) -> None:
    assert free_text_problem(text) == problem
