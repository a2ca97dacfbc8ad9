"""Bank transfers from the bank's statement over the API: matched, part-paid, overpaid, unmatched, broken files."""
from __future__ import annotations

import pytest

from backend.adapters.bank_records import BankStatementLine
from backend.domain.orders import Order
from tests.e2e.conftest import assert_problem
from tests.factories import stored

HEADER = "date,amount,currency,reference,payer,transaction id\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def _post(client, world, body: bytes, who="manager", query=""):
    return client.post(f"/api/v1/bank/statements{query}", data=body,
                       headers={**world.headers(who), "Content-Type": "text/csv"})


@pytest.fixture
def awaiting(app, world):
    """A bank transfer order waiting for its money: (order id, its number, its total as '12.34')."""
    order_id = world.place([("MUG", 1)], method="bank_transfer")
    with app.app_context():
        order = stored(Order, order_id)
        assert (order.status, order.payment_status) == ("awaiting_payment", "awaiting_funds")
        return order_id, order.number, order.total_minor


def _money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _order(app, order_id):
    with app.app_context():
        return stored(Order, order_id)


def _lines(app):
    from backend.extensions import db
    with app.app_context():
        lines = db.session.query(BankStatementLine).order_by(BankStatementLine.id).all()
        db.session.expunge_all()
        return lines


def test_a_credit_naming_its_order_with_the_amount_owed_pays_it_and_the_order_goes_on(client, app, world, awaiting):
    order_id, number, total = awaiting
    response = _post(client, world, _csv(f"2026-12-01,{_money(total)},GBP,Order {number} thanks,Casey Doe,TX-1"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["credits"], body["matched"], body["to_check"]) == (1, 1, 0)
    assert body["results"][0]["order_id"] == order_id
    order = _order(app, order_id)
    assert (order.status, order.payment_status, order.paid_minor) == ("placed", "paid", total)
    [line] = _lines(app)
    assert (line.status, line.outcome, line.order_id) == ("settled", "matched", order_id)


def test_the_same_statement_read_twice_adds_nothing(client, app, world, awaiting):
    order_id, number, total = awaiting
    statement = _csv(f"2026-12-01,{_money(total - 200)},GBP,{number},Casey Doe,")  # no bank id: one is derived
    assert _post(client, world, statement).status_code == 201
    again = _post(client, world, statement)
    assert again.status_code == 201
    assert (again.get_json()["credits"], again.get_json()["duplicates"]) == (0, 1)
    assert _order(app, order_id).paid_minor == total - 200
    assert len(_lines(app)) == 1


def test_a_part_payment_is_recorded_and_listed_and_the_rest_pays_the_order(client, app, world, awaiting):
    order_id, number, total = awaiting
    first = _post(client, world, _csv(f"2026-12-01,{_money(total - 500)},GBP,{number},Casey,TX-1")).get_json()
    assert first["partial"] == 1
    order = _order(app, order_id)
    assert (order.status, order.payment_status, order.paid_minor) == ("awaiting_payment", "partly_paid", total - 500)
    listed = client.get("/api/v1/bank/lines", headers=world.headers("owner")).get_json()
    assert listed["open"] == 1 and "£5.00 is still owed" in listed["lines"][0]["message"]
    _post(client, world, _csv(f"2026-12-02,5.00,GBP,{number} rest,Casey,TX-2"))
    order = _order(app, order_id)
    assert (order.status, order.payment_status, order.paid_minor) == ("placed", "paid", total)


def test_an_overpayment_pays_the_order_and_is_listed_to_send_the_excess_back(client, app, world, awaiting):
    order_id, number, total = awaiting
    body = _post(client, world, _csv(f"2026-12-01,{_money(total + 1000)},GBP,{number},Casey,TX-1")).get_json()
    assert body["overpaid"] == 1
    assert _order(app, order_id).payment_status == "paid"
    [line] = client.get("/api/v1/bank/lines", headers=world.headers("owner")).get_json()["lines"]
    assert line["status"] == "open" and "£10.00 more than it owed" in line["message"]


def test_a_credit_that_names_no_order_changes_nothing_until_a_person_matches_it(client, app, world, awaiting):
    order_id, number, total = awaiting
    body = _post(client, world, _csv(f"2026-12-01,{_money(total)},GBP,birthday mug,A Friend,TX-9")).get_json()
    assert body["unmatched"] == 1
    assert _order(app, order_id).payment_status == "awaiting_funds"
    [line] = client.get("/api/v1/bank/lines", headers=world.headers("owner")).get_json()["lines"]
    matched = client.post(f"/api/v1/bank/lines/{line['id']}/match", json={"order": number.lower()},
                          headers=world.headers("manager"))
    assert matched.status_code == 200, matched.get_json()
    assert (matched.get_json()["status"], matched.get_json()["order_id"]) == ("settled", order_id)
    assert (_order(app, order_id).status, _order(app, order_id).payment_status) == ("placed", "paid")
    again = client.post(f"/api/v1/bank/lines/{line['id']}/match", json={"order": number},
                        headers=world.headers("manager"))
    assert assert_problem(again, 409)["code"] == "bank.line_settled"


def test_an_order_named_with_a_superscript_digit_is_no_such_order_not_a_server_error(client, app, world, awaiting):
    _post(client, world, _csv("2026-12-01,10.00,GBP,birthday mug,A Friend,TX-9"))
    [line] = client.get("/api/v1/bank/lines", headers=world.headers("owner")).get_json()["lines"]
    matched = client.post(f"/api/v1/bank/lines/{line['id']}/match", json={"order": "WB-\u00b30"},
                          headers=world.headers("manager"))
    assert assert_problem(matched, 404)["errors"] == {"order": ["No order WB-\u00b30."]}


def test_a_credit_naming_a_card_order_is_not_recorded_on_it(client, app, world):
    order_id = world.place([("MUG", 1)], method="card")
    number = _order(app, order_id).number
    body = _post(client, world, _csv(f"2026-12-01,12.00,GBP,{number},Casey,TX-1")).get_json()
    assert body["unmatched"] == 1 and "not paid by bank transfer" in body["results"][0]["message"]
    assert _order(app, order_id).paid_minor is None


def test_a_statement_with_broken_rows_names_each_line_and_imports_nothing(client, app, world, awaiting):
    order_id, number, total = awaiting
    statement = _csv(f"2026-12-01,{_money(total)},GBP,{number},Casey,TX-1",
                     "yesterday,5.00,GBP,x,y,TX-2",
                     "2026-12-01,5.00,GBP,x,y,TX-3",
                     "2026-12-01,12.345,GBP,x,y,TX-4")
    body = assert_problem(_post(client, world, statement), 422)
    assert body["code"] == "bank.statement_invalid"
    assert set(body["errors"]) == {"line 3.date", "line 5.amount"}
    assert _lines(app) == [] and _order(app, order_id).payment_status == "awaiting_funds"


def test_a_preview_says_what_would_happen_and_writes_nothing(client, app, world, awaiting):
    order_id, number, total = awaiting
    response = _post(client, world, _csv(f"2026-12-01,{_money(total)},GBP,{number},Casey,TX-1"), query="?preview=true")
    assert response.status_code == 200
    assert (response.get_json()["matched"], response.get_json()["preview"]) == (1, True)
    assert _lines(app) == [] and _order(app, order_id).payment_status == "awaiting_funds"


def test_debits_are_skipped_and_counted(client, app, world):
    body = _post(client, world, _csv("2026-12-01,-40.00,GBP,card fees,Bank,TX-1")).get_json()
    assert (body["credits"], body["debits_skipped"]) == (0, 1)


@pytest.mark.parametrize("raw, code", [(b"\xff\xfe\x00binary", "bank.statement_unreadable"),
                                       (b"when,how much\n2026-12-01,3\n", "bank.statement_unreadable")])
def test_a_file_that_is_not_a_statement_is_refused_with_words(client, world, raw, code):
    body = assert_problem(_post(client, world, raw), 422)
    assert body["code"] == code and "file" in body["errors"]


def test_a_body_that_is_not_csv_is_refused(client, world):
    response = client.post("/api/v1/bank/statements", json={"lines": []}, headers=world.headers("manager"))
    assert assert_problem(response, 415)["code"] == "bank.not_csv"


@pytest.mark.parametrize("who", ["customer", "driver", "floor"])
def test_only_the_office_reads_statements(client, world, who):
    assert_problem(_post(client, world, _csv("2026-12-01,5.00,GBP,x,y,TX-1"), who=who), 403)
    assert_problem(client.get("/api/v1/bank/lines", headers=world.headers(who)), 403)


def test_settling_a_line_needs_a_note_and_happens_once(client, app, world):
    _post(client, world, _csv("2026-12-01,5.00,GBP,no idea,Someone,TX-1"))
    [line] = client.get("/api/v1/bank/lines", headers=world.headers("owner")).get_json()["lines"]
    url = f"/api/v1/bank/lines/{line['id']}/settle"
    assert "note" in assert_problem(client.post(url, json={"note": ""}, headers=world.headers("owner")), 422)["errors"]
    done = client.post(url, json={"note": "Sent back to the payer"}, headers=world.headers("owner"))
    assert done.status_code == 200 and done.get_json()["settle_note"] == "Sent back to the payer"
    assert assert_problem(client.post(url, json={"note": "again"}, headers=world.headers("owner")), 409)
    assert client.get("/api/v1/bank/lines", headers=world.headers("owner")).get_json()["open"] == 0
