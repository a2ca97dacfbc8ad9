"""The CSV import page: upload with the format explained, preview and every problem, import and its report."""
from __future__ import annotations

import re
import time

from tests.csv_files import order_row, orders_csv, products_csv
from tests.e2e.conftest import csrf_token_of, sign_in
from tests.factories import PASSWORD


def _signed_in(client, world, who="manager"):
    assert sign_in(client, world.emails[who], PASSWORD).status_code == 302
    return client


def _upload(client, body: bytes, kind="orders", filename="orders.csv"):
    import io
    token = csrf_token_of(client.get("/office/imports/").get_data(as_text=True))
    return client.post("/office/imports/", data={"csrf_token": token, "kind": kind,
                                                 "file": (io.BytesIO(body), filename)},
                       content_type="multipart/form-data")


def test_the_page_explains_both_formats_and_is_in_the_managers_menu(client, world):
    page = _signed_in(client, world).get("/office/imports/").get_data(as_text=True)
    assert 'href="/office/imports/"' in page and ">Import<" in page
    for column in ("order_ref", "payment_method", "on_hand", "warehouse", "price"):
        assert f"<code>{column}</code>" in page


def test_floor_staff_cannot_open_the_page(client, world):
    assert _signed_in(client, world, "floor").get("/office/imports/").status_code == 403


def test_a_broken_file_shows_its_preview_and_every_problem_with_its_line(client, world):
    _signed_in(client, world)
    uploaded = _upload(client, orders_csv(order_row("A-1"), order_row("A-2", "NOPE"), order_row("A-3", quantity="0")))
    assert uploaded.status_code == 303
    page = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert re.findall(r'data-line="(\d+)"', page) == ["3", "4"]
    assert "Unknown or inactive product" in page and "Problems to fix (2)" in page
    assert 'id="start-import"' not in page


def test_a_good_file_is_imported_from_the_page_with_its_report(client, world):
    _signed_in(client, world)
    show = _upload(client, orders_csv(order_row("A-1", "MUG", "2"), order_row("A-2", "TEE", "1"))).headers["Location"]
    page = client.get(show).get_data(as_text=True)
    assert "Ready to import" in page and 'id="preview"' in page
    started = client.post(show + "/commit", data={"csrf_token": csrf_token_of(page)})
    assert started.status_code == 303
    deadline = time.monotonic() + 20
    while "Imported" not in (fragment := client.get(show, headers={"HX-Request": "true"}).get_data(as_text=True)):
        assert time.monotonic() < deadline, fragment
        time.sleep(0.05)
    assert "2 orders created" in fragment


def test_a_file_that_is_not_csv_is_refused_on_the_page(client, world):
    _signed_in(client, world)
    refused = _upload(client, b"GIF89a\x00\x00", filename="cat.gif")
    assert refused.status_code == 415
    assert "Choose a .csv file" in refused.get_data(as_text=True)


def test_a_file_over_the_cap_is_refused_on_the_page(app, client, world):
    app.config["WAYBILL_CSV_MAX_BYTES"] = 1024
    _signed_in(client, world)
    refused = _upload(client, products_csv(*["MUG,,,LON,5,\n"] * 100), kind="products", filename="stock.csv")
    assert refused.status_code == 413
    assert "may be at most 1 KB" in refused.get_data(as_text=True)


def test_an_import_whose_server_stopped_part_way_says_so_and_starts_again_from_its_page(app, client, world):
    import sqlalchemy as sa

    from backend.extensions import db
    _signed_in(client, world)
    show = _upload(client, orders_csv(order_row("A-1", "MUG", "2"), order_row("A-2", "TEE", "1"))).headers["Location"]
    import_id = int(show.rstrip("/").rsplit("/", 1)[1])
    with app.app_context():  # what a restart part-way leaves: the record says importing, nothing runs it
        db.session.execute(sa.text("UPDATE csv_import SET status = 'importing', rows_done = 1 WHERE id = :id"),
                           {"id": import_id})
        db.session.commit()
    page = client.get(show).get_data(as_text=True)
    assert "This import stopped before it finished" in page and "Nothing of it was saved" in page
    assert 'id="restart-import"' in page and 'hx-trigger="every 1s"' not in page  # no endless "Importing…"
    started = client.post(show + "/restart", data={"csrf_token": csrf_token_of(page)})
    assert started.status_code == 303
    deadline = time.monotonic() + 20
    while "Imported" not in (fragment := client.get(show, headers={"HX-Request": "true"}).get_data(as_text=True)):
        assert time.monotonic() < deadline, fragment
        time.sleep(0.05)
    assert "2 orders created" in fragment
    again = client.post(show + "/restart", data={"csrf_token": csrf_token_of(page)})
    assert again.status_code == 409 and "only an import that stopped part-way can start again" in again.get_data(
        as_text=True)
