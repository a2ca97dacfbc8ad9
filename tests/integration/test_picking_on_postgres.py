"""Picking and packing on PostgreSQL: the whole picking service suite again, and two phones claiming one pick
list at the same moment (row locks: exactly one wins, the other is refused)."""
from __future__ import annotations

import threading

from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.errors import DomainError
from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from backend.extensions import db
from tests.factories import allocated_order, picking_setup, standard_shop


def test_two_pickers_claiming_one_list_at_once_one_wins_and_the_other_is_refused(pg_app):
    shop = standard_shop(pg_app)
    shop.customer("robin")
    picking_setup(shop)
    _, manager_email = shop.user("manager")
    manager = shop.actor(manager_email)
    pickers = [shop.actor(shop.user("floor", warehouses=("LON",))[1]) for _ in range(2)]
    allocated_order(shop, manager, [("MUG", 2)])
    with pg_app.app_context():
        list_id = bus().handle(commands.CreatePickList(shop.warehouses["LON"]), manager).id
    start, outcomes = threading.Barrier(2), []

    def claim(actor):
        with pg_app.app_context():
            start.wait()
            try:
                bus().handle(commands.ClaimPickList(list_id), actor)
                outcomes.append(("won", actor.user_id))
            except DomainError as exc:
                outcomes.append((exc.code, actor.user_id))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(actor,)) for actor in pickers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _ in outcomes) == ["pick_list.claimed", "won"]
    winner = next(user for code, user in outcomes if code == "won")
    with pg_app.app_context():
        pick_list = SqlAlchemyUnitOfWork(db.session).picking.get(list_id)
        assert pick_list.claimed_by_id == winner and pick_list.version == 2
