"""Mail workers on PostgreSQL: two of them at once take in each event once and send each e-mail once."""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from backend.adapters.mail import SmtpSender, mail_worker_for_app
from backend.adapters.mail_records import MailMessage
from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.extensions import db
from tests.factories import run, standard_shop
from tests.outbox import publish_everything, run_side_by_side
from tests.smtp_server import LocalSmtpServer

MANAGER = Actor(user_id=None, role=Role.MANAGER)


def test_two_workers_at_once_send_every_email_exactly_once(pg_app):
    shop = standard_shop(pg_app)
    for key in ("ada", "ben", "cy"):
        shop.customer(key)
    smtp = LocalSmtpServer().start()
    try:
        for key in ("casey", "ada", "ben", "cy", "casey", "ada"):
            order_id = shop.place(MANAGER, [("MUG", 1)], customer=key)
            run(pg_app, commands.AcceptOrder(order_id), MANAGER)
        publish_everything(pg_app)
        sender = SmtpSender("127.0.0.1", smtp.port, starttls=False, envelope_from="orders@waybill-shop.co.uk")
        workers = [mail_worker_for_app(pg_app, sender, batch_size=2) for _ in range(2)]
        assert run_side_by_side(workers) == []
        assert len(smtp.messages) == 6
        assert sorted(Counter(str(m["Message-ID"]) for m in smtp.messages).values()) == [1] * 6
        with pg_app.app_context():
            assert db.session.execute(sa.select(MailMessage.status)).scalars().all() == ["sent"] * 6
    finally:
        smtp.stop()
