"""The mail worker: turns published order events into e-mails for the customer and sends them over SMTP.

How an order e-mail travels (README, "E-mail to customers"):
1. A state change commits its domain event to the outbox; the outbox relay publishes it after commit.
2. `MailWorker.intake()` reads published events after its cursor, and for each that customers are mailed
   about (domain/order_mail.MAIL_KINDS) renders the message once and writes one `mail_message` row per
   (event id, address), then moves its cursor, in one transaction: nothing is lost if the process dies,
   nothing is written twice (the unique key refuses a second row for the same event and address). A
   customer who turned order e-mails off gets a `suppressed` row and no message.
3. `MailWorker.deliver_due()` leases due rows in publish order (one transaction), hands each to the sender
   outside any transaction, then records the answer: 2xx sent; no answer or 4xx tried again with backoff;
   5xx failed for good.

Never twice, and never lost: SMTP has no idempotency key, so one window cannot be closed: the server
accepted the message (250) and the process died before the row said "sent". We err on the side of
sending: the lease runs out and the message goes again, with the same Message-ID (mail programs fold
such a copy). The window is only the milliseconds between the server's 250 and our commit. Marking the
row "sending" before the send would close it the other way, by losing the message (a tracking link the
customer never gets) whenever a crash or an SMTP timeout leaves the outcome unknown.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.policy import SMTP

from ..domain.events import utcnow
from ..domain.failed_delivery import CUSTOMER_WORDS
from ..domain.order_mail import MAIL_RETRY, after_smtp_reply, mail_kind_of
from .mail_records import MailMessage
from .mail_render import MailRenderer
from .mail_repository import MailRepository
from .outbox_consumer import OutboxWorker

log = logging.getLogger(__name__)

# News older than this when the worker first sees it is not mailed (a worker turned on for a shop with a long
# history, or one that was away for days, must not send customers last week's "out for delivery").
MAX_NEWS_AGE = timedelta(days=2)


class MailWorker(OutboxWorker):
    """Intake (published events -> rendered messages) and delivery (send, record, retry) of order e-mails."""

    LEASE_SECONDS = 120  # longer than one SMTP conversation can take (the sender's timeout is 30 s)
    name = "mail worker"

    def __init__(self, session_factory, sender, renderer: MailRenderer, *, policy=MAIL_RETRY,
                 batch_size: int = 50, clock=utcnow):
        self.session_factory = session_factory
        self.sender = sender
        self.renderer = renderer
        self.policy = policy
        self.batch_size = batch_size
        self.clock = clock

    # -- intake (outbox_consumer.CursorIntake: the cursor, the batch and its transaction)
    intake_repository = delivery_repository = MailRepository

    def take_in_events(self, session, repo, events: list, now) -> int:
        """The e-mails a batch of published events becomes."""
        made = 0
        for event in events:
            made += self._take_in(repo, event, now)
        return made

    def _take_in(self, repo: MailRepository, event, now: datetime) -> int:
        kind = mail_kind_of(event.name, event.aggregate_type)
        if kind is None or event.aggregate_id is None or now - event.occurred_at > MAX_NEWS_AGE:
            return 0
        order = repo.order(event.aggregate_id)
        customer = repo.customer(order.customer_id) if order is not None else None
        if customer is None or not customer.email:
            return 0
        recipient = customer.email.lower()
        if repo.message_exists(event.event_id, recipient):  # published again after a relay crash
            return 0
        row = MailMessage(event_id=event.event_id, recipient=recipient, customer_id=order.customer_id,
                          order_id=order.id, sequence=event.publish_seq, kind=kind.key, subject="", message_id="",
                          content=b"", status="pending", attempts=0, last_error="", next_attempt_at=now,
                          created_at=now)
        if not customer.order_emails:
            row.status, row.finished_at, row.next_attempt_at = "suppressed", now, None
        else:
            try:
                message = self.renderer.render(kind, order=order, customer=customer, event_id=event.event_id,
                                               now=now, **self._facts(repo, kind.key, order, event))
            except Exception as exc:  # one broken message must not stop every later customer's mail
                log.exception("mail intake: could not build %s for order %s", kind.key, order.id)
                row.status, row.finished_at, row.next_attempt_at = "failed", now, None
                row.last_error = f"could not build the message: {exc}"[:500]
            else:
                row.subject, row.message_id = str(message["Subject"])[:300], str(message["Message-ID"])
                row.content = message.as_bytes(policy=SMTP)  # CRLF line ends, as SMTP carries them
        repo.add(row)
        return 1

    def _facts(self, repo: MailRepository, key: str, order, event) -> dict:
        """What each kind of message says beyond the order itself, read when the news is taken in."""
        data = event.payload or {}
        if key == "confirmation":
            lines = repo.lines(order.id)
            # Lines are shown with their tax, so delivery is too: what is left of the total (its net plus its tax).
            return {"lines": lines, "shipping_minor": order.total_minor - sum(line["total_minor"] for line in lines),
                    "placed_at": order.created_at}
        if key in ("shipped", "part_shipped"):
            shipment = repo.latest_shipment(order.id)
            carrier = data.get("carrier") or (shipment.carrier if shipment else "")
            number = data.get("tracking_number") or (shipment.tracking_number if shipment else "")
            visit = repo.next_visit(order.id) if carrier == "own_fleet" else None
            return {"part": key == "part_shipped", "own_fleet": carrier == "own_fleet",
                    "carrier": carrier.replace("_", " ").title(), "tracking_number": number,
                    "carrier_url": self.renderer.carrier_link(number) if carrier != "own_fleet" else "",
                    "eta": visit.eta if visit else None, "run_date": visit.run_date if visit else None}
        if key in ("failed_attempt", "part_failed_attempt"):
            attempts, limit = data.get("attempts"), data.get("max_attempts")
            last = isinstance(attempts, int) and isinstance(limit, int) and attempts >= limit
            return {"part": key == "part_failed_attempt", "attempted_at": event.occurred_at,
                    "next_step": CUSTOMER_WORDS["returned" if last else "delivery_failed"][1]}
        if key in ("delivered", "part_delivered"):
            stop_id = data.get("stop_id") if isinstance(data.get("stop_id"), int) else None
            proof = repo.proof(order.id, stop_id)
            photos = [] if proof is None or key != "delivered" else [
                self.renderer.links.photo(order.tracking_token, blob_id) for blob_id in proof.photo_blob_ids]
            return {"part": key == "part_delivered",
                    "proof": None if proof is None else {"recipient_name": proof.recipient_name,
                                                         "at": proof.occurred_at, "photo_urls": photos}}
        return {}

    # -- delivery (outbox_consumer.OutboxWorker: the lease, the loop)
    def lease(self, repo: MailRepository, now, lease_until) -> list[dict]:
        claimed = []
        for row in repo.claim_due(now, lease_until, self.batch_size):
            if not repo.wants_order_emails(row.customer_id):  # turned off after it was taken in
                row.status, row.finished_at, row.next_attempt_at = "suppressed", now, None
                continue
            claimed.append({"id": row.id, "recipient": row.recipient, "content": bytes(row.content),
                            "attempts": row.attempts})
        return claimed

    def deliver(self, message: dict) -> None:
        result = self.sender.send(message["recipient"], message["content"])
        done = self.clock()
        self.in_write(lambda repo: self._record(repo, message, result, done))

    def _record(self, repo: MailRepository, message: dict, result, done) -> None:
        row = repo.message(message["id"], for_update=True)
        if row is None or row.status != "pending":
            return
        row.attempts = message["attempts"] + 1
        row.last_error = (result.error or "")[:500]
        if result.filed:
            row.status, row.next_attempt_at, row.finished_at = "filed", None, done
            return
        fate = after_smtp_reply(result.code, attempt=row.attempts, now=done, policy=self.policy)
        row.status, row.next_attempt_at = fate.status, fate.retry_at
        if fate.status != "pending":
            row.finished_at = done
        else:
            log.warning("mail to customer not sent (%s); trying again at %s", result.error, fate.retry_at)
