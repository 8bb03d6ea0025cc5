"""What text a person may type into Penny: names, titles and free text.

Names end up in pages, e-mails and .ics files, where an invisible or control
character either breaks the file (NUL, CR/LF) or lies to the reader (a bidi override
that shows "exe.pdf" for "fdp.exe", a name made only of zero-width spaces).
"""

from __future__ import annotations

import unicodedata

# Bidi embeddings, overrides and isolates: they reorder what follows them on screen.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Free text may break lines and indent; no other control character.
TEXT_CONTROLS_ALLOWED = frozenset("\t\n\r")


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc"


def _is_visible(ch: str) -> bool:
    # Separators (Z*), format characters (Cf: zero-width space and joiners, BOM, marks)
    # and controls draw nothing on their own.
    return unicodedata.category(ch)[0] not in "ZC"


def draws_nothing(value: str) -> bool:
    """Only spaces, tabs, line breaks or zero-width characters (or nothing): a name or a
    password made of them shows or holds nothing a person chose."""
    return not any(_is_visible(ch) for ch in value)


def name_problem(value: str) -> str | None:
    """Why `value` cannot be a name or title, or None if it can."""
    if any(_is_control(ch) for ch in value):
        return "must not contain control characters such as line breaks or NUL"
    if any(ch in BIDI_CONTROLS for ch in value):
        return "must not contain text-direction override characters"
    if draws_nothing(value):
        return "must contain at least one visible character"
    return None


def free_text_problem(value: str) -> str | None:
    """Why `value` cannot be free text (a description, an answer), or None if it can."""
    if any(_is_control(ch) and ch not in TEXT_CONTROLS_ALLOWED for ch in value):
        return "must not contain control characters other than tabs and line breaks"
    if any(ch in BIDI_CONTROLS for ch in value):
        return "must not contain text-direction override characters"
    return None
