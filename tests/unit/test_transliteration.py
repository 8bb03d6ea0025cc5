"""The link suggested from a name, on both sides: the server's for an account a Google or
Microsoft sign-in makes (domain/hosts.py slug_suggestion, through
domain/transliteration.py) and the sign-up form's (web/static/app-formats.js `slugify`,
run in node). The two hold the same table; the same names give the same link."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from chalicelib.domain.hosts import slug_suggestion

STATIC = Path(__file__).parents[2] / "chalicelib/web/static"
RUN = """
const [static_, names] = process.argv.slice(1);
const { slugify } = await import(static_ + "/app-formats.js");
console.log(JSON.stringify(JSON.parse(names).map((name) => slugify(name))));
"""
needs_node = pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")

SPELLED = [
    ("Jürgen Groß", "jurgen-gross"),
    ("Łucja Øvergaard", "lucja-overgaard"),
    ("Олена Петренко", "olena-petrenko"),
    ("Юрий Щукин", "yurii-shchukin"),
    ("Đorđe Đoković", "dorde-dokovic"),
    ("Љиљана Ђорђевић", "ljiljana-djordjevic"),
    ("Γιώργος Παπαδόπουλος", "giorgos-papadopoulos"),
    ("ΣΩΚΡΑΤΗΣ", "sokratis"),
    ("Ada.Lovelace+x", "ada-lovelace-x"),
]
NO_LATIN_SPELLING = ["山田 太郎", "محمد", "김민준", "שרה", "+"]


def slugified(names: list[str]) -> list[str]:
    out = subprocess.run(["node", "--input-type=module", "-e", RUN, STATIC.as_uri(),
                          json.dumps(names)], capture_output=True, text=True, timeout=30,
                         check=True, env={"TZ": "UTC", "PATH": "/usr/bin:/bin:/usr/local/bin"})
    return list(json.loads(out.stdout))


@pytest.mark.parametrize(("name", "link"), SPELLED)
def test_the_server_spells_cyrillic_and_greek_names_in_latin_letters(name: str,
                                                                      link: str) -> None:
    assert slug_suggestion(name) == link


@pytest.mark.parametrize("name", NO_LATIN_SPELLING)
def test_the_server_falls_back_to_host_for_a_name_with_no_latin_spelling(name: str) -> None:
    # An account a sign-in makes needs a link at once: "host" (a suffix if taken).
    assert slug_suggestion(name) == "host"


@needs_node
def test_the_sign_up_form_spells_names_as_the_server_does() -> None:
    assert slugified([name for name, _ in SPELLED]) == [link for _, link in SPELLED]


@needs_node
def test_the_sign_up_form_suggests_no_link_for_a_name_with_no_latin_spelling() -> None:
    # Empty, for the form to say so and offer the e-mail's (app-password-forms.js).
    assert slugified(NO_LATIN_SPELLING) == [""] * len(NO_LATIN_SPELLING)
