"""Order pages: a list and an order page with the decisions the user may take."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate

from ..bootstrap import bus
from ..domain.access import Role, ensure_visible, sees_office_fields
from ..domain.catalogue import Channel
from ..domain.events import utcnow
from ..domain.order_decisions import STATUS_GROUPS, decisions_for
from ..domain.orders import OrderStatus
from ..extensions import db
from ..identity import actor_for
from ..queries.channel_intake import channel_totals_of
from ..queries.order_emails import order_emails_of, order_mails
from ..queries.fulfilment import parts_view
from ..queries.order_decisions import undo_offer
from ..queries.failed_deliveries import delivery_problem
from ..queries.orders import list_orders, order_for, order_history
from ..queries.payments import order_payments
from ..queries.tracking import customer_news, customer_timeline
from .decision_words import DESTRUCTIVE
from .history_words import history_lines, shortage_lines
from .outcome import take_outcome

bp = Blueprint("orders", __name__, url_prefix="/orders")


class ListArgs(Schema):
    """Query string of the order list: a tab, a search, filters and the page."""

    view = fields.String(load_default="open", validate=validate.OneOf(["all", *STATUS_GROUPS]))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100000))
    q = fields.String(load_default="", validate=validate.Length(0, 100))
    channel = fields.String(load_default="", validate=validate.OneOf(["", *(c.value for c in Channel)]))
    status = fields.String(load_default="", validate=validate.OneOf(["", *(s.value for s in OrderStatus)]))
    placed_from = fields.Date(load_default=None, data_key="from")
    placed_to = fields.Date(load_default=None, data_key="to")


@bp.get("/")
@login_required
def index():
    """Orders the user may see, newest first, filtered by a tab (a customer's own, all of them, untabbed)."""
    if current_user.role == "driver":  # a driver's orders are the stops of their run
        return redirect(url_for("driver.run_page"))
    if current_user.role == "customer":
        return _my_orders()
    errors = {}
    try:
        args = ListArgs().load({k: v for k, v in request.args.items() if v != ""})
    except ValidationError as exc:  # the list still shows, with what was wrong said beside the filter
        errors = exc.messages
        args = ListArgs().load({k: v for k, v in request.args.items() if v != "" and k not in exc.messages})
    status = [args["status"]] if args["status"] else (None if args["view"] == "all" else STATUS_GROUPS[args["view"]])
    page = list_orders(db.session, actor_for(current_user), status=status, page=args["page"], page_size=20,
                       search=args["q"], channel=args["channel"] or None,
                       created_from=shop_day_start(args["placed_from"]),
                       created_to=shop_day_start(args["placed_to"], days_after=1))
    filters = {key: request.args.get(key, "") for key in ("q", "channel", "status", "from", "to")
               if request.args.get(key) and key not in errors}
    # Live news refreshes the list alone; a tab or a search swaps the page's block (taken from the whole page).
    fragment = request.headers.get("HX-Request") and request.headers.get("HX-Target") != "orders-page"
    template = "orders/_list.html" if fragment else "orders/index.html"
    response = make_response(render_template(
        template, page=page, view=args["view"], filters=filters, errors=errors, channels=[c.value for c in Channel],
        statuses=[s.value for s in OrderStatus], views=["open", "to_accept", "attention", "shipping", "done", "all"]))
    response.vary.add("HX-Target")
    return response


def shop_day_start(day: date | None, days_after: int = 0) -> datetime | None:
    """The UTC moment the shop's day `day` (plus `days_after`) begins: "placed on 1 Dec" is the shop's 1 Dec."""
    if day is None:
        return None
    zone = ZoneInfo(current_app.config["WAYBILL_TIMEZONE"])
    local = datetime.combine(day + timedelta(days=days_after), time.min, tzinfo=zone)
    return local.astimezone(timezone.utc)


def _my_orders():
    """A customer's orders, every status, newest first."""
    page_number = request.args.get("page", "1")
    page_number = int(page_number) if page_number.isdigit() and 0 < int(page_number) < 100000 else 1
    page = list_orders(db.session, actor_for(current_user), page=page_number, page_size=20)
    template = "orders/_mine_list.html" if request.headers.get("HX-Request") else "orders/mine.html"
    return render_template(template, page=page)


def _visible_order(order_id: int):
    order = order_for(db.session, order_id)
    ensure_visible(actor_for(current_user), order)
    return order


@bp.get("/<id:order_id>")
@login_required
def show(order_id: int):
    """One order: lines, money, addresses, payment, stock and its history."""
    return render_order(_visible_order(order_id))


def render_order(order, *, error: str = "", status: int = 200):
    """The order page, with the message of a decision just taken (once) and its undo while it lasts."""
    actor = actor_for(current_user)
    # The customer's tracking link: for the office to send on, and for the customer it belongs to.
    tracking_url = (url_for("tracking.show", token=order.tracking_token, _external=True)
                    if actor.is_office or (actor.customer_id is not None and actor.customer_id == order.customer_id)
                    else None)
    outcome = take_outcome(f"order-{order.id}")
    if error:
        outcome = {"error": error}
    undo = undo_offer(db.session, order, user_id=actor.user_id, is_office=actor.is_office, now=utcnow(),
                      window_seconds=bus().settings.undo_seconds)
    if actor.role == Role.CUSTOMER:
        return render_template("orders/customer_show.html", order=order, actions=decisions_for(actor, order),
                               timeline=customer_timeline(db.session, order.id), tracking_url=tracking_url,
                               news=customer_news(db.session, order),
                               outcome=outcome, undo=undo, destructive=DESTRUCTIVE), status
    fulfilment = parts_view(db.session, order)
    warehouses = {row["warehouse"].id: row["warehouse"].name for row in fulfilment["parts"] if row["warehouse"]}
    return render_template("orders/show.html", order=order, actions=decisions_for(actor, order),
                           history=history_lines(order_history(db.session, order.id), warehouses)
                           if actor.is_office else [], shortages=shortage_lines(order),
                           tracking_url=tracking_url, office_fields=sees_office_fields(actor),
                           outcome=outcome, undo=undo, destructive=DESTRUCTIVE,
                           fulfilment=fulfilment,
                           payments=order_payments(db.session, order) if actor.is_office else None,
                           can_refund=actor.role in (Role.OWNER, Role.MANAGER),
                           channel_totals=channel_totals_of(db.session, order.id) if actor.is_office else None,
                           missed=delivery_problem(db.session, order.id) if actor.is_office else None,
                           mail={"setting": order_emails_of(db.session, order.customer_id),
                                 "messages": order_mails(db.session, order.id)} if actor.is_office else None), status

