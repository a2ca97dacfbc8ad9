"""The office finds an order by what a caller reads out: its number, a name, an e-mail, a phone, a postcode."""
from __future__ import annotations

import pytest

from backend.domain.access import Actor, Role
from backend.extensions import db
from backend.queries.orders import list_orders
from tests.factories import LONDON, standard_shop

OFFICE = Actor(user_id=None, role=Role.MANAGER)


@pytest.fixture
def placed(app):
    """Casey's order to Leeds and Robin's to London (whose address carries a phone), by the manager."""
    shop = standard_shop(app)
    shop.customer("robin", address=LONDON)
    _, email = shop.user("manager")
    manager = shop.actor(email)
    casey = shop.place(manager, [("MUG", 1)])
    robin = shop.place(manager, [("LAMP", 1)], customer="robin",
                       address={**LONDON, "phone": "+44 7700 900123"}, channel="marketplace",
                       channel_order_id="AMZ-771-0042")
    return {"casey": casey, "robin": robin}


def _found(app, search, actor=OFFICE, **filters):
    with app.app_context():
        page = list_orders(db.session, actor, search=search, **filters)
        return sorted(order.id for order in page["items"])


@pytest.mark.parametrize("search", ["WB-{robin:06d}", "wb{robin}", "{robin}", "ROBIN", "robin@EXAMPLE",
                                    "w1d1aa", "W1D 1AA", "07700 900123", "7700900123", "amz-771"])
def test_a_search_finds_robins_order_by_any_of_its_handles(app, placed, search):
    found = _found(app, search.format(**placed))
    assert placed["robin"] in found and placed["casey"] not in found


def test_a_search_with_wildcards_takes_them_literally(app, placed):
    assert _found(app, "%") == [] and _found(app, "_") == []


def test_search_and_filters_combine(app, placed):
    assert _found(app, "example.com") == sorted(placed.values())
    assert _found(app, "example.com", channel="marketplace") == [placed["robin"]]
    assert _found(app, "example.com", status=["delivered"]) == []


def test_a_customer_searching_never_sees_anothers_order(app, placed):
    with app.app_context():
        from backend.adapters.tables import orders
        import sqlalchemy as sa
        casey_id = db.session.execute(sa.select(orders.c.customer_id).where(orders.c.id == placed["casey"])).scalar()
    casey = Actor(user_id=None, role=Role.CUSTOMER, customer_id=casey_id)
    assert _found(app, "robin", actor=casey) == []
    assert _found(app, "", actor=casey) == [placed["casey"]]
