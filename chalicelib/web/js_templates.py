"""Where a script's template literals are, so the minifier can leave them as written.

rjsmin (1.3.0, the latest) keeps a template literal as written, except one nested in
another's `${...}`: that one it minifies as code, taking out the whitespace it holds,
so `${why ? ` ${why}` : ""}` loses its space and `hint${kind ? ` notes-${kind}` : ""}`
makes the class `hintnotes-error`. assets.py therefore sets every outermost template
literal aside (`outermost_templates`), minifies the rest, and puts them back.

A small scanner, not a parser: it skips comments, quoted strings and regular expression
literals (a `/` where an operand is expected: at the start, after an operator or an
opening bracket, or after a keyword such as `return`), and follows `${ }` into template
literals to any depth, counting braces. Where it cannot follow the script (a literal
left open), it raises ValueError: the asset is then never served wrongly minified.
"""

from __future__ import annotations

import re

# A run of code (whitespace included) holding none of: a quote, a backtick, a slash, a
# brace: most of a script, passed over in one match.
_CODE = re.compile(r"[^'\"`/{}]+")
_STRING = {"'": re.compile(r"'(?:[^'\\\n]|\\[\s\S])*'"),
           '"': re.compile(r'"(?:[^"\\\n]|\\[\s\S])*"')}
_LINE_COMMENT = re.compile(r"//[^\n]*")
_BLOCK_COMMENT = re.compile(r"/\*[\s\S]*?\*/")
_REGEX = re.compile(r"/(?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[A-Za-z]*")
# A template's text up to its end or its next substitution.
_TEMPLATE_TEXT = re.compile(r"(?:[^`\\$]|\\[\s\S]|\$(?!\{))*")
_WORD_AT_END = re.compile(r"[A-Za-z_$][\w$]*$")
# After these, a `/` begins a regular expression, not a division.
_OPERAND_NEXT = frozenset("(,=:[!&|?{};+-*%<>~^")
_KEYWORDS = frozenset({"return", "typeof", "case", "do", "else", "in", "of", "new",
                       "delete", "void", "throw", "instanceof", "yield", "await"})


def outermost_templates(source: str) -> list[tuple[int, int]]:
    """The [start, end) of each template literal not inside another, in order."""
    spans: list[tuple[int, int]] = []
    _code(source, 0, spans, until_brace=False)
    return spans


def _code(source: str, i: int, spans: list[tuple[int, int]] | None,
          until_brace: bool) -> int:
    """Scan code from `i`; with `until_brace`, up to and past the `}` that closes the
    substitution it is in. Outermost templates go into `spans` (None inside one)."""
    depth, operand_next = 0, True
    while i < len(source):
        c = source[i]
        if c in _STRING:
            i, operand_next = _end(_STRING[c], source, i, "a string"), False
        elif c == "`":
            end = _template(source, i)
            if spans is not None:
                spans.append((i, end))
            i, operand_next = end, False
        elif c == "/":
            if source.startswith("//", i):
                i = _LINE_COMMENT.match(source, i).end()  # type: ignore[union-attr]
            elif source.startswith("/*", i):
                i = _end(_BLOCK_COMMENT, source, i, "a comment")
            elif operand_next:
                i, operand_next = _end(_REGEX, source, i, "a regular expression"), False
            else:
                i, operand_next = i + 1, True
        elif c == "{":
            depth, i, operand_next = depth + 1, i + 1, True
        elif c == "}":
            if until_brace and depth == 0:
                return i + 1
            depth, i, operand_next = depth - 1, i + 1, True
        else:
            run = _CODE.match(source, i).group()  # type: ignore[union-attr]
            i += len(run)
            run = run.rstrip()
            if run:  # only whitespace leaves what came before it to say
                last = run[-1]
                word = _WORD_AT_END.search(run[-12:]) if last.isalpha() else None
                operand_next = last in _OPERAND_NEXT or \
                    (word is not None and word.group() in _KEYWORDS)
    if until_brace:
        raise ValueError("a template literal's ${ is never closed")
    return i


def _template(source: str, i: int) -> int:
    """The end of the template literal starting at `i` (a backtick)."""
    i += 1
    while True:
        i = _TEMPLATE_TEXT.match(source, i).end()  # type: ignore[union-attr]
        if i >= len(source):
            raise ValueError("a template literal is never closed")
        if source[i] == "`":
            return i + 1
        i = _code(source, i + 2, None, until_brace=True)  # past "${"


def _end(pattern: re.Pattern[str], source: str, i: int, what: str) -> int:
    found = pattern.match(source, i)
    if found is None:
        raise ValueError(f"{what} at character {i} is never closed")
    return found.end()
