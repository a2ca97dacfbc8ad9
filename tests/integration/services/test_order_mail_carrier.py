"""The shipped e-mail of a parcel that an outside carrier takes: its tracking number, linked to the carrier's page."""
import pytest

from backend.adapters.mail import SmtpSender, mail_worker_for_app
from backend.domain import commands
from backend.domain.access import Actor, Role
from tests.carrier import carrier, carrier_app  # noqa: F401  (fixtures)
from tests.factories import packed_order, run, standard_shop
from tests.outbox import publish_everything
from tests.smtp_server import LocalSmtpServer, parts

MANAGER = Actor(user_id=None, role=Role.MANAGER)


@pytest.fixture
def smtp():
    server = LocalSmtpServer().start()
    yield server
    server.stop()


def test_the_shipped_email_names_the_carrier_and_links_its_tracking_page(carrier_app, smtp):
    carrier_app.config["CARRIER_TRACKING_URL"] = "https://track.express.example/parcels/{number}"
    shop = standard_shop(carrier_app)
    order_id = packed_order(shop, MANAGER)
    shipment = run(carrier_app, commands.CreateShipment(order_id, "express"), MANAGER)
    publish_everything(carrier_app)
    sender = SmtpSender("127.0.0.1", smtp.port, starttls=False, envelope_from="orders@waybill-shop.co.uk", timeout=5)
    mail_worker_for_app(carrier_app, sender).run_once()
    shipped = [m for m in smtp.messages if "on its way" in str(m["Subject"])]
    assert len(shipped) == 1
    text, html = parts(shipped[0])
    link = f"https://track.express.example/parcels/{shipment.tracking_number}"
    assert f"tracking number {shipment.tracking_number}" in text and link in text
    assert f'href="{link}"' in html and "Carrier: <strong>Express</strong>" in html
