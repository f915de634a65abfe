"""``mypy --strict`` covers all of src/attune; why each ``type: ignore`` is there (issue 15).

``make test`` (beside the tests) and ``make lint`` run ``make types``: ``mypy --strict
src/attune`` and then this file as a script, which prints the figure ("mypy --strict: all 350
modules of src/attune"). A module is a ``.py`` file, as mypy counts "source files". (Until
every package passed, a list of the packages that did, ``mypy-strict-packages.txt``, grew
package by package; it went with the last one.)

Every ``# type: ignore`` names its error codes and says why after a second ``#``::

    x = f()  # type: ignore[no-any-return]  # the library returns Any; it is a str

Ignores written before this rule are counted in ``NO_REASON_YET`` per file and error codes; no
file may have more than its count. A count higher than what is left is printed, to be lowered,
but does not fail: other branches type their packages at the same time, and one that removes an
old ignore must not turn the suite red when it is merged.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "attune"

IGNORE = re.compile(r"#\s*type:\s*ignore\b(?P<codes>\[[^\]]*\])?(?P<rest>.*)")
REASON = re.compile(r"^\s+#\s*\S")

# (file under src/attune, the error codes) -> how many ignores there had no reason yet. Each has
# one now; the table stays for a branch that brings an old ignore back (it must not grow).
NO_REASON_YET: dict[tuple[str, str], int] = {}


def modules(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def figure() -> str:
    return f"mypy --strict: all {len(modules(SRC))} modules of src/attune"


def type_ignores() -> list[tuple[str, int, str, bool]]:
    """(file under src/attune, line number, its codes, has codes and a reason) for each ignore."""
    found = []
    for path in modules(SRC):
        text = path.read_text(encoding="utf-8")
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.COMMENT:
                continue
            match = IGNORE.search(token.string)
            if match is None:
                continue
            ok = match["codes"] is not None and REASON.match(match["rest"]) is not None
            codes = (match["codes"] or "[]")[1:-1]
            found.append((str(path.relative_to(SRC)), token.start[0], codes, ok))
    return found


def test_make_test_and_make_lint_check_all_of_src_attune():
    print(f"\n{figure()}")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    mypy_lines = [line.strip() for line in makefile.splitlines() if "/mypy " in line]
    assert mypy_lines == ["$(BIN)/mypy --strict src/attune"]  # in the recipe of `types`
    assert recipe(makefile, "types")[0] == "$(BIN)/mypy --strict src/attune"
    assert "@$(MAKE) --no-print-directory -j2 types pytest-runs" in recipe(makefile, "test")
    assert "@$(MAKE) --no-print-directory types" in recipe(makefile, "lint")


def recipe(makefile: str, target: str) -> list[str]:
    """The lines of a Makefile target's recipe, stripped."""
    lines = makefile.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        body.append(line.strip())
    return body


def test_the_figure_counts_modules():
    assert modules(SRC / "engine" / "__init__.py") == [SRC / "engine" / "__init__.py"]
    assert len(modules(SRC)) > len(modules(SRC / "engine")) > 0


def test_every_type_ignore_says_which_error_and_why():
    found = type_ignores()
    without = Counter((path, codes) for path, _, codes, ok in found if not ok)
    print(
        f"\ntype: ignore: {len(found)} under src/attune, {len(found) - without.total()} with codes "
        f"and a reason, {without.total()} listed without one"
    )
    over = sorted(key for key in without if without[key] > NO_REASON_YET.get(key, 0))
    for path, number, codes, ok in found:
        if not ok and (path, codes) in over:
            print(f"  {path}:{number}: type: ignore[{codes}]")
    for key, count in sorted(NO_REASON_YET.items()):
        if without[key] < count:
            print(
                f"  lower NO_REASON_YET{key} to {without[key]}: an ignore gained a reason or went"
            )
    assert over == [], f"write `# type: ignore[code]  # why` on the new ignores in {over}"


def test_a_reason_follows_the_codes():
    def ok(comment: str) -> bool:
        match = IGNORE.search(comment)
        assert match is not None
        return match["codes"] is not None and REASON.match(match["rest"]) is not None

    assert ok("# type: ignore[misc]  # Django's own pattern; the stubs disagree")
    assert not ok("# type: ignore[misc]")
    assert not ok("# type: ignore  # no code")
    assert not ok("# type: ignore[misc] #")


if __name__ == "__main__":
    print(figure())
