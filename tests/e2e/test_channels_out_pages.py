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
