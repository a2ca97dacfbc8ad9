"""Who is calling a JSON endpoint, and a broken domain rule answered as problem+json."""
from __future__ import annotations

from flask import g

from ..domain.access import Actor
from ..domain.errors import DomainError
from .problems import problem


def current_actor() -> Actor:
    """The API caller as a domain Actor (set by `edge.authentication.authenticate`)."""
    return g.api_actor


def handle_domain_error(error: DomainError):
    """Domain rule broken: problem+json with its stable code (pages handle their own)."""
    errors = {path: [message] for path, message in error.errors.items()} or None
    extra = {"details": error.details} if error.details else {}
    return problem(error.status, error.code.replace(".", " ").replace("_", " ").capitalize(), error.message,
                   code=error.code, errors=errors, **extra)
