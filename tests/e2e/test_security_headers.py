"""Browsers are told what a page may load and who may frame it, and the pages keep to it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import make_app
from tests.e2e.conftest import browser_sign_in, sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "pwa" / "templates"
# Collects every Content-Security-Policy violation a page causes, from its first script on.
RECORD_VIOLATIONS = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));"""


def _policy(response) -> dict[str, str]:
    parts = (part.strip() for part in response.headers["Content-Security-Policy"].split(";"))
    return {part.split()[0]: part for part in parts}


@pytest.mark.parametrize("path", ["/sign-in", "/api/v1/orders", "/offline"])
def test_pages_and_api_answers_carry_a_strict_content_security_policy(client, path):
    policy = _policy(client.get(path))
    # No 'unsafe-inline', no 'unsafe-eval': only WebAssembly may be compiled (the barcode reader).
    assert policy["script-src"] == "script-src 'self' 'wasm-unsafe-eval'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'" and policy["base-uri"] == "base-uri 'none'"


SAFETY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


def _vary(response) -> list[str]:
    return [part.strip() for part in response.headers["Vary"].split(",")]


def test_an_api_answer_to_a_token_carries_each_safety_header_once(client, world):
    # No cookie is sent or set; the answer still says it varies by cookie, as the session was looked at.
    response = client.get("/api/v1/orders", headers=world.headers("owner"))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert [len(response.headers.getlist(name)) for name in SAFETY_HEADERS] == [1, 1, 1, 1]
    assert response.headers["X-Frame-Options"] == "DENY" and response.headers["Referrer-Policy"] == "same-origin"
    assert sorted(_vary(response)) == ["Cookie", "HX-Request"]


def test_a_signed_in_page_varies_on_the_cookie_and_on_htmx_each_named_once(client, world):
    sign_in(client, world.emails["owner"])
    response = client.get("/orders/")
    assert response.status_code == 200
    vary = _vary(response)
    assert {"Cookie", "HX-Request"} <= set(vary) and len(vary) == len(set(vary))
    assert [len(response.headers.getlist(name)) for name in SAFETY_HEADERS] == [1, 1, 1, 1]


def test_hsts_is_sent_only_when_the_shop_runs_behind_https(client, tmp_path, sqlite_template):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers
    secure = make_app(f"sqlite:///{sqlite_template}", SESSION_COOKIE_SECURE=True)
    assert secure.test_client().get("/sign-in").headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_template_holds_an_inline_script_style_or_event_handler():
    offences = []
    for template in TEMPLATES.rglob("*.html"):
        if template.parent.name == "mail":  # e-mails, never served as pages: mail programs need inline styles
            continue
        html = template.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"<style\b", r"\sstyle=", r"\son[a-z]+="):
            offences += [f"{template.relative_to(TEMPLATES)}: {m.group(0)}" for m in re.finditer(pattern, html)]
    assert offences == []


ROLE_PAGES = {"owner": ["/orders/", "/dashboard/", "/office/exceptions/", "/dispatch", "/sync"],
              "floor": ["/floor", "/floor/stock", "/floor/pick-lists", "/shipping"],
              "driver": ["/driver", "/sync"],
              "customer": ["/orders/"]}


@pytest.mark.browser
@pytest.mark.parametrize("role", sorted(ROLE_PAGES))
def test_each_roles_pages_load_without_breaking_the_policy(phone, live_server, role):
    order_id = live_server.world.place([("MUG", 1)])
    phone.context.add_init_script(RECORD_VIOLATIONS)
    browser_sign_in(phone, live_server.world.emails[role])
    for path in ROLE_PAGES[role] + ([f"/orders/{order_id}"] if role in ("owner", "customer") else []):
        response = phone.goto(path)
        assert response.status == 200, path
        phone.wait_for_load_state("load")
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert phone.evaluate("window.__cspViolations") == [], path


@pytest.mark.browser
def test_the_customers_tracking_page_loads_within_the_policy(phone, live_server):
    order_id = live_server.world.place([("MUG", 1)])
    with live_server.app.app_context():
        from backend.adapters.tables import orders
        from backend.extensions import db
        import sqlalchemy as sa
        token = db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_id)).scalar_one()
    phone.context.add_init_script(RECORD_VIOLATIONS)
    phone.goto(f"/track/{token}")
    phone.wait_for_load_state("load")
    assert phone.evaluate("window.__cspViolations") == []
