"""docs/deployment.md's "A production install" and scripts/deploy_check.sh (which CI runs
against PostgreSQL) say the same: the same attune commands in the same order, the same
environment. The script itself is run by .ci/run, not here (it builds a venv: ~40 s)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "docs" / "deployment.md").read_text()
SCRIPT = (ROOT / "scripts" / "deploy_check.sh").read_text()


def install_block() -> list[str]:
    section = DOCS.split("## A production install", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    lines = [line.split(" #", 1)[0].rstrip() for line in block.splitlines()]
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


def attune_commands(lines: list[str]) -> list[str]:
    """`attune …` where attune is the command run (after any VAR=value assignments)."""
    found = []
    for line in lines:
        words = line.strip().rstrip("\\").split()
        while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
            words = words[1:]
        if words[:1] == ["attune"]:
            args = [w for w in words[1:] if not w.startswith((">", "|", "2>"))]
            found.append(" ".join(["attune", *args]).split(" ||")[0])
    return found


def test_the_docs_list_the_checked_steps_in_order():
    assert attune_commands(install_block()) == [
        "attune migrate --noinput",
        "attune collectstatic --noinput",
        "attune createsuperuser --noinput",
        "attune check --deploy --fail-level WARNING",
        "attune serve",
    ]


def test_the_script_runs_the_documented_commands_in_the_same_order():
    position = 0
    for command in attune_commands(install_block()):
        found = SCRIPT.find(command, position)
        assert found > position, (
            f"{command!r} is not in scripts/deploy_check.sh after the step before"
        )
        position = found


def test_the_script_sets_every_documented_variable():
    block = "\n".join(install_block())
    exported = re.findall(r"^\s*(?:export\s+)?([A-Z][A-Z_]+)=", block, flags=re.M)
    assert {"DJANGO_ENV", "SECRET_KEY", "DATABASE_URL", "CACHE_URL"} <= set(exported)
    script_env = SCRIPT.split("export DJANGO_ENV=production", 1)[1].split("\n\n", 1)[0]
    for name in exported:
        if name in {"DJANGO_SUPERUSER_EMAIL", "DJANGO_SUPERUSER_PASSWORD", "HOST", "PORT", "PATH"}:
            assert f"{name}=" in SCRIPT, name
        elif name != "DJANGO_ENV":
            assert re.search(rf"\b{name}\b", script_env), f"the script does not export {name}"


def test_ci_runs_the_script_against_postgresql():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/deploy_check.sh" in ci
    # The script makes its own PostgreSQL database and points the install at it.
    assert 'DATABASE_URL="postgres://$DB@127.0.0.1:5432/$DB"' in SCRIPT
