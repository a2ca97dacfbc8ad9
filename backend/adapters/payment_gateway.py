"""The card and wallet provider's JSON API: the only outside edge of payments (tests run a small real server).

The provider's API, as this adapter speaks it (all amounts in minor units, Bearer secret key, every POST
with an Idempotency-Key: the provider answers a repeated key with its first answer, so a retry never
charges twice):

    POST {base}/authorizations              {amount, currency, payment_method: card|wallet, token, reference}
    POST {base}/authorizations/{id}/capture {amount, currency}
    POST {base}/authorizations/{id}/void    {}
    POST {base}/captures/{id}/refund        {amount, currency}

Approved: 200/201 {id, status, amount}. Declined: 402 {status: "declined", decline_code, message}.
"""
from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.parse
import urllib.request

from ..domain.payment_ledger import GatewayAnswer, PaymentGatewayUnavailable

WALLET_METHODS = {"card": "card", "paypal": "wallet"}


class HttpPaymentGateway:
    """Authorize, capture, void and refund through the provider's HTTP API."""

    def __init__(self, base_url: str, secret_key: str, *, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.secret_key = secret_key
        self.timeout = timeout

    def authorize(self, *, amount_minor: int, currency: str, method: str, token: str, reference: str,
                  idempotency_key: str) -> GatewayAnswer:
        """Ask the provider to hold the order's total on the buyer's card or wallet."""
        return self._post("/authorizations", {"amount": amount_minor, "currency": currency,
                                              "payment_method": WALLET_METHODS.get(method, method),
                                              "token": token, "reference": reference}, idempotency_key)

    def capture(self, authorization_id: str, *, amount_minor: int, currency: str,
                idempotency_key: str) -> GatewayAnswer:
        """Take `amount_minor` of what the authorization holds."""
        return self._post(f"/authorizations/{_segment(authorization_id)}/capture",
                          {"amount": amount_minor, "currency": currency}, idempotency_key)

    def void(self, authorization_id: str, *, idempotency_key: str) -> GatewayAnswer:
        """Release what the authorization still holds."""
        return self._post(f"/authorizations/{_segment(authorization_id)}/void", {}, idempotency_key)

    def refund(self, capture_id: str, *, amount_minor: int, currency: str, idempotency_key: str) -> GatewayAnswer:
        """Give back part or all of one capture."""
        return self._post(f"/captures/{_segment(capture_id)}/refund",
                          {"amount": amount_minor, "currency": currency}, idempotency_key)

    def _post(self, path: str, payload: dict, idempotency_key: str) -> GatewayAnswer:
        request = urllib.request.Request(
            f"{self.base_url}{path}", data=json.dumps(payload).encode(), method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     "Authorization": f"Bearer {self.secret_key}", "Idempotency-Key": idempotency_key})
        unavailable = PaymentGatewayUnavailable("The payment provider cannot be reached; nothing was charged. "
                                                "Try again in a few minutes.")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _approved(response.read(1024 * 1024))
        except urllib.error.HTTPError as exc:
            if exc.code in (402, 422):  # a decline: the provider's answer, not a failure
                return _declined(exc.read(64 * 1024))
            unavailable.details = {"provider_status": exc.code}
            raise unavailable from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:  # timeout, refused, reset, bad JSON
            raise unavailable from exc


def _segment(reference: str) -> str:
    """A provider id as one path segment (never a way to another path)."""
    return urllib.parse.quote(str(reference), safe="")


def _approved(raw: bytes) -> GatewayAnswer:
    data = json.loads(raw or b"{}")
    reference = str(data.get("id") or "")
    if not reference or not isinstance(data.get("amount", 0), int):
        raise ValueError("the provider's answer has no id")
    return GatewayAnswer(True, reference, int(data.get("amount") or 0), message=str(data.get("status") or ""))


def _declined(raw: bytes) -> GatewayAnswer:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        data = {}
    code = str(data.get("decline_code") or "declined")[:64]
    return GatewayAnswer(False, str(data.get("id") or ""), decline_code=code,
                         message=str(data.get("message") or "The payment was declined.")[:300])


def build_payment_gateway(config) -> HttpPaymentGateway | None:
    """The provider's adapter when PAYMENT_GATEWAY_URL is set, else None (no gateway: people confirm payments)."""
    url = config.get("PAYMENT_GATEWAY_URL")
    if not url:
        return None
    if not url.lower().startswith(("http://", "https://")):  # urllib would also open file: URLs
        raise RuntimeError(f"PAYMENT_GATEWAY_URL must be an http(s) URL, got {url!r}")
    return HttpPaymentGateway(url, config.get("PAYMENT_GATEWAY_SECRET_KEY") or "",
                              timeout=float(config.get("PAYMENT_GATEWAY_TIMEOUT_SECONDS") or 10))
