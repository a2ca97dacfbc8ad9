"""The domain is plain Python: no web framework, ORM, schema library or outer layer of Waybill."""
import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[3] / "backend" / "domain"
FORBIDDEN_TOP = {"flask", "sqlalchemy", "marshmallow", "flask_sqlalchemy", "flask_socketio", "werkzeug",
                 "psycopg"}


def _package_of(path: Path, root: Path) -> list[str]:
    """Dotted package of a module file, e.g. backend/domain/x.py -> ['backend', 'domain']."""
    return list(path.relative_to(root).parent.parts)


def imported_modules(source: str, package: list[str]) -> list[str]:
    """Absolute names of every module a source imports; relative imports are resolved against `package`."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]  # level 1 is the package itself
                prefix = ".".join(base + ([node.module] if node.module else []))
                # `from .. import x` may import a sibling package, so name each imported module too
                names.extend([prefix] if node.module else [f"{prefix}.{a.name}" for a in node.names])
            else:
                names.append(node.module)
    return names


def violations(source: str, package: list[str]) -> list[str]:
    """Imports that would tie the domain to a framework or to an outer layer."""
    bad = []
    for name in imported_modules(source, package):
        top = name.split(".")[0]
        if top in FORBIDDEN_TOP or top.startswith("flask_"):
            bad.append(name)
        elif top == "backend" and not (name == "backend.domain" or name.startswith("backend.domain.")):
            bad.append(name)
    return bad


def domain_files():
    return sorted(DOMAIN.rglob("*.py"))


def test_the_domain_package_has_modules_to_check():
    assert len(domain_files()) >= 5


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: p.name)
def test_a_domain_module_imports_no_framework_and_no_outer_layer(path):
    assert violations(path.read_text(), _package_of(path, DOMAIN.parents[1])) == []


@pytest.mark.parametrize("source", [
    "import flask",
    "from sqlalchemy.orm import relationship",
    "import marshmallow as ma",
    "from werkzeug.exceptions import NotFound",
    "import psycopg",
    "from flask_socketio import emit",
    "from backend.adapters import tables",
    "from ..services import orders",
    "from .. import extensions",
    "def f():\n    import flask_sqlalchemy",
], ids=["flask", "sqlalchemy", "marshmallow", "werkzeug", "psycopg", "socketio", "absolute-adapter",
        "relative-service", "relative-sibling", "nested-import"])
def test_the_check_catches_a_forbidden_import(source):
    assert violations(source, ["backend", "domain"]) != []


@pytest.mark.parametrize("source", [
    "from .errors import DomainError",
    "from backend.domain.money import Money",
    "from . import events",
    "import math\nfrom dataclasses import dataclass",
])
def test_the_check_allows_the_standard_library_and_the_domain_itself(source):
    assert violations(source, ["backend", "domain"]) == []
