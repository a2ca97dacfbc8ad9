"""The office's read of drivers' cash over the API and on its page: who may read it, and bad input refused."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from backend.domain import commands
from backend.domain.dispatch import RunStop
from tests.e2e.conftest import assert_problem, sign_in
from tests.factories import blob_ref, run, run_out_for_delivery, stored


@pytest.fixture
def short_run(app, world):
    """A driver's run of one cash-on-delivery stop, delivered with its cash and handed in £5 short: (run, due)."""
    driver = world.actor("driver")
    run_id, stops, _ = run_out_for_delivery(world.shop, world.actor("manager"), driver.user_id, stops=1,
                                            method="cash_on_delivery")
    with app.app_context():
        due = stored(RunStop, stops[0]).cod_due_minor
    photo = blob_ref()
    ref = commands.BlobRef(photo["id"], photo["sha256"], photo["size"], photo["type"], photo["role"])
    run(app, commands.ConfirmDelivery(stops[0], "Sam Doe", (ref,), cod_collected_minor=due), driver)
    run(app, commands.SettleRunCash(run_id, due - 500, "dropped a fiver"), driver)
    return run_id, due


def test_the_office_reads_each_run_and_driver_with_expected_counted_difference_and_note(client, world, short_run):
    run_id, due = short_run
    today = datetime.now(timezone.utc).date().isoformat()
    response = client.get(f"/api/v1/settlements?from={today}&to={today}", headers=world.headers("manager"))
    assert response.status_code == 200
    body = response.get_json()
    [row] = body["runs"]
    assert (row["run_id"], row["expected_minor"], row["counted_minor"], row["difference_minor"], row["currency"],
            row["note"], row["balanced"]) == (run_id, due, due - 500, -500, "GBP", "dropped a fiver", False)
    assert row["exception"]["status"] == "open"
    [driver] = body["drivers"]
    assert (driver["driver_id"], driver["runs"], driver["difference_minor"]) == (world.user_ids["driver"], 1, -500)
    owner = client.get(f"/api/v1/settlements?driver_id={world.user_ids['driver']}", headers=world.headers("owner"))
    assert [r["run_id"] for r in owner.get_json()["runs"]] == [run_id]


@pytest.mark.parametrize("who", ["driver", "customer", "floor"])
def test_only_the_office_reads_the_drivers_cash(client, world, short_run, who):
    body = assert_problem(client.get("/api/v1/settlements", headers=world.headers(who)), 403)
    assert "runs" not in body


def test_the_read_needs_a_signed_in_caller(client, short_run):
    assert_problem(client.get("/api/v1/settlements"), 401)


@pytest.mark.parametrize("query, field", [("from=yesterday", "from"), ("to=2026-13-01", "to"),
                                          ("from=2026-12-03&to=2026-12-01", "from"), ("driver_id=0", "driver_id"),
                                          ("limit=5000", "limit")])
def test_bad_input_is_a_problem_naming_the_field(client, world, query, field):
    body = assert_problem(client.get(f"/api/v1/settlements?{query}", headers=world.headers("manager")), 422)
    assert field in body["errors"]


def test_the_office_page_shows_the_shortfall_and_the_drivers_note(client, world, short_run):
    run_id, _ = short_run
    sign_in(client, world.emails["manager"])
    home = client.get("/orders/").get_data(as_text=True)
    assert 'href="/office/cash/"' in home  # reachable from the office's navigation
    page = client.get("/office/cash/").get_data(as_text=True)
    assert f'data-run-id="{run_id}"' in page
    assert '<dd data-difference>-£5.00</dd>' in page and "Short by £5.00" in page
    assert "dropped a fiver" in page


def test_the_page_explains_dates_it_cannot_read_and_shows_the_last_week(client, world, short_run):
    sign_in(client, world.emails["owner"])
    response = client.get("/office/cash/?from=2026-12-09&to=2026-12-01")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The first date must not be after the last." in page and "Showing the last week instead" in page


@pytest.mark.parametrize("who", ["driver", "customer", "floor"])
def test_the_page_is_the_offices_only(client, world, who):
    sign_in(client, world.emails[who])
    assert client.get("/office/cash/").status_code == 403
