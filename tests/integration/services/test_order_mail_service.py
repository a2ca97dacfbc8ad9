"""Order e-mails on SQLite and PostgreSQL: real order changes through the bus, the outbox relay, the mail worker,
and a REAL local SMTP server (aiosmtpd on 127.0.0.1) whose received messages the tests read.

The worker runs step by step (run_once) on a clock the test moves, so retries and backoff show without waiting;
tests/e2e/test_order_emails.py covers the pages and the unsubscribe link over HTTP.
"""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from backend.adapters.mail import FolderSender, MailDispatcher, SmtpSender, mail_worker_for_app
from backend.adapters.mail_records import MailCursor, MailMessage
from backend.adapters.outbox_relay import Published
from backend.adapters.tables import customers, orders
from backend.domain import commands
from backend.domain.access import VISITOR, Actor, Role
from backend.domain.errors import Forbidden, NotFound
from backend.extensions import db
from tests.factories import (allocated_order, blob_ref, picking_setup, refused, run, run_out_for_delivery,
                             shipped_own_fleet, standard_shop)
from tests.outbox import publish_everything
from tests.smtp_server import LocalSmtpServer, parts

MANAGER = Actor(user_id=None, role=Role.MANAGER)
CASEY = "casey@example.com"


class Clock:
    def __init__(self):
        self.now = datetime.now(timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def smtp():
    server = LocalSmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def shop(app):
    return standard_shop(app)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def worker(app, smtp, clock):
    sender = SmtpSender("127.0.0.1", smtp.port, starttls=False, envelope_from="orders@waybill-shop.co.uk", timeout=5)
    return mail_worker_for_app(app, sender, clock=clock)


def accepted_order(app, shop) -> int:
    order_id = shop.place(MANAGER, [("MUG", 2)])
    run(app, commands.AcceptOrder(order_id), MANAGER)
    return order_id


def token_of(app, order_id) -> str:
    with app.app_context():
        return db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_id)).scalar_one()


def mail_token_of(app, email=CASEY) -> str:
    with app.app_context():
        return db.session.execute(sa.select(customers.c.mail_token).where(customers.c.email == email)).scalar_one()


def statuses(app) -> list[tuple[str, str, int]]:
    with app.app_context():
        return [(m.kind, m.status, m.attempts) for m in
                db.session.execute(sa.select(MailMessage).order_by(MailMessage.id)).scalars()]


def test_a_guest_customers_confirmation_arrives_once_with_both_parts_and_the_tracking_link(app, shop, smtp, worker):
    order_id = accepted_order(app, shop)  # casey has no account: the e-mail is their only way to the link
    publish_everything(app)
    worker.run_once()
    (message,) = smtp.messages
    number = f"WB-{order_id:06d}"
    assert message["Subject"] == f"Waybill Demo Shop: your order {number} is confirmed"
    assert message["To"].addresses[0].addr_spec == CASEY
    assert message["From"].addresses[0].display_name == "Waybill Demo Shop"
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    link = f"http://127.0.0.1:5000/track/{token_of(app, order_id)}"
    assert link in text and f'href="{link}"' in html
    # Money as money in both parts: 2 x £12.00 + 20% tax, delivery £5.95 + tax, the total.
    assert "2 x Product MUG  £28.80" in text and "Delivery  £7.14" in text and "Total (incl. tax)  £35.94" in text
    assert "2 × Product MUG" in html and "£35.94" in html
    assert "background:#0f4c5c" in html  # the shop's colour heads the HTML part
    unsubscribe = f"http://127.0.0.1:5000/mail/unsubscribe/{mail_token_of(app)}"
    assert str(message["List-Unsubscribe"]).strip() == f"<{unsubscribe}>" and unsubscribe in text and unsubscribe in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert statuses(app) == [("confirmation", "sent", 1)]


def test_the_same_event_taken_in_again_is_sent_once(app, shop, smtp, worker):
    accepted_order(app, shop)
    publish_everything(app)
    worker.run_once()
    with app.app_context():  # as if the intake had died after sending, before its cursor moved
        db.session.execute(sa.update(MailCursor).values(last_sequence=0))
        db.session.commit()
    worker.run_once()
    worker.run_once()
    assert len(smtp.messages) == 1
    assert statuses(app) == [("confirmation", "sent", 1)]


def test_a_mail_server_that_is_down_gets_the_message_later_with_backoff(app, shop, smtp, worker, clock):
    accepted_order(app, shop)
    publish_everything(app)
    smtp.stop()
    worker.run_once()
    assert statuses(app) == [("confirmation", "pending", 1)]
    with app.app_context():
        row = db.session.execute(sa.select(MailMessage)).scalar_one()
        assert row.next_attempt_at == clock.now + timedelta(seconds=60) and "cannot reach" in row.last_error
    smtp.start()
    worker.run_once()  # not due yet: the backoff holds it
    assert smtp.messages == []
    clock.advance(61)
    worker.run_once()
    assert len(smtp.messages) == 1
    assert statuses(app) == [("confirmation", "sent", 2)]


def test_a_mailbox_the_server_refuses_for_good_is_not_tried_again(app, shop, smtp, worker, clock):
    smtp.refused.add(CASEY)
    accepted_order(app, shop)
    publish_everything(app)
    worker.run_once()
    clock.advance(3600)
    worker.run_once()
    assert smtp.messages == []
    assert statuses(app) == [("confirmation", "failed", 1)]


def test_a_customer_who_unsubscribed_by_the_link_gets_nothing(app, shop, smtp, worker):
    customer = run(app, commands.SetOrderEmailsByLink(mail_token_of(app)), VISITOR)
    assert customer.order_emails is False
    accepted_order(app, shop)
    publish_everything(app)
    worker.run_once()
    assert smtp.messages == []
    assert statuses(app) == [("confirmation", "suppressed", 0)]


def test_turning_emails_off_after_the_news_was_taken_in_still_stops_it(app, shop, smtp, worker):
    accepted_order(app, shop)
    publish_everything(app)
    worker.intake()
    run(app, commands.SetOrderEmailsByLink(mail_token_of(app)), VISITOR)
    worker.deliver_due()
    assert smtp.messages == []
    assert statuses(app) == [("confirmation", "suppressed", 0)]


def test_a_customer_turns_order_emails_off_and_on_from_their_account(app, shop, smtp, worker):
    _, email = shop.user("customer", customer="casey")
    casey = shop.actor(email)
    assert run(app, commands.SetOrderEmails(on=False), casey).order_emails is False
    accepted_order(app, shop)
    publish_everything(app)
    worker.run_once()
    assert smtp.messages == []
    assert run(app, commands.SetOrderEmails(on=True), casey).order_emails is True
    accepted_order(app, shop)
    publish_everything(app)
    worker.run_once()
    assert len(smtp.messages) == 1


def test_only_a_customer_switches_their_own_emails_and_a_wrong_link_changes_nothing(app, shop):
    refused(app, commands.SetOrderEmails(on=False), MANAGER, Forbidden)
    refused(app, commands.SetOrderEmailsByLink("x" * 32), VISITOR, NotFound)
    refused(app, commands.SetOrderEmailsByLink("not a token"), VISITOR, NotFound)
    with app.app_context():
        assert db.session.execute(sa.select(customers.c.order_emails)).scalars().all() == [True]


def test_shipped_failed_attempt_and_delivered_each_send_their_own_message(app, shop, smtp, worker):
    _, driver_email = shop.user("driver")
    driver = shop.actor(driver_email)
    _, stops, order_ids = run_out_for_delivery(shop, MANAGER, driver.user_id, stops=2)
    run(app, commands.RecordFailedAttempt(stops[0], "no_one_home"), driver)
    photo = blob_ref(role="photo")
    run(app, commands.ConfirmDelivery(stops[1], "Sam Doe", (commands.BlobRef(
        photo["id"], photo["sha256"], photo["size"], photo["type"], photo["role"]),)), driver)
    publish_everything(app)
    worker.run_once()
    subjects = sorted(str(m["Subject"]).split(": ", 1)[1] for m in smtp.messages)
    first, second = (f"WB-{i:06d}" for i in order_ids)
    assert subjects == sorted([f"your order {first} is confirmed", f"your order {second} is confirmed",
                               f"your order {first} is on its way", f"your order {second} is on its way",
                               f"we could not deliver your order {first}",
                               f"your order {second} has been delivered"])
    missed = next(m for m in smtp.messages if "could not deliver" in str(m["Subject"]))
    assert "What happens next: We tried to deliver your parcel" in parts(missed)[0]
    delivered = next(m for m in smtp.messages if "delivered" in str(m["Subject"]))
    text, html = parts(delivered)
    token = token_of(app, order_ids[1])
    assert "Handed to Sam Doe" in text and "Handed to <strong>Sam Doe</strong>" in html
    assert f"http://127.0.0.1:5000/track/{token}/photos/{photo['id']}" in text
    shipped = next(m for m in smtp.messages if "on its way" in str(m["Subject"]))
    assert "Our own van brings it" in parts(shipped)[0]


def test_a_missed_parcel_of_a_split_order_is_mailed_as_that_parcel_not_the_whole_order(app, shop, smtp, worker):
    shop.customer("robin")
    picking_setup(shop)
    shop.stock("TEE", "LON", 5)
    _, driver_email = shop.user("driver")
    driver = shop.actor(driver_email)
    order_id = allocated_order(shop, MANAGER, [("TEE", 7)])  # 5 from London now, 2 from Manchester later
    pick_list = run(app, commands.CreatePickList(shop.warehouses["LON"]), MANAGER)
    run(app, commands.ClaimPickList(pick_list.id), MANAGER)
    run(app, commands.RecordPick(pick_list.lines[0].id, 5), MANAGER)
    run(app, commands.ClosePack(order_id, (("S", 900),)), MANAGER)
    shipment = run(app, commands.CreateShipment(order_id, "own_fleet"), MANAGER)
    planned = run(app, commands.AssignToRun(driver.user_id, datetime.now(timezone.utc).date(), (shipment.id,)),
                  MANAGER)
    run(app, commands.StartRun(planned.id), MANAGER)
    run(app, commands.RecordFailedAttempt(planned.stops[0].id, "no_one_home"), driver)
    publish_everything(app)
    worker.run_once()
    number = f"WB-{order_id:06d}"
    missed = [m for m in smtp.messages if "could not deliver" in str(m["Subject"])]
    assert [str(m["Subject"]).split(": ", 1)[1] for m in missed] == [
        f"we could not deliver one parcel of your order {number}"]
    text, html = parts(missed[0])
    assert f"We tried to deliver one parcel of your order {number}" in text
    assert "Your other parcels are not affected." in html
    assert missed[0]["To"] == "Robin <robin@example.com>"
    assert ("part_failed_attempt", "sent", 1) in statuses(app)


def test_the_dispatcher_wakes_the_worker_only_for_news_customers_are_mailed():
    dispatcher = MailDispatcher()
    dispatcher([Published("e1", 1, "stock.adjusted", "stock", 1, 1, None, {})])
    assert not dispatcher.wake.is_set()
    dispatcher([Published("e2", 2, "order.accepted", "order", 1, 2, None, {})])
    assert dispatcher.wake.is_set()


def test_without_a_mail_server_messages_are_written_to_the_outbox_folder_and_never_called_sent(app, shop, tmp_path,
                                                                                                clock):
    from email import message_from_bytes, policy
    worker = mail_worker_for_app(app, FolderSender(tmp_path / "mail-outbox"), clock=clock)
    accepted_order(app, shop)
    publish_everything(app)
    worker.run_once()
    (written,) = (tmp_path / "mail-outbox").glob("*.eml")
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert "is confirmed" in str(message["Subject"]) and message.get_content_type() == "multipart/alternative"
    assert statuses(app) == [("confirmation", "filed", 1)]


def test_a_worker_dying_between_the_servers_yes_and_its_record_sends_one_copy_with_the_same_message_id(
        app, shop, smtp, worker, clock):
    accepted_order(app, shop)
    publish_everything(app)
    worker.intake()
    (leased,) = worker._claim()  # the first worker leases the message and sends it ...
    assert worker.sender.send(leased["recipient"], leased["content"]).code == 250
    worker.run_once()  # ... and dies before recording it: while its lease lasts, nobody sends it again
    assert len(smtp.messages) == 1
    clock.advance(worker.LEASE_SECONDS + 1)
    worker.run_once()  # the lease ran out: sent again rather than lost, as the same message
    first, again = smtp.messages
    assert first["Message-ID"] == again["Message-ID"]
    assert statuses(app) == [("confirmation", "sent", 1)]
