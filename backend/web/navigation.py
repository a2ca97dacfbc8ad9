"""Each role's menu: the places a person of that role goes to, in their words, and which one they are in.

One place decides it, so a customer never sees office tabs and a driver is never sent to an empty office
list. Items are (endpoint, label); the current one is the item whose address is the longest prefix of the
page's path (a pick list page is under "Pick lists", not under the floor's queue).
"""
from __future__ import annotations

from flask import request, url_for

_OFFICE = (("owner.dashboard", "Dashboard"), ("orders.index", "Orders"), ("orders.new", "New order"),
           ("counter.sale", "Counter"), ("floor.stock", "Stock"),
           ("picking.index", "Pick lists"), ("shipping.index", "Shipping"), ("dispatch.index", "Dispatch"),
           ("settlements.index", "Cash"), ("bank.index", "Bank"), ("exception_queue.index", "Exceptions"),
           ("intake.index", "Shop orders to fix"), ("channel_pages.index", "Shop channels"),
           ("imports.index", "Import"), ("account.staff", "Staff"))
MENUS = {
    "owner": (*_OFFICE, ("webhook_pages.index", "Webhooks")),
    "manager": _OFFICE,
    "floor": (("home.floor", "Pick queue"), ("picking.index", "Pick lists"), ("floor.stock", "Stock"),
              ("shipping.index", "Shipping")),
    "driver": (("driver.run_page", "Today's run"),),
    "customer": (("orders.index", "My orders"),),
}
# Staff phones keep a queue of changes made offline; customers make none.
_STAFF_END = (("sync_page.index", "Changes on this phone"), ("account.show", "Account"))
_CUSTOMER_END = (("account.show", "Account"),)


def menu_for(role: str) -> list[dict]:
    """The menu of `role`: label, href and whether it is the page being shown."""
    items = [(label, url_for(endpoint)) for endpoint, label in (*MENUS.get(role, ()),
                                                          *(_CUSTOMER_END if role == "customer" else _STAFF_END))]
    path = request.path.rstrip("/") or "/"
    matching = [href for _, href in items if path == href.rstrip("/") or path.startswith(href.rstrip("/") + "/")]
    current = max(matching, key=len, default=None)
    return [{"label": label, "href": href, "current": href == current} for label, href in items]
