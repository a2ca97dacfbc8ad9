"""Offline sync: phones push their queued commands, pull what changed, and upload photos (/api/v1/sync)."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from ..extensions import csrf


def init_sync(app: Flask, api: Api) -> None:
    """Register the sync blueprints on the app's flask-smorest Api, so the OpenAPI document shows them."""
    from . import api as push_and_pull
    from . import blobs
    for module in (push_and_pull, blobs):
        csrf.exempt(module.blp)  # bearer tokens or the PWA's X-CSRFToken header (edge.authentication)
        api.register_blueprint(module.blp)
