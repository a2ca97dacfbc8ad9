"""Shipping pages: ship a packed order with a carrier, and print its packing slip and label from the phone."""
from __future__ import annotations

from flask import (Blueprint, Response, flash, make_response, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import Role, require_role
from ..domain.errors import DomainError
from ..domain.shipping import OWN_FLEET
from ..extensions import db
from ..identity import actor_for
from ..queries.dispatch import list_shipments, visible_shipment
from ..queries.shipping import packed_parts, slip_of
from .barcode import code128_svg

bp = Blueprint("shipping", __name__, url_prefix="/shipping")


class ShipForm(Schema):
    """The ship form of one packed order."""

    order_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    carrier = fields.String(required=True, validate=validate.Length(1, 32))
    service = fields.String(load_default="standard", validate=validate.Regexp(r"^[a-z0-9_]{1,64}$"))
    warehouse_id = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))
    csrf_token = fields.String(load_default="")


def carrier_choices() -> list[tuple[str, str]]:
    """(code, name) of the carriers this deployment can use, own fleet first."""
    carriers = bus().settings.carriers
    return [(code, carriers[code].name) for code in sorted(carriers, key=lambda c: (c != OWN_FLEET, c))]


def _index(errors: dict | None = None, status: int = 200):
    actor = actor_for(current_user)
    require_role(actor, Role.OWNER, Role.MANAGER, Role.FLOOR)
    return render_template("shipping/index.html", packed=packed_parts(db.session, actor),
                           carriers=carrier_choices(), recent=list_shipments(db.session, actor, limit=20), errors=errors or {}), status


@bp.get("")
@login_required
def index():
    """Packed orders waiting for a carrier, and the latest shipments with their print links."""
    return _index()


@bp.post("")
@login_required
def create():
    """Ship one packed order; then straight to its printable slip and label."""
    try:
        form = ShipForm().load(request.form.to_dict())
    except ValidationError as exc:
        order_id = request.form.get("order_id", "")
        return _index({order_id: [m for msgs in exc.messages.values() for m in msgs]}, 422)
    try:
        shipment = bus().handle(commands.CreateShipment(form["order_id"], form["carrier"], form["service"],
                                                        form["warehouse_id"]),
                                actor_for(current_user))
    except DomainError as exc:
        return _index({str(form["order_id"]): [exc.message]}, exc.status)
    flash(f"Shipped: tracking number {shipment.tracking_number}.")
    return redirect(url_for("shipping.print_view", shipment_id=shipment.id))


@bp.get("/<id:shipment_id>/print")
@login_required
def print_view(shipment_id: int):
    """The packing slip and the label on one page, laid out for a phone and for paper."""
    actor = actor_for(current_user)
    shipment = visible_shipment(db.session, actor, shipment_id)
    zpl = bytes(shipment.label_data).decode("utf-8", "replace") if shipment.label_format == "zpl" else None
    one_off = bool(session.get("_flashes"))  # a page with "Shipped: ..." must not become the offline copy
    response = make_response(render_template("shipping/print.html", shipment=shipment, zpl=zpl,
                           **slip_of(db.session, shipment),
                           barcode=code128_svg(shipment.tracking_number,
                                               label=f"Barcode of tracking number {shipment.tracking_number}"),
                           carrier_name=dict(carrier_choices()).get(shipment.carrier, shipment.carrier)))
    if one_off:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<id:shipment_id>/label")
@login_required
def label(shipment_id: int):
    """The stored label file (the carrier's PDF/PNG, or our ZPL), inline so the phone can print it."""
    shipment = visible_shipment(db.session, actor_for(current_user), shipment_id)
    filename = f"label-{shipment.tracking_number}.{shipment.label_format}"
    disposition = "inline" if shipment.label_format in ("pdf", "png") else "attachment"
    return Response(bytes(shipment.label_data), mimetype=shipment.label_media_type.split(";")[0],
                    headers={"Content-Disposition": f'{disposition}; filename="{filename}"',
                             "Cache-Control": "private, no-store"})
