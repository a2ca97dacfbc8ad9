"""The phone's sync page: what is waiting to be sent and what needs a person's attention.

Everything on it is read from the phone's own command log by pwa/static/js/offline.js; the server
only renders the frame, so the page works from the worker's cache when offline.
"""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("sync_page", __name__)


@bp.get("/sync")
@login_required
def index():
    """Sync now, and the list of commands the server refused (dismissed only by a person)."""
    return render_template("sync/index.html")
