"""Scripts are minified without touching a template literal (chalicelib/web/assets.py,
js_templates.py): rjsmin minifies one nested in another's `${}` as code, so
`${why ? ` ${why}` : ""}` lost its space and a class `hint notes-error` became
`hintnotes-error`. The scanner that sets them aside skips comments, strings and regular
expressions."""

from __future__ import annotations

import pytest

from chalicelib.web import assets
from chalicelib.web.bundles import bundle
from chalicelib.web.js_templates import outermost_templates


def templates(source: str) -> list[str]:
    return [source[start:end] for start, end in outermost_templates(source)]


def test_a_template_nested_in_another_keeps_its_spaces() -> None:
    source = ('const line = `Refunded ${amount}${why ? ` ${why}` : ""}.`;\n'
              'status.className = `hint${kind ? ` notes-${kind}` : ""}`;  // a class\n')

    small = assets.minified("x.js", source)

    assert '`Refunded ${amount}${why ? ` ${why}` : ""}.`' in small
    assert '`hint${kind ? ` notes-${kind}` : ""}`' in small
    assert "// a class" not in small


@pytest.mark.parametrize(("source", "found"), [
    ("a = `x`; b = `y ${c} z`;", ["`x`", "`y ${c} z`"]),
    ("a = `x ${f({k: `in ${g}`})} y`;", ["`x ${f({k: `in ${g}`})} y`"]),
    ("a = '`'; b = \"`\"; c = `real`;", ["`real`"]),
    ("// a `comment`\n/* `another` */ c = `real`;", ["`real`"]),
    ("a = /`[`/]/g.test(s); b = `real`;", ["`real`"]),   # a regular expression
    ("a = x / 2; b = `real` / 2;", ["`real`"]),          # divisions
    ("return /'/.test(s) ? `q` : '';", ["`q`"]),         # after a keyword: a regex
    ("a = `\\` ${b} \\${c}`;", ["`\\` ${b} \\${c}`"]),  # escapes
])
def test_the_scanner_finds_the_outermost_template_literals(source: str, found: list[str]
                                                           ) -> None:
    assert templates(source) == found


@pytest.mark.parametrize("source", ["a = `open", "a = `x ${b", "a = 'open\n", "/* open"])
def test_a_script_the_scanner_cannot_follow_is_refused(source: str) -> None:
    with pytest.raises(ValueError):
        outermost_templates(source)


def test_every_script_served_keeps_each_template_literal_as_written() -> None:
    for name, asset in assets.assets().items():
        if name.endswith(".js"):
            source, _ = bundle(name, assets._read)
            assert templates(asset.body) == templates(source), name
            assert len(asset.body) < len(source)
