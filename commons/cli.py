"""Command line: `flask --app commons users ...`, `demo-data` (see API.md)."""
from __future__ import annotations

import click
from flask import Flask

from commons.errors import ApiError


def register_cli(app: Flask) -> None:
    @app.cli.group()
    def users():
        """Create users and API tokens."""

    @users.command("create")
    @click.argument("email")
    @click.option("--name", required=True)
    @click.option("--role", required=True, type=click.Choice(["admin", "staff", "member", "volunteer"]))
    @click.option("--group", help="make the user a representative of this group (created, verified, if missing)")
    @click.option("--facility", help="make a staff user staff of this facility (created if missing)")
    @click.option("--password", help="sign-in password (at least 8 characters)")
    def create(email, name, role, group, facility, password):
        """Create a user (or update one with this e-mail)."""
        from commons.services import create_user

        try:
            user = create_user(email, name, role, password=password, group=group, facility=facility)
        except ApiError as err:
            raise click.ClickException(err.message) from None
        click.echo(f"User {user.id} {user.email} ({user.role}) ready.")

    @users.command("token")
    @click.argument("email")
    def token(email):
        """Print a new personal API token (the last word of the output)."""
        from commons.services import issue_token

        try:
            value = issue_token(email)
        except ApiError as err:
            raise click.ClickException(err.message) from None
        click.echo(f"New API token for {email.strip().lower()}: {value}")

    @app.cli.command("demo-data")
    @click.option("--bookings", default=0, type=click.IntRange(0, 2_000_000), help="also generate this many bookings")
    @click.option("--volunteers", default=0, type=click.IntRange(0, 1_000_000), help="also generate this many volunteers")
    def demo_data(bookings, volunteers):
        """Load a small, realistic Helsinki demo; safe to run twice."""
        from spaces.demo import load_demo

        summary = load_demo(bookings=bookings, volunteers=volunteers)
        click.echo(summary)
