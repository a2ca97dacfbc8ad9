"""What the office's order forms (phone order, counter sale) share: their rows of SKU and quantity, the product
finder, and the errors of the one schema (or the handler) put back beside the field they are about.

The form only maps its fields onto the API's shape; the schema in backend/edge/order_schemas.py decides.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from ..domain.access import OFFICE
from ..domain.errors import DomainError, Forbidden
from ..edge.problems import flatten_errors
from ..extensions import db
from ..identity import actor_for
from ..queries.catalogue import list_customers
from ..queries.counter import products_for_sale

bp = Blueprint("order_form", __name__, url_prefix="/orders/find")
MIN_ROWS = 3
MAX_ROWS = 200


@dataclass
class LineRows:
    """The form's rows of SKU and quantity as typed, and which row each line of the command came from."""

    rows: list = field(default_factory=list)  # [{"sku": str, "quantity": str}]
    used: list = field(default_factory=list)  # row index of each line sent

    def lines(self) -> list[dict]:
        """The filled rows in the API's shape; a quantity that is a whole number is sent as one (the schema judges)."""
        out, self.used = [], []
        for index, row in enumerate(self.rows):
            if not row["sku"].strip() and not row["quantity"].strip():
                continue
            quantity = row["quantity"].strip()
            out.append({"sku": row["sku"].strip(),
                        "quantity": int(quantity) if quantity.isdigit() and len(quantity) < 9 else quantity})
            self.used.append(index)
        return out

    def add_sku(self, sku: str) -> None:
        """One more of `sku`: its row's quantity goes up, else the first empty row (or a new one) takes it."""
        for row in self.rows:
            if row["sku"].strip().lower() == sku.lower():
                quantity = row["quantity"].strip()
                row["quantity"] = str(int(quantity) + 1) if quantity.isdigit() else "1"
                return
        for row in self.rows:
            if not row["sku"].strip():
                row.update(sku=sku, quantity=row["quantity"].strip() or "1")
                return
        if len(self.rows) < MAX_ROWS:
            self.rows.append({"sku": sku, "quantity": "1"})

    def add_row(self) -> None:
        """An empty row at the end."""
        if len(self.rows) < MAX_ROWS:
            self.rows.append({"sku": "", "quantity": ""})


def line_rows(form) -> LineRows:
    """The rows as posted (sku_0, qty_0, ...), at least MIN_ROWS of them."""
    count = min(int(form.get("rows", MIN_ROWS)) if str(form.get("rows", "")).isdigit() else MIN_ROWS, MAX_ROWS)
    rows = [{"sku": form.get(f"sku_{i}", ""), "quantity": form.get(f"qty_{i}", "")} for i in range(count)]
    while len(rows) < MIN_ROWS:
        rows.append({"sku": "", "quantity": ""})
    return LineRows(rows)


def field_errors(messages, rows: LineRows, renamed: dict[str, str] | None = None) -> dict[str, str]:
    """Schema or handler errors by the form's own field names: lines.1.sku -> sku_<row>, others renamed."""
    out = {}
    for key, value in flatten_errors(messages).items():  # a handler's {path: sentence} flattens the same way
        text = " ".join(value)
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows.used):
            row = rows.used[int(parts[1])]
            key = f"{'qty' if parts[2] == 'quantity' else parts[2]}_{row}"
        else:
            key = (renamed or {}).get(key, key)
        out[key] = f"{out[key]} {text}" if key in out else text
    return out


def domain_errors(error: DomainError, rows: LineRows, renamed: dict[str, str] | None = None) -> dict[str, str]:
    """A handler's refusal beside its fields; one without a field goes at the top of the form."""
    errors = field_errors(error.errors, rows, renamed) if error.errors else {}
    errors.setdefault("_form", error.message)
    return errors


def require_office() -> None:
    """Only the owner and managers take orders and sales (the handlers check again)."""
    if actor_for(current_user).role not in OFFICE:
        raise Forbidden("Only the owner and managers take orders here.")


@bp.get("/products")
@login_required
def products():
    """Live product results for the order forms: name, SKU or barcode, with what is on the shelf."""
    require_office()
    q = request.args.get("product_q", "")[:100]
    return render_template("order_form/_products.html", products=product_matches(q), product_q=q)


@bp.get("/customers")
@login_required
def customers():
    """Live customer results for the phone order: name, e-mail or phone."""
    require_office()
    q = request.args.get("customer_q", "")[:100]
    return render_template("order_form/_customers.html", customers=customer_matches(q), customer_q=q)


def product_matches(q: str) -> list[dict]:
    """Products matching what was typed or scanned (at most 20), with units free in all warehouses."""
    store = current_app.config.get("WAYBILL_STORE_WAREHOUSE") or None
    return products_for_sale(db.session, q, store) if q.strip() else []


def customer_matches(q: str) -> list:
    """Customers matching a name, e-mail or phone (at most 20)."""
    return list_customers(db.session, q.strip())[:20] if q.strip() else []
