"""Each role's menu: the places a person of that role goes to, in their words, and which one they are in.

One place decides it, so a customer never sees office tabs and a driver is never sent to an empty office
list. Items are (endpoint, label); the current one is the item whose address is the longest prefix of the
page's path (a pick list page is under "Pick lists", not under the floor's queue).
"""
from __future__ import annotations

from flask import request, url_for

# The office's places in groups a person scans by what they came to do; a short menu is one group, unnamed.
_OFFICE_ORDERS = ("Orders", (("owner.dashboard", "Dashboard"), ("orders.index", "Orders"), ("orders.new", "New order"),
                             ("counter.sale", "Counter"), ("exception_queue.index", "Exceptions")))
_OFFICE_WAREHOUSE = ("Warehouse", (("floor.stock", "Stock"), ("picking.index", "Pick lists"),
                                   ("shipping.index", "Shipping"), ("dispatch.index", "Dispatch")))
_OFFICE_MONEY = ("Money", (("settlements.index", "Cash"), ("bank.index", "Bank")))
_OFFICE_SHOPS = ("Shops and imports", (("intake.index", "Shop orders to fix"), ("channel_pages.index", "Shop channels"),
                                       ("imports.index", "Import")))
MENUS = {
    "owner": (_OFFICE_ORDERS, _OFFICE_WAREHOUSE, _OFFICE_MONEY,
              (_OFFICE_SHOPS[0], (*_OFFICE_SHOPS[1], ("webhook_pages.index", "Webhooks")))),
    "manager": (_OFFICE_ORDERS, _OFFICE_WAREHOUSE, _OFFICE_MONEY, _OFFICE_SHOPS),
    "floor": ((None, (("home.floor", "Pick queue"), ("picking.index", "Pick lists"), ("floor.stock", "Stock"),
                      ("shipping.index", "Shipping"))),),
    "driver": ((None, (("driver.run_page", "Today's run"),)),),
    "customer": ((None, (("orders.index", "My orders"),)),),
}
# Staff phones keep a queue of changes made offline; customers make none. The office's staff list is theirs too.
_OFFICE_END = ("You and your team", (("account.staff", "Staff"), ("sync_page.index", "Changes on this phone"),
                                     ("account.show", "Account")))
_STAFF_END = (None, (("sync_page.index", "Changes on this phone"), ("account.show", "Account")))
_CUSTOMER_END = (None, (("account.show", "Account"),))


def _groups_of(role: str) -> tuple:
    if role == "customer":
        end = _CUSTOMER_END
    else:
        end = _OFFICE_END if role in ("owner", "manager") else _STAFF_END
    groups = [*MENUS.get(role, ()), end]
    if groups[0][0] is None:  # a short menu: one list, no headings
        return ((None, tuple(item for _, items in groups for item in items)),)
    return tuple(groups)


def menu_for(role: str) -> list[dict]:
    """The menu of `role` in groups: each a heading (None for a short menu) and its items, with label, href and
    whether it is the page being shown."""
    groups = [(heading, [(label, url_for(endpoint)) for endpoint, label in items])
              for heading, items in _groups_of(role)]
    path = request.path.rstrip("/") or "/"
    matching = [href for _, items in groups for _, href in items
                if path == href.rstrip("/") or path.startswith(href.rstrip("/") + "/")]
    current = max(matching, key=len, default=None)
    return [{"heading": heading, "items": [{"label": label, "href": href, "current": href == current}
                                           for label, href in items]} for heading, items in groups]
