"""Warehouse choice and stock reservation policy: pure ranking, no locking (that is the adapter's job)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .catalogue import distance_km


@dataclass(frozen=True)
class LineRequest:
    """One order line to place: `key` identifies it in the plan."""

    key: int
    product_id: int
    quantity: int
    value_minor: int


@dataclass(frozen=True)
class Site:
    """A candidate warehouse."""

    warehouse_id: int
    latitude: float
    longitude: float
    country: str = ""


@dataclass(frozen=True)
class Destination:
    """Where the goods go; coordinates may be unknown, the country usually is."""

    country: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Pick:
    """Take `quantity` of a line from one warehouse."""

    key: int
    warehouse_id: int
    quantity: int


@dataclass(frozen=True)
class Shortage:
    """What could not be placed for one line."""

    key: int
    product_id: int
    requested: int
    missing: int

    def as_dict(self) -> dict:
        """JSON-safe form."""
        return {"line": self.key, "product_id": self.product_id, "requested": self.requested,
                "missing": self.missing}


@dataclass
class AllocationPlan:
    """The chosen picks, and every shortage at once."""

    strategy: str
    picks: list = field(default_factory=list)
    shortages: list = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every unit of every line has a warehouse."""
        return not self.shortages

    @property
    def warehouses(self) -> list[int]:
        """Warehouses the plan ships from, without repeats."""
        return list(dict.fromkeys(p.warehouse_id for p in self.picks))


def rank_sites(sites, destination: Destination) -> list[Site]:
    """Nearest first; without coordinates, same-country warehouses first, then by id."""
    def key(site: Site):
        if destination.latitude is not None and destination.longitude is not None:
            return (0, distance_km(destination.latitude, destination.longitude, site.latitude,
                                   site.longitude), site.warehouse_id)
        return (0 if site.country.upper() == destination.country.upper() else 1, 0.0, site.warehouse_id)
    return sorted(sites, key=key)


def _single_site(lines, ranked, available) -> AllocationPlan | None:
    """The nearest warehouse that holds every line whole, if any."""
    for site in ranked:
        need: dict[int, int] = {}
        for line in lines:
            need[line.product_id] = need.get(line.product_id, 0) + line.quantity
        if all(available.get((site.warehouse_id, pid), 0) >= qty for pid, qty in need.items()):
            return AllocationPlan("single_warehouse",
                                  [Pick(line.key, site.warehouse_id, line.quantity) for line in lines])
    return None


def _place_line(line, ranked, available, plan, min_split_minor):
    """Place one line nearest first; a low-value line is never split across warehouses."""
    remaining = line.quantity
    if line.value_minor < min_split_minor:
        # Splitting a cheap line costs more in parcels than it earns: one warehouse or a backorder.
        best = max(ranked, key=lambda s: available.get((s.warehouse_id, line.product_id), 0), default=None)
        whole = next((s for s in ranked if available.get((s.warehouse_id, line.product_id), 0) >= remaining), best)
        sites = [whole] if whole else []
    else:
        sites = ranked
    for site in sites:
        slot = (site.warehouse_id, line.product_id)
        take = min(remaining, available.get(slot, 0))
        if take > 0:
            plan.picks.append(Pick(line.key, site.warehouse_id, take))
            available[slot] -= take
            remaining -= take
        if remaining == 0:
            break
    if remaining:
        plan.shortages.append(Shortage(line.key, line.product_id, line.quantity, remaining))


def _nearest_first(lines, ranked, available, min_split_minor) -> AllocationPlan:
    plan = AllocationPlan("nearest_first")
    for line in lines:
        _place_line(line, ranked, available, plan, min_split_minor)
    return plan


def _fewest_parcels(lines, ranked, available, min_split_minor) -> AllocationPlan:
    """Greedy cover: the warehouse that can ship the most whole lines goes first."""
    plan = AllocationPlan("fewest_parcels")
    open_lines = list(lines)
    while open_lines:
        def whole_lines(site):
            return [l for l in open_lines if available.get((site.warehouse_id, l.product_id), 0) >= l.quantity]
        best = max(ranked, key=lambda s: len(whole_lines(s)), default=None)
        covered = whole_lines(best) if best else []
        if not covered:
            break
        for line in covered:
            # Re-check: two lines of the same product may share one warehouse's units.
            if available.get((best.warehouse_id, line.product_id), 0) >= line.quantity:
                plan.picks.append(Pick(line.key, best.warehouse_id, line.quantity))
                available[(best.warehouse_id, line.product_id)] -= line.quantity
                open_lines.remove(line)
    for line in open_lines:
        _place_line(line, ranked, available, plan, min_split_minor)
    return plan


STRATEGIES = {"nearest_first": _nearest_first, "fewest_parcels": _fewest_parcels}


def allocate(lines, sites, available: dict, destination: Destination, *,
             strategy: str = "nearest_first", min_split_line_minor: int = 0) -> AllocationPlan:
    """Choose warehouses for every line: one nearest warehouse if possible, else split by `strategy`.

    `available` maps (warehouse_id, product_id) to units that may still be promised. It is not
    modified. Shortages for all lines are reported together.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown allocation strategy {strategy!r}; choose one of {sorted(STRATEGIES)}")
    ranked = rank_sites(sites, destination)
    whole = _single_site(lines, ranked, available)
    if whole:
        return whole
    return STRATEGIES[strategy](lines, ranked, dict(available), min_split_line_minor)
