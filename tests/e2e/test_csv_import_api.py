"""CSV import through the API: check with every problem by line, import all or nothing, once, with a report."""
from __future__ import annotations

import time

import sqlalchemy as sa

from backend.extensions import db
from tests.csv_files import order_row, orders_csv, products_csv
from tests.e2e.conftest import assert_problem

CSV = {"Content-Type": "text/csv"}


def _upload(client, world, body: bytes, kind="orders", who="owner", filename="orders.csv", headers=CSV):
    return client.post(f"/api/v1/imports/{kind}?filename={filename}", data=body,
                       headers={**world.headers(who), **headers})


def _imported(client, world, import_id: int, who="owner") -> dict:
    """Commit the import and wait for it to end; its final record."""
    response = client.post(f"/api/v1/imports/{import_id}/commit", headers=world.headers(who))
    assert response.status_code == 202, response.get_json()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = client.get(f"/api/v1/imports/{import_id}", headers=world.headers(who)).get_json()
        if found["status"] in ("imported", "failed"):
            return found
        time.sleep(0.05)
    raise AssertionError(f"import {import_id} did not end: {found}")


def _count(app, sql: str) -> int:
    with app.app_context():
        return db.session.execute(sa.text(sql)).scalar_one()


def test_a_file_with_broken_rows_lists_every_problem_by_line_and_cannot_be_imported(client, world, unchanged_rows):
    body = orders_csv(order_row("A-1"), order_row("A-2", "NOPE"), order_row("A-3", quantity="two"),
                      "A-4,ana@example.com,Ana,,,Leeds,LS1 4AP,GB,,card,MUG,1,\n")
    with unchanged_rows():
        found = _upload(client, world, body)
        assert found.status_code == 201
        checked = found.get_json()
        assert checked["status"] == "invalid"
        assert [(p["line"], p["column"]) for p in checked["problems"]] == [
            (3, "sku"), (4, "quantity"), (5, "address_line1")]
        assert checked["problem_count"] == 3
        refused = client.post(f"/api/v1/imports/{checked['id']}/commit", headers=world.headers("owner"))
        assert assert_problem(refused, 409)["code"] == "csv_import.has_problems"


def test_a_good_file_is_imported_once_with_a_report(app, client, world):
    body = orders_csv(order_row("A-1", "MUG", "2"), order_row("A-1", "LAMP", "1"), order_row("A-2", "TEE", "1"))
    checked = _upload(client, world, body).get_json()
    assert (checked["status"], checked["rows"], checked["problem_count"]) == ("checked", 3, 0)
    assert [row["order_ref"] for row in checked["preview"]] == ["A-1", "A-2"]
    report = _imported(client, world, checked["id"])
    assert report["status"] == "imported"
    assert report["report"]["orders_created"] == 2
    assert report["report"]["rows"] == report["rows_done"] == 3
    assert _count(app, "SELECT count(*) FROM orders WHERE channel = 'csv'") == 2
    assert _count(app, "SELECT count(*) FROM order_line ol JOIN orders o ON o.id = ol.order_id "
                       "WHERE o.channel_order_id = 'A-1'") == 2


def test_the_same_file_imported_again_changes_nothing(app, client, world, rows):
    body = orders_csv(order_row("A-1", "MUG", "2"), order_row("A-2", "TEE", "1"))
    _imported(client, world, _upload(client, world, body).get_json()["id"])
    before = rows()
    again = _imported(client, world, _upload(client, world, body).get_json()["id"])
    assert again["report"]["orders_created"] == 0
    assert again["report"]["orders_already_imported"] == 2
    assert rows() == before


def test_a_stalled_import_is_flagged_and_started_again_once_and_a_finished_one_is_a_409(app, client, world):
    body = orders_csv(order_row("A-1", "MUG", "2"), order_row("A-2", "TEE", "1"))
    import_id = _upload(client, world, body).get_json()["id"]
    assert client.get(f"/api/v1/imports/{import_id}", headers=world.headers("owner")).get_json()["stalled"] is False
    with app.app_context():  # its server stopped after the claim: importing, and nothing runs it
        db.session.execute(sa.text("UPDATE csv_import SET status = 'importing' WHERE id = :id"), {"id": import_id})
        db.session.commit()
    assert client.get(f"/api/v1/imports/{import_id}", headers=world.headers("owner")).get_json()["stalled"] is True
    assert client.post(f"/api/v1/imports/{import_id}/restart", headers=world.headers("floor")).status_code == 403
    restarted = client.post(f"/api/v1/imports/{import_id}/restart", headers=world.headers("owner"))
    assert restarted.status_code == 202 and restarted.get_json()["stalled"] is False
    deadline = time.monotonic() + 30
    while (found := client.get(f"/api/v1/imports/{import_id}", headers=world.headers("owner")).get_json())[
            "status"] != "imported":
        assert time.monotonic() < deadline, found
        time.sleep(0.05)
    assert found["report"]["orders_created"] == 2
    assert _count(app, "SELECT count(*) FROM orders WHERE channel = 'csv'") == 2
    finished = client.post(f"/api/v1/imports/{import_id}/restart", headers=world.headers("owner"))
    assert_problem(finished, 409)
    assert finished.get_json()["code"] == "csv_import.not_stalled"


def test_a_products_file_creates_and_updates_products_and_sets_their_stock(app, client, world):
    body = products_csv("MUG,Blue mug,13.50,LON,25,\n", "NEW-1,New thing,7.05,MAN,12,\n")
    checked = _upload(client, world, body, kind="products", filename="stock.csv").get_json()
    assert checked["status"] == "checked", checked["problems"]
    report = _imported(client, world, checked["id"])
    assert report["report"] | {"seconds": 0} == {"products_created": 1, "products_updated": 1,
                                                 "stock_levels_set": 2, "rows": 2, "seconds": 0}
    assert _count(app, "SELECT price_minor FROM product WHERE sku = 'NEW-1'") == 705
    assert _count(app, "SELECT price_minor FROM product WHERE sku = 'MUG'") == 1350
    assert _count(app, "SELECT s.on_hand FROM stock_level s JOIN product p ON p.id = s.product_id "
                       "JOIN warehouse w ON w.id = s.warehouse_id WHERE p.sku = 'MUG' AND w.code = 'LON'") == 25


def test_a_products_file_with_an_unknown_warehouse_and_a_bad_price_is_refused_by_line(client, world):
    body = products_csv("MUG,Blue mug,13.5.0,LON,25,\n", "NEW-1,New thing,7.05,NOWHERE,12,\n", "NEW-2,,,LON,1,\n")
    checked = _upload(client, world, body, kind="products", filename="stock.csv").get_json()
    assert checked["status"] == "invalid"
    assert [(p["line"], p["column"]) for p in checked["problems"]] == [(2, "price"), (3, "warehouse"), (4, "name")]


def test_a_file_that_is_not_csv_is_refused(client, world, unchanged_rows):
    with unchanged_rows():
        refused = _upload(client, world, b"\x89PNG\r\n\x1a\n\x00\x00", filename="photo.png",
                          headers={"Content-Type": "image/png"})
        assert assert_problem(refused, 415)["code"] == "csv.wrong_type"
        binary = _upload(client, world, b"order_ref\x00\x01\x02", filename="orders.csv")
        assert assert_problem(binary, 415)["code"] == "csv.not_text"


def test_a_file_over_the_size_cap_is_refused(app, client, world):
    app.config["WAYBILL_CSV_MAX_BYTES"] = 1024
    refused = _upload(client, world, orders_csv(*[order_row(f"A-{n}") for n in range(40)]))
    assert assert_problem(refused, 413)["code"] == "csv.too_large"


def test_only_the_owner_and_managers_may_import(client, world):
    body = orders_csv(order_row("A-1"))
    for who in ("floor", "driver", "customer"):
        assert_problem(_upload(client, world, body, who=who), 403)
    checked = _upload(client, world, body, who="manager").get_json()
    for who in ("floor", "customer"):
        assert_problem(client.get(f"/api/v1/imports/{checked['id']}", headers=world.headers(who)), 403)
        assert_problem(client.post(f"/api/v1/imports/{checked['id']}/commit", headers=world.headers(who)), 403)
