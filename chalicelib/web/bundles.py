"""One script per page: an entry ES module with its relative imports inlined, no build step.

Each module imported (transitively) from the entry appears once, dependencies first (the
order the browser would evaluate them), inside its own function scope so top-level
names of different modules cannot collide:

    const __mod_clock = (() => {
    <clock.js, `export ` removed>
    return { dayLabel, timeLabel };
    })();

and in a module that imports it, `import { dayLabel, timeLabel as t } from "./clock.js";`
becomes `const { dayLabel, timeLabel: t } = __mod_clock;`. The entry comes last, in
the same kind of scope. The result still loads as `<script type="module">` (deferred,
strict).

Supported: `import { a, b as c } from "./x.js";` (may span lines) and
`export const|function|async function|function*|class name` at the start of a line,
one name per `export const`. Anything else that is an import or export (default,
namespace, `export { }`, `export let`, bare or dynamic imports, `import.meta`, cycles)
raises BundleError when the bundle is built, rather than emitting broken JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_IMPORT = re.compile(
    r"""^import[ \t]*\{(?P<names>[^}]*)\}\s*from\s*(?P<q>["'])\./(?P<file>[\w-]+\.js)(?P=q)"""
    r"""[ \t]*;?[ \t]*$""", re.MULTILINE)
_EXPORT = re.compile(r"^export[ \t]+(?=(?:async[ \t]+)?function\b[ \t]*\*?[ \t]*([\w$]+)"
                     r"|class[ \t]+([\w$]+)|const[ \t]+([\w$]+)[ \t]*=)", re.MULTILINE)
_SPEC = re.compile(r"^([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$")
# What is left after the supported forms are rewritten must not mention these.
_REFUSED = re.compile(r"^[ \t]*(?:import|export)\b|\bimport[ \t]*[(.]", re.MULTILINE)

Read = Callable[[str], str]


class BundleError(ValueError):
    """A module uses an import/export form the bundler does not support."""


def _var(name: str) -> str:
    return "__mod_" + re.sub(r"\W", "_", name.removesuffix(".js"))


def _module(name: str, source: str) -> tuple[str, list[str], list[tuple[str, set[str]]]]:
    """(body with imports and exports rewritten, names it exports, what it imports)."""
    if "__mod_" in source:
        raise BundleError(f"{name}: the prefix __mod_ is reserved for the bundler")
    imports: list[tuple[str, set[str]]] = []

    def rewrite_import(match: re.Match[str]) -> str:
        specs, names = [], set()
        for spec in filter(None, (s.strip() for s in match["names"].split(","))):
            parts = _SPEC.match(spec)
            if not parts:
                raise BundleError(f"{name}: unsupported import specifier {spec!r}")
            specs.append(f"{parts[1]}: {parts[2]}" if parts[2] else parts[1])
            names.add(parts[1])
        imports.append((match["file"], names))
        return f"const {{ {', '.join(specs)} }} = {_var(match['file'])};"

    exports: list[str] = []

    def strip_export(match: re.Match[str]) -> str:
        exports.append(next(n for n in match.groups() if n))
        return ""

    body = _EXPORT.sub(strip_export, _IMPORT.sub(rewrite_import, source))
    refused = _REFUSED.search(body)
    if refused:
        line = body.count("\n", 0, refused.start()) + 1
        text = body[refused.start():].split("\n", 1)[0].strip()
        raise BundleError(f"{name}: unsupported import/export near line {line}: {text!r}")
    return body, exports, imports


def bundle(entry: str, read: Read) -> tuple[str, list[str]]:
    """The entry's bundle, and the modules in it (dependencies first, entry last)."""
    parts: list[str] = []
    exported: dict[str, list[str]] = {}
    variables: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise BundleError(f"import cycle: {' -> '.join((*path, name))}")
        if name in exported:
            return
        var = _var(name)
        if variables.setdefault(var, name) != name:
            raise BundleError(f"{name} and {variables[var]} would share the name {var}")
        body, exports, imports = _module(name, read(name))
        for dep, names in imports:
            visit(dep, (*path, name))
            missing = names - set(exported[dep])
            if missing:
                raise BundleError(f"{name} imports {sorted(missing)} that {dep} does not export")
        exported[name] = exports
        head = "(() => {" if not path else f"const {var} = (() => {{"
        tail = "})();" if not path else f"return {{ {', '.join(exports)} }};\n}})();"
        parts.append(f"// ./{name}\n{head}\n{body.strip()}\n{tail}\n")

    visit(entry, ())
    return "\n".join(parts), list(exported)

