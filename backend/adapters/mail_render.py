"""Order e-mails as the customer reads them: a multipart/alternative message (plain text, then HTML) from the
templates in pwa/templates/mail, in the shop's name and colour, times on the shop's clock, money as money.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..domain.colours import link_on_white, text_on
from ..domain.money import format_money
from ..domain.order_mail import MailKind, message_id_for, subject_for
from ..domain.timefmt import ShopClock

TEMPLATES = Path(__file__).resolve().parents[2] / "pwa" / "templates" / "mail"


@dataclass(frozen=True)
class MailShop:
    """Who writes: the shop's name, colour and contact, the From address, and how its links are made."""

    name: str
    colour: str
    email: str
    phone: str
    from_address: str
    clock: ShopClock = field(default_factory=ShopClock)
    carrier_tracking_url: str = ""  # e.g. "https://carrier.example/track/{number}"; empty: number only

    @property
    def domain(self) -> str:
        """The From address's domain, for Message-IDs."""
        return self.from_address.rpartition("@")[2] or "localhost"


@dataclass(frozen=True)
class MailLinks:
    """Absolute URLs of the pages a message links to (built by the wiring from the app's routes)."""

    tracking: object  # (token) -> URL of the order's tracking page
    photo: object  # (token, blob_id) -> URL of a delivery photo
    unsubscribe: object  # (mail_token) -> URL of the one-click unsubscribe page


class MailRenderer:
    """Builds one order e-mail from its kind and the facts the worker read."""

    def __init__(self, shop: MailShop, links: MailLinks):
        self.shop, self.links = shop, links
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                               autoescape=select_autoescape(enabled_extensions=("html",), default=False),
                               trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
        self.env.filters["money"] = lambda minor, currency: format_money(int(minor), currency)
        self.env.filters["shop_time"] = lambda moment: self.shop.clock.date_time(moment)
        self.env.filters["shop_day"] = lambda day: self.shop.clock.date(day)

    def render(self, kind: MailKind, *, order, customer, event_id: str, now: datetime, **facts) -> EmailMessage:
        """The message for `kind` about `order` to `customer` (email, name, mail_token), with the kind's facts."""
        unsubscribe = self.links.unsubscribe(customer.mail_token)
        context = {"shop": self.shop, "brand_ink": text_on(self.shop.colour), "brand_link": link_on_white(self.shop.colour),
                   "kind": kind.key, "number": order.number, "name": customer.name,
                   "currency": order.currency, "total_minor": order.total_minor,
                   "tracking_url": self.links.tracking(order.tracking_token), "unsubscribe_url": unsubscribe,
                   **facts}
        subject = subject_for(kind, number=order.number, shop=self.shop.name)
        context["subject"] = subject
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = formataddr((self.shop.name, self.shop.from_address))
        message["To"] = formataddr((customer.name, customer.email))
        message["Reply-To"] = self.shop.email
        message["Date"] = format_datetime(now)
        message["Message-ID"] = message_id_for(event_id, customer.email, self.shop.domain)
        # RFC 2369 and RFC 8058: mail programs show their own unsubscribe button, which POSTs to the link.
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
        # Quoted-printable keeps the message 7-bit clean with short lines: any SMTP server takes it as it is.
        message.set_content(self.env.get_template(f"{kind.template}.txt").render(context), cte="quoted-printable")
        message.add_alternative(self.env.get_template(f"{kind.template}.html").render(context), subtype="html",
                                cte="quoted-printable")
        return message

    def carrier_link(self, tracking_number: str) -> str:
        """The carrier's own tracking page for a parcel, if the shop configured its address."""
        template = self.shop.carrier_tracking_url
        return template.replace("{number}", tracking_number) if template and tracking_number else ""
