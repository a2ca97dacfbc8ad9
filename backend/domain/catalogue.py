"""Products, warehouses, bins, customers, addresses and sales channels."""
from __future__ import annotations

import math
from enum import Enum

from .errors import InvalidOrder
from .money import Money


class Channel(str, Enum):
    """Where an order came from."""

    WEB_SHOP = "web_shop"
    MARKETPLACE = "marketplace"
    POS = "pos"
    PHONE = "phone"
    API = "api"
    SHOPIFY = "shopify"  # a configured Shopify shop's webhooks (domain/channel_intake.py)
    WOOCOMMERCE = "woocommerce"  # a configured WooCommerce shop's webhooks
    CSV = "csv"  # a file of orders a manager imported (channel_order_id: the file's order reference)


class Product:
    """A sellable item with its price, weight (grams) and dimensions (millimetres)."""

    id = None  # given when stored

    def __init__(self, sku: str, name: str, price_minor: int, currency: str, *, brand: str = "",
                 category: str = "", weight_g: int = 0, length_mm: int = 0, width_mm: int = 0,
                 height_mm: int = 0, barcode: str | None = None, active: bool = True):
        if price_minor < 0:
            raise InvalidOrder("price cannot be negative", field="price_minor")
        self.sku = sku
        self.name = name
        self.brand = brand
        self.category = category
        self.price_minor = price_minor
        self.currency = currency
        self.weight_g = weight_g
        self.length_mm = length_mm
        self.width_mm = width_mm
        self.height_mm = height_mm
        self.barcode = barcode
        self.active = active

    @property
    def price(self) -> Money:
        """The unit price as Money."""
        return Money(self.price_minor, self.currency)


class Address:
    """A postal address; coordinates are optional and make warehouse choice precise."""

    def __init__(self, name: str, line1: str, city: str, postcode: str, country: str, *,
                 line2: str = "", phone: str = "", latitude: float | None = None,
                 longitude: float | None = None):
        self.name = name
        self.line1 = line1
        self.line2 = line2
        self.city = city
        self.postcode = postcode
        self.country = country.upper()
        self.phone = phone
        self.latitude = latitude
        self.longitude = longitude

    def as_dict(self) -> dict:
        """A JSON-safe copy, used to snapshot the address onto an order."""
        return {k: getattr(self, k) for k in ("name", "line1", "line2", "city", "postcode",
                                              "country", "phone", "latitude", "longitude")}


class Warehouse:
    """A place that holds stock, with an address and coordinates for distance ranking."""

    id = None  # given when stored

    def __init__(self, code: str, name: str, address: dict, latitude: float, longitude: float,
                 active: bool = True):
        self.code = code
        self.name = name
        self.address = address
        self.latitude = latitude
        self.longitude = longitude
        self.active = active


class BinLocation:
    """A shelf position inside a warehouse (e.g. 'A-01-03'); pick lists are sorted by it."""

    id = None  # given when stored

    def __init__(self, warehouse_id: int, code: str):
        self.warehouse_id = warehouse_id
        self.code = code


class Customer:
    """A buyer, with their addresses kept as JSON snapshots."""

    id = None  # given when stored

    def __init__(self, email: str, name: str, phone: str = "", addresses: list | None = None):
        self.email = email.lower()
        self.name = name
        self.phone = phone
        self.addresses = addresses or []

    def set_order_emails(self, on: bool, now) -> bool:
        """Turn the customer's order e-mails on or off; False if they already were (nothing changes)."""
        if getattr(self, "order_emails", True) == on:
            return False
        self.order_emails, self.order_emails_changed_at = on, now
        return True


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); good enough to rank warehouses, not to route vans."""
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
