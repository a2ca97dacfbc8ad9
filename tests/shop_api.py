"""A small REAL shop API for tests (http.server in a thread) speaking both shapes channels out uses.

Shopify Admin REST 2024-07 (X-Shopify-Access-Token): inventory_levels/set.json, an order (its line items),
its fulfillments.json and fulfillment_orders.json, fulfillments.json (whole fulfillment orders, or some units of
their line items: each line keeps its fulfillable quantity, and its order closes when nothing is left).
WooCommerce REST v3 (HTTP Basic, consumer key and secret): products and variations (stock), an order's notes,
the order's status. It keeps state (levels per inventory item, stock per product, fulfilments and notes per
order), refuses a wrong credential with 401, and can be told to answer the next calls with a status (500,
429...) without acting, or to act and then drop the answer.
"""
from __future__ import annotations

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SHOPIFY_TOKEN = "shpat_test_waybill_token"
WOO_KEY, WOO_SECRET = "ck_test_waybill", "cs_test_waybill"
WOO_TOKEN = f"{WOO_KEY}:{WOO_SECRET}"
DROP = "drop"  # an outcome: act on the request, then close the connection without an answer

_SHOPIFY = "/admin/api/2024-07"
_WOO = "/wp-json/wc/v3"


class ShopApiServer:
    """Start with `start()` (or `with`); `url` is its base address. State is plain dicts a test reads."""

    def __init__(self):
        self.levels: dict[tuple[int, int], int] = {}  # (location_id, inventory_item_id) -> available
        self.fulfillment_orders: dict[str, list[dict]] = {}  # Shopify order id -> [{id, status, line_items}]
        self.order_lines: dict[str, list[dict]] = {}  # Shopify order id -> its line items [{id, sku, quantity}]
        self.fulfillments: dict[str, list[dict]] = {}  # Shopify order id -> fulfilments made
        self.woo_stock: dict[str, dict] = {}  # "123" or "parent/variation" -> {manage_stock, stock_quantity}
        self.woo_orders: dict[str, dict] = {}  # WooCommerce order id -> {status}
        self.woo_notes: dict[str, list[dict]] = {}
        self.requests: list[tuple[str, str, object]] = []  # (method, path, body) as they came
        self.scripts: list[tuple[str, str, list]] = []  # (method, path pattern, outcomes left) a test asked for
        self.retry_after: str | None = None  # sent with a scripted 429
        self.lock = threading.Lock()  # one request at a time changes the shop's state
        shop = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                shop._handle(self)

            do_POST = do_PUT = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01},
                                       name="shop-api", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "ShopApiServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- test set-up and checks -------------------------------------------------------------------------------
    def shopify_order(self, order_id: str, *fulfillment_order_ids: int, lines=()) -> None:
        """A Shopify order waiting to be fulfilled, with its open fulfillment orders; `lines`: the order's
        (line item id, SKU, inventory item id, quantity), all assigned to its first fulfillment order."""
        self.fulfillment_orders[order_id] = [{"id": i, "status": "open", "line_items": []}
                                             for i in fulfillment_order_ids]
        first = self.fulfillment_orders[order_id][0]
        for line_item_id, _, inventory_item_id, quantity in lines:
            first["line_items"].append({"id": line_item_id + 10_000, "fulfillment_order_id": first["id"],
                                        "line_item_id": line_item_id, "inventory_item_id": inventory_item_id,
                                        "quantity": quantity, "fulfillable_quantity": quantity})
        self.order_lines[order_id] = [{"id": line_item_id, "sku": sku, "quantity": quantity}
                                      for line_item_id, sku, _, quantity in lines]
        self.fulfillments[order_id] = []

    def woo_order(self, order_id: str) -> None:
        """A WooCommerce order in processing."""
        self.woo_orders[order_id] = {"status": "processing"}
        self.woo_notes[order_id] = []

    def fail_next(self, *outcomes, method: str = "", path: str = "") -> None:
        """The next calls (those with `method` and a path matching `path`, if given), one outcome each: a status
        answered without acting, or DROP (act, then no answer)."""
        self.scripts.append((method, path, list(outcomes)))

    def _scripted(self, method: str, path: str):
        for wanted, pattern, outcomes in self.scripts:
            if outcomes and wanted in ("", method) and re.search(pattern, path):
                return outcomes.pop(0)
        return None

    def calls(self, method: str, pattern: str) -> list:
        """Bodies of the requests whose path matches `pattern`."""
        return [body for m, path, body in self.requests if m == method and re.search(pattern, path)]

    # -- serving ----------------------------------------------------------------------------------------------
    def _handle(self, handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        with self.lock:
            self.requests.append((handler.command, handler.path, body))
            outcome = self._scripted(handler.command, handler.path)
            if outcome is not None and outcome != DROP:
                status, payload = outcome, {"errors": "scripted failure"}
            elif not self._authorized(handler):
                status, payload = 401, {"errors": "[API] Invalid API key or access token"}
            else:
                status, payload = self._answer(handler.command, handler.path, body)
        if outcome == DROP:
            handler.close_connection = True
            return
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        if status == 429 and self.retry_after:
            handler.send_header("Retry-After", self.retry_after)
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def _authorized(handler) -> bool:
        if handler.path.startswith(_SHOPIFY):
            return handler.headers.get("X-Shopify-Access-Token") == SHOPIFY_TOKEN
        expected = "Basic " + base64.b64encode(WOO_TOKEN.encode()).decode()
        return handler.headers.get("Authorization") == expected

    def _answer(self, method: str, path: str, body) -> tuple[int, object]:
        path = path.partition("?")[0]  # the only query asked for (fields=line_items) changes nothing here
        route = (method, path)
        if route == ("POST", f"{_SHOPIFY}/inventory_levels/set.json"):
            key = (body["location_id"], body["inventory_item_id"])
            self.levels[key] = body["available"]
            return 200, {"inventory_level": {"location_id": key[0], "inventory_item_id": key[1],
                                             "available": body["available"]}}
        if match := re.fullmatch(rf"{_SHOPIFY}/orders/(\w+)/(fulfillments|fulfillment_orders)\.json", path):
            order_id, what = match.groups()
            if method != "GET" or order_id not in self.fulfillment_orders:
                return 404, {"errors": "Not Found"}
            listing = self.fulfillments if what == "fulfillments" else self.fulfillment_orders
            return 200, {what: listing[order_id]}
        if match := re.fullmatch(rf"{_SHOPIFY}/orders/(\w+)\.json", path):
            if method != "GET" or match.group(1) not in self.order_lines:
                return 404, {"errors": "Not Found"}
            return 200, {"order": {"id": int(match.group(1)), "line_items": self.order_lines[match.group(1)]}}
        if route == ("POST", f"{_SHOPIFY}/fulfillments.json"):
            return self._fulfil(body["fulfillment"])
        if match := re.fullmatch(rf"{_WOO}/products/(\d+)(?:/variations/(\d+))?", path):
            parent, variation = match.groups()
            key = f"{parent}/{variation}" if variation else parent
            self.woo_stock[key] = {"manage_stock": body["manage_stock"], "stock_quantity": body["stock_quantity"]}
            return 200, {"id": int(variation or parent), **self.woo_stock[key]}
        if match := re.fullmatch(rf"{_WOO}/orders/(\d+)(/notes)?", path):
            order_id, notes = match.groups()
            if order_id not in self.woo_orders:
                return 404, {"code": "woocommerce_rest_shop_order_invalid_id"}
            if notes and method == "GET":
                return 200, self.woo_notes[order_id]
            if notes and method == "POST":
                note = {"id": len(self.woo_notes[order_id]) + 1, **body}
                self.woo_notes[order_id].append(note)
                return 201, note
            if method == "PUT":
                self.woo_orders[order_id].update(body)
                return 200, {"id": int(order_id), **self.woo_orders[order_id]}
        return 404, {"errors": "Not Found"}

    def _fulfil(self, fulfillment: dict) -> tuple[int, object]:
        asked = fulfillment["line_items_by_fulfillment_order"]
        asked_ids = [item["fulfillment_order_id"] for item in asked]
        order_id = next((o for o, fos in self.fulfillment_orders.items() if any(fo["id"] in asked_ids for fo in fos)),
                        None)
        if order_id is None:
            return 404, {"errors": "Not Found"}
        by_id = {fo["id"]: fo for fo in self.fulfillment_orders[order_id]}
        taken = []  # (fulfillment order line item, units): checked whole before anything changes
        for item in asked:
            fo = by_id.get(item["fulfillment_order_id"])
            if fo is None or fo["status"] not in ("open", "in_progress"):
                return 422, {"errors": ["Fulfillment order is not open"]}
            lines = {line["id"]: line for line in fo["line_items"]}
            wanted = item.get("fulfillment_order_line_items") or [
                {"id": line["id"], "quantity": line["fulfillable_quantity"]} for line in fo["line_items"]
                if line["fulfillable_quantity"]]
            for want in wanted:
                line = lines.get(want["id"])
                if line is None or not 0 < want["quantity"] <= line["fulfillable_quantity"]:
                    return 422, {"errors": ["Invalid fulfillment order line item quantity requested."]}
                taken.append((line, want["quantity"]))
        for line, units in taken:
            line["fulfillable_quantity"] -= units
        for fo_id in asked_ids:
            fo = by_id[fo_id]
            fo["status"] = "in_progress" if any(line["fulfillable_quantity"] for line in fo["line_items"]) else "closed"
        tracking = fulfillment.get("tracking_info") or {}
        made = {"id": 1000 + sum(len(f) for f in self.fulfillments.values()), "status": "success",
                "tracking_company": tracking.get("company"), "tracking_number": tracking.get("number"),
                "tracking_numbers": [tracking["number"]] if tracking.get("number") else [],
                "tracking_url": tracking.get("url"), "notify_customer": fulfillment.get("notify_customer"),
                "line_items": [{"id": line["line_item_id"], "quantity": units} for line, units in taken]}
        self.fulfillments[order_id].append(made)
        return 201, {"fulfillment": made}
