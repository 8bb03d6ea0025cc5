"""Mutation score per module, from the last `make mutate` (mutmut's results in mutants/).

A mutant is a small change to the code (`<` for `<=`, a dropped argument, a constant + 1);
the unit tests kill it when one of them fails. A survivor is either a test that is missing
or an equivalent mutant, a change no caller can tell from the original (listed with the
reason in bench/mutation_equivalents.toml, and left out of the score). Each listed
equivalent is checked against the mutant's changed line: when the code moves on, a stale
entry is reported and counted as a survivor until someone looks at it again.

    python bench/mutation_score.py [--survivors]

Prints killed / survived / equivalent and the score (killed over non-equivalent mutants)
per module and per layer; `--survivors` lists each non-equivalent survivor with its
changed line, the list to work through (`mutmut show NAME` gives the diff). A timeout
counts as killed (the change made the tests hang, which they noticed); a mutant that no
unit test reaches ("no tests", shown on its own) counts against the score like a survivor.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
EQUIVALENTS = ROOT / "bench" / "mutation_equivalents.toml"
# The bar: share of non-equivalent mutants killed, per layer.
GOALS = {"chalicelib/domain": 90.0, "chalicelib/services": 85.0}

KILLED_CODES = {1, 3, 37}                  # a test failed (3: pytest internal error)
TIMEOUT_CODES = {36, 24, -24, 152, 255}    # SIGXCPU / mutmut's own timeout
SURVIVED_CODES = {0}                       # every test that reaches the code passed
NO_TESTS_CODES = {5, 33}                   # no unit test reaches the code at all


@dataclass(frozen=True)
class Equivalent:
    mutant: str
    line: str
    why: str


@dataclass
class Tally:
    killed: int = 0
    survived: int = 0
    no_tests: int = 0
    equivalent: int = 0
    unchecked: int = 0

    def add(self, other: Tally) -> None:
        self.killed += other.killed
        self.survived += other.survived
        self.no_tests += other.no_tests
        self.equivalent += other.equivalent
        self.unchecked += other.unchecked

    @property
    def score(self) -> float | None:
        judged = self.killed + self.survived + self.no_tests
        return None if judged == 0 else 100.0 * self.killed / judged


def load_equivalents() -> dict[str, Equivalent]:
    data = tomllib.loads(EQUIVALENTS.read_text()) if EQUIVALENTS.exists() else {}
    return {e["mutant"]: Equivalent(e["mutant"], e["line"], e["why"])
            for e in data.get("equivalent", [])}


def _functions(source: str) -> dict[str, str]:
    tree = ast.parse(source)
    return {node.name: ast.get_source_segment(source, node) or ""
            for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def changed_line(functions: dict[str, str], mutant: str) -> str:
    """The mutant's changed line(s), stripped: what an equivalence entry is pinned to."""
    name = mutant.rsplit(".", 1)[1]
    orig_name = name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"
    mutated = functions.get(name, "").replace(name, orig_name, 1).splitlines()
    original = functions.get(orig_name, "").splitlines()
    diff = list(difflib.unified_diff(original, mutated, lineterm="", n=0))
    added = [d[1:].strip() for d in diff if d.startswith("+") and not d.startswith("+++")]
    removed = [d[1:].strip() for d in diff if d.startswith("-") and not d.startswith("---")]
    return " | ".join(added) if added else "removed: " + " | ".join(removed)


def tally(equivalents: dict[str, Equivalent]) -> tuple[dict[str, Tally], list[str], list[str]]:
    per_module: dict[str, Tally] = {}
    survivors: list[str] = []
    problems: list[str] = []
    matched: set[str] = set()
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        module = meta.relative_to(MUTANTS).as_posix().removesuffix(".meta")
        codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        functions = _functions((MUTANTS / module).read_text())
        t = per_module.setdefault(module, Tally())
        for mutant, code in sorted(codes.items()):
            if mutant in equivalents:
                matched.add(mutant)
            if code is None:
                t.unchecked += 1
            elif code in KILLED_CODES or code in TIMEOUT_CODES:
                t.killed += 1
                if mutant in equivalents:
                    problems.append(f"listed as equivalent but killed: {mutant}")
            elif code in SURVIVED_CODES or code in NO_TESTS_CODES:
                line = changed_line(functions, mutant)
                known = equivalents.get(mutant)
                if known is not None and known.line == line:
                    t.equivalent += 1
                    continue
                if known is not None:
                    problems.append(f"stale equivalent {mutant}: now `{line}`")
                if code in NO_TESTS_CODES:
                    t.no_tests += 1
                else:
                    t.survived += 1
                survivors.append(f"{mutant}: {line}")
            else:
                t.unchecked += 1  # suspicious, segfault, interrupted: run again
    problems += [f"equivalent entry matches no mutant: {m}"
                 for m in sorted(set(equivalents) - matched)]
    return per_module, survivors, problems


def _row(name: str, t: Tally, goal: float | None = None) -> str:
    score = "-" if t.score is None else f"{t.score:5.1f}%"
    mark = "" if goal is None or t.score is None else (
        f"  (goal {goal:.0f}%: {'met' if t.score >= goal else 'NOT met'})")
    return (f"{name:40} {t.killed:6} {t.survived:8} {t.no_tests:8} {t.equivalent:10} "
            f"{score:>7}{mark}"
            + (f"  [{t.unchecked} not checked]" if t.unchecked else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--survivors", action="store_true",
                        help="list every non-equivalent survivor with its changed line")
    args = parser.parse_args()
    if not any(MUTANTS.rglob("*.py.meta")):
        print("no mutation results in mutants/: `make mutate` runs mutmut first")
        return 0
    per_module, survivors, problems = tally(load_equivalents())
    print(f"{'module':40} {'killed':>6} {'survived':>8} {'no tests':>8} {'equivalent':>10} "
          f"{'score':>7}")
    layers: dict[str, Tally] = defaultdict(Tally)
    for module, t in per_module.items():
        if t.killed + t.survived + t.no_tests + t.equivalent + t.unchecked:
            print(_row(module, t))
            layers[module.rsplit("/", 1)[0]].add(t)
    print()
    for layer, t in sorted(layers.items()):
        print(_row(layer + "/", t, GOALS.get(layer)))
    if args.survivors:
        print("\nsurvivors (not listed as equivalent):")
        print("\n".join(f"  {s}" for s in survivors) or "  none")
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
