"""The shop channels page without JavaScript: only the office reads it, and "Retry now" is a plain form post that
says what it did."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.adapters.channel_push_records import ChannelPush
from backend.extensions import db
from tests.channels_out import CHANNELS_OUT_CONFIG, list_product, pushes_done, shop_channels
from tests.e2e.conftest import _app_on_copy, _dispose, _world_for, csrf_token_of, sign_in
from tests.shop_api import ShopApiServer


@pytest.fixture
def app(tmp_path, world_template):
    application = _app_on_copy(world_template[0], tmp_path / "pages.db", **CHANNELS_OUT_CONFIG)
    yield application
    _dispose(application)


@pytest.fixture
def world(app, world_template):
    return _world_for(app, world_template[1])


@pytest.fixture
def failed_push(app, world):
    """A Shopify channel whose MUG stock push failed (the shop said 400); its push id."""
    with ShopApiServer() as shop_api:
        shop_channels(app, shop_api.url)
        shop_api.fail_next(400)
        list_product(app, "shopify-uk", "MUG", "808950810")
        pushes_done(app)
    with app.app_context():
        push_id = db.session.execute(sa.select(ChannelPush.id)).scalar_one()
        db.session.remove()
    return push_id


@pytest.mark.parametrize("who", ["floor", "driver", "customer"])
def test_only_the_office_opens_the_shop_channels_page(client, world, who):
    sign_in(client, world.emails[who])
    assert client.get("/office/channels/").status_code == 403


def test_retry_now_puts_a_failed_push_back_in_line_and_says_so(client, world, failed_push):
    sign_in(client, world.emails["manager"])
    page = client.get("/office/channels/").get_data(as_text=True)
    assert f'data-push="{failed_push}" data-push-status="failed"' in page and "400 Bad Request" in page
    answer = client.post(f"/office/channels/pushes/{failed_push}/retry", data={"csrf_token": csrf_token_of(page)},
                         follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "Sent again" in page and f'data-push="{failed_push}" data-push-status="pending"' in page


def test_retry_now_without_the_forms_token_changes_nothing(client, world, failed_push):
    sign_in(client, world.emails["manager"])
    assert client.post(f"/office/channels/pushes/{failed_push}/retry").status_code == 400
    assert 'data-push-status="failed"' in client.get("/office/channels/").get_data(as_text=True)


@pytest.fixture
def channels(app, world):
    """Both shop channels, pointed at an address nothing answers (nothing here needs a push to be sent)."""
    shop_channels(app, "http://127.0.0.1:9")
    return world


def _listing_form(client, slug: str, **fields):
    page = client.get("/office/channels/").get_data(as_text=True)
    return client.post(f"/office/channels/{slug}/listings", data={"csrf_token": csrf_token_of(page), **fields})


def test_a_manager_lists_a_product_on_a_shop_from_the_page_and_takes_it_off_again(app, client, channels):
    sign_in(client, channels.emails["manager"])
    listed = _listing_form(client, "woo-uk", sku="MUG", item_id="731", parent_id="", buffer="3")
    assert listed.status_code == 302
    page = client.get(listed.headers["Location"]).get_data(as_text=True)
    assert "MUG is listed" in page
    with app.app_context():
        from backend.queries.channels_out import list_listings
        [row] = list_listings(db.session, "woo-uk")
        db.session.remove()
    assert (row["sku"], row["item_id"], row["parent_id"], row["buffer"]) == ("MUG", "731", None, 3)
    removed = client.post("/office/channels/woo-uk/listings/MUG/remove", data={"csrf_token": csrf_token_of(page)},
                          follow_redirects=True)
    assert "MUG is no longer sent to this shop" in removed.get_data(as_text=True)
    with app.app_context():
        assert list_listings(db.session, "woo-uk") == []


def test_a_wrong_listing_comes_back_with_each_problem_beside_its_box_and_what_was_typed(client, channels):
    sign_in(client, channels.emails["manager"])
    refused = _listing_form(client, "shopify-uk", sku="MUG", item_id="12x", buffer="-1")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="listing-shopify-uk-item_id-error">Use the shop&#39;s numeric id.' in page
    assert 'id="listing-shopify-uk-buffer-error">Use a whole number from 0 to' in page
    assert 'value="12x"' in page and "listing-form\" open" in page
    unknown = _listing_form(client, "shopify-uk", sku="NOPE-1", item_id="808950810")
    assert unknown.status_code == 404
    assert 'id="listing-shopify-uk-sku-error">No product with SKU NOPE-1.' in unknown.get_data(as_text=True)
    assert "Listed products (0)" in unknown.get_data(as_text=True)


def test_floor_staff_cannot_list_products_even_with_a_good_form_token(client, channels):
    sign_in(client, channels.emails["floor"])
    token = csrf_token_of(client.get("/account").get_data(as_text=True))
    assert client.post("/office/channels/shopify-uk/listings",
                       data={"csrf_token": token, "sku": "MUG", "item_id": "1"}).status_code == 403


def test_a_listing_form_without_its_token_changes_nothing(client, channels):
    sign_in(client, channels.emails["manager"])
    assert client.post("/office/channels/shopify-uk/listings", data={"sku": "MUG", "item_id": "1"}).status_code == 400
    assert "Listed products (0)" in client.get("/office/channels/").get_data(as_text=True)
