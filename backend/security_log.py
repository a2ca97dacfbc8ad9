"""The security event log: who failed to sign in, was locked out, changed or reset a password."""
from __future__ import annotations

from flask import has_request_context

from .adapters.records import SecurityEvent
from .adapters.sqlite import fresh_write
from .extensions import db


def add_event(session, kind: str, *, user_id: int | None = None, email: str = "", actor_id: int | None = None) -> None:
    """Add an event to `session`'s transaction (the change it records commits with it)."""
    from .throttle import client_address
    session.add(SecurityEvent(kind=kind, user_id=user_id, email=email[:254], actor_id=actor_id,
                              client_ip=client_address()[:45] if has_request_context() else ""))


def record_event(kind: str, **fields) -> None:
    """Write an event in a transaction of its own (a refused sign-in changes nothing else)."""
    with fresh_write(db.session) as session:
        add_event(session, kind, **fields)
        session.commit()
