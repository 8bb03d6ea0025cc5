"""An API error's message in the page's words (web/static/error-words.js `inWords`, run
in node): the field's path the API starts its message with becomes the field's label."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

STATIC = Path(__file__).parents[2] / "chalicelib/web/static"
RUN = """
const [static_, cases] = process.argv.slice(1);
const { inWords } = await import(static_ + "/error-words.js");
console.log(JSON.stringify(JSON.parse(cases).map(([m, f, l]) => inWords(m, f, l))));
"""
needs_node = pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")


def in_words(*cases: tuple[str, str | None, str | None]) -> list[str]:
    out = subprocess.run(["node", "--input-type=module", "-e", RUN, STATIC.as_uri(),
                          json.dumps(cases)], capture_output=True, text=True, timeout=30,
                         check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


@needs_node
def test_the_fields_path_becomes_its_label() -> None:
    said = in_words(
        ("attendee.name must not contain control characters such as line breaks or NUL",
         "attendee.name", "Your name"),
        ("questions.1: a choice question (select) needs at least one option to choose",
         "questions.1.options", "Question 2"),
        ("key_secret is not in the expected format", "key_secret", "Key secret"))
    assert said == [
        "Your name must not contain control characters such as line breaks or NUL",
        "Question 2: a choice question (select) needs at least one option to choose",
        "Key secret is not in the expected format"]


@needs_node
def test_a_message_that_names_no_field_or_another_is_kept_as_it_is() -> None:
    kept = ["this slug is taken", "links.0.url must be a web address",
            "attendee.email must be an e-mail address"]
    said = in_words((kept[0], "slug", "Your link"), (kept[1], None, "Links"),
                    (kept[2], "attendee.name", "Your name"))
    assert said == kept
