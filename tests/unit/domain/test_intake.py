"""Who may say what when an order comes in: buyers never set the channel or any payment fact."""
import pytest

from backend.domain.access import Actor, Role
from backend.domain.catalogue import Channel
from backend.domain.errors import Forbidden
from backend.domain.intake import authorize_intake, buyer_overreach, intake_channel

CASEY = Actor(user_id=7, role=Role.CUSTOMER, customer_id=3)
OWNER = Actor(user_id=1, role=Role.OWNER)
NOTHING_SET = {"channel": None, "channel_order_id": None, "card_fingerprint": None, "address_check": None}


def test_a_buyer_who_sets_nothing_of_the_shops_oversteps_nothing():
    assert buyer_overreach(**NOTHING_SET) == {}
    assert buyer_overreach(**{**NOTHING_SET, "channel": "web_shop", "address_check": "not_checked"}) == {}


@pytest.mark.parametrize("field, value", [("channel", "marketplace"), ("channel", "pos"), ("channel", "api"),
                                          ("channel_order_id", "MKT-2001"), ("card_fingerprint", "fp-1"),
                                          ("address_check", "passed"), ("address_check", "failed")])
def test_each_field_only_the_shop_may_set_is_named_when_a_buyer_sets_it(field, value):
    assert list(buyer_overreach(**{**NOTHING_SET, field: value})) == [field]


def test_a_buyer_setting_shop_fields_is_refused_with_every_field_named():
    with pytest.raises(Forbidden) as refused:
        authorize_intake(CASEY, customer_id=None, channel="pos", channel_order_id="MKT-2001",
                         card_fingerprint="fp", address_check="passed")
    assert refused.value.code == "order.set_by_shop"
    assert set(refused.value.errors) == {"channel", "channel_order_id", "card_fingerprint", "address_check"}


def test_a_buyer_ordering_for_another_customer_is_refused():
    with pytest.raises(Forbidden) as refused:
        authorize_intake(CASEY, customer_id=4, **NOTHING_SET)
    assert refused.value.errors == {"customer_id": "Customers can only place orders for themselves."}


@pytest.mark.parametrize("role", [Role.FLOOR, Role.DRIVER])
def test_floor_staff_and_drivers_place_no_orders(role):
    with pytest.raises(Forbidden):
        authorize_intake(Actor(user_id=2, role=role), customer_id=3, **{**NOTHING_SET, "channel_order_id": "X"})


def test_the_office_may_record_any_channel_and_payment_fact():
    authorize_intake(OWNER, customer_id=3, channel="marketplace", channel_order_id="MKT-2001",
                     card_fingerprint="fp", address_check="passed")


def test_a_buyers_order_is_always_a_web_shop_order_and_the_offices_defaults_to_the_api():
    assert intake_channel(CASEY, None) == Channel.WEB_SHOP
    assert intake_channel(OWNER, None) == Channel.API
    assert intake_channel(OWNER, "phone") == Channel.PHONE
