"""The link name the event type editor suggests for a title (web/static/app-formats.js
`eventTypeSlug`, run in node): the title's Latin spelling, else one made from the
duration, so a title in a script with no Latin spelling never leaves the link empty."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

STATIC = Path(__file__).parents[2] / "chalicelib/web/static"
RUN = """
const [static_, cases] = process.argv.slice(1);
const { eventTypeSlug } = await import(static_ + "/app-formats.js");
const suggested = JSON.parse(cases).map(([title, minutes]) => eventTypeSlug(title, minutes));
console.log(JSON.stringify(suggested));
"""
pytestmark = pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the script")


def suggested(cases: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    out = subprocess.run(["node", "--input-type=module", "-e", RUN, STATIC.as_uri(),
                          json.dumps(cases)], capture_output=True, text=True, timeout=30,
                         check=True, env={"TZ": "UTC", "PATH": "/usr/bin:/bin:/usr/local/bin"})
    return list(json.loads(out.stdout))


def test_a_title_with_a_latin_spelling_gives_its_own_link() -> None:
    assert suggested([("Intro call", "30"), ("Первая встреча", "45")]) == [
        {"slug": "intro-call", "fallback": False}, {"slug": "pervaya-vstrecha", "fallback": False}]


def test_a_title_with_no_latin_spelling_gives_a_link_from_the_duration() -> None:
    assert suggested([("初回相談", "30"), ("استشارة", "45")]) == [
        {"slug": "30-min", "fallback": True}, {"slug": "45-min", "fallback": True}]


def test_a_title_with_no_latin_spelling_and_no_duration_gives_meeting() -> None:
    assert suggested([("初回相談", ""), ("初回相談", "abc")]) == [
        {"slug": "meeting", "fallback": True}] * 2


def test_an_empty_title_suggests_nothing_yet() -> None:
    assert suggested([("", "30"), ("   ", "30")]) == [{"slug": "", "fallback": False}] * 2
