"""Business settings handed to handlers (built from config by the composition root)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from ..domain.payments import RiskPolicy
from ..domain.pricing import ShippingPolicy, TaxPolicy
from .ports import ImportFiles, PasswordHasher, PaymentGateway


@dataclass(frozen=True)
class Settings:
    """Everything a handler needs to know about how this shop works."""

    currency: str
    tax: TaxPolicy
    shipping: ShippingPolicy
    risk: RiskPolicy
    allocation_strategy: str
    split_min_line_minor: int
    # Shipping & dispatch: carriers by code (adapters), average van speed, minutes per stop, and when a planned
    # run leaves unless it has its own start: a time on the shop's clock in the shop's zone (right across
    # daylight-saving changes), or, only where the older setting is configured, an hour in UTC.
    carriers: dict = field(default_factory=dict, compare=False, hash=False)
    dispatch_speed_kmh: float = 30.0
    dispatch_service_minutes: float = 5.0
    dispatch_start_time: time = time(8, 0)
    dispatch_start_hour_utc: int | None = None
    timezone: str = "Europe/London"
    # Failed delivery attempts after which a parcel goes back to the sender by itself.
    max_delivery_attempts: int = 3
    # Packing: dimensional weight = L x W x H (cm3) / this divisor (kg); mm3 / divisor is grams.
    dim_weight_divisor: int = 5000
    # How long after a cancel or reject the office may still undo it (domain/order_undo.py).
    undo_seconds: int = 30
    # Outgoing webhooks may name loopback and private addresses (tests, a receiver on the same host).
    webhooks_allow_private: bool = False
    # The point of sale: the code of the warehouse that is the shop's store (its shelf is what the counter
    # sells from; None: no counter), and the customer a sale without a named customer is recorded under.
    store_warehouse_code: str | None = None
    walk_in_email: str = "walk-in@counter.invalid"
    # Hashes new passwords (adapters: argon2), built by the wiring like the carriers.
    passwords: PasswordHasher | None = field(default=None, compare=False, hash=False)
    # The card and wallet provider (adapters/payment_gateway.py); None when none is configured: card and
    # PayPal payments then wait for a person, nothing is taken or pretended taken.
    payment_gateway: PaymentGateway | None = field(default=None, compare=False, hash=False)
    # How each kind of shop channel sends orders (adapters/channel_payloads.py), keyed by kind; built by the wiring.
    channel_payloads: dict = field(default_factory=dict, compare=False, hash=False)
    # Where uploaded CSV files are kept (adapters: the blob storage), built by the wiring.
    import_files: ImportFiles | None = field(default=None, compare=False, hash=False)

    @classmethod
    def from_config(cls, config, carriers: dict | None = None, passwords: PasswordHasher | None = None,
                    payment_gateway: PaymentGateway | None = None,
                    channel_payloads: dict | None = None,
                    import_files: ImportFiles | None = None) -> "Settings":
        """Read the WAYBILL_* values of a Flask config mapping; `carriers` and `passwords` are built by the wiring."""
        return cls(
            currency=config["WAYBILL_CURRENCY"],
            tax=TaxPolicy(dict(config["WAYBILL_TAX_RATES"]), config["WAYBILL_DEFAULT_TAX_BPS"]),
            shipping=ShippingPolicy(config["WAYBILL_SHIPPING_BASE_MINOR"],
                                    config["WAYBILL_SHIPPING_PER_KG_MINOR"],
                                    config["WAYBILL_FREE_SHIPPING_OVER_MINOR"]),
            risk=RiskPolicy(config["WAYBILL_RISK_MAX_ORDER_MINOR"], config["WAYBILL_RISK_VELOCITY_LIMIT"],
                            config["WAYBILL_RISK_VELOCITY_WINDOW_MINUTES"]),
            allocation_strategy=config["WAYBILL_ALLOCATION_STRATEGY"],
            split_min_line_minor=config["WAYBILL_SPLIT_MIN_LINE_MINOR"],
            carriers=dict(carriers or {}),
            dispatch_speed_kmh=float(config.get("WAYBILL_DISPATCH_SPEED_KMH", 30)),
            dispatch_service_minutes=float(config.get("WAYBILL_DISPATCH_SERVICE_MINUTES", 5)),
            dispatch_start_time=time.fromisoformat(config.get("WAYBILL_DISPATCH_START_TIME") or "08:00"),
            dispatch_start_hour_utc=(None if config.get("WAYBILL_DISPATCH_START_HOUR_UTC") is None
                                     else int(config["WAYBILL_DISPATCH_START_HOUR_UTC"])),
            timezone=config.get("WAYBILL_TIMEZONE") or "Europe/London",
            dim_weight_divisor=int(config.get("WAYBILL_DIM_WEIGHT_DIVISOR", 5000)),
            undo_seconds=int(config.get("WAYBILL_UNDO_SECONDS", 30)),
            max_delivery_attempts=int(config.get("WAYBILL_MAX_DELIVERY_ATTEMPTS", 3)),
            webhooks_allow_private=bool(config.get("WAYBILL_WEBHOOKS_ALLOW_PRIVATE", False)),
            store_warehouse_code=config.get("WAYBILL_STORE_WAREHOUSE") or None,
            walk_in_email=config.get("WAYBILL_WALK_IN_EMAIL", "walk-in@counter.invalid"),
            passwords=passwords,
            payment_gateway=payment_gateway,
            channel_payloads=dict(channel_payloads or {}),
            import_files=import_files,
        )
