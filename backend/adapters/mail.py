"""E-mail to customers over SMTP (stdlib smtplib), or into a folder when no mail server is configured; and the
composition of the mail worker for `make run`'s thread and its own process (`flask --app backend mail worker`).

Settings (environment, read by backend/config.py):
  MAIL_SMTP_HOST        the SMTP server; empty: nothing is sent, each message is written to MAIL_OUTBOX_DIR
  MAIL_SMTP_PORT        587 (25 for a local relay, 465 with MAIL_SMTP_SSL=1)
  MAIL_SMTP_USER / MAIL_SMTP_PASSWORD   optional login
  MAIL_SMTP_STARTTLS    1 (default): upgrade to TLS before logging in; 0 for a local relay
  MAIL_SMTP_SSL         1: TLS from the first byte (port 465)
  MAIL_FROM             the From address (default: WAYBILL_SHOP_EMAIL), shown with WAYBILL_SHOP_NAME
  MAIL_OUTBOX_DIR       where messages go when no server is configured (default: instance/mail-outbox)
  WAYBILL_PUBLIC_URL    the shop's address as customers reach it, for the links in messages
  CARRIER_TRACKING_URL  the carrier's tracking page, "{number}" standing for the tracking number
"""
from __future__ import annotations

import smtplib
import ssl
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..domain.order_mail import mail_kind_of
from ..domain.timefmt import ShopClock
from .mail_render import MailLinks, MailRenderer, MailShop


@dataclass(frozen=True)
class MailResult:
    """One send: the SMTP reply code (None: no server answered), what went wrong, or `filed` into the folder."""

    code: int | None
    error: str = ""
    filed: bool = False


class SmtpSender:
    """Sends one message per SMTP conversation (orders trickle in; a pooled connection would go stale)."""

    def __init__(self, host: str, port: int, *, user: str = "", password: str = "", starttls: bool = True,
                 implicit_tls: bool = False, envelope_from: str, timeout: float = 30.0):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.implicit_tls, self.envelope_from, self.timeout = starttls, implicit_tls, envelope_from, timeout

    def send(self, recipient: str, content: bytes) -> MailResult:
        """Hand the message to the server; 250 on acceptance, else the server's code (or None) and why."""
        try:
            smtp = (smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
                    if self.implicit_tls else smtplib.SMTP(self.host, self.port, timeout=self.timeout))
        except (OSError, smtplib.SMTPException) as exc:
            return MailResult(None, f"cannot reach {self.host}:{self.port}: {type(exc).__name__}: {exc}")
        try:
            try:
                smtp.ehlo()
                if self.starttls and not self.implicit_tls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password)
            except (OSError, smtplib.SMTPException) as exc:
                # Our side (TLS, password) is wrong or the server is unwell: not the customer's address, so retried.
                return MailResult(None, f"{type(exc).__name__}: {exc}")
            try:
                smtp.sendmail(self.envelope_from, [recipient], content)
            except smtplib.SMTPRecipientsRefused as exc:
                code, reply = next(iter(exc.recipients.values()))
                return MailResult(code, f"recipient refused: {code} {_text(reply)}")
            except smtplib.SMTPSenderRefused as exc:  # our From address: a setting to fix, so tried again later
                return MailResult(None, f"sender refused: {exc.smtp_code} {_text(exc.smtp_error)}")
            except smtplib.SMTPResponseException as exc:
                return MailResult(exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}")
            except (OSError, smtplib.SMTPException) as exc:
                return MailResult(None, f"{type(exc).__name__}: {exc}")
            return MailResult(250)
        finally:
            try:
                smtp.quit()  # the message is accepted already: a failed goodbye changes nothing
            except (OSError, smtplib.SMTPException):
                smtp.close()


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class FolderSender:
    """No mail server configured (`make run`): each message becomes an .eml file the office can open.

    The row says `filed`, never `sent`: nobody received it.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def send(self, recipient: str, content: bytes) -> MailResult:
        """Write the message to the folder (a new file each time; a crash leaves at most a second copy)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{uuid.uuid4().hex}.eml"
        try:
            path.write_bytes(content)
        except OSError as exc:
            return MailResult(None, f"cannot write {path}: {exc}")
        return MailResult(None, f"no mail server configured: written to {path}", filed=True)


# -- composition ----------------------------------------------------------------------------------------------
def _setting(config, name: str, default: str = "") -> str:
    return str(config.get(name) or default)


def sender_for(config, instance_path: str):
    """The app's sender: SMTP when MAIL_SMTP_HOST is set, else the outbox folder."""
    host = _setting(config, "MAIL_SMTP_HOST")
    if not host:
        return FolderSender(_setting(config, "MAIL_OUTBOX_DIR", str(Path(instance_path) / "mail-outbox")))
    implicit = _setting(config, "MAIL_SMTP_SSL", "0") == "1"
    return SmtpSender(host, int(_setting(config, "MAIL_SMTP_PORT", "465" if implicit else "587")),
                      user=_setting(config, "MAIL_SMTP_USER"), password=_setting(config, "MAIL_SMTP_PASSWORD"),
                      starttls=_setting(config, "MAIL_SMTP_STARTTLS", "1") == "1", implicit_tls=implicit,
                      envelope_from=_setting(config, "MAIL_FROM", config["WAYBILL_SHOP_EMAIL"]),
                      timeout=float(_setting(config, "MAIL_TIMEOUT_SECONDS", "30")))


def links_for(app) -> MailLinks:
    """Absolute URLs to the app's own routes, as customers reach the shop (WAYBILL_PUBLIC_URL)."""
    public = urlsplit(_setting(app.config, "WAYBILL_PUBLIC_URL", "http://127.0.0.1:5000"))
    urls = app.url_map.bind(public.netloc, script_name=public.path or "/", url_scheme=public.scheme or "https")

    def build(endpoint, **values):
        return urls.build(endpoint, values, force_external=True)
    return MailLinks(tracking=lambda token: build("tracking.show", token=token),
                     photo=lambda token, blob_id: build("tracking.proof_photo", token=token, blob_id=blob_id),
                     unsubscribe=lambda mail_token: build("order_emails.unsubscribe", token=mail_token))


def renderer_for(app) -> MailRenderer:
    """The renderer in the shop's name, colour, clock and links."""
    config = app.config
    shop = MailShop(name=config["WAYBILL_SHOP_NAME"], colour=config["WAYBILL_SHOP_COLOUR"],
                    email=config["WAYBILL_SHOP_EMAIL"], phone=config["WAYBILL_SHOP_PHONE"],
                    from_address=_setting(config, "MAIL_FROM", config["WAYBILL_SHOP_EMAIL"]),
                    clock=ShopClock(config.get("WAYBILL_TIMEZONE", "Europe/London"), config.get("WAYBILL_LOCALE", "en_GB")),
                    carrier_tracking_url=_setting(config, "CARRIER_TRACKING_URL"))
    return MailRenderer(shop, links_for(app))


def mail_worker_for_app(app, sender=None, **options):
    """A MailWorker on the app's database with its sender (SMTP or the outbox folder)."""
    from sqlalchemy.orm import Session

    from ..extensions import db
    from .mail_worker import MailWorker
    with app.app_context():
        engine = db.engine
    return MailWorker(lambda: Session(engine, expire_on_commit=False),
                      sender or sender_for(app.config, app.instance_path), renderer_for(app), **options)


class MailDispatcher:
    """A publish callable for the outbox relay: wakes the mail worker when a batch holds news customers get."""

    def __init__(self, wake: threading.Event | None = None):
        self.wake = wake or threading.Event()

    def __call__(self, batch) -> None:
        if any(mail_kind_of(event.name, event.aggregate) is not None for event in batch):
            self.wake.set()


def start_mail_thread(app, *, idle_seconds: float = 1.0, sender=None):
    """Run the mail worker in a daemon thread; returns (dispatcher, stop). Give the dispatcher to the relay."""
    worker = mail_worker_for_app(app, sender)
    dispatcher, stop = MailDispatcher(), threading.Event()

    def work():
        with app.app_context():
            worker.run_until(stop, wake=dispatcher.wake, idle_seconds=idle_seconds)

    threading.Thread(target=work, name="waybill-mail-worker", daemon=True).start()
    return dispatcher, stop
