"""The PWA shell through the test client: manifest, worker headers, offline page, sign-out, role homes."""
from __future__ import annotations

import pytest

from backend.domain import commands
from tests.e2e.conftest import csrf_token_of, sign_in
from tests.factories import run


@pytest.fixture
def allocated(world):
    """Accepted orders: robin's lamp allocated in London (LON), casey's mugs in Manchester (MAN)."""
    owner = world.actor("owner")
    ids = {"LON": world.place([("LAMP", 1)], customer="robin"), "MAN": world.place([("MUG", 1)])}
    for order_id in ids.values():
        run(world.shop.app, commands.AcceptOrder(order_id), owner)
    return ids


def _number(order_id: int) -> str:
    return f"WB-{order_id:06d}"


def test_the_manifest_is_served_as_a_web_app_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"


def test_the_manifest_makes_waybill_a_standalone_app_for_the_whole_site(client):
    manifest = client.get("/manifest.webmanifest").get_json()
    assert (manifest["name"], manifest["start_url"], manifest["scope"], manifest["display"]) == \
        ("Waybill", "/", "/", "standalone")
    assert manifest["theme_color"] == "#0f4c5c"
    assert manifest["short_name"] and manifest["background_color"]


def test_the_manifest_lists_192_and_512_icons_and_a_maskable_one(client):
    icons = client.get("/manifest.webmanifest").get_json()["icons"]
    assert {(i["sizes"], i["purpose"]) for i in icons} == {("192x192", "any"), ("512x512", "any"),
                                                           ("512x512", "maskable")}


def test_the_worker_is_served_from_the_root_as_javascript_that_is_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert b"CACHE_VERSION" in response.data


def test_the_worker_cache_version_follows_the_static_files(app, tmp_path):
    import re
    import shutil
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    app.static_folder = str(static)

    def version(application):
        return re.search(rb'const CACHE_VERSION = "([0-9a-f]{12})";', application.test_client().get("/sw.js").data)

    def css_url(application):
        return re.search(rb'"/static/css/app.css": "(/static/css/app\.[0-9a-f]{12}\.css)"',
                         application.test_client().get("/sw.js").data)

    first, first_css = version(app), css_url(app)
    (static / "css" / "app.css").write_text((static / "css" / "app.css").read_text() + "\n/* changed */\n")
    for built in ("waybill.sw_script", "waybill.assets"):  # a deploy is a new process
        app.extensions.pop(built)
    second, second_css = version(app), css_url(app)
    assert first and second and first.group(1) != second.group(1)
    # The worker precaches the changed file under its new name, which the old caches cannot hold.
    assert first_css and second_css and first_css.group(1) != second_css.group(1)
    assert app.test_client().get(second_css.group(1).decode()).status_code == 200
    assert app.test_client().get(first_css.group(1).decode()).status_code == 404


def test_the_offline_page_is_shown_to_someone_signed_out(client):
    response = client.get("/offline")
    assert response.status_code == 200
    assert "You are offline" in response.get_data(as_text=True)


def test_the_offline_page_carries_no_session_token_or_sign_out_form(client, world):
    # The worker keeps one copy for whoever uses the phone next, so nothing personal may be in it.
    sign_in(client, world.emails["owner"])
    html = client.get("/offline").get_data(as_text=True)
    assert "csrf" not in html.lower()
    assert "Sign out" not in html


def test_every_page_links_the_manifest_and_an_apple_touch_icon(client):
    html = client.get("/sign-in").get_data(as_text=True)
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert 'rel="apple-touch-icon"' in html


def test_signing_out_tells_the_browser_to_clear_its_caches(client, world):
    sign_in(client, world.emails["owner"])
    token = csrf_token_of(client.get("/orders/").get_data(as_text=True))
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'


@pytest.mark.parametrize(("who", "home"), [("floor", "/floor"), ("driver", "/driver"), ("owner", "/orders/"),
                                           ("manager", "/orders/"), ("customer", "/orders/")])
def test_signing_in_opens_the_home_page_of_the_role(client, world, who, home):
    assert sign_in(client, world.emails[who]).headers["Location"] == home


@pytest.mark.parametrize(("who", "home"), [("floor", "/floor"), ("driver", "/driver"), ("customer", "/orders/")])
def test_the_start_url_opens_the_home_page_of_the_role(client, world, who, home):
    sign_in(client, world.emails[who])
    assert client.get("/").headers["Location"] == home


def test_the_start_url_asks_someone_signed_out_to_sign_in(client):
    assert client.get("/").headers["Location"] == "/sign-in"


def test_a_signed_in_floor_user_sent_to_the_sign_in_page_goes_home_instead(client, world):
    sign_in(client, world.emails["floor"])
    assert client.get("/sign-in").headers["Location"] == "/floor"


def test_the_floor_home_lists_allocated_orders_in_their_warehouse_only(client, world, allocated):
    sign_in(client, world.emails["floor"])  # floor staff of LON
    html = client.get("/floor").get_data(as_text=True)
    assert _number(allocated["LON"]) in html
    assert _number(allocated["MAN"]) not in html
    assert f'href="/orders/{allocated["LON"]}"' in html


def test_the_floor_home_leaves_out_orders_not_yet_accepted(client, world):
    placed = world.place([("LAMP", 1)], customer="robin")
    sign_in(client, world.emails["floor"])
    html = client.get("/floor").get_data(as_text=True)
    assert _number(placed) not in html
    assert "Nothing to pick right now." in html


def test_the_driver_home_says_no_run_is_assigned_yet(client, world, allocated):
    sign_in(client, world.emails["driver"])
    response = client.get("/driver")
    assert response.status_code == 200
    assert "No run assigned yet" in response.get_data(as_text=True)


@pytest.mark.parametrize(("who", "path"), [("customer", "/floor"), ("customer", "/driver"), ("driver", "/floor"),
                                           ("floor", "/driver")])
def test_a_role_home_page_is_refused_to_other_roles(client, world, who, path):
    sign_in(client, world.emails[who])
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/floor", "/driver"])
def test_role_home_pages_ask_someone_signed_out_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_an_unchanged_worker_is_answered_with_not_modified(client):
    etag = client.get("/sw.js").headers["ETag"]
    assert client.get("/sw.js", headers={"If-None-Match": etag}).status_code == 304
