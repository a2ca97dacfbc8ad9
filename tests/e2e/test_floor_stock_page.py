"""/floor/stock through the test client: the levels floor staff see, and the count form without JavaScript
(a POST through the bus like every form: CSRF, errors shown on the page, never a 500)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from backend.adapters.tables import stock_levels, stock_movements
from backend.extensions import db
from tests.e2e.conftest import csrf_token_of, sign_in


@pytest.fixture
def floor_client(client, world):
    """The London floor user, signed in."""
    sign_in(client, world.emails["floor"])
    return client


def _on_hand(app, world, sku="MUG", warehouse="LON") -> int:
    with app.app_context():
        return db.session.execute(sa.select(stock_levels.c.on_hand).where(
            stock_levels.c.warehouse_id == world.shop.warehouses[warehouse],
            stock_levels.c.product_id == world.shop.products[sku])).scalar_one()


def _movements(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(stock_movements)).scalar_one()


def _count(client, world, change, sku="MUG", warehouse="LON", reason="count", note="", **extra):
    """Post one product's count form as a browser without JavaScript would."""
    token = csrf_token_of(client.get("/floor/stock").get_data(as_text=True))
    form = {"csrf_token": token, "warehouse_id": world.shop.warehouses[warehouse],
            "product_id": world.shop.products[sku], "change": change, "reason": reason, "note": note, **extra}
    return client.post("/floor/stock", data=form)


def test_the_floor_home_links_to_the_stock_page(floor_client):
    assert 'href="/floor/stock"' in floor_client.get("/floor").get_data(as_text=True)


def test_floor_staff_see_on_hand_and_available_in_their_warehouse_only(floor_client, world):
    world.place([("LAMP", 3)], customer="robin")  # reserves 3 of LON's 8 lamps
    html = floor_client.get("/floor/stock").get_data(as_text=True)
    lon, man = world.shop.warehouses["LON"], world.shop.warehouses["MAN"]
    lamp_row = html[html.index(f'id="stock-{world.shop.products["LAMP"]}"'):]
    assert re.findall(r"<dd[^>]*>(\d+)</dd>", lamp_row)[:2] == ["8", "5"]
    assert "LON warehouse" in html and "MAN warehouse" not in html
    assert f'name="on_hand_{lon}"' in html and f'name="on_hand_{man}"' not in html


def test_the_stock_page_lists_products_by_sku_when_no_bins_are_set(floor_client):
    html = floor_client.get("/floor/stock").get_data(as_text=True)
    assert re.findall(r'data-sku="([A-Z]+)"', html) == ["LAMP", "MUG"]


def test_every_count_form_is_marked_for_the_offline_module_and_carries_a_csrf_token(floor_client):
    html = floor_client.get("/floor/stock").get_data(as_text=True)
    forms = re.findall(r"<form[^>]*data-offline=\"(stock\.adjust|stock\.count)\"[^>]*>.*?</form>", html, re.S)
    # per product: the count (a stock.count) and the other change (a stock.adjust)
    assert sorted(kind for kind in forms) == ["stock.adjust", "stock.adjust", "stock.count", "stock.count"]
    whole = re.findall(r"<form[^>]*data-offline=\"stock\.(?:adjust|count)\"[^>]*>.*?</form>", html, re.S)
    assert len(whole) == 4 and all('name="csrf_token"' in form for form in whole)


def test_a_count_posted_without_javascript_changes_stock_through_the_ledger(app, floor_client, world):
    before, movements = _on_hand(app, world), _movements(app)
    response = _count(floor_client, world, "-3", note="two broken")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/floor/stock#stock-")
    assert _on_hand(app, world) == before - 3
    assert _movements(app) == movements + 1
    with app.app_context():
        last = db.session.execute(sa.select(stock_movements).order_by(stock_movements.c.id.desc())).first()
    assert (last.reason, last.on_hand_delta, last.note) == ("count", -3, "two broken")


def test_after_a_count_the_page_says_it_was_recorded_and_is_not_kept_for_offline_use(floor_client, world):
    _count(floor_client, world, "2", reason="received")
    response = floor_client.get("/floor/stock")
    assert "Recorded +2." in response.get_data(as_text=True)
    assert "no-store" in response.headers["Cache-Control"]


def test_a_count_that_would_make_stock_negative_is_shown_at_the_form_and_changes_nothing(app, floor_client, world):
    before = _on_hand(app, world)
    response = _count(floor_client, world, str(-(before + 1)))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "on hand would go below zero (-1)" in html
    assert 'aria-invalid="true"' in html
    assert _on_hand(app, world) == before


@pytest.mark.parametrize("change", ["lots", "1.5", ""])
def test_a_change_that_is_not_a_whole_number_is_shown_again_with_what_to_fix(app, floor_client, world, change):
    before = _on_hand(app, world)
    response = _count(floor_client, world, change, note="kept")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a whole number, like 3 or -2." in html
    assert 'value="kept"' in html  # what the person typed is not lost
    assert _on_hand(app, world) == before


def test_a_zero_change_is_refused_on_the_page(app, floor_client, world):
    response = _count(floor_client, world, "0")
    assert response.status_code == 409
    assert "Nothing to change" in response.get_data(as_text=True)


def test_a_reason_only_orders_may_use_is_refused_on_the_page(app, floor_client, world):
    before = _on_hand(app, world)
    response = _count(floor_client, world, "1", reason="shipped")
    assert response.status_code == 422
    assert _on_hand(app, world) == before


def test_a_count_for_a_warehouse_the_user_is_not_assigned_to_is_refused_on_the_page(app, floor_client, world):
    before = _on_hand(app, world, warehouse="MAN")
    response = _count(floor_client, world, "-1", warehouse="MAN")
    assert response.status_code == 403
    assert "You are not assigned to this warehouse." in response.get_data(as_text=True)
    assert _on_hand(app, world, warehouse="MAN") == before


def test_a_count_without_the_csrf_token_is_refused(app, floor_client, world):
    before = _on_hand(app, world)
    response = floor_client.post("/floor/stock", data={
        "warehouse_id": world.shop.warehouses["LON"], "product_id": world.shop.products["MUG"], "change": "-1",
        "reason": "count"})
    assert response.status_code == 400
    assert _on_hand(app, world) == before


def test_the_office_sees_every_warehouse_in_one_row_per_product_and_chooses_where_to_count(client, world):
    sign_in(client, world.emails["manager"])
    html = client.get("/floor/stock").get_data(as_text=True)
    assert "LON warehouse" in html and "MAN warehouse" in html
    skus = re.findall(r'data-sku="([A-Z]+)"', html)
    assert sorted(skus) == ["LAMP", "MUG", "TEE"]  # MUG is stocked in both warehouses: still one row
    mug_row = html[html.index(f'id="stock-{world.shop.products["MUG"]}"'):]
    mug_row = mug_row[:mug_row.index("</li>")]
    assert mug_row.count("<select id=\"count-wh-") == 1 and "MAN warehouse" in mug_row and "LON warehouse" in mug_row


def _count_total(client, world, counted, shown, sku="MUG", warehouse="LON"):
    """Post count mode as a browser without JavaScript: the total counted and the on-hand the row showed."""
    token = csrf_token_of(client.get("/floor/stock").get_data(as_text=True))
    wid = world.shop.warehouses[warehouse]
    return client.post("/floor/stock", data={"csrf_token": token, "warehouse_id": wid,
                                             "product_id": world.shop.products[sku], "counted": counted,
                                             f"on_hand_{wid}": shown})


def test_searching_by_part_of_a_name_or_sku_keeps_only_matching_products(floor_client, world):
    html = floor_client.get("/floor/stock?q=duct mu").get_data(as_text=True)  # products are named "Product MUG"
    assert re.findall(r'data-sku="([A-Z]+)"', html) == ["MUG"]
    assert 'value="duct mu"' in html
    partial = floor_client.get("/floor/stock?q=LAM", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert re.findall(r'data-sku="([A-Z]+)"', partial) == ["LAMP"] and "<html" not in partial
    nothing = floor_client.get("/floor/stock?q=zzz%25").get_data(as_text=True)
    assert "No product matches" in nothing and "data-stock-row" not in nothing


def test_a_total_count_without_javascript_records_the_difference_as_a_count(app, floor_client, world):
    before = _on_hand(app, world)
    response = _count_total(floor_client, world, before - 2, before)
    assert response.status_code == 302
    assert _on_hand(app, world) == before - 2
    with app.app_context():
        last = db.session.execute(sa.select(stock_movements).order_by(stock_movements.c.id.desc())).first()
    assert (last.reason, last.on_hand_delta) == ("count", -2)
    page = floor_client.get("/floor/stock").get_data(as_text=True)
    assert f"was {before}, counted {before - 2}: -2" in page


def test_a_search_finds_a_product_the_warehouse_has_no_level_for_and_a_count_adds_it(app, floor_client, world):
    assert "data-sku=\"TEE\"" not in floor_client.get("/floor/stock").get_data(as_text=True)  # MAN stocks it
    html = floor_client.get("/floor/stock?q=TEE").get_data(as_text=True)
    assert re.findall(r'data-sku="([A-Z]+)"', html) == ["TEE"]
    assert "Not stocked here yet" in html and f'name="on_hand_{world.shop.warehouses["LON"]}" value="0"' in html
    response = _count_total(floor_client, world, 3, 0, sku="TEE")
    assert response.status_code == 302
    assert _on_hand(app, world, "TEE") == 3
    assert "data-sku=\"TEE\"" in floor_client.get("/floor/stock").get_data(as_text=True)


def test_the_office_can_count_a_product_into_a_warehouse_that_does_not_stock_it_yet(app, client, world):
    sign_in(client, world.emails["manager"])
    html = client.get("/floor/stock").get_data(as_text=True)
    lamp_row = html[html.index(f'id="stock-{world.shop.products["LAMP"]}"'):]
    lamp_row = lamp_row[:lamp_row.index("</li>")]
    assert "MAN warehouse" in lamp_row and "Not stocked here yet" in lamp_row  # LAMP is in London only
    assert _count_total(client, world, 2, 0, sku="LAMP", warehouse="MAN").status_code == 302
    assert _on_hand(app, world, "LAMP", "MAN") == 2


def test_a_count_from_an_on_hand_that_changed_meanwhile_is_refused_not_applied(app, floor_client, world):
    before = _on_hand(app, world)
    response = _count_total(floor_client, world, 1, before + 5)  # the page showed a number no longer true
    assert response.status_code == 409
    assert f"On hand changed from {before + 5} to {before}" in response.get_data(as_text=True)
    assert _on_hand(app, world) == before


@pytest.mark.parametrize("who", ["customer", "driver"])
def test_the_stock_page_is_refused_to_customers_and_drivers(client, world, who):
    sign_in(client, world.emails[who])
    assert client.get("/floor/stock").status_code == 403


def test_the_stock_page_asks_someone_signed_out_to_sign_in(client):
    response = client.get("/floor/stock")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_signed_in_pages_say_whose_queue_they_show_and_the_offline_page_does_not(client, world):
    sign_in(client, world.emails["floor"])
    assert f'<meta name="waybill-user" content="{world.user_ids["floor"]}">' in client.get("/sync").get_data(
        as_text=True)
    assert "waybill-user" not in client.get("/offline").get_data(as_text=True)


def test_the_worker_precaches_the_offline_scripts(client):
    script = client.get("/sw.js").get_data(as_text=True)
    assert '"/static/js/commandlog.js"' in script and '"/static/js/offline.js"' in script
