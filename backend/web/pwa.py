"""The installable shell: web app manifest, the service worker at the root scope, the offline page."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

bp = Blueprint("pwa", __name__)

THEME_COLOR = "#0f4c5c"
BACKGROUND_COLOR = "#f5f6f7"


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest that makes Waybill installable (name, start URL, colours, icons)."""
    def icon(name: str, size: int, purpose: str = "any") -> dict:
        return {"src": url_for("static", filename=f"icons/{name}"), "sizes": f"{size}x{size}",
                "type": "image/png", "purpose": purpose}

    response = jsonify({
        "id": "/", "name": "Waybill", "short_name": "Waybill",
        "description": "Orders, picking and deliveries for the shop, the floor and the road.",
        "lang": "en", "start_url": "/", "scope": "/", "display": "standalone",
        "theme_color": THEME_COLOR, "background_color": BACKGROUND_COLOR,
        "icons": [icon("icon-192.png", 192), icon("icon-512.png", 512),
                  icon("icon-maskable-512.png", 512, "maskable")],
    })
    response.mimetype = "application/manifest+json"
    return response


def _static_fingerprint(static_folder: str) -> str:
    """A short hash of every static file: any change to what the worker precaches gives a new cache version."""
    digest = hashlib.sha256()
    for path in sorted(Path(static_folder).rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(static_folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@bp.get("/sw.js")
def service_worker():
    """The worker, served from the root so its scope covers every page (a /static/ URL would limit it)."""
    # The cache version is stamped in here, computed once per process from the static files, so a
    # deploy that changes any of them installs a new worker without anyone remembering to bump it.
    version = current_app.extensions.get("waybill.sw_version")
    if version is None:
        version = current_app.extensions["waybill.sw_version"] = _static_fingerprint(current_app.static_folder)
    script = (Path(current_app.static_folder) / "js" / "sw.js").read_text()
    script = script.replace('const CACHE_VERSION = "dev";', f'const CACHE_VERSION = "{version}";', 1)
    response = Response(script, mimetype="application/javascript")
    response.add_etag()
    # The browser must see a new worker as soon as it is deployed, never a stale copy from an HTTP cache.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response.make_conditional(request)


@bp.get("/offline")
def offline():
    """What the worker shows for a page it has no copy of while the phone is offline."""
    # `shell` leaves out everything tied to a session (CSRF token, sign-out form): the worker caches
    # this page once and shows it to whoever is signed in later.
    return render_template("offline.html", shell=True)
