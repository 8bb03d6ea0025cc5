"""The serve-time bundler: an entry ES module with its relative imports inlined."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from chalicelib.web import assets
from chalicelib.web.bundles import BundleError, bundle

FILES = {
    "clock.js": 'export const pad = (n) => String(n).padStart(2, "0");\n'
                "const label = 'clock';\nexport function hour(h) { return pad(h); }\n",
    "api.js": 'import { pad } from "./clock.js";\nconst label = "api";\n'
              "export class Api { id() { return pad(1) + label; } }\n",
    "page.js": 'import { Api } from "./api.js";\n'
               'import {\n  hour as h, pad,\n} from "./clock.js";\n'
               "const label = 'page';\nconsole.log(new Api().id(), h(3), pad(4), label);\n",
}


def build(entry: str = "page.js", **changed: str) -> str:
    files = {**FILES, **changed}
    return bundle(entry, files.__getitem__)[0]


def test_imports_are_inlined_once_dependencies_first() -> None:
    text, modules = bundle("page.js", FILES.__getitem__)

    assert modules == ["clock.js", "api.js", "page.js"]
    assert text.count("const __mod_clock = ") == 1
    assert text.index("__mod_clock = ") < text.index("__mod_api = ") < text.index("// ./page.js")
    assert "const { hour: h, pad } = __mod_clock;" in text
    assert "return { pad, hour };" in text
    assert not re.search(r"^\s*(import|export)\b", text, re.MULTILINE)


def test_same_top_level_names_in_different_modules_cannot_collide() -> None:
    text = build()

    # every module declares `label`; each lives in its own function scope
    assert text.count("const label") == 3
    assert text.count("(() => {") == 3


@pytest.mark.skipif(not shutil.which("node"), reason="needs node to run the bundle")
def test_the_bundle_runs_as_one_module() -> None:
    out = subprocess.run(["node", "--input-type=module", "-e", build()], capture_output=True,
                         text=True, check=True)

    assert out.stdout.strip() == "01api 03 04 page"


@pytest.mark.parametrize("source", [
    'import clock from "./clock.js";\n',
    'import * as clock from "./clock.js";\n',
    'import "./clock.js";\n',
    'import { pad } from "https://cdn.example.com/clock.js";\n',
    'const later = import("./clock.js");\n',
    "console.log(import.meta.url);\n",
    "export default 1;\n",
    "const a = 1;\nexport { a };\n",
    "export let counter = 0;\n",
    'export * from "./clock.js";\n',
    "const { pad: __mod_clock } = {};\n",
])
def test_unsupported_module_syntax_is_refused(source: str) -> None:
    with pytest.raises(BundleError):
        build(**{"page.js": source})


def test_an_import_of_a_name_not_exported_is_refused() -> None:
    with pytest.raises(BundleError, match="does not export"):
        build(**{"page.js": 'import { missing } from "./clock.js";\n'})


def test_an_import_cycle_is_refused() -> None:
    with pytest.raises(BundleError, match="cycle"):
        build(**{"clock.js": 'import { Api } from "./api.js";\nexport const pad = 1;\n'})


def test_the_hash_changes_when_a_dependency_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    before = assets.assets()["booking.js"].hashed
    real = assets._read
    monkeypatch.setattr(assets, "_read", lambda name: real(name) + (
        "\nconst changed = 1;\n" if name == "clock.js" else ""))
    assets.assets.cache_clear()
    try:
        after = assets.assets()
        assert after["booking.js"].hashed != before
        assert after["booking.js"].hashed.startswith("booking.")
    finally:
        monkeypatch.undo()
        assets.assets.cache_clear()
        assets._find.cache_clear()


def test_every_page_script_in_static_bundles() -> None:
    built = assets.assets()

    for entry in ("booking.js", "manage.js", "app.js"):
        assert built[entry].parts[-1] == entry
