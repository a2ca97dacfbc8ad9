"""Imports point inward: every arrow between Waybill's layers runs the way the layers go.

domain <- services <- adapters and queries <- entry points (api, sync, web, realtime) <- wiring.
- the domain imports only itself (tests/unit/domain/test_domain_is_plain.py also keeps frameworks out);
- services import the domain and each other, never an adapter, a query or an entry point;
- adapters and queries never import services or entry points;
- entry points reach writes through the bus and reads through queries: no adapter, no table, no unit of
  work; api and sync do not import each other (what both need lives in the shared edge, backend/edge);
- only the wiring (the app factory, bootstrap, cli, serve, demo) plugs adapters in.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "backend"

ENTRY_POINTS = {"api", "sync", "web", "realtime"}
WIRING = {"__init__", "bootstrap", "cli", "serve", "demo"}
# Modules anyone may import: settings and the unbound extension objects.
BASE = {"config", "extensions"}
# backend/<name>.py modules outside the packages, by the layer they belong to.
TOP_LEVEL = {"identity": "edge", "bodies": "edge", "health": "entry:health", "passwords": "adapters",
             "accounts": "accounts", "sessions": "accounts", "sign_in": "accounts", "security_log": "accounts",
             "throttle": "accounts", "tokens": "accounts"}


def layer_of(module: str) -> str:
    """The layer of a dotted module name under `backend`."""
    parts = module.split(".")
    if parts == ["backend"]:
        return "wiring"
    name = parts[1]
    if name in ("domain", "services", "adapters", "queries", "edge"):
        return name
    if name in ENTRY_POINTS:
        return f"entry:{name}"
    if name in WIRING:
        return "wiring"
    if name in BASE:
        return "base"
    return TOP_LEVEL.get(name, f"unknown:{name}")


# Which layers each layer may import (its own layer and the base always).
MAY_IMPORT = {
    "domain": set(),
    "services": {"domain"},
    "adapters": {"domain"},
    "queries": {"domain", "adapters"},
    "edge": {"domain", "queries", "accounts"},
    "accounts": {"domain", "adapters"},
}
ENTRY_MAY_IMPORT = {"domain", "queries", "edge", "wiring", "accounts"}
# Of the wiring, an entry point takes only the bus accessor.
ENTRY_WIRING = {"backend.bootstrap"}


def imports_of(source: str, path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every `backend` import in `source`, read as the file `path`."""
    package = list(path.relative_to(ROOT).parent.parts)
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]  # level 1 is the file's own package
            prefix = ".".join(base + ([node.module] if node.module else []))
            # `from .. import x` may import a module x of that package: name it as such.
            found += ([(node.lineno, prefix)] if node.module else
                      [(node.lineno, f"{prefix}.{alias.name}") for alias in node.names])
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name == "backend" or name.startswith("backend.")]


def module_of(path: Path) -> str:
    """backend/api/__init__.py -> backend.api; backend/web/floor.py -> backend.web.floor."""
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def allowed(source: str, target: str, name: str) -> bool:
    """May a module of layer `source` import `name` (of layer `target`)?"""
    if target in ("base", source) or source == "wiring":
        return True
    if source.startswith("entry:"):
        return target in ENTRY_MAY_IMPORT and (target != "wiring" or name in ENTRY_WIRING)
    return target in MAY_IMPORT.get(source, set())


def wrong_way(path: Path, source: str | None = None) -> list[str]:
    """Each import of `path` (or of `source` read as that file) that runs against the layers, named."""
    layer = layer_of(module_of(path))
    text = path.read_text() if source is None else source
    return [f"{path.relative_to(ROOT)}:{line} imports {name} ({layer} -> {layer_of(name)})"
            for line, name in imports_of(text, path) if not allowed(layer, layer_of(name), name)]


def backend_files() -> list[Path]:
    return sorted(BACKEND.rglob("*.py"))


def test_every_module_of_backend_has_a_known_layer():
    unknown = [str(p.relative_to(ROOT)) for p in backend_files() if layer_of(module_of(p)).startswith("unknown")]
    assert unknown == []


def test_no_import_runs_the_wrong_way():
    assert [arrow for path in backend_files() for arrow in wrong_way(path)] == []


# The checker itself: each forbidden arrow is caught, each allowed one passes (read as if in that file).
@pytest.mark.parametrize("file, source, caught", [
    ("domain/orders.py", "from ..adapters import tables", True),
    ("services/orders.py", "from ..adapters.order_repository import OrderRepository", True),
    ("services/orders.py", "from ..api import orders", True),
    ("adapters/order_repository.py", "from ..services import orders", True),
    ("queries/orders.py", "from ..web import orders", True),
    ("api/orders.py", "from ..adapters.tables import orders", True),
    ("api/orders.py", "from ..services.unit_of_work import SqlAlchemyUnitOfWork", True),
    ("web/floor.py", "from ..adapters.tables import stock_levels", True),
    ("api/__init__.py", "from ..sync import api", True),
    ("sync/api.py", "from ..api.schemas import Text", True),
    ("web/driver.py", "from ..sync.blobs import storage", True),
    ("realtime/socket.py", "import backend.adapters.records", True),
    ("api/orders.py", "from ..cli import main", True),
    ("api/orders.py", "from ..bootstrap import bus", False),
    ("api/orders.py", "from ..queries.orders import list_orders", False),
    ("api/orders.py", "from ..domain import commands", False),
    ("sync/api.py", "from ..edge.problems import problem", False),
    ("services/orders.py", "from ..domain.orders import Order", False),
    ("adapters/order_repository.py", "from ..domain.orders import Order", False),
    ("queries/orders.py", "from ..adapters.tables import orders", False),
    ("bootstrap.py", "from .adapters import sqlite", False),
])
def test_the_check_names_an_import_that_runs_the_wrong_way(file, source, caught):
    arrows = wrong_way(BACKEND / file, source)
    assert bool(arrows) is caught, arrows
