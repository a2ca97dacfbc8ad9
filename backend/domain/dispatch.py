"""Delivery runs: a driver's day of own-fleet stops, ordered nearest-neighbour, reorderable by the driver."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum

from .catalogue import distance_km
from .errors import DomainError
from .events import RecordsEvents, utcnow
from .timefmt import shop_moment


class RunStatus(str, Enum):
    """A run is planned by the office, goes out with the driver, and is done at the end of the day."""

    PLANNED = "planned"
    OUT = "out"
    DONE = "done"


class StopStatus(str, Enum):
    """A stop waits, then is delivered or failed (the driver's proof of delivery sets those)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class DispatchError(DomainError):
    """A run cannot change as asked."""

    code = "run.invalid"
    status = 409

    def __init__(self, message: str, *, status: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        if status is not None:
            self.status = status


@dataclass(frozen=True)
class Point:
    """Something to visit: `key` identifies it, coordinates may be unknown."""

    key: object
    latitude: float | None
    longitude: float | None

    @property
    def located(self) -> bool:
        """True when both coordinates are known."""
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class RoutePlan:
    """Keys in visiting order, and the keys put last because their address has no coordinates."""

    order: tuple
    unlocated: tuple


def nearest_neighbour(origin: tuple[float, float], points: list[Point]) -> RoutePlan:
    """Visit the nearest not-yet-visited point each time, starting from `origin` (the warehouse).

    Points without coordinates cannot be placed: they go last, in the order given, and are named
    in `unlocated` so the page can say so. Ties keep the order given (stable, testable).
    """
    here = origin
    left = [p for p in points if p.located]
    order = []
    while left:
        best = min(left, key=lambda p: distance_km(here[0], here[1], p.latitude, p.longitude))
        order.append(best.key)
        left.remove(best)
        here = (best.latitude, best.longitude)
    unlocated = tuple(p.key for p in points if not p.located)
    return RoutePlan(tuple(order) + unlocated, unlocated)


def estimate_etas(origin: tuple[float, float], points: list[Point], start: datetime, *,
                  speed_kmh: float, service_minutes: float) -> list[datetime | None]:
    """Arrival time at each point in the given order: straight-line distance at `speed_kmh`, plus
    `service_minutes` spent at every stop before leaving it. A point without coordinates gets None
    (it is not known how far it is) and the next one is timed from the last known place."""
    if speed_kmh <= 0:
        raise ValueError("average speed must be positive")
    here, clock, etas = origin, start, []
    for p in points:
        if not p.located:
            etas.append(None)
            continue
        clock = clock + timedelta(hours=distance_km(here[0], here[1], p.latitude, p.longitude) / speed_kmh)
        etas.append(clock)
        clock = clock + timedelta(minutes=service_minutes)
        here = (p.latitude, p.longitude)
    return etas


class RunStop:
    """One shipment to hand over on a run, at `position` (1..n); cash to collect if COD."""

    id = None  # given when stored
    run_id = None  # set when its run is stored

    def __init__(self, *, shipment_id: int, order_id: int, position: int, cod_due_minor: int = 0,
                 currency: str = "GBP", delivery_notes: str = "", eta: datetime | None = None):
        if cod_due_minor < 0:
            raise DispatchError("Cash to collect cannot be negative.", field="cod_due_minor")
        self.shipment_id = shipment_id
        self.order_id = order_id
        self.position = position
        self.status = StopStatus.PENDING.value
        self.eta = eta
        self.cod_due_minor = cod_due_minor
        self.currency = currency
        self.delivery_notes = delivery_notes
        self.version = 1

    @property
    def pending(self) -> bool:
        """True until delivered or failed."""
        return self.status == StopStatus.PENDING.value


class DeliveryRun(RecordsEvents):
    """A driver's run for one day from one warehouse; `version` moves on every change of its stops."""

    id = None  # given when stored

    aggregate_type = "delivery_run"

    def __init__(self, *, driver_id: int, warehouse_id: int, run_date: date, planned_start: time | None = None):
        self.driver_id = driver_id
        self.warehouse_id = warehouse_id
        self.run_date = run_date
        # When the run leaves, on the shop's clock; None: the shop's usual start (settings).
        self.planned_start = planned_start
        self.status = RunStatus.PLANNED.value
        self.version = 1
        self.created_at = utcnow()
        self.stops = []
        self.events = []

    # -- queries -------------------------------------------------------------------------------
    @property
    def ordered_stops(self) -> list[RunStop]:
        """Stops by position."""
        return sorted(self.stops, key=lambda s: s.position)

    @property
    def next_stop(self) -> RunStop | None:
        """The first stop still to visit, in the driver's order (None when every stop is done)."""
        return next((s for s in self.ordered_stops if s.pending), None)

    def stop(self, stop_id: int) -> RunStop:
        """The stop with this id on this run."""
        for s in self.stops:
            if getattr(s, "id", None) == stop_id:
                return s
        raise DispatchError("No such stop on this run.", code="run.unknown_stop", field="stop_id")

    # -- changes -------------------------------------------------------------------------------
    def _require(self, *statuses: RunStatus, doing: str) -> None:
        if self.status not in {s.value for s in statuses}:
            raise DispatchError(f"This run is {self.status}: cannot {doing}.", code="run.not_editable",
                                details={"status": self.status})

    def add_stop(self, stop: RunStop) -> RunStop:
        """Put a shipment on the run at the end (only while planned)."""
        self._require(RunStatus.PLANNED, doing="add a stop")
        if any(s.shipment_id == stop.shipment_id for s in self.stops):
            raise DispatchError("This shipment is already on the run.", code="run.duplicate_shipment")
        stop.position = len(self.stops) + 1
        self.stops.append(stop)
        self._changed()
        return stop

    def set_order(self, stop_ids: list[int]) -> None:
        """Put the stops in exactly this order (a permutation of all stop ids, delivered ones included).

        Only pending stops may move: a delivered or failed stop must keep its position.
        """
        self._require(RunStatus.PLANNED, RunStatus.OUT, doing="reorder its stops")
        current = self.ordered_stops
        ids = [s.id for s in current]
        if sorted(stop_ids) != sorted(ids) or len(set(stop_ids)) != len(stop_ids):
            raise DispatchError("The new order must list every stop of the run exactly once.",
                                code="run.bad_order", field="stop_ids", details={"stop_ids": ids})
        by_id = {s.id: s for s in current}
        for position, sid in enumerate(stop_ids, start=1):
            stop = by_id[sid]
            if not stop.pending and stop.position != position:
                raise DispatchError(f"Stop {stop.position} is already {stop.status}: it cannot move.",
                                    code="run.stop_done", field="stop_ids")
        if stop_ids == ids:
            return
        for position, sid in enumerate(stop_ids, start=1):
            if by_id[sid].position != position:
                by_id[sid].position = position
                by_id[sid].version += 1
        self._changed()

    def move_stop(self, stop_id: int, to_position: int) -> None:
        """Move one stop to `to_position` (1..n), shifting the others."""
        ids = [s.id for s in self.ordered_stops]
        if not 1 <= to_position <= len(ids):
            raise DispatchError(f"Position must be between 1 and {len(ids)}.", code="run.bad_position",
                                field="position")
        self.stop(stop_id)
        ids.remove(stop_id)
        ids.insert(to_position - 1, stop_id)
        self.set_order(ids)

    def start(self, *, actor_id: int | None) -> None:
        """The driver leaves the warehouse with the run."""
        self._require(RunStatus.PLANNED, doing="start it")
        if not self.stops:
            raise DispatchError("This run has no stops.", code="run.empty")
        self.status = RunStatus.OUT.value
        self._changed()
        self.record("run.started", actor_id=actor_id)

    def finish(self, *, actor_id: int | None) -> None:
        """Every stop is delivered or failed: the run is done."""
        self._require(RunStatus.OUT, doing="finish it")
        if any(s.pending for s in self.stops):
            raise DispatchError("Some stops are still pending.", code="run.stops_pending")
        self.status = RunStatus.DONE.value
        self._changed()
        self.record("run.done", actor_id=actor_id)

    def _changed(self) -> None:
        self.version += 1

    # -- events --------------------------------------------------------------------------------
    def _event_facts(self) -> dict:
        # The driver, depot and day on every run event: the driver's phone pulls its own runs' events.
        return {"driver_id": self.driver_id, "warehouse_id": self.warehouse_id, "run_date": self.run_date.isoformat()}


def departure_of(run: DeliveryRun, *, usual_start: time, zone_name: str, utc_hour: int | None = None) -> datetime:
    """When a planned run leaves, in UTC: its own start, else the shop's usual start, each on the shop's clock
    (so 08:00 stays 08:00 across a daylight-saving change); the older UTC-hour setting only where it is set."""
    if run.planned_start is None and utc_hour is not None:
        return datetime.combine(run.run_date, time(utc_hour), tzinfo=timezone.utc)
    return shop_moment(run.run_date, run.planned_start or usual_start, zone_name)
