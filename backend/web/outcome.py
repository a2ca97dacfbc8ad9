"""The message of a decision, kept in the session across the redirect that follows it and shown once on
the page it returns to (an order page, or the dashboard), so a reload repeats nothing."""
from __future__ import annotations

from flask import session

OUTCOME_KEY = "decision_outcome"


def keep_outcome(where: str, *, done: str = "", error: str = "", order_id: int | None = None) -> None:
    """Remember what a decision on order `order_id` did, for the page `where` ("order-3", "dashboard")."""
    session[OUTCOME_KEY] = {"where": where, "done": done, "error": error, "order_id": order_id}


def take_outcome(where: str) -> dict:
    """The message waiting for the page `where`, once; {} when there is none."""
    outcome = session.get(OUTCOME_KEY)
    if not outcome or outcome.get("where") != where:
        return {}
    session.pop(OUTCOME_KEY)
    return outcome
