"""What pages show of order e-mails: a customer's setting (their account, the unsubscribe page, the office's
order page) and the e-mails an order has caused."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.mail_records import MailMessage
from ..adapters.tables import customers
from ..domain.order_mail import MAIL_TOKEN_PATTERN

# The office's words for a message's status.
STATUS_WORDS = {"pending": "Waiting to be sent", "sent": "Sent", "filed": "Not sent: no mail server set up",
                "suppressed": "Not sent: the customer turned e-mails off", "failed": "Could not be sent"}
KIND_WORDS = {"confirmation": "Order confirmed", "shipped": "On its way", "part_shipped": "One parcel on its way",
              "failed_attempt": "We missed you",
              "part_failed_attempt": "One parcel missed", "delivered": "Delivered", "part_delivered": "One parcel delivered"}


def order_emails_of(session, customer_id: int) -> dict | None:
    """{'on': bool, 'changed_at': datetime | None, 'email': str} for a customer, or None."""
    row = session.execute(sa.select(customers.c.order_emails, customers.c.order_emails_changed_at, customers.c.email)
                          .where(customers.c.id == customer_id)).first()
    return None if row is None else {"on": row.order_emails, "changed_at": row.order_emails_changed_at,
                                     "email": row.email}


def order_emails_by_link(session, token: str) -> bool | None:
    """Whether order e-mails are on for the customer an unsubscribe link belongs to; None for no such link."""
    if not MAIL_TOKEN_PATTERN.match(token or ""):
        return None
    return session.execute(sa.select(customers.c.order_emails).where(customers.c.mail_token == token)).scalar()


def order_mails(session, order_id: int) -> list[dict]:
    """The e-mails an order caused, oldest first, in the office's words."""
    rows = session.execute(sa.select(MailMessage.kind, MailMessage.status, MailMessage.recipient, MailMessage.created_at,
                                     MailMessage.finished_at, MailMessage.attempts, MailMessage.last_error)
                           .where(MailMessage.order_id == order_id).order_by(MailMessage.sequence, MailMessage.id))
    return [{"kind": KIND_WORDS.get(r.kind, r.kind), "status": r.status, "status_words": STATUS_WORDS.get(r.status, r.status),
             "recipient": r.recipient, "at": r.finished_at or r.created_at, "attempts": r.attempts,
             "error": r.last_error if r.status in ("pending", "failed") else ""} for r in rows]
