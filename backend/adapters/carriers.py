"""Carriers: our own fleet (no HTTP, the label is ours) and an external carrier's JSON API.

The external carrier is the only outside edge of shipping; tests run a small real HTTP server for it.
"""
from __future__ import annotations

import base64
import binascii
import http.client
import json
import secrets
import socket
import urllib.error
import urllib.request
from typing import Protocol

from ..domain.shipping import (OWN_FLEET, CarrierError, CarrierLabel, CarrierRequest, sniff_label_format)


class Carrier(Protocol):
    """Anything that turns a shipment request into a tracking number and a label."""

    code: str
    name: str

    def create_label(self, request: CarrierRequest) -> CarrierLabel:
        """Book the shipment; raise CarrierError if the carrier refuses or fails."""


def _zpl_text(value: str) -> str:
    """ZPL field text without control characters (^ and ~ start commands)."""
    return "".join(ch for ch in str(value) if ch.isprintable() and ch not in "^~")[:40]


class OwnFleet:
    """Our own vans: the tracking number is random (not guessable from an order number), the label a
    ZPL thermal label with the address and a Code 128 barcode of the tracking number."""

    code = OWN_FLEET
    name = "Own fleet"

    def create_label(self, request: CarrierRequest) -> CarrierLabel:
        tracking = "WBF" + secrets.token_hex(6).upper()  # 48 random bits
        to = request.ship_to
        lines = [to.get("name", ""), to.get("line1", ""), to.get("line2", ""),
                 f"{to.get('postcode', '')} {to.get('city', '')}", to.get("country", "")]
        zpl = ["^XA", "^CI28", f"^FO40,30^A0N,40,40^FD{_zpl_text('WAYBILL OWN FLEET')}^FS",
               f"^FO40,80^A0N,30,30^FD{_zpl_text(request.reference)}^FS"]
        y = 140
        for text in filter(None, lines):
            zpl.append(f"^FO40,{y}^A0N,34,34^FD{_zpl_text(text)}^FS")
            y += 44
        zpl += [f"^FO40,{y + 20}^BY3^BCN,120,Y,N,N^FD{tracking}^FS",
                f"^FO40,{y + 190}^A0N,26,26^FD{len(request.parcels)} parcel(s)^FS", "^XZ"]
        return CarrierLabel(tracking, ("\n".join(zpl) + "\n").encode(), "zpl")


class HttpCarrier:
    """An external carrier's JSON API: POST {base}/shipments -> {tracking_number, label (base64), format}."""

    def __init__(self, code: str, name: str, base_url: str, api_key: str, *, timeout: float = 10.0):
        self.code = code
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def create_label(self, request: CarrierRequest) -> CarrierLabel:
        body = json.dumps(request.as_dict()).encode()
        http_request = urllib.request.Request(
            f"{self.base_url}/shipments", data=body, method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     "Authorization": f"Bearer {self.api_key}", "Idempotency-Key": request.reference})
        try:
            with urllib.request.urlopen(http_request, timeout=self.timeout) as response:
                raw = response.read(8 * 1024 * 1024 + 1)
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            if 400 <= exc.code < 500:
                raise CarrierError(f"{self.name} refused the shipment: {detail}", code="carrier.rejected", status=422,
                                   details={"carrier": self.code, "carrier_status": exc.code}) from exc
            raise CarrierError(f"{self.name} is failing (HTTP {exc.code}); try again in a few minutes.",
                               code="carrier.unavailable",
                               details={"carrier": self.code, "carrier_status": exc.code}) from exc
        except (socket.timeout, TimeoutError) as exc:
            raise CarrierError(f"{self.name} did not answer within {self.timeout:g} s; try again.",
                               code="carrier.timeout", status=504, details={"carrier": self.code}) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (socket.timeout, TimeoutError)):
                raise CarrierError(f"{self.name} did not answer within {self.timeout:g} s; try again.",
                                   code="carrier.timeout", status=504, details={"carrier": self.code}) from exc
            raise CarrierError(f"{self.name} cannot be reached; try again.", code="carrier.unavailable",
                               details={"carrier": self.code}) from exc
        except (OSError, http.client.HTTPException) as exc:  # reset, refused, cut-off answer
            raise CarrierError(f"{self.name} cannot be reached; try again.", code="carrier.unavailable",
                               details={"carrier": self.code}) from exc
        return self._parse(raw)

    def _parse(self, raw: bytes) -> CarrierLabel:
        bad = CarrierError(f"{self.name} sent an answer we cannot use; nothing was saved.",
                           code="carrier.bad_response", details={"carrier": self.code})
        if len(raw) > 8 * 1024 * 1024:
            raise bad
        try:
            data = json.loads(raw)
            tracking = str(data["tracking_number"]).strip()
            label = base64.b64decode(data["label"], validate=True)
            claimed = str(data.get("format", "")).lower()
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise bad from exc
        actual = sniff_label_format(label)
        if not tracking or len(tracking) > 64 or actual is None or (claimed and claimed != actual):
            raise bad
        return CarrierLabel(tracking, label, actual)


def _error_detail(exc: urllib.error.HTTPError) -> str:
    """The carrier's own words from a problem/JSON error body, else its HTTP reason."""
    try:
        body = json.loads(exc.read(64 * 1024) or b"{}")
        detail = body.get("detail") or body.get("message") or body.get("error")
        if detail:
            return str(detail)[:300]
    except (ValueError, AttributeError, OSError):
        pass
    return f"HTTP {exc.code}"


def build_carriers(config) -> dict:
    """The carriers this deployment can use, keyed by code: always our own fleet, and the external
    carrier when CARRIER_API_URL is set."""
    carriers = {OWN_FLEET: OwnFleet()}
    url = config.get("CARRIER_API_URL")
    if url:
        if not url.lower().startswith(("http://", "https://")):  # urllib would also open file: URLs
            raise RuntimeError(f"CARRIER_API_URL must be an http(s) URL, got {url!r}")
        code = config.get("CARRIER_CODE") or "express"
        carriers[code] = HttpCarrier(code, config.get("CARRIER_NAME") or code.replace("_", " ").title(), url,
                                     config.get("CARRIER_API_KEY") or "",
                                     timeout=float(config.get("CARRIER_TIMEOUT_SECONDS") or 10))
    return carriers
