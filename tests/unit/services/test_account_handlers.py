"""Account handlers on the in-memory unit of work: creating accounts, passwords, API tokens and sign-ins.

The same commands run through the bus against SQLite in tests/e2e (test_passwords, test_auth_tokens,
test_sign_out) and against PostgreSQL in tests/integration (test_sign_in_security_shared).
"""
from datetime import datetime, timedelta, timezone

import pytest

from backend.domain import commands
from backend.domain.access import SYSTEM, Actor, Role
from backend.domain.accounts import AccountError, PasswordRefused, digest
from backend.domain.catalogue import Warehouse
from backend.domain.errors import Forbidden, NotFound
from backend.services.messagebus import MessageBus
from backend.services.settings import Settings
from tests.fakes import FakeUnitOfWork

PASSWORD = "correct-horse-battery"
HOUR = timedelta(hours=1)


class RecordingHasher:
    """A stand-in for argon2: a recognisable 'hash', and the passwords it was asked to hash."""

    def __init__(self):
        self.hashed = []

    def hash(self, plain: str) -> str:
        self.hashed.append(plain)
        return f"hashed:{plain}"


@pytest.fixture
def hasher():
    return RecordingHasher()


@pytest.fixture
def uow():
    uow = FakeUnitOfWork()
    uow.catalogue.add(Warehouse("LON", "London", {}, 51.5, -0.1))
    return uow


@pytest.fixture
def bus(uow, hasher):
    settings = Settings(currency="GBP", tax=None, shipping=None, risk=None, allocation_strategy="",
                        split_min_line_minor=0, passwords=hasher)
    return MessageBus(lambda: uow, settings)


def london(uow) -> int:
    return uow.catalogue.things[0].id


def person(bus, role="driver", email=None, **fields):
    """A user made through the bus, and the Actor they act as."""
    user = bus.handle(commands.CreateUser(email or f"{role}@example.com", PASSWORD, role, **fields), SYSTEM)
    return user, Actor(user_id=user.id, role=Role(role), customer_id=user.customer_id)


def test_a_new_account_keeps_the_hash_a_lower_case_email_and_a_name_from_it(bus, uow, hasher):
    user = bus.handle(commands.CreateUser(" Farah.Floor@Example.com ", PASSWORD, "floor",
                                          warehouse_ids=(london(uow),)), SYSTEM)
    assert (user.email, user.name, user.role, user.active) == ("farah.floor@example.com", "Farah.Floor", "floor", True)
    assert user.password_hash == f"hashed:{PASSWORD}" and hasher.hashed == [PASSWORD]
    assert user.warehouse_ids == {london(uow)}
    assert len(uow.committed) == 1


@pytest.mark.parametrize("fields, message", [
    ({"password": "short"}, "at least 10 characters"),
    ({"role": "customer"}, "linked to a customer record"),
    ({"role": "floor"}, "at least one warehouse"),
    ({"role": "floor", "warehouse_ids": (999,)}, "Unknown warehouse id"),
])
def test_an_account_that_cannot_exist_is_refused_and_nothing_is_committed(bus, uow, fields, message):
    asked = {"email": "new@example.com", "password": PASSWORD, "role": "driver", **fields}
    with pytest.raises(AccountError, match=message):
        bus.handle(commands.CreateUser(**asked), SYSTEM)
    assert uow.committed == [] and uow.accounts.users == {}


def test_an_email_that_already_has_an_account_is_refused(bus, uow):
    person(bus, email="dev@example.com")
    with pytest.raises(AccountError, match="dev@example.com already has an account"):
        bus.handle(commands.CreateUser("DEV@example.com", PASSWORD, "owner"), SYSTEM)
    assert len(uow.accounts.users) == 1 and len(uow.committed) == 1


def test_only_the_owner_side_opens_accounts(bus, uow):
    with pytest.raises(Forbidden):
        bus.handle(commands.CreateUser("x@example.com", PASSWORD, "driver"), Actor(user_id=3, role=Role.MANAGER))
    assert uow.committed == []


def test_a_password_change_ends_every_sign_in_of_the_person_but_keeps_their_tokens(bus, uow):
    user, me = person(bus)
    _, other = person(bus, email="other@example.com")
    for actor in (me, me, other):
        bus.handle(commands.StartSignIn(remember=False, lifetime=HOUR), actor)
    token, _ = bus.handle(commands.IssueApiToken("phone"), me)
    bus.handle(commands.ChangePassword("a-new-long-password", client_ip="10.0.0.9"), me)
    assert user.password_hash == "hashed:a-new-long-password"
    assert [(s.user_id, s.revoked_at is None) for s in uow.accounts.sign_ins] == [
        (me.user_id, False), (me.user_id, False), (other.user_id, True)]
    assert token.revoked_at is None
    (event,) = uow.accounts.security_events
    assert (event.kind, event.user_id, event.email, event.client_ip) == ("password.changed", user.id,
                                                                        "driver@example.com", "10.0.0.9")


def test_a_new_password_too_short_is_refused_on_its_field_before_it_is_hashed(bus, uow, hasher):
    user, me = person(bus)
    commits = len(uow.committed)
    with pytest.raises(PasswordRefused) as refused:
        bus.handle(commands.ChangePassword("short"), me)
    assert refused.value.field == "new_password" and refused.value.status == 422
    assert hasher.hashed == [PASSWORD] and user.password_hash == f"hashed:{PASSWORD}"
    assert len(uow.committed) == commits and uow.accounts.security_events == []


def test_the_owner_resets_a_drivers_password_and_every_sign_in_and_token_of_theirs_ends(bus, uow):
    _, owner = person(bus, "owner")
    driver, as_driver = person(bus, "driver")
    bus.handle(commands.StartSignIn(remember=True, lifetime=HOUR), as_driver)
    token, _ = bus.handle(commands.IssueApiToken(), as_driver)
    target = bus.handle(commands.ResetPassword(driver.id, "a-new-long-password", client_ip="10.0.0.1"), owner)
    assert target is driver and driver.password_hash == "hashed:a-new-long-password"
    assert uow.accounts.sign_ins[0].revoked_at is not None and token.revoked_at is not None
    (event,) = uow.accounts.security_events
    assert (event.kind, event.user_id, event.actor_id, event.client_ip) == ("password.reset", driver.id,
                                                                           owner.user_id, "10.0.0.1")


@pytest.mark.parametrize("actor_role, target_role, refusal, words", [
    ("manager", "manager", Forbidden, "Only the owner"),
    ("manager", "owner", Forbidden, "Only the owner"),
    ("manager", "customer", NotFound, "No such staff member"),
    ("driver", "floor", Forbidden, "Only the owner"),
])
def test_who_may_not_reset_whom_is_refused_before_the_password_is_judged(bus, uow, actor_role, target_role,
                                                                          refusal, words):
    _, actor = person(bus, actor_role, email="actor@example.com")
    extra = {"customer_id": 5} if target_role == "customer" else {"warehouse_ids": (london(uow),)} \
        if target_role == "floor" else {}
    target, _ = person(bus, target_role, email="target@example.com", **extra)
    commits = len(uow.committed)
    with pytest.raises(refusal, match=words):
        bus.handle(commands.ResetPassword(target.id, "short"), actor)
    assert len(uow.committed) == commits and target.password_hash == f"hashed:{PASSWORD}"


def test_your_own_password_is_changed_under_account_not_reset(bus, uow):
    me_user, me = person(bus, "owner")
    with pytest.raises(Forbidden, match="Change your own password under Account"):
        bus.handle(commands.ResetPassword(me_user.id, "a-new-long-password"), me)


def test_a_reset_to_a_password_too_short_is_refused_on_the_password_field(bus, uow):
    _, owner = person(bus, "owner")
    driver, _ = person(bus, "driver")
    with pytest.raises(PasswordRefused) as refused:
        bus.handle(commands.ResetPassword(driver.id, "short"), owner)
    assert refused.value.field == "password" and driver.password_hash == f"hashed:{PASSWORD}"


def test_a_reset_of_nobody_is_not_found(bus):
    _, owner = person(bus, "owner")
    with pytest.raises(NotFound):
        bus.handle(commands.ResetPassword(999, "a-new-long-password"), owner)


def test_a_token_is_issued_to_the_actor_and_only_its_digest_is_kept(bus, uow):
    _, me = person(bus)
    token, plain = bus.handle(commands.IssueApiToken("integration"), me)
    assert plain.startswith("wb_") and len(plain) > 40
    assert (token.user_id, token.name, token.token_hash) == (me.user_id, "integration", digest(plain))
    assert plain not in vars(token).values()
    assert bus.handle(commands.IssueApiToken(), me)[1] != plain


def test_nobody_signed_in_gets_no_token(bus, uow):
    with pytest.raises(Forbidden):
        bus.handle(commands.IssueApiToken(), Actor(user_id=None, role=Role.CUSTOMER))
    assert uow.accounts.tokens == {}


def test_a_revoked_token_keeps_the_time_of_its_first_revocation(bus, uow):
    _, me = person(bus)
    token, _ = bus.handle(commands.IssueApiToken(), me)
    assert bus.handle(commands.RevokeApiToken(token.id), me) is True
    first, commits = token.revoked_at, len(uow.committed)
    assert bus.handle(commands.RevokeApiToken(token.id), me) is True
    assert token.revoked_at == first and len(uow.committed) == commits


def test_someone_elses_token_or_no_token_cannot_be_revoked(bus, uow):
    _, me = person(bus)
    _, other = person(bus, email="other@example.com")
    token, _ = bus.handle(commands.IssueApiToken(), other)
    assert bus.handle(commands.RevokeApiToken(token.id), me) is False
    assert bus.handle(commands.RevokeApiToken(999), me) is False
    assert token.revoked_at is None


def test_a_sign_in_keeps_the_digest_of_its_key_and_lives_for_its_lifetime(bus, uow):
    _, me = person(bus)
    key = bus.handle(commands.StartSignIn(remember=True, lifetime=HOUR, user_agent="x" * 300), me)
    (row,) = uow.accounts.sign_ins
    assert (row.user_id, row.token_hash, row.remember, len(row.user_agent)) == (me.user_id, digest(key), True, 200)
    assert row.expires_at - row.created_at == HOUR and row.last_seen_at == row.created_at
    assert row.created_at.tzinfo is timezone.utc and abs(datetime.now(timezone.utc) - row.created_at) < HOUR


def test_signing_out_ends_only_this_browsers_sign_in(bus, uow):
    _, me = person(bus)
    here = bus.handle(commands.StartSignIn(remember=False, lifetime=HOUR), me)
    bus.handle(commands.StartSignIn(remember=False, lifetime=HOUR), me)
    bus.handle(commands.EndSignIn(here), me)
    assert [s.revoked_at is None for s in uow.accounts.sign_ins] == [False, True]


def test_another_persons_key_signs_nobody_out(bus, uow):
    _, me = person(bus)
    _, other = person(bus, email="other@example.com")
    theirs = bus.handle(commands.StartSignIn(remember=False, lifetime=HOUR), other)
    bus.handle(commands.EndSignIn(theirs), me)
    assert uow.accounts.sign_ins[0].revoked_at is None


def test_signing_out_everywhere_ends_every_sign_in_of_the_person_and_logs_it(bus, uow):
    user, me = person(bus)
    _, other = person(bus, email="other@example.com")
    for actor in (me, me, other):
        bus.handle(commands.StartSignIn(remember=False, lifetime=HOUR), actor)
    assert bus.handle(commands.EndAllSignIns(client_ip="10.0.0.7"), me) == 2
    assert [s.revoked_at is None for s in uow.accounts.sign_ins] == [False, False, True]
    (event,) = uow.accounts.security_events
    assert (event.kind, event.user_id, event.email, event.client_ip) == ("sessions.revoked", user.id,
                                                                        user.email, "10.0.0.7")
