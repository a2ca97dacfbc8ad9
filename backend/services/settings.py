"""Business settings handed to handlers (built from config by the composition root)."""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.payments import RiskPolicy
from ..domain.pricing import ShippingPolicy, TaxPolicy


@dataclass(frozen=True)
class Settings:
    """Everything a handler needs to know about how this shop works."""

    currency: str
    tax: TaxPolicy
    shipping: ShippingPolicy
    risk: RiskPolicy
    allocation_strategy: str
    split_min_line_minor: int

    @classmethod
    def from_config(cls, config) -> "Settings":
        """Read the WAYBILL_* values of a Flask config mapping."""
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
        )
