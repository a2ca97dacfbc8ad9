"""What the driver's pages show: today's run, each stop with its address, cash, proof and attempts."""
from __future__ import annotations

from datetime import date
from urllib.parse import quote_plus

import sqlalchemy as sa

from ..adapters.fulfilment_tables import cash_settlements, delivery_attempts, delivery_proofs, delivery_runs, run_stops
from ..adapters.tables import customers, orders
from ..adapters.mappings import reader
from ..adapters.records import OfficeException
from ..domain.failed_delivery import RETURNED_TO_SENDER
from ..domain.delivery import FAIL_REASONS, Blob


def run_of_stop(session, stop_id: int) -> int | None:
    """The run a stop is on, or None when there is no such stop."""
    return session.execute(sa.select(run_stops.c.run_id).where(run_stops.c.id == stop_id)).scalar_one_or_none()


def blob(session, blob_id: str) -> Blob | None:
    """An uploaded image's record, or None."""
    return reader(session).get(Blob, blob_id)


def current_run_id(session, driver_id: int, today: date) -> int | None:
    """The driver's run for today; else their latest run that is not done (a run that ran past midnight)."""
    today_run = session.execute(sa.select(delivery_runs.c.id).where(
        delivery_runs.c.driver_id == driver_id, delivery_runs.c.run_date == today)
        .order_by(delivery_runs.c.id.desc()).limit(1)).scalar_one_or_none()
    if today_run is not None:
        return today_run
    return session.execute(sa.select(delivery_runs.c.id).where(
        delivery_runs.c.driver_id == driver_id, delivery_runs.c.status != "done")
        .order_by(delivery_runs.c.run_date.desc(), delivery_runs.c.id.desc()).limit(1)).scalar_one_or_none()


def run_header(session, run_id: int) -> dict | None:
    """The run's own row (id, driver, date, status, version) and its settlement, if any."""
    row = session.execute(sa.select(delivery_runs).where(delivery_runs.c.id == run_id)).mappings().one_or_none()
    if row is None:
        return None
    settlement = session.execute(sa.select(cash_settlements).where(cash_settlements.c.run_id == run_id)
                                 ).mappings().one_or_none()
    return {**row, "settlement": dict(settlement) if settlement else None}


def _address_lines(address: dict) -> list[str]:
    parts = [address.get("line1"), address.get("line2"), " ".join(filter(None, [address.get("postcode"),
                                                                              address.get("city")]))]
    return [p for p in parts if p]


def _map_url(address: dict) -> str:
    """A link any phone's maps app opens: coordinates when known, else the written address."""
    if address.get("latitude") is not None and address.get("longitude") is not None:
        query = f"{address['latitude']},{address['longitude']}"
    else:
        query = ", ".join(_address_lines(address) + [address.get("country", "")])
    return "https://www.google.com/maps/search/?api=1&query=" + quote_plus(query)


def stops(session, run_id: int, stop_id: int | None = None) -> list[dict]:
    """The run's stops in visiting order (or the one stop), with what the page shows about each."""
    query = (sa.select(run_stops, orders.c.shipping_address, orders.c.status.label("order_status"),
                       orders.c.payment_method, customers.c.name.label("customer_name"),
                       customers.c.phone.label("customer_phone"))
             .join(orders, orders.c.id == run_stops.c.order_id)
             .join(customers, customers.c.id == orders.c.customer_id)
             .where(run_stops.c.run_id == run_id).order_by(run_stops.c.position))
    if stop_id is not None:
        query = query.where(run_stops.c.id == stop_id)
    rows = [dict(r) for r in session.execute(query).mappings()]
    ids = [r["id"] for r in rows]
    proofs = session.execute(sa.select(delivery_proofs).where(delivery_proofs.c.stop_id.in_(ids))
                             .order_by(delivery_proofs.c.id)).mappings().all() if ids else []
    attempts = session.execute(sa.select(delivery_attempts).where(delivery_attempts.c.stop_id.in_(ids))
                               .order_by(delivery_attempts.c.id)).mappings().all() if ids else []
    order_ids = [r["order_id"] for r in rows]
    problems = session.execute(sa.select(OfficeException.order_id, OfficeException.message).where(
        OfficeException.order_id.in_(order_ids), OfficeException.status == "open",
        # The office's own news (a parcel sent back at the limit) is not the driver's to look at.
        OfficeException.code != RETURNED_TO_SENDER)).all() if order_ids else []
    for row in rows:
        address = row.pop("shipping_address") or {}
        row["number"] = f"WB-{row['order_id']:06d}"
        row["recipient"] = address.get("name") or row["customer_name"]
        row["address_lines"] = _address_lines(address)
        row["map_url"] = _map_url(address)
        row["phone"] = address.get("phone") or row["customer_phone"] or ""
        row["proofs"] = [dict(p) for p in proofs if p["stop_id"] == row["id"]]
        row["attempts"] = [{**a, "reason_text": FAIL_REASONS.get(a["reason"], a["reason"])}
                           for a in attempts if a["stop_id"] == row["id"]]
        primary = [p for p in row["proofs"] if not p["extra_evidence"]]
        row["cod_collected_minor"] = primary[0]["cod_collected_minor"] if primary else None
        row["office_problems"] = [message for order_id, message in problems if order_id == row["order_id"]]
    return rows
