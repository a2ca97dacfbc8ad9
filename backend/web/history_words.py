"""An order's audit trail as sentences in the office's words ("Cancelled by Olivia Owner: customer called").

One template per action name; the facts an audit row carries fill it in. An action without a template still
reads as words (never a dotted name or underscores), so a new event never shows code on the order page.
"""
from __future__ import annotations

from ..domain.delivery import FAIL_REASONS
from ..domain.money import format_money

# Where an order came from, as the office says it; phone and till orders are typed in by a person.
_CHANNEL_WORDS = {"web_shop": "on the web shop", "marketplace": "on the marketplace", "api": "through the API"}
_ENTERED_BY_STAFF = {"phone": "by phone", "pos": "at the till"}

_STATUS_WORDS = {"payment_hold": "on a payment hold", "awaiting_payment": "waiting for payment",
                 "out_for_delivery": "out for delivery", "delivery_failed": "missed at the door",
                 "awaiting_redelivery": "waiting for a later run", "awaiting_collection": "held for collection"}

# Templates: {by} is " by <name>" (or nothing when no person did it), {reason} is ": <reason>" or nothing,
# {warehouse} the warehouse the row names (or the ones holding the order's stock).
_TEMPLATES = {
    "order.payment_hold": "Held for a payment check",  # the hold card says why
    "order.awaiting_payment": "Waiting for the bank transfer",
    "order.accepted": "Accepted{by}",
    "order.backordered": "Backordered{reason}",
    "order.allocated": "Allocated to {warehouse}",
    "order.picking": "Picking started{by}",
    "order.packed": "Packed{by}",
    "order.shipped": "Shipped{by}",
    "order.out_for_delivery": "Sent out for delivery{by}",
    "order.awaiting_redelivery": "Put back for a later run{by}{reason}",
    "order.awaiting_collection": "Held for the customer to collect{by}{reason}",
    "order.delivered": "Delivered{by}",
    "order.collected": "Handed over at the counter{by}",
    "order.returned": "Returned to the warehouse{by}{reason}",
    "order.cancelled": "Cancelled{by}{reason}",
    "order.rejected": "Rejected{by}{reason}",
    "order.cancel_undone": "Cancellation undone{by}",
    "order.reject_undone": "Rejection undone{by}",
    "order.undone": "Undone{by}",
    "order.part_packed": "Part packed at {warehouse}{by}",
    "order.part_shipped": "Part shipped from {warehouse}{by}",
    "order.part_delivered": "One parcel delivered{by}",
    "order.part_delivery_failed": "The parcel from {warehouse} was missed at the door{reason}",
    "order.part_awaiting_redelivery": "The parcel from {warehouse} was put back for a later run{by}{reason}",
    "order.part_awaiting_collection": "The parcel from {warehouse} is held for the customer to collect{by}{reason}",
    "order.part_returned": "The parcel from {warehouse} went back to the warehouse{by}{reason}",
    "order.payment_received": "Payment received{by}",
    "order.backorder_reduced": "More stock reserved{by}; some is still missing",
    "order.arriving_soon": "Customer told the driver is arriving soon",
}


def _words(name: str) -> str:
    """'order.delivery_attempt_noted' -> 'Delivery attempt noted'."""
    return name.rsplit(".", 1)[-1].replace("_", " ").strip().capitalize() or "Changed"


def _warehouse(data: dict, warehouses: dict) -> str:
    """The warehouse a row names, else the ones holding the order's stock now, in words."""
    wanted = data.get("warehouse_id")
    if wanted is not None:
        return warehouses.get(wanted) or warehouses.get(str(wanted)) or "a warehouse"
    names = list(dict.fromkeys(warehouses.values()))
    if not names:
        return "a warehouse"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _placed(data: dict, by: str, from_status: str | None, reason: str) -> str:
    """An order coming in (or coming back to 'placed' once its payment is settled)."""
    if from_status == "payment_hold":
        return f"Payment hold released{by}{reason}"
    if from_status == "awaiting_payment":
        return f"Bank transfer received{by}"
    channel = data.get("channel") or ""
    if channel in _ENTERED_BY_STAFF:
        # A person typed it in: who did is the useful fact.
        return f"Entered{by} ({_ENTERED_BY_STAFF[channel]})" if by else f"Placed {_ENTERED_BY_STAFF[channel]}"
    # Through a shop or an integration the buyer placed it, whoever's account the integration signs in with.
    return f"Placed {_CHANNEL_WORDS.get(channel, 'on the web shop' if not channel else 'by ' + channel.replace('_', ' '))}"


def _paid_at_counter(data: dict, by: str) -> str:
    """A counter sale's payment: the card terminal's reference, or the cash handed over and the change."""
    currency = data.get("currency") or "GBP"
    paid = format_money(int(data.get("paid_minor") or 0), currency)
    if data.get("tender") == "cash" and data.get("tendered_minor") is not None:
        return (f"Paid {paid} in cash at the counter{by}: {format_money(int(data['tendered_minor']), currency)} "
                f"handed over, {format_money(int(data.get('change_minor') or 0), currency)} change")
    return f"Paid {paid} by card at the counter{by} (terminal reference {data.get('terminal_reference') or '-'})"


def _failed(data: dict, by: str) -> str:
    why = FAIL_REASONS.get(data.get("fail_reason") or "", "") or data.get("reason") or ""
    sentence = f"Delivery attempt failed ({why.lower()})" if why else "Delivery attempt failed"
    if data.get("attempts") and data.get("max_attempts"):
        sentence += f", attempt {data['attempts']} of {data['max_attempts']}"
    return sentence


def history_sentence(action: str, *, actor_name: str = "", data: dict | None = None,
                     from_status: str | None = None, warehouses: dict | None = None) -> str:
    """One audit row as a sentence: `warehouses` maps warehouse ids to names (those the order uses)."""
    data = data or {}
    warehouses = warehouses or {}
    by = f" by {actor_name}" if actor_name else ""
    reason_text = str(data.get("reason") or "").strip()
    reason = f": {reason_text}" if reason_text else ""
    if action == "order.placed":
        return _placed(data, by, from_status, reason)
    if action == "order.delivery_failed":
        return _failed(data, by)
    if action == "order.delivery_attempt_noted":
        why = FAIL_REASONS.get(data.get("reason") or "", data.get("reason") or "")
        return f"Delivery attempt failed{f' ({why.lower()})' if why else ''}{by}, after the order had changed"
    if action == "order.handed_over_despite_state":
        status = str(data.get("status") or "changed")
        return f"Delivered{by} although the order was {_STATUS_WORDS.get(status, status.replace('_', ' '))}"
    if action == "order.cash_received":
        amount = data.get("amount_minor")
        money = f": {format_money(int(amount), data.get('currency') or 'GBP')}" if amount is not None else ""
        return f"Cash received{by}{money}"
    if action == "order.paid_at_counter":
        return _paid_at_counter(data, by)
    if action == "order.short_picked":
        missing = data.get("missing")
        what = f": {data.get('sku')} {missing} short" if data.get("sku") and missing else ""
        return f"Short pick reported{by}{what}"
    if action == "order.line_reduced":
        change = (f" from {data['from_quantity']} to {data['to_quantity']}"
                  if data.get("from_quantity") is not None and data.get("to_quantity") is not None else "")
        return f"{data.get('sku') or 'A line'} reduced{change}{by}{reason}"
    if action == "order.backordered" and data.get("reason") == "short pick":
        return f"Backordered after a short pick{by}"
    template = _TEMPLATES.get(action)
    if template is None:
        return f"{_words(action)}{by}{reason}"
    return template.format(by=by, reason=reason, warehouse=_warehouse(data, warehouses))


def history_lines(rows, warehouses: dict | None = None) -> list[dict]:
    """The page's history: each audit row's time and sentence, oldest first."""
    return [{"created_at": row.created_at,
             "sentence": history_sentence(row.action, actor_name=row.actor.name if row.actor else "",
                                          data=row.data or {}, from_status=row.from_status, warehouses=warehouses)}
            for row in rows]


# While stock is still being found for it, an order can be short; after that a line's missing units are
# either released (cancelled, returned) or already gone out, and a shortage card would mislead.
_SEEKS_STOCK = {"placed", "payment_hold", "awaiting_payment", "accepted", "backordered", "allocated", "picking"}


def shortage_lines(order) -> list[dict]:
    """What the 'Not enough stock' card says, from the lines' reservations (never a stale copy)."""
    if order.status not in _SEEKS_STOCK:
        return []
    return [{"sku": line.sku, "missing": line.missing_quantity, "requested": line.quantity}
            for line in order.lines if line.missing_quantity > 0]
