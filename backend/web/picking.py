"""Floor pages for picking and packing: the manager batches allocated orders; a picker walks a list.

Every form posts through the bus without JavaScript. With JavaScript, pwa/static/js/picking.js takes the
same forms' submits and queues `pick_list.claim`, `pick.record`, `pick.short` and `pack.close` commands
on the phone instead; the sync push replays them through the same handlers.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import Role, require_role, require_warehouse
from ..domain.errors import DomainError
from ..domain.picking import PickList
from ..extensions import db
from ..identity import actor_for
from ..queries.catalogue import list_warehouses
from ..queries.picking import pick_list as find_pick_list
from ..queries.picking import pick_list_of_line, pick_list_view, pick_lists, user_names, waiting_orders

bp = Blueprint("picking", __name__)
FLOOR_ROLES = (Role.FLOOR, Role.OWNER, Role.MANAGER)
UNITS = validate.Range(1, 10_000, error="Enter a whole number of units from 1 to 10000.")


class PickForm(Schema):
    quantity = fields.Integer(load_default=1, validate=UNITS, error_messages={"invalid": "Enter a whole number."})
    scanned = fields.String(load_default=None, validate=validate.Length(0, 64))
    csrf_token = fields.String(load_default="")


class ScanForm(Schema):
    scanned = fields.String(required=True, validate=validate.Length(1, 64),
                            error_messages={"required": "Scan a barcode or type a SKU."})
    csrf_token = fields.String(load_default="")


class ShortForm(Schema):
    missing = fields.Integer(required=True, validate=UNITS, error_messages={"invalid": "Enter a whole number."})
    csrf_token = fields.String(load_default="")


class PackForm(Schema):
    box_code = fields.String(required=True, validate=validate.Length(1, 32))
    weight_grams = fields.Integer(required=True, validate=validate.Range(1, 70_000, error="Enter the weight in "
                                                                         "grams, from 1 to 70000."),
                                  error_messages={"invalid": "Enter the weight in grams, like 2600."})
    order_version = fields.Integer(load_default=None)
    order_status = fields.String(load_default=None)
    warehouse_id = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))
    csrf_token = fields.String(load_default="")


def _actor():
    actor = actor_for(current_user)
    require_role(actor, *FLOOR_ROLES)
    return actor


def list_view(pick_list: PickList, actor) -> dict:
    """What the pick list page shows (see queries.picking.pick_list_view)."""
    return pick_list_view(db.session, pick_list, actor, bus().settings.dim_weight_divisor)


def _load(pick_list_id: int, actor) -> PickList:
    found = find_pick_list(db.session, pick_list_id)
    if found is None:
        abort(404)
    require_warehouse(actor, found.warehouse_id)
    return found


@bp.get("/floor/pick-lists")
@login_required
def index():
    """Pick lists of the user's warehouses, and the orders waiting there to start a new list with."""
    actor = _actor()
    warehouses = list_warehouses(db.session, None if actor.is_office else actor.warehouse_ids)
    lists = pick_lists(db.session, [w.id for w in warehouses])
    waiting = {w.id: waiting_orders(db.session, w.id) for w in warehouses}
    names = user_names(db.session, [pl.claimed_by_id for pl in lists])
    return render_template("picking/index.html", warehouses=warehouses, lists=lists, waiting=waiting, names=names,
                           office=actor.is_office, errors={})


@bp.post("/floor/pick-lists")
@login_required
def create():
    """Batch the ticked (or all) waiting orders of a warehouse into a pick list."""
    actor = _actor()
    try:
        warehouse_id = int(request.form.get("warehouse_id", ""))
        order_ids = tuple(int(i) for i in request.form.getlist("order_ids"))
    except ValueError:
        flash("Choose a warehouse and orders from the list.", "error")
        return redirect(url_for("picking.index"))
    try:
        pick_list = bus().handle(commands.CreatePickList(warehouse_id, order_ids), actor)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("picking.index"))
    flash(f"Pick list {pick_list.id} created with {len(pick_list.lines)} lines.")
    return redirect(url_for("picking.show", pick_list_id=pick_list.id))


@bp.get("/floor/pick-lists/<id:pick_list_id>")
@login_required
def show(pick_list_id: int):
    """One pick list: claim, the walk in bin order (scan, tap, short), then pack each order."""
    actor = _actor()
    pick_list = _load(pick_list_id, actor)
    one_off = bool(session.get("_flashes"))
    template = "picking/_body.html" if request.headers.get("HX-Request") else "picking/show.html"
    response = make_response(render_template(template, **list_view(pick_list, actor), errors={}))
    if one_off:  # a page with a one-off message must not become the phone's offline copy
        response.headers["Cache-Control"] = "no-store"
    return response


def _problem(pick_list_id: int, message: str, status: int = 409):
    """Answer a refused action on the list page itself, with the server's words."""
    actor = _actor()
    pick_list = _load(pick_list_id, actor)
    response = make_response(render_template("picking/show.html", **list_view(pick_list, actor),
                                             errors={"_form": [message]}), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _handle(pick_list_id: int, command, done: str):
    try:
        bus().handle(command, _actor())
    except DomainError as exc:
        return _problem(pick_list_id, exc.message, exc.status)
    flash(done)
    return redirect(url_for("picking.show", pick_list_id=pick_list_id))


def _list_of_line(pick_line_id: int) -> int:
    found = pick_list_of_line(db.session, pick_line_id)
    if found is None:
        abort(404)
    return found.id


def _form(schema: Schema, pick_list_id: int):
    try:
        return schema.load(request.form.to_dict()), None
    except ValidationError as exc:
        messages = [m for ms in exc.messages.values() for m in (ms if isinstance(ms, list) else [str(ms)])]
        return None, _problem(pick_list_id, " ".join(messages), 422)


@bp.post("/floor/pick-lists/<id:pick_list_id>/claim")
@login_required
def claim(pick_list_id: int):
    return _handle(pick_list_id, commands.ClaimPickList(pick_list_id), "The pick list is yours.")


@bp.post("/floor/pick-lists/<id:pick_list_id>/scan")
@login_required
def scan(pick_list_id: int):
    form, problem = _form(ScanForm(), pick_list_id)
    if problem:
        return problem
    return _handle(pick_list_id, commands.ScanPick(pick_list_id, form["scanned"]), f"Picked {form['scanned']}.")


@bp.post("/floor/pick-lines/<id:pick_line_id>/pick")
@login_required
def pick(pick_line_id: int):
    pick_list_id = _list_of_line(pick_line_id)
    form, problem = _form(PickForm(), pick_list_id)
    if problem:
        return problem
    return _handle(pick_list_id, commands.RecordPick(pick_line_id, form["quantity"], form["scanned"] or None),
                   f"Picked {form['quantity']}.")


@bp.post("/floor/pick-lines/<id:pick_line_id>/short")
@login_required
def short(pick_line_id: int):
    pick_list_id = _list_of_line(pick_line_id)
    form, problem = _form(ShortForm(), pick_list_id)
    if problem:
        return problem
    return _handle(pick_list_id, commands.ShortPick(pick_line_id, form["missing"]),
                   f"Reported {form['missing']} missing; the office has been told.")


@bp.post("/floor/pick-lists/<id:pick_list_id>/orders/<id:order_id>/pack")
@login_required
def pack(pick_list_id: int, order_id: int):
    form, problem = _form(PackForm(), pick_list_id)
    if problem:
        return problem
    return _handle(pick_list_id, commands.ClosePack(order_id, ((form["box_code"], form["weight_grams"]),),
                                                    base_version=form["order_version"],
                                                    base_status=form["order_status"],
                                                    warehouse_id=form["warehouse_id"]), "Packed.")
