"""An import inside a function says why it is not at the top (issue 15).

Every ``import`` in a function or method under ``src/attune`` has a comment on its own line or
on the line just above it; a run of such imports one after another shares the comment above the
first (as pretalx checks its PLC0415 exceptions). Inline imports whose reason nobody could tell
yet are listed in ``NO_REASON_YET``; the list only shrinks: an entry that has gained a comment or
is gone fails the test too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import attune

SRC = Path(attune.__file__).parent

# (file under src/attune, the import line) -> what is known. Give each one its reason (or move
# it to the top) and remove it here.
NO_REASON_YET: dict[tuple[str, str], str] = {}


def inline_imports() -> list[tuple[str, int, str, bool]]:
    """(file, line, import line, has a reason) for every import inside a function."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        seen: set[int] = set()
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.Import | ast.ImportFrom) or node.lineno in seen:
                    continue
                seen.add(node.lineno)
                found.append(
                    (
                        str(path.relative_to(SRC)),
                        node.lineno,
                        lines[node.lineno - 1].strip(),
                        has_reason(lines, node.lineno - 1),
                    )
                )
    return found


def has_reason(lines: list[str], index: int) -> bool:
    """A comment on the import's line or just above it; above a run of imports, for all of it.
    (A multi-line import's own later lines are not looked at: put the comment above it.)"""
    if "#" in lines[index]:
        return True
    above = index - 1
    while above >= 0 and lines[above].strip().startswith(("import ", "from ")):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def test_every_inline_import_says_why():
    found = inline_imports()
    without = {(path, line) for path, _, line, ok in found if not ok}
    print(
        f"\ninline imports: {len(found)} in functions under src/attune, "
        f"{len(found) - len(without)} with a reason, {len(without)} listed without one"
    )
    for path, number, line, ok in found:
        if not ok and (path, line) not in NO_REASON_YET:
            print(f"  {path}:{number}: {line}")
    missing = sorted(without - NO_REASON_YET.keys())
    stale = sorted(NO_REASON_YET.keys() - without)
    assert missing == [], f"say why, on the import's line or the line above: {missing}"
    assert stale == [], f"these have a reason now or are gone, unlist them: {stale}"


def test_a_comment_above_a_run_of_imports_covers_it():
    lines = ["def f():", "    # scikit-learn is optional", "    import a", "    import b", "    x"]
    assert has_reason(lines, 2) and has_reason(lines, 3)
    assert not has_reason(["def f():", "    import a"], 1)
