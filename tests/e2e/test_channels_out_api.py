"""Channels out over the API: the owner points a channel at its shop, managers list products with the shop's
ids, pushes go to a REAL local shop API, and what failed is visible (with the shop's reason) and sent again."""
from __future__ import annotations

import pytest

from tests.channels_out import CHANNELS_OUT_CONFIG, LOCATION_ID, pushes_done
from tests.e2e.conftest import _app_on_copy, _dispose, _world_for, assert_problem
from tests.outbox import publish_everything
from tests.shop_api import ShopApiServer
from tests.shop_webhooks import SHOPIFY_SECRET

MUG_ITEM = "808950810"


@pytest.fixture
def app(tmp_path, world_template):
    """The e2e world that reaches the local shop API with its tokens, retrying at once."""
    application = _app_on_copy(world_template[0], tmp_path / "out.db", **CHANNELS_OUT_CONFIG)
    yield application
    _dispose(application)


@pytest.fixture
def world(app, world_template):
    return _world_for(app, world_template[1])


@pytest.fixture
def shop_api():
    with ShopApiServer() as server:
        yield server


def _channel(client, world, api_url, **settings):
    body = {"kind": "shopify", "currency": "GBP", "secret": SHOPIFY_SECRET, "api_url": api_url,
            "location_id": LOCATION_ID, **settings}
    response = client.put("/api/v1/channels/shopify-uk", json=body, headers=world.headers("owner"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_owner_sets_where_a_channel_pushes_and_its_token_is_named_never_shown(client, world, shop_api):
    channel = _channel(client, world, shop_api.url + "/", stock_buffer=3)
    assert {k: channel[k] for k in ("api_url", "stock_buffer", "location_id", "push_stock", "push_fulfilment",
                                    "token_variable")} == {
        "api_url": shop_api.url, "stock_buffer": 3, "location_id": LOCATION_ID, "push_stock": True,
        "push_fulfilment": True, "token_variable": "WAYBILL_CHANNEL_TOKEN_SHOPIFY_UK"}
    assert "token" not in channel and "secret" not in channel


def test_a_listing_put_through_the_api_sends_the_shop_its_quantity(app, client, world, shop_api):
    _channel(client, world, shop_api.url, stock_buffer=3)
    response = client.put("/api/v1/channels/shopify-uk/listings/MUG", json={"item_id": MUG_ITEM, "buffer": 1},
                          headers=world.headers("manager"))
    assert response.status_code == 200, response.get_json()
    assert {k: response.get_json()[k] for k in ("sku", "item_id", "buffer", "buffer_applied")} == {
        "sku": "MUG", "item_id": MUG_ITEM, "buffer": 1, "buffer_applied": 1}
    pushes_done(app)
    assert shop_api.levels[(int(LOCATION_ID), int(MUG_ITEM))] == 49
    [push] = client.get("/api/v1/channels/shopify-uk/pushes", headers=world.headers("manager")).get_json()
    assert {k: push[k] for k in ("kind", "sku", "quantity", "status", "attempts", "last_error")} == {
        "kind": "stock", "sku": "MUG", "quantity": 49, "status": "sent", "attempts": 1, "last_error": ""}


def test_a_failed_push_shows_the_shops_reason_and_is_sent_again_on_request(app, client, world, shop_api):
    _channel(client, world, shop_api.url)
    shop_api.fail_next(403)
    client.put("/api/v1/channels/shopify-uk/listings/MUG", json={"item_id": MUG_ITEM}, headers=world.headers("owner"))
    pushes_done(app)
    [push] = client.get("/api/v1/channels/shopify-uk/pushes?status=failed", headers=world.headers("owner")).get_json()
    assert (push["status"], push["last_status_code"]) == ("failed", 403)
    assert "scripted failure" in push["last_error"]
    again = client.post(f"/api/v1/channels/shopify-uk/pushes/{push['id']}/retry", headers=world.headers("manager"))
    assert (again.status_code, again.get_json()["status"], again.get_json()["attempts"]) == (200, "pending", 0)
    pushes_done(app)
    assert shop_api.levels[(int(LOCATION_ID), int(MUG_ITEM))] == 50
    sent = client.post(f"/api/v1/channels/shopify-uk/pushes/{push['id']}/retry", headers=world.headers("manager"))
    assert assert_problem(sent, 409)["code"] == "channel_push.already_sent"


def test_a_removed_listing_is_no_longer_pushed(app, client, world, shop_api):
    _channel(client, world, shop_api.url)
    client.put("/api/v1/channels/shopify-uk/listings/MUG", json={"item_id": MUG_ITEM}, headers=world.headers("owner"))
    assert client.delete("/api/v1/channels/shopify-uk/listings/MUG", headers=world.headers("owner")).status_code == 204
    assert client.get("/api/v1/channels/shopify-uk/listings", headers=world.headers("owner")).get_json() == []
    world.place([("MUG", 2)])
    pushes_done(app)
    assert shop_api.requests == []


def test_shop_ids_and_buffers_are_checked_at_the_edge(client, world, shop_api):
    _channel(client, world, shop_api.url)
    response = client.put("/api/v1/channels/shopify-uk/listings/MUG", json={"item_id": "abc", "buffer": -1},
                          headers=world.headers("owner"))
    assert set(assert_problem(response, 422)["errors"]) == {"item_id", "buffer"}
    response = client.put("/api/v1/channels/shopify-uk/listings/NOPE", json={"item_id": "1"},
                          headers=world.headers("owner"))
    assert_problem(response, 404)
    response = client.put("/api/v1/channels/shopify-uk", json={"kind": "shopify", "currency": "GBP",
                                                               "api_url": "ftp://shop.example", "location_id": "x"},
                          headers=world.headers("owner"))
    assert set(assert_problem(response, 422)["errors"]) == {"api_url", "location_id"}


@pytest.mark.parametrize("who", ["floor", "driver", "customer"])
def test_only_the_office_sees_or_changes_listings_and_pushes(client, world, shop_api, who):
    _channel(client, world, shop_api.url)
    headers = world.headers(who)
    assert_problem(client.get("/api/v1/channels/shopify-uk/listings", headers=headers), 403)
    assert_problem(client.get("/api/v1/channels/shopify-uk/pushes", headers=headers), 403)
    assert_problem(client.put("/api/v1/channels/shopify-uk/listings/MUG", json={"item_id": "1"}, headers=headers),
                   403)


def test_an_unknown_channel_is_404(client, world):
    assert_problem(client.get("/api/v1/channels/nope/pushes", headers=world.headers("owner")), 404)
    assert_problem(client.put("/api/v1/channels/nope/listings/MUG", json={"item_id": "1"},
                              headers=world.headers("owner")), 404)


def test_the_command_line_points_a_channel_at_its_shop_lists_a_product_and_pushes_once(app, client, world, shop_api):
    cli = app.test_cli_runner()
    result = cli.invoke(args=["channels", "set", "shopify-uk", "--kind", "shopify", "--api-url", shop_api.url,
                              "--location", LOCATION_ID, "--stock-buffer", "2"],
                        env={"WAYBILL_CHANNEL_SECRET_SHOPIFY_UK": SHOPIFY_SECRET})
    assert result.exit_code == 0, result.output
    result = cli.invoke(args=["channels", "listing", "shopify-uk", "MUG", "--item", MUG_ITEM])
    assert (result.exit_code, result.output.strip()) == (0, f"MUG is listed on shopify-uk as {MUG_ITEM}.")
    publish_everything(app)
    result = cli.invoke(args=["channels", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert shop_api.levels[(int(LOCATION_ID), int(MUG_ITEM))] == 48


def test_the_command_line_refuses_a_listing_it_cannot_keep_with_the_reason(app, client, world, shop_api):
    _channel(client, world, shop_api.url)
    result = app.test_cli_runner().invoke(args=["channels", "listing", "shopify-uk", "MUG", "--item", "x1"])
    assert result.exit_code != 0 and "item_id" in result.output
