"""Account commands through the bus on SQLite and PostgreSQL: the rows the account repository writes.

(Their rules alone run in memory in tests/unit/services/test_account_handlers.py; the pages and endpoints
that send them in tests/e2e.)
"""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from backend.adapters.records import ApiToken, SecurityEvent, User, UserSession
from backend.domain import commands
from backend.domain.access import SYSTEM
from backend.domain.accounts import AccountError
from backend.extensions import db
from backend.identity import actor_for
from backend.passwords import verify_password
from backend.tokens import token_holder
from tests.factories import PASSWORD, refused, run, standard_shop

LIFETIME = timedelta(hours=8)


@pytest.fixture
def shop(app):
    return standard_shop(app)


def actor(app, user_id):
    with app.app_context():
        return actor_for(db.session.get(User, user_id))


def live(app, model, user_id) -> int:
    """How many of the user's sign-ins (UserSession) or tokens (ApiToken) still work."""
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model).where(
            model.user_id == user_id, model.revoked_at.is_(None))).scalar_one()


def events(app) -> list[tuple]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(sa.select(SecurityEvent.kind, SecurityEvent.user_id,
                                                               SecurityEvent.actor_id).order_by(SecurityEvent.id))]


def test_floor_staff_are_stored_with_their_warehouses_and_an_argon2_hash(app, shop):
    user = run(app, commands.CreateUser("Pat@Example.com", PASSWORD, "floor",
                                        warehouse_ids=(shop.warehouses["LON"],)), SYSTEM)
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert (stored.email, stored.warehouse_ids) == ("pat@example.com", {shop.warehouses["LON"]})
        assert stored.password_hash.startswith("$argon2id$") and verify_password(stored, PASSWORD)


def test_a_second_account_for_one_email_is_refused(app, shop):
    shop.user("driver", email="dev@example.com")
    error = refused(app, commands.CreateUser("dev@example.com", PASSWORD, "owner"), SYSTEM, AccountError)
    assert "already has an account" in str(error)


def test_a_password_change_ends_the_sign_ins_keeps_the_tokens_and_is_logged(app, shop):
    user_id, _ = shop.user("driver")
    me = actor(app, user_id)
    for _ in range(2):
        run(app, commands.StartSignIn(remember=False, lifetime=LIFETIME), me)
    run(app, commands.IssueApiToken("phone"), me)
    run(app, commands.ChangePassword("a-new-long-password"), me)
    assert (live(app, UserSession, user_id), live(app, ApiToken, user_id)) == (0, 1)
    with app.app_context():
        assert verify_password(db.session.get(User, user_id), "a-new-long-password")
    assert events(app) == [("password.changed", user_id, None)]


def test_a_reset_ends_the_sign_ins_and_the_tokens(app, shop):
    owner_id, _ = shop.user("owner")
    driver_id, _ = shop.user("driver")
    driver = actor(app, driver_id)
    run(app, commands.StartSignIn(remember=True, lifetime=LIFETIME), driver)
    run(app, commands.IssueApiToken(), driver)
    run(app, commands.ResetPassword(driver_id, "a-new-long-password"), actor(app, owner_id))
    assert (live(app, UserSession, driver_id), live(app, ApiToken, driver_id)) == (0, 0)
    assert events(app) == [("password.reset", driver_id, owner_id)]


def test_an_issued_token_finds_its_holder_until_it_is_revoked(app, shop):
    user_id, _ = shop.user("manager")
    me = actor(app, user_id)
    token, plain = run(app, commands.IssueApiToken("crm"), me)
    with app.app_context():
        assert (token_holder(plain, for_write=False).user_id, token.name) == (user_id, "crm")
    assert run(app, commands.RevokeApiToken(token.id), me) is True
    with app.app_context():
        assert token_holder(plain, for_write=False).revoked_at is not None


def test_signing_out_and_signing_out_everywhere(app, shop):
    user_id, _ = shop.user("driver")
    me = actor(app, user_id)
    here = run(app, commands.StartSignIn(remember=False, lifetime=LIFETIME), me)
    for _ in range(2):
        run(app, commands.StartSignIn(remember=True, lifetime=LIFETIME), me)
    run(app, commands.EndSignIn(here), me)
    assert live(app, UserSession, user_id) == 2
    assert run(app, commands.EndAllSignIns(), me) == 2
    assert live(app, UserSession, user_id) == 0
    assert events(app) == [("sessions.revoked", user_id, None)]
