"""Every script a precached module imports is precached too: offline, a module whose import is not in the
worker's cache fails to load, and with it the page's whole offline behaviour."""
from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "pwa" / "static"
# `import ... from "./x.js"`, `export ... from "./x.js"` and bare `import "./x.js"`, across line breaks.
STATIC_IMPORT = re.compile(r'^\s*(?:import|export)\b[^;]*?["\'](\.{1,2}/[^"\']+)["\']', re.MULTILINE)


def precached(worker: str) -> set[str]:
    """The /static/ URLs in the worker's PRECACHE list."""
    block = re.search(r"const PRECACHE = \[(.*?)\];", worker, re.DOTALL).group(1)
    return set(re.findall(r'"(/static/[^"]+)"', block))


def imports_of(url: str) -> set[str]:
    """The /static/ URLs a module at `url` imports statically."""
    path = STATIC / url.removeprefix("/static/")
    return {_resolve(url, target) for target in STATIC_IMPORT.findall(path.read_text())}


def _resolve(url: str, target: str) -> str:
    """`target` ("./x.js", "../vendor/y.js") relative to the module at `url`, as a URL path."""
    parts = url.strip("/").split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/" + "/".join(parts)


def missing_imports(worker: str) -> list[str]:
    """'module imports url' for each static import of a precached module that is not precached itself."""
    cached = precached(worker)
    return sorted(f"{url} imports {target}" for url in cached if url.endswith(".js")
                  for target in imports_of(url) if target not in cached)


def test_every_module_a_precached_module_imports_is_precached():
    worker = (STATIC / "js" / "sw.js").read_text()
    assert "/static/js/commandlog_store.js" in precached(worker)  # the parsing finds the list
    assert missing_imports(worker) == []


def test_the_check_sees_a_module_left_out_of_the_list():
    worker = (STATIC / "js" / "sw.js").read_text().replace('  "/static/js/commandlog_store.js",\n', "")
    assert "/static/js/commandlog.js imports /static/js/commandlog_store.js" in missing_imports(worker)
