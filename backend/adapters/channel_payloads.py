"""What Shopify and WooCommerce send: their webhook headers and order payloads, mapped to a ChannelOrder.

Field names as the shops document them: Shopify's `orders/create` and `orders/cancelled` webhooks (the REST
Order resource: line_items[].sku/quantity/price, shipping_address.address1/zip/country_code, total_price,
subtotal_price, total_tax, total_shipping_price_set, payment_gateway_names) and WooCommerce's `order.created`
(the v3 REST order: line_items[].sku/quantity/price, shipping.address_1/postcode/country, billing.email, total,
total_tax, shipping_total, payment_method, customer_note). A mapping never refuses a payload: what it cannot
read becomes a reason of the intake exception the order waits in.
"""
from __future__ import annotations

from ..domain.channel_intake import ChannelKind, ChannelLine, ChannelOrder, to_minor
from ..domain.payments import PaymentMethod


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _quantity(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _coordinate(value):
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


class _SignedShop:
    """What every shop's webhook carries in its headers, by the names that shop gives them.

    Each shop names four headers (`*_header`): the base64 HMAC-SHA256 of the raw body, the topic, the
    delivery's id (the same on every retry) and the sending shop. The shop's own order id is the body's `id`.
    """

    signature_header = topic_header = delivery_header = source_header = ""

    @classmethod
    def signature(cls, headers: dict) -> str | None:
        """The signature header: base64 HMAC-SHA256 of the raw body."""
        return headers.get(cls.signature_header)

    @classmethod
    def topic(cls, headers: dict) -> str:
        """What happened (orders/create, order.created)."""
        return _text(headers.get(cls.topic_header))

    @classmethod
    def delivery_id(cls, headers: dict) -> str:
        """The delivery's id: the same for every retry of one delivery."""
        return _text(headers.get(cls.delivery_header))[:100]

    @classmethod
    def source(cls, headers: dict) -> str:
        """The shop that sent it (its domain or address)."""
        return _text(headers.get(cls.source_header))[:200]

    @staticmethod
    def order_id(payload: dict) -> str:
        """The shop's own id of the order (what a re-sent webhook is recognised by)."""
        return _text(_dict(payload).get("id"))[:100]

    create_topics: frozenset = frozenset()
    cancel_topics: frozenset = frozenset()

    @classmethod
    def cancels(cls, topic: str, payload) -> bool:
        """Whether this delivery says the shop cancelled the order."""
        return topic in cls.cancel_topics


class Shopify(_SignedShop):
    """Shopify's webhooks: X-Shopify-* headers, the REST Order resource as the body."""

    signature_header, topic_header = "x-shopify-hmac-sha256", "x-shopify-topic"
    delivery_header, source_header = "x-shopify-webhook-id", "x-shopify-shop-domain"
    kind = ChannelKind.SHOPIFY
    create_topics = frozenset({"orders/create"})
    cancel_topics = frozenset({"orders/cancelled"})

    @staticmethod
    def order_from(payload: dict) -> ChannelOrder:
        """An orders/create payload in Waybill's words."""
        payload = _dict(payload)
        currency = _text(payload.get("currency")).upper()
        customer = _dict(payload.get("customer"))
        shipping = _dict(payload.get("shipping_address"))
        billing = _dict(payload.get("billing_address"))
        lines = tuple(ChannelLine(_text(item.get("sku")), _quantity(item.get("quantity")),
                                  to_minor(item.get("price"), currency), _text(item.get("title") or item.get("name")))
                      for item in map(_dict, _list(payload.get("line_items"))))
        shipping_money = _dict(_dict(payload.get("total_shipping_price_set")).get("shop_money")).get("amount")
        shipping_minor = (to_minor(shipping_money, currency) if shipping_money is not None else
                          sum(to_minor(line.get("price"), currency) or 0
                              for line in map(_dict, _list(payload.get("shipping_lines")))))
        gateways = ([_text(name) for name in _list(payload.get("payment_gateway_names"))]
                    or [_text(payload.get("gateway"))])
        name = " ".join(filter(None, (_text(customer.get("first_name")), _text(customer.get("last_name")))))
        return ChannelOrder(
            channel_order_id=Shopify.order_id(payload), number=_text(payload.get("name")), lines=lines,
            shipping_address=Shopify.address(shipping), billing_address=Shopify.address(billing) if billing else None,
            email=_text(payload.get("email") or payload.get("contact_email") or customer.get("email")).lower(),
            customer_name=name or _text(shipping.get("name")),
            phone=_text(payload.get("phone") or customer.get("phone")),
            currency=currency, total_minor=to_minor(payload.get("total_price"), currency),
            subtotal_minor=to_minor(payload.get("subtotal_price"), currency),
            tax_minor=to_minor(payload.get("total_tax"), currency), shipping_minor=shipping_minor,
            payment_method=payment_method(gateways), note=_text(payload.get("note"))[:2000])

    @staticmethod
    def address(address: dict) -> dict:
        """A Shopify address (address1, zip, country_code) as Waybill's (line1, postcode, country)."""
        name = _text(address.get("name")) or " ".join(
            filter(None, (_text(address.get("first_name")), _text(address.get("last_name")))))
        return {"name": name, "line1": _text(address.get("address1")), "line2": _text(address.get("address2")),
                "city": _text(address.get("city")), "postcode": _text(address.get("zip")),
                "country": _text(address.get("country_code")).upper(), "phone": _text(address.get("phone")),
                "latitude": _coordinate(address.get("latitude")), "longitude": _coordinate(address.get("longitude"))}


class WooCommerce(_SignedShop):
    """WooCommerce's webhooks: X-WC-Webhook-* headers, the v3 REST order as the body."""

    signature_header, topic_header = "x-wc-webhook-signature", "x-wc-webhook-topic"
    delivery_header, source_header = "x-wc-webhook-delivery-id", "x-wc-webhook-source"
    kind = ChannelKind.WOOCOMMERCE
    create_topics = frozenset({"order.created"})

    @classmethod
    def cancels(cls, topic: str, payload) -> bool:
        """WooCommerce has no cancel topic: a cancel is an `order.updated` whose order is now `cancelled`
        (the shop sends one for every change; the others are news Waybill does not act on)."""
        return topic == "order.updated" and _text(_dict(payload).get("status")) == "cancelled"

    @staticmethod
    def order_from(payload: dict) -> ChannelOrder:
        """An order.created payload in Waybill's words."""
        payload = _dict(payload)
        currency = _text(payload.get("currency")).upper()
        billing = _dict(payload.get("billing"))
        shipping = _dict(payload.get("shipping"))
        items = list(map(_dict, _list(payload.get("line_items"))))
        lines = tuple(ChannelLine(_text(item.get("sku")), _quantity(item.get("quantity")),
                                  to_minor(item.get("price"), currency), _text(item.get("name")))
                      for item in items)
        subtotals = [to_minor(item.get("subtotal"), currency) for item in items]
        return ChannelOrder(
            channel_order_id=WooCommerce.order_id(payload), number=_text(payload.get("number")), lines=lines,
            shipping_address=WooCommerce.address(shipping or billing, phone=billing.get("phone")),
            billing_address=WooCommerce.address(billing) if billing else None,
            email=_text(billing.get("email")).lower(),
            customer_name=" ".join(filter(None, (_text(billing.get("first_name")), _text(billing.get("last_name"))))),
            phone=_text(billing.get("phone")), currency=currency, total_minor=to_minor(payload.get("total"), currency),
            subtotal_minor=None if None in subtotals or not subtotals else sum(subtotals),
            tax_minor=to_minor(payload.get("total_tax"), currency),
            shipping_minor=to_minor(payload.get("shipping_total"), currency),
            payment_method=payment_method([_text(payload.get("payment_method"))]),
            note=_text(payload.get("customer_note"))[:2000])

    @staticmethod
    def address(address: dict, phone=None) -> dict:
        """A WooCommerce address (address_1, postcode, country) as Waybill's."""
        return {"name": " ".join(filter(None, (_text(address.get("first_name")), _text(address.get("last_name"))))),
                "line1": _text(address.get("address_1")), "line2": _text(address.get("address_2")),
                "city": _text(address.get("city")), "postcode": _text(address.get("postcode")),
                "country": _text(address.get("country")).upper(), "phone": _text(address.get("phone") or phone),
                "latitude": None, "longitude": None}


def payment_method(gateways: list[str]) -> str:
    """Waybill's payment method for a shop's gateway names (Shopify: 'shopify_payments', 'paypal', 'Cash on
    Delivery (COD)', 'manual'; WooCommerce: 'stripe', 'ppcp-gateway', 'bacs', 'cod', 'cheque')."""
    words = " ".join(gateways).lower()
    if "paypal" in words or "ppcp" in words:
        return PaymentMethod.PAYPAL.value
    if "cod" in words.replace("(", " ").replace(")", " ").split() or "cash on delivery" in words:
        return PaymentMethod.CASH_ON_DELIVERY.value
    if "bacs" in words or "bank" in words or "cheque" in words or "manual" in words:
        return PaymentMethod.BANK_TRANSFER.value
    return PaymentMethod.CARD.value


# The wiring hands these to the handlers (Settings.channel_payloads), keyed by ChannelKind value.
CHANNEL_PAYLOADS = {ChannelKind.SHOPIFY.value: Shopify, ChannelKind.WOOCOMMERCE.value: WooCommerce}
