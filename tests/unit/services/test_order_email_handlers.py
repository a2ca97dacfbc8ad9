"""The order e-mail switch on the in-memory unit of work: who may turn a customer's e-mails off, and what is
recorded. (The same commands run on SQLite and PostgreSQL in tests/integration/services/test_order_mail_service.py.)"""
import pytest

from backend.domain import commands
from backend.domain.access import VISITOR, Actor, Role
from backend.domain.catalogue import Customer
from backend.domain.errors import Forbidden, NotFound
from backend.domain.order_mail import new_mail_token
from backend.services.messagebus import MessageBus
from backend.services.settings import Settings
from tests.fakes import FakeUnitOfWork

SETTINGS = Settings.__new__(Settings)  # the switch reads no setting


@pytest.fixture
def uow():
    uow = FakeUnitOfWork()
    casey = Customer("casey@example.com", "Casey")
    casey.order_emails, casey.mail_token = True, new_mail_token()
    uow.catalogue.add(casey)
    return uow


@pytest.fixture
def bus(uow):
    return MessageBus(lambda: uow, SETTINGS)


def casey_of(uow):
    return next(c for c in uow.catalogue.things if isinstance(c, Customer))


def test_the_link_turns_emails_off_once_and_records_it(bus, uow):
    casey = casey_of(uow)
    bus.handle(commands.SetOrderEmailsByLink(casey.mail_token), VISITOR)
    bus.handle(commands.SetOrderEmailsByLink(casey.mail_token), VISITOR)  # a second click changes nothing
    assert casey.order_emails is False
    assert [[e.name for e in batch] for batch in uow.committed if batch] == [["customer.order_emails_off"]]


def test_a_customer_switches_their_own_emails_and_nobody_else_can(bus, uow):
    casey = casey_of(uow)
    bus.handle(commands.SetOrderEmails(on=False), Actor(user_id=3, role=Role.CUSTOMER, customer_id=casey.id))
    assert casey.order_emails is False
    with pytest.raises(Forbidden):
        bus.handle(commands.SetOrderEmails(on=True), Actor(user_id=1, role=Role.MANAGER))
    with pytest.raises(NotFound):
        bus.handle(commands.SetOrderEmails(on=True), Actor(user_id=4, role=Role.CUSTOMER, customer_id=None))
    assert casey.order_emails is False


def test_a_guessed_link_finds_nobody(bus):
    with pytest.raises(NotFound):
        bus.handle(commands.SetOrderEmailsByLink(new_mail_token()), VISITOR)
