"""pre-commit runs the static checks of ``make lint`` (issue 15: "pre-commit with ruff and the
same checks as make test; a working make lint")."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def hook_entries() -> list[str]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return [hook["entry"] for repo in config["repos"] for hook in repo["hooks"]]


def lint_commands(target: str = "lint") -> list[str]:
    """The recipe of ``make lint``, with ``$(BIN)/`` as ``.venv/bin/`` and without make's ``@``;
    a line that runs another target (``$(MAKE) --no-print-directory types``) stands for that
    target's recipe."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = lines.index(next(line for line in lines if line.startswith(f"{target}:")))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        command = line.strip().lstrip("@").replace("$(BIN)/", ".venv/bin/")
        if command.startswith("$(MAKE) --no-print-directory "):
            for other in command.split()[2:]:
                recipe += lint_commands(other)
        else:
            recipe.append(command)
    return recipe


def test_every_check_of_make_lint_is_a_hook():
    entries = hook_entries()
    commands = lint_commands()
    assert len(commands) >= 4
    for command in commands:
        if command == ".venv/bin/python tests/test_typing.py":
            continue  # prints the typing figure; the same file runs as a test in a hook
        # A hook is given the changed files: the paths make lint names are left to it.
        words = command.replace(" src tests benchmarks stubs", "").split()
        assert any(entry.split()[: len(words)] == words for entry in entries), command
    # as tests/test_migrations.py in make test
    assert ".venv/bin/attune makemigrations --check --dry-run" in entries


def test_the_configuration_is_valid():  # pre-commit is in the dev extra (make install-dev)
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "pre-commit"), "validate-config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
