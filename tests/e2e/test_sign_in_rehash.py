"""A right password hashed with older parameters is rehashed at sign-in, even while someone else is writing.

The user is read first and the rehash takes a while; if another writer commits in between, the new hash
must still be stored (and the person signed in), not refused with "database is locked".
"""
from __future__ import annotations

import sqlalchemy as sa

from backend import sign_in as sign_in_module
from backend.adapters.records import User
from backend.extensions import db
from tests.e2e.conftest import sign_in
from tests.factories import Shop


def _stored_hash(app, email: str) -> str:
    with app.app_context():
        try:
            return db.session.execute(sa.select(User.password_hash).where(User.email == email)).scalar_one()
        finally:
            db.session.remove()


def test_a_rehash_at_sign_in_is_kept_though_another_writer_committed_meanwhile(app, monkeypatch):
    shop = Shop(app)
    _, email = shop.user("owner")  # hashed with the test suite's cheap parameters
    colleague_id, _ = shop.user("manager")
    old_hash = _stored_hash(app, email)
    app.config["WAYBILL_FAST_PASSWORD_HASH"] = False  # the shop now hashes with the stronger default
    checked = sign_in_module.check_password_of

    def check_while_someone_writes(user, email, password):
        right = checked(user, email, password)
        with db.engine.begin() as other:  # another request's write commits while this sign-in reads
            other.execute(sa.update(User).where(User.id == colleague_id).values(name="Morgan Manager"))
        return right

    monkeypatch.setattr(sign_in_module, "check_password_of", check_while_someone_writes)
    client = app.test_client()
    response = sign_in(client, email)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    new_hash = _stored_hash(app, email)
    assert new_hash != old_hash and "m=65536" in new_hash  # argon2's default memory cost, not the cheap one
