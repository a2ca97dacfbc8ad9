"""A shop that sends webhooks: Shopify and WooCommerce order payloads in their documented shapes, signed as the
shops sign them (base64 HMAC-SHA256 of the raw body with the shared secret), for tests and the benchmark."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid

SHOPIFY_SECRET = "shpss_test_0123456789abcdef"
WOO_SECRET = "woo-test-secret-0123456789"


def signature(secret: str, body: bytes) -> str:
    """What the shop puts in X-Shopify-Hmac-Sha256 / X-WC-Webhook-Signature."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_order(order_id: int = 820982911946154508, *, lines=(("MUG", 2, "12.00"),), total="33.99",
                  subtotal="24.00", tax="4.00", shipping="5.99", currency="GBP", email="jon@example.com",
                  address=None, gateway="shopify_payments", note="Leave with the neighbour") -> dict:
    """A Shopify orders/create (or orders/cancelled) payload: the REST Order resource."""
    shipping_address = address if address is not None else {
        "first_name": "Jon", "last_name": "Snow", "name": "Jon Snow", "address1": "12 Elm Street",
        "address2": "", "city": "Leeds", "zip": "LS1 4AP", "province": "England", "country": "United Kingdom",
        "country_code": "GB", "phone": "+44 113 496 0000", "company": None, "latitude": 53.8, "longitude": -1.55}
    return {
        "id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}", "name": f"#{1000 + order_id % 1000}",
        "order_number": 1000 + order_id % 1000, "email": email, "contact_email": email, "currency": currency,
        "presentment_currency": currency, "financial_status": "paid", "total_price": total, "subtotal_price": subtotal,
        "total_tax": tax, "total_discounts": "0.00", "taxes_included": False, "note": note,
        "payment_gateway_names": [gateway], "gateway": gateway, "cancelled_at": None, "cancel_reason": None,
        "total_shipping_price_set": {"shop_money": {"amount": shipping, "currency_code": currency},
                                     "presentment_money": {"amount": shipping, "currency_code": currency}},
        "shipping_lines": [{"title": "Standard", "price": shipping, "code": "STANDARD"}],
        "line_items": [{"id": 466157049 + i, "variant_id": 39072856 + i, "product_id": 632910392 + i, "title": sku.title(),
                        "name": sku.title(), "sku": sku, "quantity": qty, "price": price, "grams": 350,
                        "requires_shipping": True, "taxable": True}
                       for i, (sku, qty, price) in enumerate(lines)],
        "customer": {"id": 115310627314723954, "email": email, "first_name": "Jon", "last_name": "Snow",
                     "phone": None, "currency": currency},
        "shipping_address": shipping_address, "billing_address": dict(shipping_address),
    }


def woo_order(order_id: int = 727, *, lines=(("MUG", 2, 12.0),), total="33.99", tax="4.00", shipping="5.99",
              currency="GBP", email="john.doe@example.com", country="GB", method="stripe", note="") -> dict:
    """A WooCommerce order.created payload: the v3 REST order."""
    address = {"first_name": "John", "last_name": "Doe", "company": "", "address_1": "969 Market Street",
               "address_2": "", "city": "Leeds", "state": "", "postcode": "LS1 4AP", "country": country}
    return {
        "id": order_id, "parent_id": 0, "number": str(order_id), "order_key": "wc_order_58d2d042d1d",
        "created_via": "checkout", "version": "9.4.0", "status": "processing", "currency": currency,
        "date_created": "2026-12-03T09:28:02", "date_created_gmt": "2026-12-03T09:28:02", "discount_total": "0.00",
        "discount_tax": "0.00", "shipping_total": shipping, "shipping_tax": "0.00", "cart_tax": tax, "total": total,
        "total_tax": tax, "prices_include_tax": False, "customer_id": 0, "customer_note": note,
        "billing": {**address, "email": email, "phone": "(555) 555-5555"}, "shipping": {**address, "phone": ""},
        "payment_method": method, "payment_method_title": method.title(), "transaction_id": "",
        "line_items": [{"id": 315 + i, "name": sku.title(), "product_id": 93 + i, "variation_id": 0, "quantity": qty,
                        "tax_class": "", "subtotal": f"{qty * price:.2f}", "subtotal_tax": "0.00",
                        "total": f"{qty * price:.2f}", "total_tax": "0.00", "taxes": [], "meta_data": [],
                        "sku": sku, "price": price}
                       for i, (sku, qty, price) in enumerate(lines)],
        "shipping_lines": [{"id": 317, "method_title": "Flat Rate", "method_id": "flat_rate", "total": shipping}],
    }


def shopify_headers(body: bytes, topic: str = "orders/create", *, secret: str = SHOPIFY_SECRET,
                    webhook_id: str | None = None) -> dict:
    """The headers Shopify sends with a delivery, signed with `secret` (None: unsigned)."""
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic,
               "X-Shopify-Shop-Domain": "waybill-test.myshopify.com", "X-Shopify-API-Version": "2025-10",
               "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()), "X-Shopify-Triggered-At": "2026-12-03T09:28:02Z"}
    if secret is not None:
        headers["X-Shopify-Hmac-Sha256"] = signature(secret, body)
    return headers


def woo_headers(body: bytes, topic: str = "order.created", *, secret: str = WOO_SECRET) -> dict:
    """The headers WooCommerce sends with a delivery, signed with `secret` (None: unsigned)."""
    headers = {"Content-Type": "application/json", "X-WC-Webhook-Source": "https://shop.example.com/",
               "X-WC-Webhook-Topic": topic, "X-WC-Webhook-Resource": topic.split(".")[0],
               "X-WC-Webhook-Event": topic.split(".")[1], "X-WC-Webhook-ID": "12",
               "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex}
    if secret is not None:
        headers["X-WC-Webhook-Signature"] = signature(secret, body)
    return headers


def body_of(payload: dict) -> bytes:
    """The raw body as a shop sends it (compact JSON)."""
    return json.dumps(payload, separators=(",", ":")).encode()
