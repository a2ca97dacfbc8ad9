"""No test module imports another: what tests share lives in fixtures (conftest.py) or helper modules.

A test module imported by another runs its module-level code twice under two names, drags its fixtures
into the importer's namespace, and makes one file's private helpers another's contract.
"""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _module_name(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def _imported(tree: ast.AST, here: str) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in `tree`, relative ones resolved against `here`."""
    found = []
    package = here.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            found.append((node.lineno, base))
            # `from tests.e2e import test_x` imports a test module too.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def offenders(tests_dir: Path = TESTS) -> list[str]:
    """'path:line imports module' for every import of a test module by a test module."""
    root = tests_dir.parent
    modules = {_module_name(p, root) for p in tests_dir.rglob("test_*.py")}
    bad = []
    for path in sorted(tests_dir.rglob("test_*.py")):
        here = _module_name(path, root)
        for line, name in _imported(ast.parse(path.read_text(), str(path)), here):
            if name in modules and name != here:
                bad.append(f"{path.relative_to(root)}:{line} imports {name}")
    return bad


def test_no_test_module_imports_another_test_module():
    assert offenders() == []


def test_the_check_sees_absolute_relative_and_nested_imports(tmp_path):
    package = tmp_path / "tests" / "e2e"
    package.mkdir(parents=True)
    (package / "test_a.py").write_text("def helper():\n    pass\n")
    (package / "test_b.py").write_text("from tests.e2e.test_a import helper\n")
    (package / "test_c.py").write_text("def test_x():\n    from .test_a import helper\n")
    (package / "test_d.py").write_text("from tests.e2e import test_a\n")
    (package / "test_e.py").write_text("from tests.e2e.helpers import helper\n")
    assert offenders(tmp_path / "tests") == [
        "tests/e2e/test_b.py:1 imports tests.e2e.test_a",
        "tests/e2e/test_c.py:2 imports tests.e2e.test_a",
        "tests/e2e/test_d.py:1 imports tests.e2e.test_a"]
