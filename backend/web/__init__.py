"""Server-rendered pages (htmx): sign-in, role homes, orders, and the PWA shell (manifest, worker, offline)."""
from __future__ import annotations

from flask import Flask

from ..domain.money import format_money
from .navigation import menu_for
from .timefmt import init_time_filters
from .wording import counted, customer_payment, customer_status
from ..extensions import login_manager


# Photos taken on the phone are shown from blob: and data: URLs before they are uploaded; Socket.IO and
# the offline queue talk to this origin only (ws: of the same host is 'self' too). 'wasm-unsafe-eval' lets
# the barcode reader compile its WebAssembly (where the browser has no BarcodeDetector); it allows no
# JavaScript eval.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'", "img-src 'self' data: blob:",
    "connect-src 'self'", "font-src 'self'", "manifest-src 'self'", "worker-src 'self'", "object-src 'none'",
    "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])

# What every answer tells the browser, unless the view set its own; (header, value).
SAFETY_RULES = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),  # frame-ancestors for browsers without CSP 2
)
# Served over HTTPS: browsers must never fall back to HTTP.
SECURE_TRANSPORT_RULES = SAFETY_RULES + (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)


def init_web(app: Flask) -> None:
    """Register page blueprints and the session user loader."""
    from .assets import init_assets
    from .compression import init_compression
    # First registered, last run: compression sees the answer once every other hook has shaped it.
    init_compression(app)
    init_assets(app)
    from . import auth, exceptions, floor, home, order_decisions, owner, pwa, sync, tracking
    from . import refunds  # noqa: F401  (its route joins the orders blueprint)
    app.register_blueprint(tracking.bp)
    app.register_blueprint(owner.bp)
    from . import dispatch, shipping
    app.register_blueprint(shipping.bp)
    app.register_blueprint(dispatch.bp)
    app.register_blueprint(exceptions.bp)
    from . import channels, intake
    app.register_blueprint(intake.bp)
    app.register_blueprint(channels.bp)
    from . import settlements
    app.register_blueprint(settlements.bp)
    from . import webhooks
    app.register_blueprint(webhooks.bp)
    from . import imports
    app.register_blueprint(imports.bp)
    app.register_blueprint(auth.bp)
    # The order pages' blueprint, with the decision routes (confirm, decide, undo) and the phone order form
    # added to it.
    from . import counter, order_form, phone_orders  # noqa: F401 (phone_orders adds its routes to orders.bp)
    app.register_blueprint(order_decisions.bp)
    app.register_blueprint(order_form.bp)
    app.register_blueprint(counter.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(floor.bp)
    from . import driver
    app.register_blueprint(driver.bp)
    from . import picking
    app.register_blueprint(picking.bp)
    app.register_blueprint(sync.bp)
    app.register_blueprint(pwa.bp)
    from . import account, bank, branding, order_emails
    app.register_blueprint(bank.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(order_emails.bp)
    app.register_blueprint(branding.bp)
    app.context_processor(lambda: {"shop": branding.shop()})
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to continue."

    from .. import sessions
    # The cookies carry a sign-in's token, not a user id: a revoked or expired sign-in loads no one.
    login_manager.user_loader(sessions.load_user)
    app.after_request(sessions.touch_if_due)

    @app.after_request
    def security_headers(response):
        """Caches key on HX-Request (pages branch on it); every answer carries the browser's safety rules.

        The policy allows scripts and styles from this origin only: the templates hold no inline
        script, style or event handler, and must stay that way. A view that serves something else
        (an uploaded photo) sets a stricter policy of its own, which is kept.
        """
        headers = response.headers
        # Every answer passes here: one pass over the few headers it has, not a look-up per rule (Werkzeug
        # answers a missing name with a raised and caught KeyError).
        present = {name.lower() for name in headers.keys()}
        if "vary" in present:
            response.vary.add("HX-Request")
        else:
            headers.add("Vary", "HX-Request")
        rules = SECURE_TRANSPORT_RULES if app.config["SESSION_COOKIE_SECURE"] else SAFETY_RULES
        for name, value in rules:
            if name.lower() not in present:
                headers.add(name, value)
        return response

    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["counted"] = counted
    app.jinja_env.globals["menu_for"] = menu_for
    app.jinja_env.filters["customer_status"] = customer_status
    app.jinja_env.globals["customer_payment"] = customer_payment
    init_time_filters(app)
