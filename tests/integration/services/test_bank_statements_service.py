"""Reading a bank statement through the bus on SQLite and PostgreSQL: each credit recorded on the order it
pays, in one transaction with its line and the outbox events; a line settled once; nothing twice."""
from datetime import date

import pytest
import sqlalchemy as sa

from backend.adapters.bank_records import BankStatementLine
from backend.adapters.records import OutboxEvent
from backend.domain import commands
from backend.domain.bank_statements import StatementLine, StatementLineClosed
from backend.domain.orders import Order
from backend.extensions import db
from tests.factories import refused, run, standard_shop, stored


@pytest.fixture
def shop(app):
    return standard_shop(app)


@pytest.fixture
def manager(shop):
    _, email = shop.user("manager")
    return shop.actor(email)


def credit(reference: str, amount: int, bank_reference: str, line_number: int = 2) -> StatementLine:
    return StatementLine(line_number=line_number, bank_reference=bank_reference, booked_on=date(2026, 12, 1),
                         amount_minor=amount, currency="GBP", reference=reference, payer="Casey")


def test_a_statement_pays_two_orders_part_pays_none_and_lists_the_stranger(app, shop, manager):
    first = shop.place(manager, [("MUG", 1)], method="bank_transfer")
    second = shop.place(manager, [("LAMP", 1)], method="bank_transfer")
    with app.app_context():
        totals = {i: stored(Order, i).total_minor for i in (first, second)}
    report = run(app, commands.ImportBankStatement("dec.csv", (
        credit(f"WB-{second:06d}", totals[second], "TX-2"), credit(f"WB-{first:06d}", totals[first], "TX-1", 3),
        credit("no idea", 999, "TX-3", 4))), manager)
    assert (report.counts["matched"], report.counts["unmatched"], report.to_check) == (2, 1, 1)
    with app.app_context():
        assert [(o.status, o.payment_status, o.paid_minor) for o in (stored(Order, first), stored(Order, second))] == [
            ("placed", "paid", totals[first]), ("placed", "paid", totals[second])]
        rows = db.session.execute(sa.select(BankStatementLine.bank_reference, BankStatementLine.status)
                                  .order_by(BankStatementLine.id)).all()
        assert [tuple(r) for r in rows] == [("TX-2", "settled"), ("TX-1", "settled"), ("TX-3", "open")]
        names = db.session.execute(sa.select(OutboxEvent.name)).scalars().all()
        assert names.count("order.placed") >= 2 and "bank.statement_imported" in names


def test_reading_the_same_lines_again_records_nothing_twice(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 1)], method="bank_transfer")
    statement = commands.ImportBankStatement("dec.csv", (credit(f"WB-{order_id:06d}", 500, "TX-1"),))
    run(app, statement, manager)
    again = run(app, statement, manager)
    assert (again.credits, again.duplicates) == (0, 1)
    with app.app_context():
        assert stored(Order, order_id).paid_minor == 500


def test_a_line_is_settled_once(app, shop, manager):
    report = run(app, commands.ImportBankStatement("dec.csv", (credit("gift", 700, "TX-1"),)), manager)
    line_id = report.results[0]["line_id"]
    run(app, commands.SettleStatementLine(line_id, "Sent back"), manager)
    refused(app, commands.SettleStatementLine(line_id, "Again"), manager, StatementLineClosed)
