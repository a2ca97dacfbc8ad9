"""What a shop is told it may sell, and what its settings and listings must hold."""
from __future__ import annotations

import pytest

from backend.domain.channels_out import (Fulfilment, InvalidListing, available_for_channel, buffer_for,
                                         channel_quantity, check_listing, concerns_channels, outbound_problems)


def test_available_is_on_hand_less_reserved_less_the_buffer():
    assert available_for_channel(10, 3, 2) == 5


def test_available_never_goes_below_zero():
    assert available_for_channel(4, 3, 2) == 0


def test_the_products_own_buffer_beats_the_channels_even_when_it_is_zero():
    assert buffer_for(0, 5) == 0
    assert buffer_for(2, 5) == 2


def test_without_a_product_buffer_the_channels_applies_and_none_means_zero():
    assert buffer_for(None, 5) == 5
    assert buffer_for(None, None) == 0


def test_the_quantity_sums_the_selling_warehouses_and_holds_the_buffer_back_once():
    assert channel_quantity([(40, 2), (10, 0)], product_buffer=None, channel_buffer=5) == 43


def test_a_warehouse_with_more_reserved_than_free_does_not_take_from_another():
    assert channel_quantity([(3, 3), (5, 1)], product_buffer=1, channel_buffer=9) == 3


def test_the_woocommerce_note_names_carrier_tracking_and_link():
    parcel = Fulfilment("727", "Own Fleet", "WB123", "https://track.example/WB123")
    assert parcel.note() == "Shipped with Own Fleet, tracking WB123 https://track.example/WB123"
    assert Fulfilment("727", "Own Fleet", "WB123").note() == "Shipped with Own Fleet, tracking WB123"


def test_a_listing_needs_digits_for_the_shops_ids_and_a_sane_buffer():
    with pytest.raises(InvalidListing) as raised:
        check_listing("woocommerce", "abc", "x1", -1)
    assert set(raised.value.errors) == {"item_id", "parent_id", "buffer"}


def test_a_shopify_listing_has_no_parent():
    with pytest.raises(InvalidListing) as raised:
        check_listing("shopify", "808950810", "1", None)
    assert set(raised.value.errors) == {"parent_id"}


def test_outbound_settings_refuse_credentials_in_the_address_and_a_location_on_woocommerce():
    errors = outbound_problems("woocommerce", "https://ck:cs@shop.example", -1, "123")
    assert set(errors) == {"api_url", "stock_buffer", "location_id"}
    assert outbound_problems("shopify", "https://shop.example", 0, "655441491") == {}


def test_stock_listing_channel_and_new_parcel_news_concern_the_shops_and_nothing_else_does():
    assert concerns_channels("stock.reserved", "stock_level")
    assert concerns_channels("channel_listing.set", "channel_listing")
    assert concerns_channels("channel.configured", "sales_channel")
    assert concerns_channels("shipment.created", "shipment")
    assert not concerns_channels("shipment.attempt_failed", "shipment")
    assert not concerns_channels("order.placed", "order")
