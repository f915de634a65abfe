"""The engine is a functional core: importing all of it pulls in no Django."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import attune.engine

ENGINE_DIR = Path(attune.engine.__file__).parent


def test_no_engine_module_imports_django():
    offenders = []
    for path in ENGINE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "django"]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.startswith("attune.") and not n.startswith("attune.engine")
            ]
    assert offenders == []


def test_importing_every_engine_module_loads_no_django():
    modules = [f"attune.engine.{m.name}" for m in pkgutil.iter_modules([str(ENGINE_DIR)])]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
