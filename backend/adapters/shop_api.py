"""The shops' own APIs, spoken for channels out: set a product's stock level, record a parcel's fulfilment.

Shopify Admin REST (2024-07), header X-Shopify-Access-Token:
  stock       POST /admin/api/2024-07/inventory_levels/set.json {location_id, inventory_item_id, available}
  fulfilment  GET  /admin/api/2024-07/orders/{id}/fulfillments.json      (already there with our tracking? done)
              GET  /admin/api/2024-07/orders/{id}/fulfillment_orders.json (nothing open? done)
              GET  /admin/api/2024-07/orders/{id}.json?fields=line_items  (split order, a product not listed: SKUs)
              POST /admin/api/2024-07/fulfillments.json {fulfillment: {line_items_by_fulfillment_order,
                   tracking_info: {company, number, url}, notify_customer: true}}
                   (a parcel of a split order names its fulfillment order line items and quantities)
WooCommerce REST v3, HTTP Basic with the consumer key and secret:
  stock       PUT  /wp-json/wc/v3/products/{id} (a variation: /products/{parent}/variations/{id})
                   {manage_stock: true, stock_quantity}
  fulfilment  GET  /wp-json/wc/v3/orders/{id}/notes (our tracking number in a note already? no second note)
              POST /wp-json/wc/v3/orders/{id}/notes {note, customer_note: true}
              PUT  /wp-json/wc/v3/orders/{id} {status: completed}   (a split order: only with its last parcel)

A stock level is an absolute "set": sending it twice is harmless. A fulfilment looks before it creates, so a
retry after a lost answer finds its own work done and reports it delivered instead of shipping twice.
"""
from __future__ import annotations

import threading
import time
from urllib.parse import quote

import requests

from ..domain.channels_out import STOCK, Fulfilment, token_variable
from ..domain.shop_parcels import OPEN_FULFILMENT_ORDERS, ParcelItem, ParcelNotMatched, shopify_parcel_lines
from .webhook_sender import SendResult, refused_address
from .push import retry_after_seconds

SHOPIFY_API = "/admin/api/2024-07"
WOO_API = "/wp-json/wc/v3"


class ShopApi:
    """Sends one push to its shop over HTTP (no redirects followed, no proxy from the environment)."""

    def __init__(self, *, timeout: float = 10.0, allow_private: bool = False, tracking_url: str = ""):
        self.timeout = timeout
        self.allow_private = allow_private
        self.tracking_url = tracking_url  # e.g. "https://carrier.example/track/{number}"; empty: no link
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False
        return session

    def send(self, push: dict, token: str | None) -> SendResult:
        """Deliver a claimed push (see ChannelPushRepository.claim_due) with the channel's API token."""
        channel = push["channel"]
        refused = refused_address(channel["api_url"], allow_private=self.allow_private)
        if refused:
            return SendResult(None, error=refused[:500], permanent=refused.startswith("refused"))
        if not token:
            return SendResult(None, error=f"No API token: set {token_variable(channel['slug'])}.", permanent=True)
        shop = _Shopify(self, channel, token) if channel["kind"] == "shopify" else _WooCommerce(self, channel, token)
        if push["kind"] == STOCK:
            return shop.set_stock(push)
        number = push["tracking_number"]
        link = self.tracking_url.replace("{number}", quote(number, safe="")) if self.tracking_url else ""
        items = tuple(ParcelItem(**item) for item in push.get("items", ()))
        return shop.fulfil(Fulfilment(push["shop_order_id"], push["carrier"].replace("_", " ").title(), number, link,
                                      items, push.get("split", False), push.get("last", True)))

    def call(self, method: str, url: str, **kwargs) -> tuple[SendResult, object]:
        """One request: what it got back, and its JSON body (None if it had none)."""
        started = time.monotonic()
        try:
            response = self._session().request(method, url, timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            return SendResult(None, error=f"{type(exc).__name__}: {exc}"[:500],
                              duration_ms=int((time.monotonic() - started) * 1000)), None
        took = int((time.monotonic() - started) * 1000)
        error = "" if response.ok else f"{response.status_code} {response.reason} {response.text[:200]}".strip()
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        return SendResult(response.status_code, retry_after_seconds(response.headers.get("Retry-After")),
                          error[:500], duration_ms=took), body


def _ok(result: SendResult) -> bool:
    return result.status_code is not None and 200 <= result.status_code < 300


def _items(body, key: str | None = None) -> list[dict]:
    """The objects of a list in a shop's answer (under `key`), ignoring whatever else a broken answer holds."""
    found = body.get(key) if key and isinstance(body, dict) else body
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


class _Shopify:
    """Shopify Admin REST: a stock level set at the channel's location; a fulfilment of the open orders."""

    def __init__(self, api: ShopApi, channel: dict, token: str):
        self.api, self.base = api, channel["api_url"].rstrip("/") + SHOPIFY_API
        self.location_id = channel["location_id"]
        self.headers = {"X-Shopify-Access-Token": token, "Accept": "application/json"}

    def set_stock(self, push: dict) -> SendResult:
        if not self.location_id:
            return SendResult(None, error="No Shopify location set on the channel.", permanent=True)
        body = {"location_id": int(self.location_id), "inventory_item_id": int(push["item_id"]),
                "available": push["quantity"]}
        return self.api.call("POST", f"{self.base}/inventory_levels/set.json", json=body, headers=self.headers)[0]

    def fulfil(self, parcel: Fulfilment) -> SendResult:
        order = f"{self.base}/orders/{quote(parcel.shop_order_id, safe='')}"
        result, body = self.api.call("GET", f"{order}/fulfillments.json", headers=self.headers)
        if not _ok(result):
            return result
        number = parcel.tracking_number
        if any(number == f.get("tracking_number") or number in (f.get("tracking_numbers") or ())
               for f in _items(body, "fulfillments")):
            return result  # our earlier try went through; its answer was lost
        result, body = self.api.call("GET", f"{order}/fulfillment_orders.json", headers=self.headers)
        if not _ok(result):
            return result
        if parcel.split:
            result, open_orders = self._parcel_lines(order, parcel, _items(body, "fulfillment_orders"), result)
        else:
            open_orders = [{"fulfillment_order_id": fo.get("id")} for fo in _items(body, "fulfillment_orders")
                           if fo.get("status") in OPEN_FULFILMENT_ORDERS]
        if not open_orders:
            return result  # nothing left to fulfil (the shop counts it as sent), or the reason none can be named
        tracking = {"company": parcel.carrier, "number": parcel.tracking_number}
        if parcel.tracking_url:
            tracking["url"] = parcel.tracking_url
        payload = {"fulfillment": {"line_items_by_fulfillment_order": open_orders, "tracking_info": tracking,
                                   "notify_customer": True}}
        return self.api.call("POST", f"{self.base}/fulfillments.json", json=payload, headers=self.headers)[0]

    def _parcel_lines(self, order: str, parcel: Fulfilment, fulfillment_orders: list, result: SendResult):
        """(result, line items by fulfillment order) of one parcel of a split order; no lines with a failed result
        when the shop cannot be asked or a product cannot be recognised (never the whole order instead)."""
        sku_of_line_item = {}
        if any(not item.item_id for item in parcel.items):
            result, body = self.api.call("GET", f"{order}.json", params={"fields": "line_items"},
                                         headers=self.headers)
            if not _ok(result):
                return result, []
            order_body = body.get("order") if isinstance(body, dict) else None
            sku_of_line_item = {line.get("id"): line.get("sku") for line in _items(order_body, "line_items")}
        try:
            return result, shopify_parcel_lines(parcel.items, fulfillment_orders, sku_of_line_item)
        except ParcelNotMatched as exc:
            return SendResult(None, error=exc.message[:500], permanent=True), []


class _WooCommerce:
    """WooCommerce REST v3: a product's (or variation's) stock quantity; a customer note and the order completed."""

    def __init__(self, api: ShopApi, channel: dict, token: str):
        key, _, secret = token.partition(":")
        self.api, self.base, self.auth = api, channel["api_url"].rstrip("/") + WOO_API, (key, secret)

    def set_stock(self, push: dict) -> SendResult:
        path = (f"/products/{push['parent_id']}/variations/{push['item_id']}" if push.get("parent_id")
                else f"/products/{push['item_id']}")
        body = {"manage_stock": True, "stock_quantity": push["quantity"]}
        return self.api.call("PUT", self.base + path, json=body, auth=self.auth)[0]

    def fulfil(self, parcel: Fulfilment) -> SendResult:
        order = f"{self.base}/orders/{quote(parcel.shop_order_id, safe='')}"
        result, notes = self.api.call("GET", f"{order}/notes", auth=self.auth)
        if not _ok(result):
            return result
        if not any(parcel.tracking_number in str(n.get("note") or "") for n in _items(notes)):
            result = self.api.call("POST", f"{order}/notes", json={"note": parcel.note(), "customer_note": True},
                                   auth=self.auth)[0]
            if not _ok(result):
                return result
        if not parcel.last:
            return result  # a split order is completed by its last parcel only: earlier ones leave the status
        return self.api.call("PUT", order, json={"status": "completed"}, auth=self.auth)[0]
