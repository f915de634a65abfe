"""How much of src/attune passes ``mypy --strict``; why each ``type: ignore`` is there (issue 15).

``mypy-strict-packages.txt`` names the packages that pass; ``make test`` and ``make lint`` run
``mypy --strict`` over exactly those and then this file as a script, which prints the figure
("mypy --strict: 143 of 331 modules"). A module is a ``.py`` file, as mypy counts "source files".

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
STRICT_LIST = ROOT / "mypy-strict-packages.txt"

IGNORE = re.compile(r"#\s*type:\s*ignore\b(?P<codes>\[[^\]]*\])?(?P<rest>.*)")
REASON = re.compile(r"^\s+#\s*\S")

# (file under src/attune, the error codes) -> how many ignores there have no reason yet. Give each
# a reason (or fix the type) and lower the count here.
NO_REASON_YET: dict[tuple[str, str], int] = {
    ("alerts/evaluation.py", "call-overload"): 1,
    ("alerts/models.py", "misc"): 1,
    ("care/referral_history.py", "attr-defined"): 1,
    ("engine/research_cli.py", "import-untyped"): 3,
    ("measures/admin.py", "no-untyped-def"): 2,
    ("record_fields.py", "type-arg"): 2,
    ("research/__init__.py", "import-untyped"): 1,
    ("urls.py", "method-assign"): 1,
    ("workspace/charts.py", "attr-defined"): 1,
    ("workspace/charts.py", "index"): 1,
    ("workspace/charts.py", "union-attr"): 1,
    ("workspace/report.py", "arg-type"): 1,
    ("workspace/report.py", "attr-defined"): 2,
    ("workspace/report.py", "index"): 1,
}


def strict_entries() -> list[str]:
    """The paths listed in mypy-strict-packages.txt, as written (comments and blanks skipped)."""
    lines = STRICT_LIST.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def modules(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def coverage() -> tuple[int, int]:
    """(modules under the listed paths, modules under src/attune)."""
    covered = {module for entry in strict_entries() for module in modules(ROOT / entry)}
    return len(covered), len(modules(SRC))


def figure() -> str:
    covered, total = coverage()
    return (
        f"mypy --strict: {covered} of {total} modules under src/attune "
        f"({100 * covered / total:.0f}%), {len(strict_entries())} paths in {STRICT_LIST.name}"
    )


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


def test_the_strict_list_names_packages_of_attune():
    entries = strict_entries()
    print(f"\n{figure()}")
    assert entries, "the list is empty"
    assert len(set(entries)) == len(entries), "a path is listed twice"
    for entry in entries:
        path = (ROOT / entry).resolve()
        assert path.exists(), f"{entry} does not exist"
        assert path.is_relative_to(SRC), f"{entry} is not under src/attune"
    for entry in entries:
        inside = [other for other in entries if other != entry and other.startswith(entry + "/")]
        assert inside == [], f"{inside} are inside {entry}, already listed"


def test_make_test_and_make_lint_check_the_list():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    mypy_lines = [line.strip() for line in makefile.splitlines() if "/mypy " in line]
    assert mypy_lines == ["$(BIN)/mypy --strict $(MYPY_STRICT)"] * 2
    assert "MYPY_STRICT := $(shell grep -v '^\\#' mypy-strict-packages.txt)" in makefile


def test_the_figure_counts_modules():
    covered, total = coverage()
    engine = len(modules(SRC / "engine"))
    assert engine <= covered < total
    assert modules(SRC / "engine" / "__init__.py") == [SRC / "engine" / "__init__.py"]


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
