"""Each rule is written once: no second copy of a helper to drift apart, no code nothing calls."""
from __future__ import annotations

import ast
from pathlib import Path

from backend.adapters.order_repository import OrderRepository
from backend.domain.dispatch import DeliveryRun
from backend.domain.orders import Order
from backend.domain.shipping import Shipment

BACKEND = Path(__file__).resolve().parents[2] / "backend"


def definitions(name: str) -> list[str]:
    """Files under backend/ that define a function or method called `name`."""
    return sorted(str(path.relative_to(BACKEND)) for path in BACKEND.rglob("*.py")
                  for node in ast.walk(ast.parse(path.read_text()))
                  if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name)


def test_money_and_the_clock_are_written_once():
    assert definitions("format_money") == ["domain/money.py"]
    assert definitions("utcnow") == ["domain/events.py"]
    assert definitions("now_utc") == []


def test_the_aggregates_record_events_through_one_base():
    from backend.domain.events import RecordsEvents  # here: a missing base fails this test alone

    assert all(issubclass(cls, RecordsEvents) for cls in (Order, DeliveryRun, Shipment))
    assert definitions("pending_events") == ["domain/events.py"]
    builders = sorted(str(path.relative_to(BACKEND)) for path in (BACKEND / "domain").rglob("*.py")
                      if "DomainEvent(" in path.read_text())
    assert builders == ["domain/events.py"]


def test_code_nothing_calls_is_gone():
    for dead in ("apply_etas", "shipments_for_order", "attempts_of_stops"):
        assert definitions(dead) == [], dead
    assert not hasattr(OrderRepository, "add")
