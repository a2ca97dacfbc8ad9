"""The security event log: who failed to sign in, was locked out, changed or reset a password.

A change to an account writes its row in the same transaction (services/accounts.py); a refused sign-in,
which changes nothing else, writes its own here.
"""
from __future__ import annotations

from flask import has_request_context

from .adapters.records import SecurityEvent
from .adapters.sqlite import fresh_write
from .extensions import db


def client_ip() -> str:
    """Where this request came from, as the security log keeps it ("" outside a request, e.g. the CLI)."""
    from .throttle import client_address
    return client_address()[:45] if has_request_context() else ""


def record_event(kind: str, *, user_id: int | None = None, email: str = "", actor_id: int | None = None) -> None:
    """Write an event in a transaction of its own (a refused sign-in changes nothing else)."""
    with fresh_write(db.session) as session:
        session.add(SecurityEvent(kind=kind, user_id=user_id, email=email[:254], actor_id=actor_id,
                                  client_ip=client_ip()))
        session.commit()
