"""The installable shell: web app manifest, the service worker at the root scope, the offline page."""
from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from .assets import manifest as asset_manifest, module_stub

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


def _stamped_worker(static_folder: str) -> str:
    """The worker's script with this deploy's cache version and the hashed URL of every static file it names."""
    assets = asset_manifest()
    script = (Path(static_folder) / "js" / "sw.js").read_text()
    named = sorted(set(re.findall(r'"/static/([^"]+)"', script)) & set(assets.assets))
    urls = {f"/static/{name}": url_for("static", filename=name) for name in named}
    stubs = {f"/static/{name}": module_stub(assets.assets[name]) for name in named if assets.assets[name].is_module}
    script = script.replace('const CACHE_VERSION = "dev";', f'const CACHE_VERSION = "{assets.fingerprint()}";', 1)
    script = script.replace("const ASSET_URLS = {};", f"const ASSET_URLS = {json.dumps(urls, indent=1)};", 1)
    return script.replace("const MODULE_STUBS = {};", f"const MODULE_STUBS = {json.dumps(stubs, indent=1)};", 1)


@bp.get("/sw.js")
def service_worker():
    """The worker, served from the root so its scope covers every page (a /static/ URL would limit it)."""
    # Stamped once per process from the static files' hashes, so a deploy that changes any of them
    # installs a new worker without anyone remembering to bump it.
    script = current_app.extensions.get("waybill.sw_script")
    if script is None:
        script = current_app.extensions["waybill.sw_script"] = _stamped_worker(current_app.static_folder)
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
