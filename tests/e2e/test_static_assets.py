"""Static files under hashed names, kept by browsers for a year, sent compressed; pages compressed too."""
from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import brotli
import pytest

from backend.web.assets import AssetManifest
from tests.e2e.conftest import browser_sign_in, controlled_by_the_worker, sign_in, wait_until

IMMUTABLE = "public, max-age=31536000, immutable"


def _hashed_url(client, name: str) -> str:
    """The URL the pages use for static file `name`, read from the worker's stamped list."""
    found = re.search(rf'"/static/{re.escape(name)}": "([^"]+)"', client.get("/sw.js").get_data(as_text=True))
    assert found, f"{name} is not in the worker's list"
    return found.group(1)


def test_a_hashed_file_is_kept_for_a_year_and_sent_gzipped_when_the_browser_asks(client, app):
    url = _hashed_url(client, "css/app.css")
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", url)
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == zipped.status_code == 200
    assert plain.headers["Cache-Control"] == zipped.headers["Cache-Control"] == IMMUTABLE
    assert "Content-Encoding" not in plain.headers and zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert plain.data == (Path(app.static_folder) / "css" / "app.css").read_bytes()
    assert gzip.decompress(zipped.data) == plain.data and len(zipped.data) < len(plain.data) / 2
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # another representation, another validator


def test_brotli_is_preferred_when_the_browser_accepts_both(client):
    url = _hashed_url(client, "vendor/htmx-2.0.11/htmx.min.js")
    response = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.data) == client.get(url).data
    refused = client.get(url, headers={"Accept-Encoding": "br;q=0, gzip"})
    assert refused.headers["Content-Encoding"] == "gzip"


def test_images_are_sent_as_they_are(client):
    response = client.get(_hashed_url(client, "icons/icon-192.png"), headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "Content-Encoding" not in response.headers and response.data.startswith(b"\x89PNG")


@pytest.mark.parametrize("path", ["/static/js/nothing-here.js", "/static/css/app.0123456789ab.css",
                                  "/static/js/../../backend/config.py", "/static/", "/static/js"])
def test_an_unknown_or_wrongly_hashed_static_path_is_a_plain_404(client, path):
    response = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_a_plain_name_is_revalidated_and_a_modules_plain_name_shares_the_hashed_module(client):
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and css.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/app.css", headers={"If-None-Match": css.headers["ETag"]}).status_code == 304
    module = client.get("/static/js/commandlog.js")
    hashed = _hashed_url(client, "js/commandlog.js").rpartition("/")[2]
    assert module.headers["Cache-Control"] == "no-cache"
    assert module.get_data(as_text=True) == f'export * from "./{hashed}";\n'


def test_modules_import_each_other_by_hashed_name(client):
    driver = client.get(_hashed_url(client, "js/driver.js")).get_data(as_text=True)
    imported = re.findall(r'from "(\./[^"]+)"', driver)
    assert "./commandlog.js" not in imported and imported
    for target in imported:
        assert re.fullmatch(r"\./[a-z_]+\.[0-9a-f]{12}\.js", target)
        answer = client.get(f"/static/js/{target[2:]}")
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == IMMUTABLE


def test_a_changed_module_renames_itself_and_every_module_that_imports_it_and_nothing_else(app, tmp_path):
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    before = AssetManifest(static)
    store = static / "js" / "commandlog_db.js"
    store.write_text(store.read_text() + "\n// changed\n")
    after = AssetManifest(static)
    renamed = {name for name in before.assets if before.url_name(name) != after.url_name(name)}
    # commandlog.js imports commandlog_db.js directly, driver.js through commandlog.js.
    assert {"js/commandlog_db.js", "js/commandlog.js", "js/driver.js", "js/picking.js"} <= renamed
    assert "css/app.css" not in renamed and "js/page.js" not in renamed and "js/photos.js" not in renamed


def test_pages_link_static_files_by_hashed_name_only(client, world):
    sign_in(client, world.emails["driver"])
    html = client.get("/driver").get_data(as_text=True)
    linked = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert linked and all(re.search(r"\.[0-9a-f]{12}\.[a-z]+$", url) for url in linked), linked
    assert all(client.get(url).headers["Cache-Control"] == IMMUTABLE for url in linked)


def test_pages_are_sent_compressed_with_their_security_headers(client, world):
    sign_in(client, world.emails["driver"])
    plain = client.get("/driver")
    zipped = client.get("/driver", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert "Content-Encoding" not in plain.headers
    assert b"<h1" in gzip.decompress(zipped.data) and len(zipped.data) < len(plain.data) / 2
    assert zipped.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"]
    assert int(zipped.headers["Content-Length"]) == len(zipped.data)


def test_a_shop_behind_a_compressing_proxy_can_turn_compression_off(app, world):
    app.config["WAYBILL_COMPRESS"] = False
    client = app.test_client()
    css = client.get(_hashed_url(client, "css/app.css"), headers={"Accept-Encoding": "gzip, br"})
    page = client.get("/sign-in", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in css.headers and "Content-Encoding" not in page.headers
    assert css.headers["Cache-Control"] == IMMUTABLE


def test_a_static_file_does_not_vary_with_the_sign_in(client, world):
    # A browser keys its cache on every header named in Vary: a new session cookie must not refetch the files.
    sign_in(client, world.emails["driver"])
    response = client.get(_hashed_url(client, "js/app.js"))
    assert "Cookie" not in response.headers["Vary"] and "Set-Cookie" not in response.headers


CACHED_URLS = """async () => {
  const found = {};
  for (const name of await caches.keys()) {
    found[name] = (await (await caches.open(name)).keys()).map((request) => new URL(request.url).pathname);
  }
  return found;
}"""


@pytest.mark.browser
def test_the_worker_keeps_hashed_files_and_a_deploy_replaces_them(phone, live_server, tmp_path):
    app = live_server.app
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    app.static_folder = str(static)
    browser_sign_in(phone, live_server.world.emails["driver"], lands_on="/driver")
    controlled_by_the_worker(phone)
    first = phone.evaluate(CACHED_URLS)
    [static_cache] = [name for name in first if name.startswith("waybill-static-")]
    kept = set(first[static_cache])
    old_css = next(url for url in kept if url.startswith("/static/css/app."))
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", old_css)
    assert not any(re.fullmatch(r"/static/[^.]+\.(js|css|png)", url) for url in kept)  # no plain names
    assert not any("/dispatch." in url or "/dashboard." in url or "icon-512" in url for url in kept)

    # A deploy that changes the stylesheet: a new process, so a new worker with the file under a new name.
    css = static / "css" / "app.css"
    css.write_text(css.read_text() + "\n/* next release */\n")
    for built in ("waybill.sw_script", "waybill.assets"):
        app.extensions.pop(built)
    phone.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    wait_until(phone, f"""async () => !(await caches.keys()).includes({static_cache!r})""", timeout=20_000)
    after = phone.evaluate(CACHED_URLS)
    [new_cache] = [name for name in after if name.startswith("waybill-static-")]
    assert old_css not in after[new_cache]
    assert any(re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", url) and url != old_css
               for url in after[new_cache])
    assert len(after[new_cache]) == len(kept)


def test_api_answers_are_left_uncompressed(client):
    # Small and read by programs: compressing them would cost the server more than it saves.
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
