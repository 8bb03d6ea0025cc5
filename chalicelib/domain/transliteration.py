"""Names in Latin letters, for a link (slug) made from a name or an e-mail.

Accents are dropped (NFKD splits "ü" into "u" and a mark); the letters NFKD keeps whole
(ß æ œ ø ł đ ð þ ı) are spelled out, and Cyrillic and Greek letter by letter, in a
short, simple table (no per-language rules: "Юрий" is yurii, "Олена" olena). Scripts
that have no such spelling (Chinese, Japanese, Arabic, ...) give nothing: the caller
says so rather than suggest an empty link. The dashboard's slugify (static/app-formats.js)
holds the same table; tests/unit/test_transliteration.py and the sign-up browser test
check the same names.
"""

# The table is letters that look Latin and are not: ruff's check for them is this file's
# point, not its mistake.
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import re
import unicodedata

LATIN = {
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
    "ı": "i",
    # Cyrillic (after NFKD: й is и and a mark, ё is е, ї is і)
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "ye",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ј": "j", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ў": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "yu", "я": "ya", "ђ": "dj", "ћ": "c", "љ": "lj", "њ": "nj",
    "џ": "dz", "ѕ": "dz",
    # Greek (after NFKD: ά is α and a mark); ου is ou, below
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",
    "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p",
    "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps",
    "ω": "o",
}
_SPELLED = re.compile("ου|[" + "".join(LATIN) + "]")


def in_latin_letters(text: str) -> str:
    """`text` lower-cased, its accents dropped and the letters above spelled in Latin;
    other characters are left as they are."""
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", text.lower())
                   if not unicodedata.combining(ch))
    return _SPELLED.sub(lambda m: "ou" if m.group() == "ου" else LATIN[m.group()], bare)
