"""The e2e world: a shop with a user (and API token) per role, made once per run in a template database,
and apps on a copy of it (one per test, or one per module for read-mostly checks).

Each test gets its own copy of the template file, exactly as the root conftest does with the bare migrated
schema. The fixtures are registered by tests/e2e/conftest.py.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend.adapters.records import User
from backend.extensions import db
from tests.conftest import make_app
from tests.factories import LEEDS, LONDON, Shop, issue_token, standard_shop

@dataclass
class World:
    """What the template database holds: the shop's ids, one user per role, and their bearer tokens."""

    shop: Shop
    emails: dict
    user_ids: dict
    tokens: dict

    def headers(self, who: str) -> dict:
        """The Authorization header of `who` (a role name, or 'other_customer')."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def actor(self, who: str):
        """The domain Actor of `who`, for placing orders through the bus."""
        return self.shop.actor(self.emails[who])

    def place(self, lines, customer="casey", who="owner", **extra) -> int:
        """Place an order for `customer` through the message bus; returns its id."""
        address = LEEDS if customer == "casey" else LONDON
        return self.shop.place(self.actor(who), lines, customer=customer, address=address, **extra)


def _build_world(app) -> World:
    """The standard shop, a second customer in London, a user per role and a token each."""
    shop = standard_shop(app)
    shop.customer("robin", address=LONDON)
    people = {"owner": shop.user("owner"), "manager": shop.user("manager"),
              "floor": shop.user("floor", warehouses=("LON",)), "driver": shop.user("driver"),
              "customer": shop.user("customer", customer="casey"),
              "other_customer": shop.user("customer", customer="robin")}
    tokens = {}
    with app.app_context():
        for who, (user_id, _email) in people.items():
            _token, plain = issue_token(db.session.get(User, user_id), name=f"e2e {who}")
            tokens[who] = plain
    return World(shop, {who: email for who, (_, email) in people.items()},
                 {who: user_id for who, (user_id, _) in people.items()}, tokens)


@pytest.fixture(scope="session")
def world_template(tmp_path_factory, sqlite_template):
    """A migrated database with the world in it, built once per run: (path, World without an app)."""
    path = tmp_path_factory.mktemp("e2e-template") / "waybill.db"
    shutil.copy(sqlite_template, path)
    app = make_app(f"sqlite:///{path}")
    world = _build_world(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return path, world


def _world_for(app, template_world: World) -> World:
    """The template's world, bound to another app whose database is a copy of the template."""
    shop = Shop(app)
    shop.warehouses = dict(template_world.shop.warehouses)
    shop.products = dict(template_world.shop.products)
    shop.customers = dict(template_world.shop.customers)
    return World(shop, dict(template_world.emails), dict(template_world.user_ids), dict(template_world.tokens))


def _app_on_copy(template_path, target, **overrides):
    """An app on a copy of the template database at `target`, its photos in a folder beside it."""
    shutil.copy(template_path, target)
    return make_app(f"sqlite:///{target}", **{"BLOB_DIR": str(Path(target).parent / "blobs"), **overrides})


def _dispose(application) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, world_template):
    """In the e2e tier, a fresh app whose database already holds the world (shop, users, tokens)."""
    application = _app_on_copy(world_template[0], tmp_path / "waybill.db")
    yield application
    _dispose(application)


@pytest.fixture
def world(app, world_template) -> World:
    """The world of this test's app."""
    return _world_for(app, world_template[1])


@pytest.fixture(scope="module")
def module_app(tmp_path_factory, world_template):
    """One app for a whole module, for tables of read-mostly checks that would be slow one app each."""
    application = _app_on_copy(world_template[0], tmp_path_factory.mktemp("module") / "waybill.db")
    yield application
    _dispose(application)


@pytest.fixture(scope="module")
def module_world(module_app, world_template) -> World:
    """The world of `module_app`."""
    return _world_for(module_app, world_template[1])

