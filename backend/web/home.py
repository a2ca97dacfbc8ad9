"""Role home pages: floor staff see their warehouses' pick queue (drivers' run page is web/driver.py)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..domain.access import Role, require_role
from ..domain.orders import OrderStatus
from ..extensions import db
from ..identity import actor_for
from ..queries.catalogue import list_warehouses
from ..queries.fulfilment import floor_queue
from ..queries.picking import floor_pick_lists

bp = Blueprint("home", __name__)

PICK_STATUSES = (OrderStatus.ALLOCATED.value, OrderStatus.PICKING.value)


@bp.get("/floor")
@login_required
def floor():
    """Orders with a part still to pick or pack in the signed-in floor user's warehouses, oldest first."""
    actor = actor_for(current_user)
    require_role(actor, Role.FLOOR, Role.OWNER, Role.MANAGER)
    # The office sees every warehouse's queue; floor staff only their own.
    warehouses = list_warehouses(db.session, None if actor.is_office else actor.warehouse_ids)
    queue = floor_queue(db.session, actor, [w.id for w in warehouses], PICK_STATUSES)
    pick_lists = floor_pick_lists(db.session, [w.id for w in warehouses])
    return render_template("home/floor.html", warehouses=warehouses, queue=queue, pick_lists=pick_lists,
                           assigned=actor.is_office or bool(actor.warehouse_ids))

