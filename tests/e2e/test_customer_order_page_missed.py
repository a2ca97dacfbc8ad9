"""The customer's own order page says "We missed you" after a failed attempt, in the tracking page's words."""
from __future__ import annotations

from backend.domain import commands
from backend.domain.failed_delivery import CUSTOMER_WORDS
from tests.e2e.conftest import sign_in
from tests.factories import run, run_out_for_delivery


def test_after_a_failed_attempt_the_customers_order_page_says_we_missed_you_and_what_happens_next(app, client, world):
    _, stops, orders = run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"], stops=1)
    run(app, commands.RecordFailedAttempt(stops[0], "no_one_home"), world.actor("driver"))
    sign_in(client, world.emails["customer"])
    page = client.get(f"/orders/{orders[0]}").get_data(as_text=True)
    headline, next_step = CUSTOMER_WORDS["delivery_failed"]
    assert 'data-next-step' in page
    assert f'<h2 id="next-h">{headline}</h2>' in page
    assert next_step in page
    tracking = client.get(f"/track/{_token(app, orders[0])}").get_data(as_text=True)
    assert f'<h2 id="next-h">{headline}</h2>' in tracking and next_step in tracking


def test_an_order_out_for_delivery_has_no_we_missed_you_on_its_page(app, client, world):
    _, stops, orders = run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"], stops=1)
    sign_in(client, world.emails["customer"])
    assert "data-next-step" not in client.get(f"/orders/{orders[0]}").get_data(as_text=True)


def _token(app, order_id: int) -> str:
    import sqlalchemy as sa
    from backend.adapters.tables import orders
    from backend.extensions import db
    with app.app_context():
        return db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_id)).scalar_one()
