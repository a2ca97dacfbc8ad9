"""Order e-mails end to end: orders changed through the API, the outbox relay and the mail worker in their threads
(as `make run` runs them), a REAL local SMTP server, and the links in the e-mail followed with the test client:
the tracking page opens, the unsubscribe link stops the next e-mail. The customer's and the office's pages too.
"""
from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from backend.adapters.mail import SmtpSender, start_mail_thread
from backend.adapters.mail_records import MailCursor, MailMessage
from backend.adapters.records import OutboxEvent
from backend.adapters.tables import customers
from backend.bootstrap import start_relay_thread
from backend.extensions import db
from tests.e2e.conftest import csrf_token_of, order_body, sign_in
from tests.smtp_server import LocalSmtpServer, parts

CASEY = "casey@example.com"


@pytest.fixture
def smtp():
    server = LocalSmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def running(app, smtp):
    """The outbox relay (waking the mail worker) and the mail worker sending to the local SMTP server."""
    sender = SmtpSender("127.0.0.1", smtp.port, starttls=False, envelope_from="orders@waybill-shop.co.uk", timeout=5)
    dispatcher, stop_mail = start_mail_thread(app, idle_seconds=0.2, sender=sender)
    stop_relay = start_relay_thread(app, dispatcher)
    yield
    stop_relay.set()
    stop_mail.set()
    time.sleep(0.5)  # let both threads finish their round before the database goes


def settled(app, timeout: float = 10.0) -> None:
    """Wait until every event is published, read by the mail intake, and no message is still pending."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            unpublished = db.session.execute(sa.select(sa.func.count()).select_from(OutboxEvent)
                                             .where(OutboxEvent.published_at.is_(None))).scalar_one()
            last = db.session.execute(sa.select(sa.func.max(OutboxEvent.publish_seq))).scalar_one() or 0
            read = db.session.execute(sa.select(MailCursor.last_sequence)).scalar_one_or_none() or 0
            pending = db.session.execute(sa.select(sa.func.count()).select_from(MailMessage)
                                         .where(MailMessage.status == "pending")).scalar_one()
            db.session.remove()
        if not unpublished and read >= last and not pending:
            return
        assert time.monotonic() < deadline, f"mail not settled: {unpublished} unpublished, {pending} pending"
        time.sleep(0.05)


def place_and_accept(client, world) -> int:
    response = client.post("/api/v1/orders", json=order_body(customer_id=world.shop.customers["casey"]),
                           headers=world.headers("owner"))
    assert response.status_code == 201, response.get_json()
    order_id = response.get_json()["id"]
    accepted = client.post(f"/api/v1/orders/{order_id}/accept", headers=world.headers("owner"))
    assert accepted.status_code == 200, accepted.get_json()
    return order_id


def link_in(text: str, path: str) -> str:
    match = re.search(rf"http://127\.0\.0\.1:5000(/{path}/[A-Za-z0-9_-]+)", text)
    assert match, f"no /{path}/ link in the e-mail"
    return match.group(1)


def test_the_confirmation_arrives_once_and_its_links_open_the_order_and_stop_the_next_email(app, client, world,
                                                                                          smtp, running):
    order_id = place_and_accept(client, world)
    settled(app)
    (message,) = smtp.to(CASEY)
    text, _html = parts(message)
    page = client.get(link_in(text, "track"))
    assert page.status_code == 200 and f"WB-{order_id:06d}" in page.get_data(as_text=True)

    unsubscribe = link_in(text, "mail/unsubscribe")
    assert str(message["List-Unsubscribe"]).strip() == f"<http://127.0.0.1:5000{unsubscribe}>"
    opened = client.get(unsubscribe)  # a mail scanner opening the link changes nothing
    assert opened.status_code == 200 and "Stop e-mails about my orders" in opened.get_data(as_text=True)
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    # What a mail program's own Unsubscribe button sends (RFC 8058): a POST with no CSRF token.
    done = client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "will not e-mail you" in done.get_data(as_text=True)

    place_and_accept(client, world)
    settled(app)
    assert len(smtp.to(CASEY)) == 1
    with app.app_context():
        assert db.session.execute(sa.select(MailMessage.status).order_by(MailMessage.id)).scalars().all() == [
            "sent", "suppressed"]


def test_a_wrong_unsubscribe_link_is_a_plain_404_and_changes_nothing(app, client):
    for path in ("/mail/unsubscribe/" + "x" * 32, "/mail/unsubscribe/short"):
        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404
    with app.app_context():
        assert set(db.session.execute(sa.select(customers.c.order_emails)).scalars()) == {True}


def test_a_customer_turns_order_emails_off_on_their_account_and_the_office_sees_it(app, client, world):
    order_id = world.place([("MUG", 1)])
    sign_in(client, world.emails["customer"])
    page = client.get("/account").get_data(as_text=True)
    assert 'data-order-emails="on"' in page and "Turn order e-mails off" in page
    assert client.post("/account/order-emails", data={"on": "0"}).status_code == 400  # no CSRF token: refused
    switched = client.post("/account/order-emails", data={"on": "0", "csrf_token": csrf_token_of(page)})
    assert switched.status_code == 302
    assert 'data-order-emails="off"' in client.get("/account").get_data(as_text=True)

    office = app.test_client()
    sign_in(office, world.emails["manager"])
    order_page = office.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'data-customer-emails="off"' in order_page and "the customer turned order e-mails off" in order_page
    customer = client.get(f"/api/v1/customers/{world.shop.customers['casey']}", headers=world.headers("manager"))
    assert customer.get_json()["order_emails"] is False


def test_staff_cannot_use_the_customers_switch(client, world):
    sign_in(client, world.emails["manager"])
    page = client.get("/account").get_data(as_text=True)
    assert "data-order-emails" not in page
    assert client.post("/account/order-emails", data={"on": "0", "csrf_token": csrf_token_of(page)}).status_code == 403
