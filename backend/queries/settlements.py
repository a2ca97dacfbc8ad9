"""The office's read of cash settlements: per run and per driver, expected against counted, with notes."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..adapters.fulfilment_tables import cash_settlements, delivery_runs, run_stops
from ..adapters.records import OfficeException, User
from ..domain.delivery import CASH_OVER, CASH_SHORT


def _difference_exceptions(session, run_ids) -> dict[int, dict]:
    """The exception each unbalanced run opened, by run id (the run is named in the exception's data)."""
    if not run_ids:
        return {}
    resolver = aliased(User)
    rows = session.execute(sa.select(OfficeException, resolver.name)
                           .outerjoin(resolver, resolver.id == OfficeException.resolved_by_id)
                           .where(OfficeException.code.in_((CASH_SHORT, CASH_OVER)))
                           .order_by(OfficeException.id)).all()
    wanted = set(run_ids)
    found = {}
    for row, resolved_by in rows:
        run_id = (row.data or {}).get("run_id")
        if run_id in wanted:
            found[run_id] = {"id": row.id, "status": row.status, "resolution_note": row.resolution_note,
                             "resolved_by": resolved_by, "resolved_at": row.resolved_at}
    return found


def list_settlements(session, *, date_from: date | None = None, date_to: date | None = None,
                     driver_id: int | None = None, limit: int = 200) -> dict:
    """Settled runs newest first (by run date) and each driver's totals over the same runs.

    {"runs": [{run_id, run_date, driver_id, driver_name, stops, expected_minor, counted_minor, difference_minor,
    currency, note, settled_at, settled_by, balanced, exception}], "drivers": [{driver_id, driver_name, runs,
    expected_minor, counted_minor, difference_minor, currency}]}; `exception` is None for a balanced run.
    """
    driver, settler = aliased(User), aliased(User)
    stop_count = (sa.select(sa.func.count()).where(run_stops.c.run_id == delivery_runs.c.id)
                  .correlate(delivery_runs).scalar_subquery())
    query = (sa.select(cash_settlements, delivery_runs.c.run_date, delivery_runs.c.driver_id,
                       driver.name.label("driver_name"), settler.name.label("settled_by"),
                       stop_count.label("stops"))
             .join(delivery_runs, delivery_runs.c.id == cash_settlements.c.run_id)
             .outerjoin(driver, driver.id == delivery_runs.c.driver_id)
             .outerjoin(settler, settler.id == cash_settlements.c.settled_by_id))
    if date_from is not None:
        query = query.where(delivery_runs.c.run_date >= date_from)
    if date_to is not None:
        query = query.where(delivery_runs.c.run_date <= date_to)
    if driver_id is not None:
        query = query.where(delivery_runs.c.driver_id == driver_id)
    rows = session.execute(query.order_by(delivery_runs.c.run_date.desc(), cash_settlements.c.run_id.desc())
                           .limit(limit)).mappings().all()
    exceptions = _difference_exceptions(session, [r["run_id"] for r in rows if r["difference_minor"]])
    runs = [{"run_id": r["run_id"], "run_date": r["run_date"], "driver_id": r["driver_id"],
             "driver_name": r["driver_name"] or "No driver", "stops": r["stops"],
             "expected_minor": r["expected_minor"], "counted_minor": r["counted_minor"],
             "difference_minor": r["difference_minor"], "currency": r["currency"], "note": r["note"],
             "settled_at": r["settled_at"], "settled_by": r["settled_by"], "balanced": r["difference_minor"] == 0,
             "exception": exceptions.get(r["run_id"])} for r in rows]
    return {"runs": runs, "drivers": _per_driver(runs)}


def _per_driver(runs: list[dict]) -> list[dict]:
    """Each driver's totals (per currency), largest shortfall first so the office sees it at the top."""
    totals: dict = {}
    for r in runs:
        key = (r["driver_id"], r["currency"])
        total = totals.setdefault(key, {"driver_id": r["driver_id"], "driver_name": r["driver_name"], "runs": 0,
                                        "expected_minor": 0, "counted_minor": 0, "difference_minor": 0,
                                        "currency": r["currency"]})
        total["runs"] += 1
        for field in ("expected_minor", "counted_minor", "difference_minor"):
            total[field] += r[field]
    return sorted(totals.values(), key=lambda t: (t["difference_minor"], t["driver_name"]))
