"""What the office reads before and after a decision: the order, its stock, its run, its payment, in words."""
from datetime import date

from backend.domain.orders import Order, OrderLine, OrderStatus
from backend.queries.order_decisions import RunPlace
from backend.web import decision_words as words

S = OrderStatus
TODAY = date(2026, 12, 3)
NAMES = {1: "London", 2: "Manchester"}


def order_in(status: OrderStatus, reserved=((1, 3),), payment_status="authorized") -> Order:
    """WB-000003 with one line whose units are reserved per (warehouse id, quantity)."""
    order = Order(customer_id=7, channel="web_shop", currency="GBP", payment_method="card",
                  payment_status=payment_status, shipping_address={"country": "GB"},
                  billing_address={"country": "GB"}, subtotal_minor=6616, shipping_minor=0,
                  tax_minor=1298, total_minor=7914, tracking_token="t0k3n")
    order.id = 3
    line = OrderLine(1, "TEE-M", "Tee", sum(q for _, q in reserved) or 1, 500, 500, 0)
    line.id = 1
    for warehouse_id, quantity in reserved:
        line.add_allocation(warehouse_id, quantity)
    order.lines.append(line)
    order.status = status.value
    return order


def test_the_confirmation_names_the_order_its_stock_and_the_undo():
    said = words.consequences("cancel", order_in(S.ALLOCATED), NAMES, None, TODAY, 30)
    assert said == ["WB-000003 will be cancelled.", "Its 3 reserved units go back on the shelf in London.",
                    "The card payment is voided, so nothing is taken from the customer.",
                    "You can undo this for 30 seconds afterwards."]


def test_one_unit_reads_in_the_singular_and_two_warehouses_are_both_named():
    assert words.consequences("reject", order_in(S.PLACED, ((1, 1),)), NAMES, None, TODAY, 30)[1] == \
        "Its 1 reserved unit goes back on the shelf in London."
    assert words.consequences("cancel", order_in(S.ALLOCATED, ((1, 2), (2, 1))), NAMES, None, TODAY, 30)[1] == \
        "Its 3 reserved units go back on the shelf: 2 in London and 1 in Manchester."


def test_an_order_in_the_van_says_whose_run_it_is_on_and_that_it_cannot_be_undone():
    run = RunPlace("Dev Driver", TODAY, 4, "out")
    said = words.consequences("cancel", order_in(S.OUT_FOR_DELIVERY, ()), NAMES, run, TODAY, 30)
    assert said[1] == "Its parcel has already left the warehouse: no stock comes back by this."
    assert said[2].startswith("It is stop 4 on Dev Driver's run today: the stop stays on the run, so tell Dev "
                              "Driver to bring the parcel back.")
    assert said[-1] == "The parcel has already left the warehouse, so this cannot be undone."


def test_a_paid_order_says_the_refund_is_separate_and_a_rejected_payment_is_final():
    said = words.consequences("reject_hold", order_in(S.PAYMENT_HOLD, payment_status="paid"), NAMES, None, TODAY, 30)
    assert said[0] == "WB-000003's payment will be rejected and the order rejected with it."
    assert "It is paid (£79.14): refund the customer separately." in said
    assert said[-1] == "A rejected payment stays rejected: the order cannot be brought back."


def test_after_a_decision_the_message_says_what_happened():
    before = {"London": 2}
    assert words.outcome("cancel", before, order_in(S.CANCELLED, ()), {}) == \
        "WB-000003 cancelled: 2 units back in stock in London."
    assert words.outcome("accept", {}, order_in(S.ALLOCATED, ((1, 3),)), NAMES) == \
        "WB-000003 accepted, allocated to London."
    backordered = order_in(S.BACKORDERED, ())
    backordered.shortages = [{"sku": "TEE-M", "missing": 2}]
    assert words.outcome("accept", {}, backordered, NAMES) == "WB-000003 accepted but backordered: TEE-M 2 missing."
    assert words.outcome("release_hold", {}, order_in(S.PLACED), NAMES) == \
        "WB-000003 released from payment hold: ready to accept."
    assert words.undone(order_in(S.ALLOCATED, ((1, 3),)), NAMES) == \
        "Undone: WB-000003 is allocated again, 3 units reserved in London."
