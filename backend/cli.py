"""Command line: `flask --app backend ...` or the `waybill` console script."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .bootstrap import bus
from .demo import demo_loaded, load_demo, reset_demo
from .domain import commands
from .domain.access import SYSTEM
from .domain.accounts import AccountError


def register_cli(app: Flask) -> None:
    """Attach the Waybill command groups to the app's CLI."""
    app.cli.add_command(users)
    app.cli.add_command(demo)
    app.cli.add_command(outbox)
    app.cli.add_command(push)
    app.cli.add_command(webhooks)
    app.cli.add_command(channels)
    app.cli.add_command(mail)


@click.group()
def users():
    """Manage user accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["owner", "manager", "floor", "driver", "customer"]))
@click.option("--name", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 10 characters; prompted if not given.")
@click.option("--customer-id", type=int, default=None, help="For customer accounts: their customer record.")
@click.option("--warehouse", "warehouses", type=int, multiple=True, help="For floor staff: warehouse id (repeat).")
@with_appcontext
def create_user_command(email, role, name, password, customer_id, warehouses):
    """Create a user account with a hashed password."""
    try:
        user = bus().handle(commands.CreateUser(email, password, role, name=name, customer_id=customer_id,
                                                warehouse_ids=tuple(warehouses)), SYSTEM)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@click.group()
def demo():
    """Demo data for trying Waybill."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing if the demo is already loaded.")
@with_appcontext
def demo_load(if_empty):
    """Load the demo shop, accounts and orders."""
    if demo_loaded():
        if if_empty:
            click.echo("Demo data already loaded.")
            return
        raise click.ClickException("Demo data is already loaded; use 'demo reset' to start again.")
    load_demo(current_app.config["WAYBILL_DEMO_PASSWORD"])
    click.echo("Demo data loaded.")


@demo.command("reset")
@click.confirmation_option(prompt="This deletes ALL data in the database. Continue?")
@with_appcontext
def demo_reset():
    """Delete all data and load the demo again."""
    reset_demo(current_app.config["WAYBILL_DEMO_PASSWORD"])
    click.echo("Demo data reset.")


@demo.command("accounts")
@with_appcontext
def demo_accounts():
    """Print the demo accounts and the password they use."""
    password = current_app.config["WAYBILL_DEMO_PASSWORD"]
    for role in ("owner", "manager", "floor", "driver", "customer"):
        click.echo(f"  {role:<9} {role}@example.com  /  {password}")


@click.group()
def outbox():
    """The transactional outbox."""


@outbox.command("relay")
@click.option("--idle", default=0.25, show_default=True, help="Seconds to rest when nothing is waiting.")
@with_appcontext
def outbox_relay(idle):
    """Publish committed events to Socket.IO until stopped (run one or more; one publishes at a time)."""
    import threading

    from .adapters.realtime import SocketIOPublisher
    from .bootstrap import outbox_relay, relay_commit_signal
    if not current_app.config["REDIS_URL"]:
        raise click.ClickException("A relay in its own process reaches web processes only through Redis: "
                                   "set REDIS_URL (make run publishes from a thread instead).")
    relay = outbox_relay(SocketIOPublisher.for_app(current_app))
    # On PostgreSQL the writers' NOTIFY at commit wakes the relay at once; --idle is then only the fallback poll.
    wake = relay_commit_signal()
    click.echo("Outbox relay running; Ctrl-C stops it.")
    try:
        relay.run_until(threading.Event(), idle_seconds=idle, wake=wake)
    except KeyboardInterrupt:
        click.echo("Outbox relay stopped.")
    finally:
        if wake is not None:
            wake.close()


@click.group()
def channels():
    """Shop channels that send orders by webhook (Shopify, WooCommerce) and are told our stock and parcels."""


def secret_variable(slug: str) -> str:
    """The environment variable a channel's webhook secret is read from by default: WAYBILL_CHANNEL_SECRET_<SLUG>."""
    return "WAYBILL_CHANNEL_SECRET_" + slug.upper().replace("-", "_")


@channels.command("set")
@click.argument("slug")
@click.option("--kind", required=True, type=click.Choice(["shopify", "woocommerce"]))
@click.option("--currency", default=None, help="ISO 4217 code; the shop's currency (WAYBILL_CURRENCY) by default.")
@click.option("--name", default="", help="What the office calls the shop.")
@click.option("--secret-env", default=None,
              help="Environment variable holding the shop's webhook secret (default WAYBILL_CHANNEL_SECRET_<SLUG>).")
@click.option("--keep-secret", is_flag=True, help="Change the other settings and keep the secret it has.")
@click.option("--inactive", is_flag=True, help="Refuse its webhooks (401) until set again.")
@click.option("--api-url", default=None, help="The shop's base address stock and parcels are pushed to ('' stops).")
@click.option("--stock-buffer", type=click.IntRange(0), default=None, help="Units kept back from the shop.")
@click.option("--location", default=None, help="Shopify: the location id whose stock is set.")
@with_appcontext
def set_channel(slug, kind, currency, name, secret_env, keep_secret, inactive, api_url, stock_buffer, location):
    """Add or change a channel; its secret comes from the environment, or is asked for without echo.

    Never a command-line argument: those stay in shell histories and process lists.
    """
    import os
    secret = None
    if not keep_secret:
        secret = os.environ.get(secret_env or secret_variable(slug))
        if not secret:
            secret = click.prompt("The shop's webhook secret", hide_input=True)
    _handle(commands.ConfigureChannel(slug, kind, (currency or current_app.config["WAYBILL_CURRENCY"]).upper(),
                                      name=name, secret=secret, active=not inactive, api_url=api_url,
                                      stock_buffer=stock_buffer, location_id=location))
    click.echo(f"Channel {slug} ({kind}) is set; its shop sends webhooks to /api/v1/channels/{slug}/webhooks.")


def _handle(command):
    """Run a command as the system; a refusal is the command line's error, with its field messages."""
    from .domain.errors import DomainError
    try:
        return bus().handle(command, SYSTEM)
    except DomainError as exc:
        details = "; ".join(f"{field}: {message}" for field, message in exc.errors.items())
        raise click.ClickException(exc.message + (f" ({details})" if details else "")) from exc


@channels.command("listing")
@click.argument("slug")
@click.argument("sku")
@click.option("--item", required=True, help="Shopify inventory item id, or WooCommerce product/variation id.")
@click.option("--parent", default=None, help="WooCommerce: the variable product's id of a variation.")
@click.option("--buffer", type=int, default=None, help="Units kept back from this shop for this product.")
@with_appcontext
def set_listing(slug, sku, item, parent, buffer):
    """List one of our products on a channel's shop; its available quantity is pushed from then on."""
    _handle(commands.SetChannelListing(slug, sku, item, parent, buffer))
    click.echo(f"{sku} is listed on {slug} as {item}.")


@channels.command("worker")
@click.option("--idle", default=1.0, show_default=True, help="Seconds between polls for due pushes.")
@click.option("--once", is_flag=True, help="Take in and push what is due now, then stop.")
@with_appcontext
def channels_worker(idle, once):
    """Push stock levels and fulfilments to the shops, retrying with backoff, until stopped."""
    import threading

    from .adapters.channel_push_worker import channel_worker_for_app
    worker = channel_worker_for_app(current_app)
    if once:
        click.echo(f"Channel push worker: {worker.run_once()} pushes made or tried.")
        return
    click.echo("Channel push worker running; Ctrl-C stops it.")
    try:
        worker.run_until(threading.Event(), idle_seconds=idle)
    except KeyboardInterrupt:
        click.echo("Channel push worker stopped.")


@click.group()
def push():
    """Web push notifications for customers."""


@push.command("vapid-keys")
@click.option("--force", is_flag=True, help="Replace an existing key (every browser must subscribe again).")
@with_appcontext
def push_vapid_keys(force):
    """Make the VAPID key pair once, in the instance folder (outside git); print the public key."""
    from .adapters.push import generate_key_file
    path, public, created = generate_key_file(current_app.instance_path, force=force)
    click.echo(f"{'Created' if created else 'Kept the existing'} VAPID private key {path} (keep it secret).")
    click.echo(f"Public key (applicationServerKey): {public}")
    click.echo("Or set VAPID_PRIVATE_KEY (and VAPID_PUBLIC_KEY) in the environment; VAPID_SUBJECT must be a "
               "real mailto: or https: address.")


@push.command("worker")
@click.option("--idle", default=1.0, show_default=True, help="Seconds between polls for due notifications.")
@click.option("--once", is_flag=True, help="Take in and send what is due now, then stop.")
@with_appcontext
def push_worker(idle, once):
    """Turn published order events into notifications and send them, retrying with backoff, until stopped."""
    import threading

    from .adapters.push import PushNotConfigured, worker_for_app
    try:
        worker = worker_for_app(current_app)
    except PushNotConfigured as exc:
        raise click.ClickException(str(exc)) from exc
    if once:
        click.echo(f"Push worker: {worker.run_once()} notifications made or sent.")
        return
    click.echo("Push worker running; Ctrl-C stops it.")
    try:
        worker.run_until(threading.Event(), idle_seconds=idle)
    except KeyboardInterrupt:
        click.echo("Push worker stopped.")


@click.group()
def webhooks():
    """Outgoing webhooks for API clients."""


@webhooks.command("worker")
@click.option("--idle", default=1.0, show_default=True, help="Seconds between polls for due deliveries.")
@click.option("--once", is_flag=True, help="Take in and send what is due now, then stop.")
@with_appcontext
def webhooks_worker(idle, once):
    """Turn published events into signed webhook deliveries and send them, retrying with backoff, until stopped."""
    import threading

    from .adapters.webhook_sender import worker_for_app
    worker = worker_for_app(current_app)
    if once:
        click.echo(f"Webhook worker: {worker.run_once()} deliveries made or sent.")
        return
    click.echo("Webhook worker running; Ctrl-C stops it.")
    try:
        worker.run_until(threading.Event(), idle_seconds=idle)
    except KeyboardInterrupt:
        click.echo("Webhook worker stopped.")


@click.group()
def mail():
    """Order e-mails to customers."""


@mail.command("worker")
@click.option("--idle", default=1.0, show_default=True, help="Seconds between polls for due messages.")
@click.option("--once", is_flag=True, help="Take in and send what is due now, then stop.")
@with_appcontext
def mail_worker(idle, once):
    """Turn published order events into e-mails and send them, retrying with backoff, until stopped."""
    import threading

    from .adapters.mail import mail_worker_for_app
    worker = mail_worker_for_app(current_app)
    if not current_app.config.get("MAIL_SMTP_HOST"):
        click.echo("No MAIL_SMTP_HOST: messages are written to the outbox folder, not sent.")
    if once:
        click.echo(f"Mail worker: {worker.run_once()} messages made or tried.")
        return
    click.echo("Mail worker running; Ctrl-C stops it.")
    try:
        worker.run_until(threading.Event(), idle_seconds=idle)
    except KeyboardInterrupt:
        click.echo("Mail worker stopped.")


def main() -> None:
    """The `waybill` console script: Flask's CLI bound to this app."""
    from . import create_app
    cli = FlaskGroup(create_app=lambda: create_app(), help="Waybill order management.")
    sys.exit(cli.main())
