"""Which order events become an e-mail to the customer, what each says in its subject, and what an SMTP
server's answer means for a message (sent, tried again later, or given up). Pure rules; the mail worker
(adapters/mail_worker.py) asks them.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from .push_delivery import RetryPolicy

MINUTE = 60
HOUR = 60 * MINUTE


@dataclass(frozen=True)
class MailKind:
    """One kind of order e-mail: its template (pwa/templates/mail/<template>.html and .txt) and subject."""

    key: str
    template: str
    subject: str  # may contain {number} and {shop}


# The events that reach a customer's inbox, by outbox event name. Nothing else is mailed: e-mail is for the
# few moments a customer acts on (keep the link, be at home, collect, check the proof), not every step.
MAIL_KINDS: dict[str, MailKind] = {
    "order.accepted": MailKind("confirmation", "confirmation", "{shop}: your order {number} is confirmed"),
    "order.shipped": MailKind("shipped", "shipped", "{shop}: your order {number} is on its way"),
    "order.part_shipped": MailKind("part_shipped", "shipped", "{shop}: part of your order {number} is on its way"),
    "order.delivery_failed": MailKind("failed_attempt", "failed_attempt",
                                      "{shop}: we could not deliver your order {number}"),
    "order.part_delivery_failed": MailKind("part_failed_attempt", "failed_attempt",
                                           "{shop}: we could not deliver one parcel of your order {number}"),
    "order.delivered": MailKind("delivered", "delivered", "{shop}: your order {number} has been delivered"),
    "order.part_delivered": MailKind("part_delivered", "delivered",
                                     "{shop}: one parcel of your order {number} has been delivered"),
}

# Mail servers are down for minutes, not seconds: a minute, doubling, at most an hour apart, for about a day.
MAIL_RETRY = RetryPolicy(base_seconds=MINUTE, cap_seconds=HOUR, max_attempts=30)


def mail_kind_of(event_name: str, aggregate: str) -> MailKind | None:
    """The e-mail an outbox event becomes, or None if customers are not mailed about it."""
    if aggregate != "order":
        return None
    return MAIL_KINDS.get(event_name)


def subject_for(kind: MailKind, *, number: str, shop: str) -> str:
    """The subject line: the shop's name first, so the customer knows who writes before opening it."""
    return kind.subject.format(number=number, shop=shop)


@dataclass(frozen=True)
class MailFate:
    """After one attempt: the message's status and, for a retry, when it is due again."""

    status: str  # "sent" | "pending" | "failed"
    retry_at: datetime | None = None


def after_smtp_reply(code: int | None, *, attempt: int, now: datetime,
                     policy: RetryPolicy = MAIL_RETRY) -> MailFate:
    """The fate of a message after attempt `attempt` got SMTP reply `code` (None: no server answered).

    RFC 5321: 2yz accepted; 4yz a transient failure (try again later); 5yz permanent (a wrong address will
    not become right). A server that cannot be reached is transient too, until the attempts run out.
    """
    if code is not None and 200 <= code < 300:
        return MailFate("sent")
    if code is not None and code >= 500:
        return MailFate("failed")
    if attempt >= policy.max_attempts:
        return MailFate("failed")
    return MailFate("pending", now + timedelta(seconds=policy.delay(attempt)))


def message_id_for(event_id: str, recipient: str, domain: str) -> str:
    """A Message-ID fixed by event and recipient: a copy sent again after a crash carries the same one,
    so mail programs that fold duplicates show it once."""
    digest = hashlib.sha256(f"{event_id}\n{recipient.lower()}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


# Tokens are secrets.token_urlsafe(24): 32 URL-safe characters. Anything else is not worth a query.
MAIL_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def new_mail_token() -> str:
    """The key of a customer's unsubscribe link: 192 random bits, like a tracking token."""
    return secrets.token_urlsafe(24)
