"""Static files under content-hashed names, cached for a year and sent compressed.

`url_for('static', filename='js/app.js')` gives `/static/js/app.<hash>.js`. The hash covers the file
and, for an ES module, every module it imports (directly or further down), and the relative imports
inside a module are rewritten to the hashed names: a changed module gives new URLs to itself and to
everything that imports it, and nothing else. A hashed URL never changes its content, so it is
served `immutable` for a year; a deploy that changes a file changes its URL.

The plain name (`/static/js/app.js`) still answers, revalidated on every use, for what cannot know
the hash (a notification icon, code typed in a console). For an ES module it answers a one-line
module that re-exports the hashed one, so a page that imports both names still runs one instance
(one command log, one session). Any other name is a 404.
"""
from __future__ import annotations

import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, current_app, request

from .compression import compressed_variant, negotiated_encoding

# `from "./x.js"`, `import "./x.js"`, `import("./x.js")` (also `export ... from`), relative targets only.
RELATIVE_IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])(\.{1,2}/[^"'\n]+?)\2""")
HASH_LENGTH = 12
YEAR = 31536000
HASHED_CACHE_CONTROL = f"public, max-age={YEAR}, immutable"
PLAIN_CACHE_CONTROL = "no-cache"  # may be kept, but asked about again before each use


@dataclass(frozen=True)
class Asset:
    """One static file as served: its bytes (imports rewritten), type and hashed name."""
    name: str
    hashed_name: str
    body: bytes
    mimetype: str
    is_module: bool
    has_default_export: bool


class AssetManifest:
    """Every file of the static folder, hashed and rewritten, built once per process."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        raw = {path.relative_to(self.folder).as_posix(): path.read_bytes()
               for path in sorted(self.folder.rglob("*")) if path.is_file()}
        imports = {name: _relative_imports(name, body) for name, body in raw.items() if _is_module(name)}
        digests = {name: _digest(name, raw, imports) for name in raw}
        hashed = {name: _hashed(name, digest) for name, digest in digests.items()}
        self.assets: dict[str, Asset] = {}
        for name, body in raw.items():
            module = name in imports
            if module:
                body = _rewrite_imports(name, body, hashed)
            mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if mimetype == "text/javascript":
                mimetype = "application/javascript"  # one type for every script, as Flask's static files had
            self.assets[name] = Asset(name, hashed[name], body, mimetype, module,
                                      module and re.search(rb"\bexport\s+default\b", body) is not None)
        self.by_hashed = {asset.hashed_name: asset for asset in self.assets.values()}

    def url_name(self, name: str) -> str:
        """The hashed name of a static file, or the name itself when there is no such file."""
        asset = self.assets.get(name)
        return asset.hashed_name if asset else name

    def fingerprint(self) -> str:
        """A short hash of every file's hashed name: it changes when any file does."""
        digest = hashlib.sha256("\n".join(sorted(self.by_hashed)).encode())
        return digest.hexdigest()[:HASH_LENGTH]


def _is_module(name: str) -> bool:
    """ES modules: Waybill's own scripts (the worker is a classic script) and vendored `.esm` builds."""
    return (name.startswith("js/") and name.endswith(".js") and name != "js/sw.js") or name.endswith(".esm.min.js")


def _resolve(name: str, target: str) -> str:
    """`target` ("./x.js", "../vendor/y.js") relative to the static file `name`."""
    parts = name.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _relative_imports(name: str, body: bytes) -> set[str]:
    return {_resolve(name, match.group(3)) for match in RELATIVE_IMPORT.finditer(body.decode())}


def _digest(name: str, raw: dict[str, bytes], imports: dict[str, set[str]]) -> str:
    """Hash of the file and of every module it reaches through imports (a cycle is fine: a set is walked)."""
    reached, waiting = set(), [name]
    while waiting:
        current = waiting.pop()
        if current in reached or current not in raw:
            continue
        reached.add(current)
        waiting.extend(imports.get(current, ()))
    digest = hashlib.sha256()
    for each in sorted(reached):
        digest.update(each.encode() + b"\0" + hashlib.sha256(raw[each]).digest())
    return digest.hexdigest()[:HASH_LENGTH]


def _hashed(name: str, digest: str) -> str:
    """`js/app.js` -> `js/app.<digest>.js`; a name without an extension gets the digest at its end."""
    folder, _, file = name.rpartition("/")
    stem, dot, extension = file.rpartition(".")
    file = f"{stem}.{digest}.{extension}" if dot and stem else f"{file}.{digest}"
    return f"{folder}/{file}" if folder else file


def _rewrite_imports(name: str, body: bytes, hashed: dict[str, str]) -> bytes:
    """Point each relative import at the hashed name of its target (left alone if there is no such file)."""
    def rewrite(match: re.Match) -> str:
        target = _resolve(name, match.group(3))
        if target not in hashed:
            return match.group(0)
        spec = match.group(3)
        spec = spec[: spec.rfind("/") + 1] + hashed[target].rpartition("/")[2]
        return f"{match.group(1)}{match.group(2)}{spec}{match.group(2)}"
    return RELATIVE_IMPORT.sub(rewrite, body.decode()).encode()


_building = threading.Lock()


def manifest(app: Flask | None = None) -> AssetManifest:
    """The app's manifest, built on first use (reading and hashing the static folder takes a few ms)."""
    app = app or current_app
    built = app.extensions.get("waybill.assets")
    if built is None:
        with _building:
            built = app.extensions.get("waybill.assets")
            if built is None:
                built = app.extensions["waybill.assets"] = AssetManifest(app.static_folder)
    return built


def module_stub(asset: Asset) -> str:
    """What the plain name of a module answers: the hashed module's exports, so importing the plain name
    does not start a second copy of a module the page already runs (a second command log, say)."""
    target = "./" + asset.hashed_name.rpartition("/")[2]
    stub = f'export * from "{target}";\n'
    if asset.has_default_export:
        stub += f'export {{ default }} from "{target}";\n'
    return stub


def serve_static(filename: str) -> Response:
    """A static file by hashed name (immutable) or plain name (revalidated); anything else is a 404."""
    assets = manifest()
    asset = assets.by_hashed.get(filename)
    if asset is not None:
        return _send(asset, asset.body, HASHED_CACHE_CONTROL, etag=asset.hashed_name)
    asset = assets.assets.get(filename)
    if asset is None:
        abort(404)
    body = module_stub(asset).encode() if asset.is_module else asset.body
    response = _send(asset, body, PLAIN_CACHE_CONTROL, etag=asset.hashed_name + (".stub" if asset.is_module else ""))
    return response.make_conditional(request)


def _send(asset: Asset, body: bytes, cache_control: str, etag: str) -> Response:
    encoding = negotiated_encoding(request, asset.mimetype)
    if encoding:
        body = compressed_variant((etag, encoding), body, encoding)
    response = Response(body, mimetype=asset.mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = cache_control
    response.set_etag(etag + (f"-{encoding}" if encoding else ""))
    return response


def init_assets(app: Flask) -> None:
    """Serve /static/ from the manifest and make every `url_for('static', ...)` give the hashed name."""
    app.view_functions["static"] = serve_static

    @app.url_defaults
    def hashed_static_names(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest(app).url_name(values["filename"])
