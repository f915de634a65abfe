"""The engine is a functional core, and the apps around it keep to their layers.

The first two tests are the engine's own purity: no engine module imports Django or another
part of Attune, and importing all of it loads no Django.

The rest check the layering written down in ``docs/architecture.md`` (issue 15) on the import
graph of the whole ``attune`` package, built by grimp from the source (every ``import``,
including those inside functions and under ``TYPE_CHECKING``):

- every app belongs to one layer — pure core, shared helpers, data apps, UI apps, wiring — and
  imports only from its own layer or those below it (the pure core imports no Django at all);
- inside a layer the apps are ranked, and an app imports only from apps ranked before it. A
  cycle between apps needs at least one import against that order, so with no such import there
  is no cycle; a new cycle cannot come in without a new entry in ``KNOWN_EXCEPTIONS``.

An import against the order would have to be listed, with why it exists and the issue that
removes it, in ``KNOWN_EXCEPTIONS`` (empty since issue 15, which removed the twenty there were).
The test fails on any import against the order that is not listed, on a listed import that no
longer exists (the list only shrinks), and on any cycle between apps; it prints the app graph it
checked.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from collections import defaultdict
from functools import cache
from pathlib import Path

import grimp

import attune.engine

ENGINE_DIR = Path(attune.engine.__file__).parent
ATTUNE_DIR = ENGINE_DIR.parent


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


# The layers, lowest first; inside each layer the apps in the order they may import each other
# (an app imports only from apps before it). "App" is the first name under ``attune``: a package
# (``attune.care``) or a top-level module (``attune.converters``). See docs/architecture.md.
LAYERS: dict[str, tuple[str, ...]] = {
    # Plain typed Python and numpy: no Django, no other app.
    "pure core": ("engine", "simulation", "analytics", "research", "batch"),
    # Small project-wide helpers with no models: URL converters, id-checking form fields, the
    # visitor's address, response middleware, the typed accessors of Attune's settings, a
    # service's errors on a form, the key ring of sealed fields, the everyday e-mail outbox.
    "shared": (
        "conf",
        "crypto",
        "outbox",
        "converters",
        "record_fields",
        "form_errors",
        "client_address",
        "middleware",
        "db_routers",
    ),
    # Models, services, queries, rules (several also serve their own pages today).
    "data": (
        "accounts",
        "audit",
        "notifications",
        "practice",
        "measures",
        "clientportal",
        "care",
        "alerts",
        "notes",
        "supervision",
        "reminders",
        "matching",
        "directory",
        "integrations",
    ),
    # Pages and HTTP interfaces: views, forms, templates.
    "ui": ("public_pages", "api", "outcomes", "portal", "workspace"),
    # What puts the project together: settings, URLs, the command line, the demo loader.
    "wiring": ("settings", "urls", "wsgi", "cli", "__main__", "demo", "__init__"),
}

# Imports against the order above, each with why it exists and the issue that removes it. Empty
# since issue 15 (there were 20); never add one without a reason and an issue.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


RANK = {app: i for i, app in enumerate(app for apps in LAYERS.values() for app in apps)}
LAYER_OF = {app: layer for layer, apps in LAYERS.items() for app in apps}


@cache
def import_graph() -> grimp.ImportGraph:
    return grimp.build_graph("attune", include_external_packages=True, cache_dir=None)


@cache
def module_imports() -> frozenset[tuple[str, str]]:
    graph = import_graph()
    return frozenset(
        (importer, imported)
        for importer in graph.modules
        if importer.startswith("attune")
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.startswith("attune") and ".migrations" not in importer
    )


def against_the_order() -> set[tuple[str, str]]:
    return {
        (importer, imported)
        for importer, imported in module_imports()
        if RANK[app_of(imported)] > RANK[app_of(importer)]
    }


def app_graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for importer, imported in module_imports():
        if app_of(importer) != app_of(imported):
            edges[app_of(importer)].add(app_of(imported))
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one app (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(app: str) -> None:
        index[app] = low[app] = len(index)
        stack.append(app)
        for other in sorted(edges.get(app, ())):
            if other not in index:
                visit(other)
                low[app] = min(low[app], low[other])
            elif other in stack:
                low[app] = min(low[app], index[other])
        if low[app] == index[app]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == app:
                    break
            if len(component) > 1:
                found.append(sorted(component, key=RANK.__getitem__))

    for app in sorted(edges, key=RANK.__getitem__):
        if app not in index:
            visit(app)
    return found


def test_every_app_has_a_layer():
    apps = {app_of(m) for m in import_graph().modules if m.startswith("attune")}
    assert sorted(apps - set(RANK)) == []


def test_the_architecture_document_names_every_app():
    text = (ATTUNE_DIR.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        app
        for app in RANK
        if app != "__init__" and f"`{app}/`" not in text and f"`{app}.py`" not in text
    ]
    assert missing == []


def test_the_pure_core_imports_no_django():
    graph = import_graph()
    offenders = [
        module
        for module in sorted(graph.modules)
        if module.startswith("attune.") and LAYER_OF[app_of(module)] == "pure core"
        for imported in graph.find_modules_directly_imported_by(module)
        if imported == "django" or imported.startswith("django.")
    ]
    assert offenders == []


def test_imports_keep_to_the_layers_and_the_order():
    found = against_the_order()
    across_layers = {
        pair for pair in found if LAYER_OF[app_of(pair[0])] != LAYER_OF[app_of(pair[1])]
    }
    edges = app_graph()
    print(
        f"\nlayering: {len(module_imports())} imports between attune modules, "
        f"{sum(len(v) for v in edges.values())} between apps; "
        f"{len(found)} against the order ({len(across_layers)} across layers), "
        f"{len(KNOWN_EXCEPTIONS)} known exceptions"
    )
    for app in sorted(edges, key=RANK.__getitem__):
        print(f"  {app} ({LAYER_OF[app]}) -> {', '.join(sorted(edges[app], key=RANK.get))}")
    tied = cycles(edges)
    for component in tied:
        print(f"  tied in a cycle ({len(component)} apps): {', '.join(component)}")
    print(f"  cycles between apps: {len(tied)}")
    new = sorted(found - KNOWN_EXCEPTIONS.keys())
    gone = sorted(KNOWN_EXCEPTIONS.keys() - found)
    assert new == [], f"imports against the layering (docs/architecture.md): {new}"
    assert gone == [], f"these imports are gone, remove them from KNOWN_EXCEPTIONS: {gone}"
    assert tied == [], "apps tied in a cycle (docs/architecture.md)"


def test_without_the_known_exceptions_no_app_cycle_is_left():
    """The order is a real order: once the known exceptions go, no cycle between apps remains."""
    edges: dict[str, set[str]] = defaultdict(set)
    for importer, imported in module_imports() - KNOWN_EXCEPTIONS.keys():
        if app_of(importer) != app_of(imported):
            edges[app_of(importer)].add(app_of(imported))
    assert cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"care": {"alerts"}, "alerts": {"measures"}, "measures": {"care"}}) == [
        ["measures", "care", "alerts"]
    ]
