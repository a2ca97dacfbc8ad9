"""Command line: `flask --app backend ...` or the `waybill` console script."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .accounts import AccountError, create_user
from .demo import demo_loaded, load_demo, reset_demo


def register_cli(app: Flask) -> None:
    """Attach the Waybill command groups to the app's CLI."""
    app.cli.add_command(users)
    app.cli.add_command(demo)


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
        user = create_user(email, password, role, name=name, customer_id=customer_id, warehouse_ids=warehouses)
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


def main() -> None:
    """The `waybill` console script: Flask's CLI bound to this app."""
    from . import create_app
    cli = FlaskGroup(create_app=lambda: create_app(), help="Waybill order management.")
    sys.exit(cli.main())
